"""The dossier's document cache: a download serves the file kept for the dossier's current
version, never one of an older version nor one of another answer.

- The walk: every public operation of the capability is either walked here (each one
  changes the version and queues the pre-render of the answer) or named as reading only,
  as changing nothing the document shows (and then the document is proven unchanged) or
  as making another dossier; an operation added later fails until it is classified. Changes
  made outside the capability (a centre or its employer renamed) change the version too.
- Isolation: a file kept for one answer is never served to a centre that is no party.
- The pre-render goes through Celery on Redis: queued after the commit, once per answer
  while one is queued, and run as a worker does, it fills the cache the next download
  reads.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import update

import ensemble.aap.tasks  # noqa: F401  (registers the task, as the worker's `include` does)
from aap.aap_support import (
    ALMA_DIRECTOR,
    BASSE_MASURE_DIRECTOR,
    ECHO_DIRECTOR,
    FRESNOY_DIRECTOR,
    MONTREUIL_DIRECTOR,
    fill_answer,
    load,
)
from ensemble.aap import exports, prerender
from ensemble.aap import operations as aap
from ensemble.aap.models import Funder, SectionStatus
from ensemble.kernel import clock
from ensemble.kernel.documents import cache
from ensemble.network.models import Centre, Employer
from ensemble.tenancy import context

from conftest import csrf_token, sign_in

STATUTES = Path(__file__).parent.parent / "corpus" / "attachments" / "statuts.pdf"
ECHO = "/c/echo/aap"

# Public names that read, refuse or describe: they change no row.
READ_ONLY = {
    "ALLOWED_TAGS", "AapError", "Block", "BudgetConflict", "CERFA_SECTIONS", "CallListing",
    "DiffLine", "FUNDER_LABELS", "MAX_AMOUNT", "MAX_BODY", "MissingAttachment", "MySection",
    "Readiness", "Run", "SILENT", "SectionConflict", "active_parties", "answer_link",
    "answers_of", "attachment_of", "attachments", "block_lines", "blocks", "budget_lines",
    "budget_of", "call_details", "can_approve_section", "can_assign_writer",
    "can_write_section", "comments", "diff", "is_lead_director", "is_member", "lead_party",
    "load_answer", "merge3", "mine_link", "missing_attachments", "my_sections",
    "network_calls", "note_of", "own_party", "partner_choices", "party_for", "people_of",
    "readiness", "sanitize", "section_link", "takes_part", "text_lines", "version_body",
    "versions", "visible_parties", "writer_choices",
    # The financial report's readers and constants.
    "GAP_THRESHOLD_PERCENT", "SMIC_HOURLY_GROSS", "PostValuation", "ReportDue",
    "default_period", "figures_of", "filling_party", "missing_for_signature", "parts_of",
    "report_lines", "report_of", "reports_due", "value_post_time",
}  # fmt: skip
# Writes that the funder's document does not show: the version may stay (proven below).
NOT_IN_THE_DOCUMENT = {
    "add_comment": "comments are the parties' discussion",
    "resolve_comment": "comments are the parties' discussion",
    "save_note": "a party's private notes",
    "notify": "a notification to people, not a row of the dossier",
    # The grant's financial report is a document of its own (report_exports.py),
    # on tables the dossier does not read.
    **dict.fromkeys(
        (
            "start_report", "update_report", "refresh_part", "enter_real", "delete_real",
            "save_part_comment", "sign_report",
        ),
        "the financial report, a document of its own",
    ),
}  # fmt: skip
# Writes that make another dossier or another call, with versions of their own.
ANOTHER_DOSSIER = {
    "create_call": "a new call has no answer yet",
    "create_answer": "a new answer: its version names its own id",
    "withdraw_call": "refused once a centre answers the call: no dossier is left behind",
}


def _state(session, demo, answer_id: int, email: str = ECHO_DIRECTOR) -> tuple[str, str]:
    """(the dossier's version, the hash of the whole document it shows)."""
    session.flush()
    session.expire_all()
    with context.using(demo.context_of(email), session):
        answer = load(session, answer_id)
        document = exports.dossier_document(
            exports.dossier_of(answer, aap.budget_of(session, answer))
        )
        return exports.dossier_version(session, answer), cache.key_of(document, "pdf")


def _section(session, answer_id, index=0):
    return sorted(load(session, answer_id).sections, key=lambda s: (s.position, s.id))[index]


def _own_line(session, answer_id, centre_id):
    lines = aap.budget_lines(session, load(session, answer_id))
    return next(line for line in lines if line.centre_id == centre_id)


def _steps(demo, session, ids):
    """(operation, acting person, what it does), in an order where each one acts."""
    answer_id = ids.answer_id
    echo, alma = demo.centre("echo"), demo.centre("alma")
    fresnoy_user = demo.user(FRESNOY_DIRECTOR).id

    def answer():
        return load(session, answer_id)

    def uid():
        return context.current().user_id

    def save(body):
        section = sec()
        return aap.save_section(
            session, section, base_version=section.current_version, body=body, author_id=uid()
        )

    def balance():
        budget = aap.budget_of(session, answer())
        if budget.difference:
            account = "70" if budget.difference < 0 else "606"
            aap.add_budget_line(session, answer(), echo, account=account, label="Équilibre",
                                amount=abs(budget.difference))  # fmt: skip

    def sec(index=0):
        return _section(session, answer_id, index)

    def the_attachment():
        return next(a for a in aap.attachments(session, answer()) if a.centre_id == alma.id)

    return [
        ("save_section", ECHO_DIRECTOR, lambda: (save("<p>Un</p>"), save("<p>Deux</p>"))),
        ("restore", ECHO_DIRECTOR, lambda: aap.restore(session, sec(), 1, uid())),
        ("set_section_status", ECHO_DIRECTOR,
         lambda: aap.set_section_status(session, sec(), SectionStatus.TO_REVIEW)),
        ("set_section_owner", ECHO_DIRECTOR,
         lambda: aap.set_section_owner(session, sec(1), ids.fresnoy_party_id)),
        ("assign_writer", FRESNOY_DIRECTOR,
         lambda: aap.assign_writer(session, sec(1), fresnoy_user)),
        ("set_section_due", ECHO_DIRECTOR,
         lambda: aap.set_section_due(session, sec(), date(2027, 3, 1))),
        ("set_section_limit", ECHO_DIRECTOR,
         lambda: aap.set_section_limit(session, sec(), "words", 500)),
        ("move_section", ECHO_DIRECTOR,
         lambda: aap.move_section(session, sec(2), 1)),
        ("add_section", ECHO_DIRECTOR, lambda: aap.add_section(session, answer(), "Annexe")),
        ("add_budget_line", ECHO_DIRECTOR,
         lambda: aap.add_budget_line(session, answer(), echo, account="606", label="Matériel",
                                     amount=Decimal("300"))),
        ("update_budget_line", ECHO_DIRECTOR,
         lambda: aap.update_budget_line(
             session, answer(), (line := _own_line(session, answer_id, echo.id)).id,
             base_version=line.version, account=line.account, label=line.label,
             funder=line.funder, amount=line.amount + 1)),
        ("delete_budget_line", ECHO_DIRECTOR,
         lambda: aap.delete_budget_line(
             session, answer(), (line := _own_line(session, answer_id, echo.id)).id, line.version)),
        ("invite_partner", ECHO_DIRECTOR, lambda: aap.invite_partner(session, answer(), alma)),
        ("respond", ALMA_DIRECTOR, lambda: aap.respond(session, answer(), alma, accept=True)),
        ("add_attachment", ALMA_DIRECTOR,
         lambda: aap.add_attachment(session, answer(), alma, kind="statutes",
                                    filename="statuts.pdf", content=STATUTES.read_bytes(),
                                    user_id=uid())),
        ("delete_attachment", ALMA_DIRECTOR,
         lambda: aap.delete_attachment(session, answer(), alma, the_attachment().id)),
        ("leave", ALMA_DIRECTOR, lambda: aap.leave(session, answer(), alma)),
        ("remove_partner", ECHO_DIRECTOR,
         lambda: aap.remove_partner(session, answer(), ids.basse_masure_party_id)),
        ("update_call", ECHO_DIRECTOR,
         lambda: aap.update_call(session, answer().call, funder=Funder.CAF,
                                 title="Bien vieillir, appel rectifié",
                                 deadline=date(2027, 4, 30))),
        ("submit", ECHO_DIRECTOR,
         lambda: (balance(), aap.submit(session, answer(), uid(), despite_unapproved=True))),
        ("record_outcome", ECHO_DIRECTOR,
         lambda: aap.record_outcome(session, answer(), granted=True, amount=Decimal("7500"),
                                    on=clock.today())),
        ("correct_outcome", ECHO_DIRECTOR,
         lambda: aap.correct_outcome(session, answer(), granted=False, amount=None,
                                     on=clock.today(), reason="Courrier du financeur")),
    ]  # fmt: skip


def test_every_operation_is_walked_or_classified():
    public = set(aap.__all__)
    classified = READ_ONLY | set(NOT_IN_THE_DOCUMENT) | set(ANOTHER_DOSSIER) | WALKED
    assert public - classified == set(), (
        "operations of the joint answers neither walked in test_document_cache.py nor "
        "classified there: say whether they change what the dossier shows"
    )


WALKED = {
    "save_section", "restore", "set_section_status", "set_section_owner", "assign_writer",
    "set_section_due", "set_section_limit", "move_section", "add_section", "add_budget_line",
    "update_budget_line", "delete_budget_line", "invite_partner", "respond", "add_attachment",
    "delete_attachment", "leave", "remove_partner", "update_call", "submit", "record_outcome",
    "correct_outcome",
}  # fmt: skip


def test_every_change_of_the_dossier_changes_its_version_and_queues_its_pre_render(
    demo, db_session, joint_answer
):
    fill_answer(demo, db_session, joint_answer)
    answer_id = joint_answer.answer_id
    steps = _steps(demo, db_session, joint_answer)
    assert {name for name, _who, _do in steps} == WALKED
    # A version seen again (a line added then deleted) must show the same document.
    shown = {}
    version, document = _state(db_session, demo, answer_id)
    shown[version] = document
    for name, email, do in steps:
        db_session.info.pop("aap.prerender.answers", None)
        with context.using(demo.context_of(email), db_session):
            do()
            db_session.flush()
        assert answer_id in prerender.pending(db_session), f"{name} queues no pre-render"
        after, after_document = _state(db_session, demo, answer_id)
        assert after != version, f"{name} leaves the dossier's version as it was"
        assert shown.setdefault(after, after_document) == after_document, (
            f"{name} brings back an older version with another document"
        )
        version, document = after, after_document


def test_a_centre_or_its_employer_renamed_changes_the_version(demo, db_session, joint_answer):
    """Names the document prints come from the network, outside the capability."""
    answer_id = joint_answer.answer_id
    version, document = _state(db_session, demo, answer_id)
    fresnoy = demo.centre("fresnoy-mackellerie")
    with context.using(context.system_context(is_admin=True), db_session):
        db_session.execute(
            update(Centre).where(Centre.id == fresnoy.id).values(name="Centre Social Fresnoy")
        )
    renamed, renamed_document = _state(db_session, demo, answer_id)
    assert renamed != version and renamed_document != document
    with context.using(context.system_context(is_admin=True), db_session):
        db_session.execute(
            update(Employer)
            .where(Employer.id == demo.centre("echo").employer_id)
            .values(siret="12345678900011")
        )
    assert _state(db_session, demo, answer_id)[0] != renamed


def test_what_the_document_does_not_show_leaves_it_and_its_version(demo, db_session, joint_answer):
    fill_answer(demo, db_session, joint_answer)
    answer_id = joint_answer.answer_id
    before = _state(db_session, demo, answer_id)
    with context.using(demo.context_of(FRESNOY_DIRECTOR), db_session) as ctx:
        section = _section(db_session, answer_id)
        comment = aap.add_comment(
            db_session, section, author=demo.user(FRESNOY_DIRECTOR), body="À relire."
        )
        aap.save_note(
            db_session, load(db_session, answer_id), demo.centre("fresnoy-mackellerie"), "Privé"
        )
    with context.using(demo.context_of(ECHO_DIRECTOR), db_session) as ctx:
        aap.resolve_comment(db_session, comment, ctx.user_id)
    assert _state(db_session, demo, answer_id) == before


def _client(app, email):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def test_a_download_serves_the_current_version_never_an_older_one(
    app, demo, db_session, joint_answer
):
    fill_answer(demo, db_session, joint_answer)
    answer_id = joint_answer.answer_id
    client = _client(app, FRESNOY_DIRECTOR)
    url = f"/c/fresnoy-mackellerie/aap/reponses/{answer_id}/dossier.docx"
    first = client.get(url)
    assert first.status_code == 200
    version = _state(db_session, demo, answer_id, FRESNOY_DIRECTOR)[0]
    assert cache.is_cached_version(version, "docx")
    assert client.get(url).data == first.data  # served from the cache
    with context.using(demo.context_of(ECHO_DIRECTOR), db_session) as ctx:
        section = _section(db_session, answer_id)
        aap.save_section(db_session, section, base_version=section.current_version,
                         body="<p>Texte réécrit par le chef de file</p>",
                         author_id=ctx.user_id)  # fmt: skip
    db_session.flush()
    again = client.get(url)
    assert "Texte réécrit par le chef de file" in _docx_text(again.data)
    assert "Texte réécrit" not in _docx_text(first.data)


def test_a_cached_dossier_is_never_served_to_a_centre_that_is_no_party(
    app, demo, db_session, joint_answer
):
    fill_answer(demo, db_session, joint_answer)
    answer_id = joint_answer.answer_id
    lead = _client(app, ECHO_DIRECTOR)
    for fmt in exports.FORMATS:
        assert lead.get(f"{ECHO}/reponses/{answer_id}/dossier.{fmt}").status_code == 200
    version = _state(db_session, demo, answer_id)[0]
    assert version.startswith(f"aap-answer-{answer_id}-")  # never shared between answers
    assert all(cache.is_cached_version(version, fmt) for fmt in exports.FORMATS)
    # Alma is in the network but not in the answer; Montreuil is in another network.
    for email, slug in ((ALMA_DIRECTOR, "alma"), (MONTREUIL_DIRECTOR, "montreuil")):
        outsider = _client(app, email)
        for fmt in exports.FORMATS:
            for path in (f"/c/{slug}/aap", ECHO):
                response = outsider.get(f"{path}/reponses/{answer_id}/dossier.{fmt}")
                assert response.status_code == 404, (email, path, fmt)
                assert not response.data.startswith((b"%PDF", b"PK"))
        with context.using(demo.context_of(email), db_session):
            assert load(db_session, answer_id) is None


def test_a_removed_partner_no_longer_gets_the_file_it_downloaded(
    app, demo, db_session, joint_answer
):
    fill_answer(demo, db_session, joint_answer)
    answer_id = joint_answer.answer_id
    partner = _client(app, BASSE_MASURE_DIRECTOR)
    url = f"/c/basse-masure/aap/reponses/{answer_id}/dossier.pdf"
    assert partner.get(url).status_code == 200
    kept = _state(db_session, demo, answer_id, BASSE_MASURE_DIRECTOR)[0]
    assert cache.is_cached_version(kept, "pdf")
    with context.using(demo.context_of(ECHO_DIRECTOR), db_session):
        aap.remove_partner(
            db_session, load(db_session, answer_id), joint_answer.basse_masure_party_id
        )
    db_session.flush()
    response = partner.get(url)
    assert response.status_code == 404
    assert not response.data.startswith(b"%PDF")


def test_a_save_queues_one_pre_render_through_celery_which_fills_the_cache(
    app, demo, db_session, joint_answer, sent_tasks
):
    fill_answer(demo, db_session, joint_answer)
    answer_id = joint_answer.answer_id
    with context.using(demo.context_of(ECHO_DIRECTOR), db_session):
        section_id = _section(db_session, answer_id).id
    writer = _client(app, ECHO_DIRECTOR)
    url = f"{ECHO}/reponses/{answer_id}/rubriques/{section_id}/"
    sent_tasks.clear()

    def save(text: str) -> None:
        with context.using(demo.context_of(ECHO_DIRECTOR), db_session):
            base = _section(db_session, answer_id).current_version
        db_session.expire_all()
        token = csrf_token(writer, url)
        response = writer.post(
            url, data={"csrf_token": token, "base_version": str(base), "body": f"<p>{text}</p>"}
        )
        assert response.status_code == 302, response.status_code

    save("Version une")
    save("Version deux")  # one is queued already: no second message
    lead_id = demo.centre("echo").id
    assert sent_tasks.named(prerender.TASK) == [((answer_id, lead_id), {})]
    assert sent_tasks.run(prerender.TASK) == [["pdf", "docx", "odt"]]
    version = _state(db_session, demo, answer_id)[0]
    assert all(cache.is_cached_version(version, fmt) for fmt in exports.FORMATS)
    # The partners read the same rows: their download is the file the worker rendered.
    assert _state(db_session, demo, answer_id, FRESNOY_DIRECTOR)[0] == version
    kept = _client(app, BASSE_MASURE_DIRECTOR).get(
        f"/c/basse-masure/aap/reponses/{answer_id}/dossier.docx"
    )
    assert "Version deux" in _docx_text(kept.data)
    # The worker cleared the flag before reading: the next save queues again.
    save("Version trois")
    assert sent_tasks.named(prerender.TASK) == [((answer_id, lead_id), {})]


@pytest.mark.parametrize("seconds", [0])
def test_no_pre_render_is_queued_when_the_cache_is_off(
    app, demo, db_session, joint_answer, sent_tasks, seconds
):
    app.config["DOCUMENT_CACHE_SECONDS"] = seconds
    try:
        with context.using(demo.context_of(ECHO_DIRECTOR), db_session):
            section_id = _section(db_session, joint_answer.answer_id).id
        writer = _client(app, ECHO_DIRECTOR)
        url = f"{ECHO}/reponses/{joint_answer.answer_id}/rubriques/{section_id}/"
        sent_tasks.clear()
        token = csrf_token(writer, url)
        response = writer.post(
            url, data={"csrf_token": token, "base_version": "0", "body": "<p>Texte</p>"}
        )
        assert response.status_code == 302
        assert sent_tasks.named(prerender.TASK) == []
    finally:
        app.config["DOCUMENT_CACHE_SECONDS"] = 3600


def test_a_file_built_while_its_version_moved_is_not_kept_under_it(app_context):
    """The race the dossier guards against: its version read, then a change committed
    while the document is built; the file goes to its reader but not into the cache."""
    from ensemble.kernel import documents as doc

    document = doc.Document(title="Essai", blocks=[doc.Paragraph("Texte")])
    version = f"essai-{id(document)}"
    doc.render_version(version, "odt", lambda: document, lambda: False)
    assert not cache.is_cached_version(version, "odt")
    doc.render_version(version, "odt", lambda: document, lambda: True)
    assert cache.is_cached_version(version, "odt")


def test_a_worker_process_warms_the_document_engine_up_when_it_starts():
    from celery.signals import worker_process_init

    from ensemble.aap import tasks

    answered = worker_process_init.send(sender=None)
    assert (tasks._warm_documents, None) in answered
