"""The grant's financial report (Cerfa nº 15059*02), operations only: who starts,
fills and signs it, what it reads from the actions and the shared post, the
86/87 valuation, the gaps to explain, the deadline."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from aap.aap_support import BASSE_MASURE_DIRECTOR, ECHO_DIRECTOR, FRESNOY_DIRECTOR, load
from aap.report_support import (
    HELD,
    SESSION_HOURS,
    VOLUNTEER_HOURS,
    build_granted,
    expected_post_cost,
    fill_parts,
    start,
)
from ensemble.aap import operations as aap
from ensemble.aap.models import report_deadline
from ensemble.kernel.refusal import Refusal


@pytest.fixture
def granted(demo, db_session, frozen_clock):
    return build_granted(demo, db_session, frozen_clock)


def _report(db_session, answer_id):
    answer = load(db_session, answer_id)
    return answer, aap.report_of(db_session, answer)


def test_only_the_lead_starts_the_report_of_a_granted_answer(demo, db_session, granted, as_user):
    with as_user(FRESNOY_DIRECTOR):
        answer = load(db_session, granted.answer_id)
        with pytest.raises(Refusal, match="chef de file"):
            aap.start_report(db_session, answer)
    with as_user(ECHO_DIRECTOR):
        answer = load(db_session, granted.answer_id)
        report = aap.start_report(db_session, answer)
        # By default, the calendar year of the grant; the report is due six months after.
        year = answer.outcome_on.year
        assert (report.period_start, report.period_end) == (date(year, 1, 1), date(year, 12, 31))
        assert report.deadline == date(year + 1, 6, 30)
        assert report.hourly_rate == Decimal("12.02")
        with pytest.raises(Refusal, match="déjà commencé"):
            aap.start_report(db_session, answer)


def test_a_draft_answer_has_no_report(demo, db_session, joint_answer, as_user):
    with as_user(ECHO_DIRECTOR), pytest.raises(Refusal, match="accordée"):
        aap.start_report(db_session, load(db_session, joint_answer.answer_id))


def test_a_partner_part_reads_its_sessions_and_values_the_post(demo, db_session, granted, as_user):
    with as_user(ECHO_DIRECTOR):
        start(db_session, load(db_session, granted.answer_id))
    with as_user(FRESNOY_DIRECTOR):
        answer, report = _report(db_session, granted.answer_id)
        part = aap.refresh_part(db_session, answer, report, demo.centre("fresnoy-mackellerie"))
    assert part.actions == [
        {
            "name": "Ateliers numériques seniors",
            "public": "Personnes de plus de 60 ans",
            "sessions": HELD,
            "participations": 9 * HELD,
            "people": 0,
            "volunteers": 2 * HELD,
            "volunteer_hours": f"{VOLUNTEER_HOURS * HELD:.2f}",
            "post_hours": f"{SESSION_HOURS * HELD:.2f}",
        }
    ]
    assert part.post_hours == SESSION_HOURS * HELD
    assert part.post_cost == expected_post_cost()
    # Put at Fresnoy's disposal by Alma: personnel extérieur (621), no hour unvalued.
    assert (part.post_account, part.post_unvalued_hours) == ("621", 0)


def test_the_lead_cannot_fill_a_partner_part(demo, db_session, granted, as_user):
    with as_user(ECHO_DIRECTOR):
        answer = load(db_session, granted.answer_id)
        report = start(db_session, answer)
        with pytest.raises(Refusal, match="partenaire"):
            aap.refresh_part(db_session, answer, report, demo.centre("fresnoy-mackellerie"))


def test_volunteers_are_valued_in_86_and_87_alike(demo, db_session, granted, as_user):
    fill_parts(demo, db_session, granted)
    with as_user(ECHO_DIRECTOR):
        answer, report = _report(db_session, granted.answer_id)
        figures = aap.figures_of(db_session, answer, report)
    value = (VOLUNTEER_HOURS * HELD * Decimal("12.02")).quantize(Decimal("0.01"))
    fresnoy = {line.account: line for line in figures.lines_of(granted.fresnoy_party_id)}
    assert fresnoy["86"].real == fresnoy["87"].real == value
    assert fresnoy["621"].real == expected_post_cost()
    assert fresnoy["70"].real == Decimal("950")
    assert figures.class_real("86") == figures.class_real("87")
    assert figures.totals.charges_real == sum(
        (line.real for line in figures.lines if line.kind == "charge"), Decimal(0)
    )


def test_the_hourly_rate_is_the_report_s(demo, db_session, granted, as_user):
    fill_parts(demo, db_session, granted)
    with as_user(ECHO_DIRECTOR):
        answer, report = _report(db_session, granted.answer_id)
        aap.update_report(
            db_session,
            answer,
            report,
            period_start=report.period_start,
            period_end=report.period_end,
            hourly_rate=Decimal("15.00"),
            gap_threshold=report.gap_threshold,
            summary="Ateliers tenus à Fresnoy.",
        )
        figures = aap.figures_of(db_session, answer, report)
    assert figures.class_real("87") == VOLUNTEER_HOURS * HELD * 15


def test_a_gap_beyond_the_threshold_must_be_explained_before_signing(
    demo, db_session, granted, as_user
):
    fill_parts(demo, db_session, granted)
    with as_user(FRESNOY_DIRECTOR):
        answer, report = _report(db_session, granted.answer_id)
        aap.enter_real(
            db_session,
            answer,
            report,
            demo.centre("fresnoy-mackellerie"),
            budget_line_id=granted.fresnoy_lines["70"],
            amount=Decimal("600"),
        )
    with as_user(ECHO_DIRECTOR) as ctx:
        answer, report = _report(db_session, granted.answer_id)
        problems = aap.missing_for_signature(db_session, answer, report)
        assert len(problems) == 1 and "Participation des familles" in problems[0]
        with pytest.raises(Refusal, match="expliquez"):
            aap.sign_report(
                db_session,
                answer,
                report,
                name="Martine Leroy",
                quality="Présidente",
                on=date(2027, 1, 20),
                user_id=ctx.user_id,
            )


def test_signing_freezes_the_report(demo, db_session, granted, as_user):
    fill_parts(demo, db_session, granted)
    with as_user(ECHO_DIRECTOR) as ctx:
        answer, report = _report(db_session, granted.answer_id)
        assert aap.missing_for_signature(db_session, answer, report) == []
        with pytest.raises(Refusal, match="futur"):
            aap.sign_report(
                db_session,
                answer,
                report,
                name="Martine Leroy",
                quality="Présidente",
                on=date(2027, 2, 1),
                user_id=ctx.user_id,
            )
        aap.sign_report(
            db_session,
            answer,
            report,
            name="Martine Leroy",
            quality="Présidente",
            on=date(2027, 1, 20),
            user_id=ctx.user_id,
        )
        assert report.is_signed
    with as_user(FRESNOY_DIRECTOR):
        answer, report = _report(db_session, granted.answer_id)
        with pytest.raises(Refusal, match="signé"):
            aap.save_part_comment(
                db_session, answer, report, demo.centre("fresnoy-mackellerie"), "Trop tard"
            )


def test_a_partner_enters_only_its_own_lines(demo, db_session, granted, as_user):
    with as_user(ECHO_DIRECTOR):
        start(db_session, load(db_session, granted.answer_id))
    with as_user(BASSE_MASURE_DIRECTOR):
        answer, report = _report(db_session, granted.answer_id)
        with pytest.raises(Refusal, match="votre centre"):
            aap.enter_real(
                db_session,
                answer,
                report,
                demo.centre("basse-masure"),
                budget_line_id=granted.fresnoy_lines["70"],
                amount=Decimal("1"),
            )
        with pytest.raises(Refusal, match="bénévolat"):
            aap.enter_real(
                db_session,
                answer,
                report,
                demo.centre("basse-masure"),
                account="86",
                label="Locaux",
                amount=Decimal("10"),
            )
        line = aap.enter_real(
            db_session,
            answer,
            report,
            demo.centre("basse-masure"),
            account="606",
            label="Fournitures",
            amount=Decimal("85.30"),
            explanation="Achat non prévu d’une imprimante.",
        )
        figures = aap.figures_of(db_session, answer, report)
        unplanned = next(x for x in figures.lines if x.entry_id == line.id)
        assert (unplanned.planned, unplanned.real, unplanned.gap_percent) == (
            0,
            Decimal("85.30"),
            None,
        )


def test_deadline_is_six_months_after_the_financial_year():
    assert report_deadline(date(2026, 12, 31)) == date(2027, 6, 30)
    assert report_deadline(date(2026, 8, 31)) == date(2027, 2, 28)
    assert report_deadline(date(2026, 6, 15)) == date(2026, 12, 15)


def test_reports_due_list_the_granted_answers_until_signed(demo, db_session, granted, as_user):
    with as_user(FRESNOY_DIRECTOR):
        due = aap.reports_due(db_session, demo.centre("fresnoy-mackellerie").id)
    year = date.today().year  # the year of the grant, as no report says otherwise yet
    # (the demo network's own granted answers are listed too)
    assert [
        (d.answer_id, d.deadline, d.started) for d in due if d.answer_id == granted.answer_id
    ] == [(granted.answer_id, date(year + 1, 6, 30), False)]
    fill_parts(demo, db_session, granted)
    with as_user(ECHO_DIRECTOR) as ctx:
        answer, report = _report(db_session, granted.answer_id)
        aap.sign_report(
            db_session,
            answer,
            report,
            name="Martine Leroy",
            quality="Présidente",
            on=date(2027, 1, 20),
            user_id=ctx.user_id,
        )
        due = aap.reports_due(db_session, demo.centre("echo").id)
        assert granted.answer_id not in {d.answer_id for d in due}
