"""HR pages over HTTP: the cross-employer view, isolation, forms, the toolbox, the task."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ensemble.audit.models import AuditAction, AuditEntry
from ensemble.hr import operations
from ensemble.hr.models import ContractType, DueItem, DueKind, StaffMember
from ensemble.tenancy import context

from .conftest import ALMA_DIRECTOR, ALMA_STAFF, HR_MANAGER, ICIELA_DIRECTOR
from conftest import csrf_token, sign_in

SOON = date.today()


def _person(add_person, employer, name, **fields):
    return add_person(employer, name, start_date=fields.pop("start_date", SOON), **fields)


def test_cross_view_labels_each_item_with_its_employer_and_filters(
    client, alma, iciela, add_person
):
    _person(add_person, alma, "Delcourt")
    _person(add_person, iciela, "Benali")
    sign_in(client, HR_MANAGER)
    html = client.get("/rh/").get_data(as_text=True)
    assert "DELCOURT" in html and "BENALI" in html
    assert "Association Centre Social Alma" in html and "Association Iciela" in html
    assert "Fin de période d’essai" in html
    only_iciela = client.get("/rh/?employeur=iciela").get_data(as_text=True)
    assert "BENALI" in only_iciela and "DELCOURT" not in only_iciela


def test_alma_director_sees_nothing_of_iciela(client, demo, alma, iciela, add_person):
    person = _person(add_person, iciela, "Benali")
    sign_in(client, ALMA_DIRECTOR)
    for url in (
        "/e/iciela/rh/",
        "/e/iciela/rh/personnel",
        f"/e/iciela/rh/personnel/{person}",
        "/e/iciela/rh/documents",
        "/e/iciela/rh/boite-a-outils",
        f"/e/association-alma/rh/personnel/{person}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Page introuvable" in response.get_data(as_text=True)
    overview = client.get("/rh/").get_data(as_text=True)
    assert "BENALI" not in overview and "Association Iciela" not in overview


def test_staff_never_see_hr_pages(client, alma):
    sign_in(client, ALMA_STAFF)
    assert client.get("/rh/").status_code == 404
    assert client.get("/e/association-alma/rh/").status_code == 404


def test_opening_a_record_is_audited(client, demo, db_session, alma, add_person):
    person = _person(add_person, alma, "Delcourt")
    sign_in(client, ALMA_DIRECTOR)
    assert client.get(f"/e/association-alma/rh/personnel/{person}").status_code == 200
    with context.using(demo.context_of(ALMA_DIRECTOR), db_session):
        entries = db_session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == AuditAction.READ,
                AuditEntry.object_type == "hr_staff_members",
                AuditEntry.object_id == person,
            )
        ).all()
    assert [e.user_id for e in entries] == [demo.user(ALMA_DIRECTOR).id]
    assert entries[0].employer_id == alma.id


def test_adding_and_editing_a_person_updates_due_dates(client, demo, db_session, alma):
    sign_in(client, HR_MANAGER)
    url = "/e/association-alma/rh/personnel/nouveau"
    form = {
        "csrf_token": csrf_token(client, url),
        "last_name": "Vandamme",
        "first_name": "Léo",
        "job_title": "Animateur jeunesse",
        "contract_type": "cdd",
        "category": "employee",
        "start_date": "02/11/2026",
        "end_date": "",
        "fte": "0,8",
        "centre_ids": str(demo.centre("alma").id),
        "health_follow_up": "standard",
    }
    refused = client.post(url, data=form)
    assert refused.status_code == 422
    assert "doit avoir une date de fin" in refused.get_data(as_text=True)
    form["end_date"] = "30/04/2027"
    created = client.post(url, data=form)
    assert created.status_code == 302
    with context.using(demo.context_of(HR_MANAGER), db_session):
        member = db_session.scalar(select(StaffMember).where(StaffMember.last_name == "Vandamme"))
        assert str(member.fte) == "0.800"
        kinds = {
            i.kind: i.due_on
            for i in db_session.scalars(select(DueItem).filter_by(staff_member_id=member.id))
        }
    assert kinds[DueKind.CONTRACT_END] == date(2027, 4, 30)
    edit = f"/e/association-alma/rh/personnel/{member.id}/modifier"
    form.update(csrf_token=csrf_token(client, edit), contract_type="cdi", end_date="")
    assert client.post(edit, data=form).status_code == 302
    with context.using(demo.context_of(HR_MANAGER), db_session):
        kinds = {
            i.kind for i in db_session.scalars(select(DueItem).filter_by(staff_member_id=member.id))
        }
    assert DueKind.CONTRACT_END not in kinds and DueKind.PROFESSIONAL_REVIEW in kinds


def test_a_form_without_its_token_is_refused_not_saved(client, alma):
    sign_in(client, HR_MANAGER)
    response = client.post(
        "/e/association-alma/rh/personnel/nouveau",
        data={
            "last_name": "X",
            "first_name": "Y",
            "job_title": "Z",
            "start_date": "01/01/2026",
            "fte": "1",
        },
    )
    assert response.status_code == 422
    assert "formulaire a expiré" in response.get_data(as_text=True)


def test_toolbox_is_shared_with_chosen_employers_only(client, app, alma, iciela):
    from io import BytesIO

    sign_in(client, HR_MANAGER)
    token = csrf_token(client, "/rh/boite-a-outils")
    response = client.post(
        "/rh/boite-a-outils",
        data={
            "csrf_token": token,
            "title": "Guide d’entretien annuel",
            "kind": "guide",
            "description": "Trame commune",
            "employer_ids": [str(iciela.id)],
            "file": (BytesIO(b"Trame"), "guide.txt"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    iciela_client = app.test_client()
    sign_in(iciela_client, ICIELA_DIRECTOR)
    page = iciela_client.get("/e/iciela/rh/boite-a-outils").get_data(as_text=True)
    assert "Guide d’entretien annuel" in page
    alma_client = app.test_client()
    sign_in(alma_client, ALMA_DIRECTOR)
    assert "Guide d’entretien annuel" not in alma_client.get(
        "/e/association-alma/rh/boite-a-outils"
    ).get_data(as_text=True)


def test_private_documents_stay_with_their_employer(client, app, alma, iciela, add_person):
    from io import BytesIO

    sign_in(client, HR_MANAGER)
    token = csrf_token(client, "/e/iciela/rh/documents")
    response = client.post(
        "/e/iciela/rh/documents",
        data={
            "csrf_token": token,
            "title": "Accord d’entreprise Iciela",
            "kind": "other",
            "staff_member_id": "0",
            "file": (BytesIO(b"%PDF-1.4 accord"), "accord.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get("/e/iciela/rh/documents").get_data(as_text=True)
    assert "Accord d’entreprise Iciela" in page
    assert "Accord d’entreprise Iciela" not in client.get(
        "/e/association-alma/rh/documents"
    ).get_data(as_text=True)
    alma_director = app.test_client()
    sign_in(alma_director, ALMA_DIRECTOR)
    assert "Accord" not in alma_director.get("/e/association-alma/rh/documents").get_data(
        as_text=True
    )


def test_nightly_task_refreshes_each_employer(demo, db_session, alma, add_person):
    from ensemble.hr.tasks import refresh_due_items

    person = _person(add_person, alma, "Lenoir", contract_type=ContractType.CDI)
    with context.using(demo.context_of(HR_MANAGER), db_session):
        item = db_session.scalar(
            select(DueItem).filter_by(staff_member_id=person, kind=DueKind.HEALTH_VISIT)
        )
        item.due_on = date(2000, 1, 1)  # stale
        db_session.flush()
    assert refresh_due_items.run() >= 1
    assert refresh_due_items.run() == 0
    with context.using(demo.context_of(HR_MANAGER), db_session):
        db_session.expire_all()
        assert db_session.get(DueItem, item.id).due_on != date(2000, 1, 1)


def test_beat_schedule_has_the_nightly_refresh(app):
    schedule = app.extensions["celery"].conf.beat_schedule
    assert schedule["hr-due-items-nightly"]["task"] == "ensemble.hr.refresh_due_items"


def test_operations_scope_is_one_employer(demo, db_session, alma, iciela):
    with context.using(demo.context_of(HR_MANAGER), db_session):
        scoped = operations.narrowed(context.current(), alma.id)
    assert scoped.employer_ids == {alma.id} and not scoped.is_admin


def test_cross_view_page_sends_the_same_statements_whatever_the_register_size(
    client, demo, alma, iciela, add_person, count_queries
):
    sign_in(client, HR_MANAGER)
    client.get("/rh/")  # warm-up: sessions, translations

    def statements() -> int:
        with count_queries() as sent:
            assert client.get("/rh/?horizon=tout").status_code == 200
        return len(sent)

    before = statements()
    for n in range(10):
        _person(add_person, alma, f"Ajout{n}", centre_ids=[demo.centre("alma").id])
        _person(add_person, iciela, f"Ajout{n}", centre_ids=[demo.centre("assia-djebar").id])
    assert statements() == before
