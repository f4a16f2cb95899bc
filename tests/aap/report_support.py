"""A granted joint answer whose financial report can be produced: the Bien
Vieillir test answer (ECHO leads, Fresnoy Mackellerie and Basse Masure are
partners), submitted and granted 14 000 € (on the real day: the database stamps the
submission); its report covers the financial year 2026 (`PERIOD`);
Fresnoy's action « Ateliers numériques seniors » is funded by it and run by
the digital-transition officer (Alma's post put at Fresnoy's disposal): four
weekly sessions of two hours from Monday 2 March 2026, three held, with two
volunteers for 1,5 hour each at every session held; the post's March
statement is issued. The clock is left on 20 January 2027, after the
financial year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from posts.posts_support import ALMA_DIRECTOR, OFFICER, build_officer_post

from aap.aap_support import (
    BASSE_MASURE_DIRECTOR,
    ECHO_DIRECTOR,
    FRESNOY_DIRECTOR,
    build_answer,
    fill_answer,
    load,
)
from ensemble.aap import operations as aap
from ensemble.activity import operations as activity
from ensemble.agenda import operations as agenda
from ensemble.kernel import clock
from ensemble.posts import operations as posts
from ensemble.posts.models import SharedPost
from ensemble.tenancy import context

# The post's real cost in March (gross salary + charges + expenses − aid) and a
# month of its 35 weekly hours (35 × 52 ÷ 12, to the hundredth).
MARCH_COST = Decimal("2450.00") + Decimal("1078.00") + Decimal("86.40")
MONTH_HOURS = Decimal("151.67")
PERIOD = (date(2026, 1, 1), date(2026, 12, 31))
HELD = 3
SESSION_HOURS = Decimal(2)
VOLUNTEER_HOURS = Decimal("3.0")  # two volunteers, 1,5 hour each, per session


@dataclass
class GrantedAnswer:
    answer_id: int
    agreement_id: int
    fresnoy_party_id: int
    basse_masure_party_id: int
    action_id: int
    post_agreement_id: int
    fresnoy_lines: dict[str, int]  # account -> budget line id


def build_granted(demo, session, freeze) -> GrantedAnswer:
    joint = build_answer(demo, session)
    fill_answer(demo, session, joint)
    fresnoy = demo.centre("fresnoy-mackellerie")
    lines: dict[str, int] = {}
    with context.using(demo.context_of(FRESNOY_DIRECTOR), session):
        answer = load(session, joint.answer_id)
        for account, label, amount in (
            ("70", "Participation des familles", "1200"),
            ("621", "Mise à disposition du chargé de transition numérique", "200"),
            ("86", "Bénévolat", "40"),
            ("87", "Bénévolat", "40"),
        ):
            line = aap.add_budget_line(
                session, answer, fresnoy, account=account, label=label, amount=Decimal(amount)
            )
            lines[account] = line.id
    with context.using(demo.context_of(ECHO_DIRECTOR), session) as ctx:
        answer = load(session, joint.answer_id)
        aap.submit(session, answer, ctx.user_id, despite_unapproved=True)
        session.flush()
    # Submission is stamped by the database's clock: the decision follows it.
    with context.using(demo.context_of(ECHO_DIRECTOR), session):
        answer = load(session, joint.answer_id)
        aap.record_outcome(session, answer, granted=True, amount=Decimal("14000"), on=date.today())
        session.flush()
    post = build_officer_post(demo, session)
    with context.using(demo.context_of(OFFICER), session) as ctx:
        agenda.open_calendar(session, post.agreement_id, ctx.user_id)
    freeze(date(2026, 3, 20))
    with context.using(demo.context_of(FRESNOY_DIRECTOR), session):
        action = activity.save_action(
            session,
            fresnoy,
            name="Ateliers numériques seniors",
            sector=next(iter(activity.sectors())),
            public="Personnes de plus de 60 ans",
            place="Salle informatique",
            funding_agreement_id=joint.agreement_id,
            post_agreement_id=post.agreement_id,
        )
        planned = activity.plan_sessions(
            session, action, first_day=date(2026, 3, 2), start=time(14), end=time(16), count=4
        )
        for held in planned.sessions[:HELD]:
            activity.record_attendance(
                session,
                held,
                activity.Attendance(participants=9, volunteers=2, volunteer_hours=VOLUNTEER_HOURS),
            )
        action_id = action.id
    freeze(date(2026, 4, 2))
    with context.using(demo.context_of(ALMA_DIRECTOR), session):
        posts.issue_statement(session, session.get_one(SharedPost, post.post_id), date(2026, 3, 1))
    session.flush()
    freeze(date(2027, 1, 20))
    session.expire_all()
    return GrantedAnswer(
        joint.answer_id,
        joint.agreement_id,
        joint.fresnoy_party_id,
        joint.basse_masure_party_id,
        action_id,
        post.agreement_id,
        lines,
    )


def start(session, answer):
    """The lead starts the report of the financial year 2026."""
    return aap.start_report(session, answer, period_start=PERIOD[0], period_end=PERIOD[1])


def expected_post_cost() -> Decimal:
    """Six hours at the March statement's hourly cost, rounded once."""
    return (HELD * SESSION_HOURS * MARCH_COST / MONTH_HOURS).quantize(Decimal("0.01"))


def fill_parts(demo, session, granted: GrantedAnswer) -> None:
    """Every party refreshes its part and enters its real amounts; gaps beyond 15 %
    are explained."""
    with context.using(demo.context_of(ECHO_DIRECTOR), session):
        answer = load(session, granted.answer_id)
        report = aap.report_of(session, answer) or start(session, answer)
        echo = demo.centre("echo")
        aap.refresh_part(session, answer, report, echo)
        for line in aap.budget_lines(session, answer):
            if line.centre_id == echo.id:
                aap.enter_real(
                    session,
                    answer,
                    report,
                    echo,
                    budget_line_id=line.id,
                    amount=line.amount if line.account == "74" else Decimal("19250.40"),
                )
    with context.using(demo.context_of(FRESNOY_DIRECTOR), session):
        answer = load(session, granted.answer_id)
        report = aap.report_of(session, answer)
        fresnoy = demo.centre("fresnoy-mackellerie")
        aap.refresh_part(session, answer, report, fresnoy)
        aap.enter_real(
            session,
            answer,
            report,
            fresnoy,
            budget_line_id=granted.fresnoy_lines["70"],
            amount=Decimal("950"),
            explanation="Moins d’inscrits que prévu au premier trimestre.",
        )
        for account in ("621", "86", "87"):
            aap.enter_real(
                session,
                answer,
                report,
                fresnoy,
                budget_line_id=granted.fresnoy_lines[account],
                amount=None,
                explanation="Valorisé d’après les séances tenues.",
            )
        aap.save_part_comment(
            session, answer, report, fresnoy, "Trois ateliers tenus sur quatre prévus."
        )
    with context.using(demo.context_of(BASSE_MASURE_DIRECTOR), session):
        answer = load(session, granted.answer_id)
        report = aap.report_of(session, answer)
        basse_masure = demo.centre("basse-masure")
        aap.refresh_part(session, answer, report, basse_masure)
        for line in aap.budget_lines(session, answer):
            if line.centre_id == basse_masure.id:
                aap.enter_real(
                    session,
                    answer,
                    report,
                    basse_masure,
                    budget_line_id=line.id,
                    amount=line.amount,
                )
    session.flush()
    session.expire_all()


__all__ = ["clock"]
