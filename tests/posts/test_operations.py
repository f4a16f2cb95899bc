"""Shared posts: refusals with clear French messages, time, gauges, statements,
documents and the extension points (hours source, shares, cooperation)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from ensemble.posts import operations as posts
from ensemble.posts.models import (
    Arrangement,
    DocumentKind,
    PostStatement,
    PostStatementLine,
    ShareUnit,
)
from ensemble.sharing.agreed_hours import fractions_on
from ensemble.sharing.timesheets import SOURCES, agreed_shares, hours_by_source
from posts.posts_support import (
    ALMA_DIRECTOR,
    FRESNOY_DIRECTOR,
    OFFICER,
    load_post,
)


def _allocate(session, post, partner, share, start, end=None, unit=ShareUnit.PERCENT, **kw):
    return posts.add_allocation(
        session, post, partner, unit=unit, share=Decimal(share), starts_on=start, ends_on=end, **kw
    )


def _refusal(call) -> posts.PostError:
    with pytest.raises(posts.PostError) as caught:
        call()
    return caught.value


@pytest.fixture
def empty_post(demo, db_session, as_user):
    with as_user(ALMA_DIRECTOR):
        post = posts.create_post(
            db_session,
            demo.employer("association-alma"),
            title="Poste d’essai",
            arrangement=Arrangement.SECONDMENT,
            holder=demo.user(OFFICER),
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
        )
        return post.id


def test_shares_over_100_percent_on_any_date_are_refused(demo, db_session, as_user, empty_post):
    with as_user(ALMA_DIRECTOR):
        post = load_post(db_session, empty_post)
        _allocate(db_session, post, demo.employer("association-alma"), "60", date(2026, 1, 1))
        _allocate(
            db_session,
            post,
            demo.centre("fresnoy-mackellerie"),
            "40",
            date(2026, 1, 1),
            date(2026, 6, 30),
        )
        error = _refusal(
            lambda: _allocate(db_session, post, demo.centre("basse-masure"), "10", date(2026, 3, 1))
        )
        assert error.field == "share"
        assert str(error.message) == (
            "Les parts dépasseraient 100 % du temps le 01/03/2026 (110 %)."
        )
        # After Fresnoy's period ends, the 40 % are free again.
        _allocate(db_session, post, demo.centre("basse-masure"), "40", date(2026, 7, 1))
        # Hours per week count against the post's working time (35 h).
        error = _refusal(
            lambda: _allocate(
                db_session,
                post,
                demo.centre("echo"),
                "3.5",
                date(2026, 8, 1),
                unit=ShareUnit.HOURS_PER_WEEK,
            )
        )
        assert "110 %" in str(error.message)


def test_overlapping_periods_for_one_party_are_refused(demo, db_session, as_user, empty_post):
    fresnoy = demo.centre("fresnoy-mackellerie")
    with as_user(ALMA_DIRECTOR):
        post = load_post(db_session, empty_post)
        _allocate(db_session, post, fresnoy, "30", date(2026, 1, 1), date(2026, 6, 30))
        error = _refusal(
            lambda: _allocate(db_session, post, fresnoy, "20", date(2026, 6, 1), date(2026, 9, 30))
        )
        assert str(error.message) == (
            "Centre Social Fresnoy Mackellerie a déjà une part du 01/01/2026 au 30/06/2026 : "
            "les périodes d’une même structure ne peuvent se chevaucher."
        )
        _allocate(db_session, post, fresnoy, "20", date(2026, 7, 1), date(2026, 9, 30))


def test_a_period_ending_before_it_starts_is_refused(demo, db_session, as_user, empty_post):
    with as_user(ALMA_DIRECTOR):
        post = load_post(db_session, empty_post)
        error = _refusal(
            lambda: _allocate(
                db_session,
                post,
                demo.centre("basse-masure"),
                "30",
                date(2026, 5, 1),
                date(2026, 4, 1),
            )
        )
        assert (error.field, str(error.message)) == (
            "ends_on",
            "La date de fin précède la date de début.",
        )
        error = _refusal(
            lambda: posts.create_post(
                db_session,
                demo.employer("association-alma"),
                title="x",
                arrangement=Arrangement.SHARED_TIME,
                holder=demo.user(OFFICER),
                starts_on=date(2026, 5, 1),
                ends_on=date(2026, 4, 30),
            )
        )
        assert str(error.message) == "La date de fin précède la date de début."


def test_a_party_outside_the_network_is_refused(demo, db_session, as_user):
    alma_employer = demo.employer("association-alma")
    grand_air = demo.centre("grand-air")  # another federation, invisible from Roubaix
    expected = "Cette structure ne fait pas partie de votre réseau : choisissez-la dans la liste."
    with as_user(ALMA_DIRECTOR):
        for key in (f"c:{grand_air.id}", f"e:{grand_air.employer_id}", "c:999999999", "x:1", ""):
            error = _refusal(lambda k=key: posts.resolve_partner(db_session, alma_employer, k))
            assert (error.field, str(error.message)) == ("party", expected), key
        fresnoy = demo.centre("fresnoy-mackellerie")
        assert posts.resolve_partner(db_session, alma_employer, f"c:{fresnoy.id}").id == fresnoy.id
        employers, centres = posts.partner_choices(db_session, alma_employer)
        assert grand_air.id not in {c.id for c in centres}
        assert "iciela" in {e.slug for e in employers}


def test_an_employer_party_names_the_centre_its_share_goes_to(
    demo, db_session, as_user, empty_post
):
    with as_user(ALMA_DIRECTOR):
        post = load_post(db_session, empty_post)
        error = _refusal(
            lambda: _allocate(db_session, post, demo.employer("iciela"), "50", date(2026, 1, 1))
        )
        assert error.field == "site_centre_id"
        allocation = _allocate(
            db_session,
            post,
            demo.employer("iciela"),
            "50",
            date(2026, 1, 1),
            site_centre_id=demo.centre("assia-djebar").id,
        )
        assert allocation.party.employer_id == demo.employer("iciela").id


def test_time_gauges_and_the_registered_sources(demo, db_session, as_user, officer_post):
    fresnoy = demo.centre("fresnoy-mackellerie")
    with as_user(FRESNOY_DIRECTOR):
        post = load_post(db_session, officer_post.post_id)
        for day, hours in ((2, "7.5"), (9, "7.5"), (16, "7.5"), (23, "7.5")):
            posts.add_time_entry(
                db_session,
                post,
                centre_id=fresnoy.id,
                work_date=date(2026, 3, day),
                hours=Decimal(hours),
            )
        error = _refusal(
            lambda: posts.add_time_entry(
                db_session,
                post,
                centre_id=demo.centre("echo").id,
                work_date=date(2026, 3, 3),
                hours=Decimal(2),
            )
        )
        assert str(error.message) == "Choisissez un des centres du poste."
        assert "manual" in SOURCES
        march = hours_by_source(
            db_session, demo.user(OFFICER).id, date(2026, 3, 1), date(2026, 4, 1)
        )
        assert march["manual"][fresnoy.id] >= Decimal("30")

        gauges, _ = posts.gauges(db_session, post, date(2026, 3, 1), today=date(2026, 11, 21))
        by_label = {g.label: g for g in gauges}
        fresnoy_gauge = by_label["Centre Social Fresnoy Mackellerie"]
        # 30 % of 35 h over the 22 working days of March 2026.
        assert fresnoy_gauge.agreed == Decimal("46.20")
        assert fresnoy_gauge.worked >= Decimal("30")
        assert fresnoy_gauge.flagged  # about −35 %, beyond the 10 % threshold
        alma_gauge = by_label["Association Centre Social Alma"]
        assert alma_gauge.agreed == Decimal("61.60")

        shares = agreed_shares(
            db_session, demo.user(OFFICER).id, date(2026, 3, 10), date(2026, 3, 11)
        )
        assert fractions_on(shares, date(2026, 3, 10))[fresnoy.id] >= Decimal("0.3")


def test_statement_lines_add_up_to_the_real_cost(demo, db_session, as_user, officer_post):
    with as_user(ALMA_DIRECTOR):
        post = load_post(db_session, officer_post.post_id)
        statement = posts.issue_statement(db_session, post, date(2026, 3, 1))
        figures = posts.statement_figures(db_session, statement)
        assert figures.cost.real_cost == Decimal("3614.40")
        assert [(line.party_name, line.amount) for line in figures.lines] == [
            ("Association Centre Social Alma", Decimal("1445.76")),
            ("Centre Social Fresnoy Mackellerie", Decimal("1084.32")),
            ("Centre Social Basse Masure", Decimal("1084.32")),
        ]
        assert figures.reinvoiced + figures.carrier_line.amount == figures.cost.real_cost

        # Issued again with nothing changed (a double click, a replayed form): refused,
        # no identical version piles up.
        error = _refusal(lambda: posts.issue_statement(db_session, post, date(2026, 3, 1)))
        assert "déjà à jour (version 1)" in error.message and error.field == "month"

        # A correction is a new version that names the one it replaces.
        posts.set_cost(
            db_session,
            post,
            valid_from=date(2026, 3, 1),
            gross_salary=Decimal("2450.00"),
            employer_charges=Decimal("1078.00"),
            travel_expenses=Decimal("120.10"),
            employment_aid=Decimal("0.00"),
        )
        corrected = posts.issue_statement(
            db_session, post, date(2026, 3, 1), correction_note="Frais de mars complétés"
        )
        assert (corrected.version, corrected.supersedes_id) == (2, statement.id)
        assert posts.statement_figures(db_session, corrected).total == Decimal("3648.10")
        # The first version did not move.
        assert posts.statement_figures(db_session, statement).total == Decimal("3614.40")


def test_monthly_statement_is_issued_once(demo, db_session, as_user, officer_post):
    with as_user(ALMA_DIRECTOR):
        post = load_post(db_session, officer_post.post_id)
        first = posts.ensure_monthly_statement(db_session, post, date(2026, 4, 1))
        again = posts.ensure_monthly_statement(db_session, post, date(2026, 4, 1))
        assert first is not None and again is None
        count = db_session.scalar(
            select(func.count(PostStatement.id)).where(PostStatement.post_id == post.id)
        )
        assert count == 1
        # No statement before the post began, nor without a known cost.
        assert posts.ensure_monthly_statement(db_session, post, date(2025, 12, 1)) is None


def test_a_statement_needs_the_cost_of_its_month(demo, db_session, as_user, empty_post):
    with as_user(ALMA_DIRECTOR):
        post = load_post(db_session, empty_post)
        error = _refusal(lambda: posts.issue_statement(db_session, post, date(2026, 3, 1)))
        assert "Saisissez d’abord le coût réel du poste" in str(error.message)


def test_staff_of_a_party_reads_no_statement_amount(demo, db_session, as_user, officer_post):
    with as_user(ALMA_DIRECTOR):
        statement_id = posts.issue_statement(
            db_session, load_post(db_session, officer_post.post_id), date(2026, 3, 1)
        ).id
    with as_user(OFFICER):
        statement = db_session.get(PostStatement, statement_id)
        assert statement is not None
        assert posts.statement_figures(db_session, statement) is None
        assert db_session.scalars(select(PostStatementLine)).all() == []


def test_documents_are_checked_and_the_checklist_shows_what_is_missing(
    demo, db_session, as_user, officer_post
):
    with as_user(ALMA_DIRECTOR):
        post = load_post(db_session, officer_post.post_id)
        for name, data, message in (
            ("vide.pdf", b"", "Le fichier est vide."),
            ("image.gif", b"GIF89a", "Formats acceptés"),
            ("faux.pdf", b"MZ\x90\x00", "Formats acceptés"),
            ("gros.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "Le fichier dépasse 5 Mo."),
        ):
            error = _refusal(
                lambda n=name, d=data: posts.add_document(
                    db_session,
                    post,
                    kind=DocumentKind.CONSENT,
                    signed_on=date(2026, 1, 2),
                    filename=n,
                    data=d,
                )
            )
            assert message in str(error.message), name
        posts.add_document(
            db_session,
            post,
            kind=DocumentKind.CONSENT,
            signed_on=date(2025, 12, 20),
            filename="C:\\Documents\\accord.pdf",
            data=b"%PDF-1.4 accord",
        )
        documents = posts.documents_of(db_session, post)
        assert documents[0].filename == "accord.pdf"
        items = posts.secondment_checklist(
            db_session,
            post,
            documents,
            posts.allocations_with_parties(db_session, post),
            show_costs=True,
        )
        status = {str(item.label): item.done for item in items}
        assert status["Accord écrit du salarié"] is True
        assert status["Avenant au contrat de travail du salarié"] is False
        assert status["Convention de mise à disposition signée entre les employeurs"] is False
        assert status["Coût refacturé (saisie des coûts réels)"] is True
        hidden = posts.secondment_checklist(db_session, post, documents, [], show_costs=False)
        assert {str(i.label): i.done for i in hidden}[
            "Coût refacturé (saisie des coûts réels)"
        ] is None


def test_cooperation_figures_on_the_reporting_role(database, demo):
    """Aggregates per centre from the committed demo posts, read by the read-only
    reporting role (which may not read who holds a post)."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from ensemble.sharing.cooperation import PROVIDERS

    alma, fresnoy, echo = (demo.centre(s).id for s in ("alma", "fresnoy-mackellerie", "echo"))
    engine = create_engine(database.reporting)
    try:
        with Session(engine) as session:
            year = session.execute(
                text("SELECT extract(year FROM max(work_date))::int FROM post_time_entries")
            ).scalar()
            figures = PROVIDERS["shared_posts"](session, year)
    finally:
        engine.dispose()
    by_key = {(f.centre_id, f.code): f.value for f in figures}
    assert by_key[(alma, "shared_posts.count")] >= 2  # the HR manager and the officer
    assert by_key[(fresnoy, "shared_posts.count")] >= 1
    assert by_key[(fresnoy, "shared_posts.hours")] > 0
    assert Decimal(0) < by_key[(alma, "shared_posts.fte")] <= 1
    assert (echo, "shared_posts.count") not in by_key
    assert {f.unit for f in figures} == {"count", "hours", "fte"}
