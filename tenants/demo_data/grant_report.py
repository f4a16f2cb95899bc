"""A granted Bien Vieillir answer whose financial report (Cerfa nº 15059*02) can
be produced end to end.

« Bien vieillir : ateliers numériques des aînés » (Département du Nord): ECHO
led it with Fresnoy Mackellerie and Basse Masure; it was submitted some
thirteen months ago and granted 9 000 € for the twelve months ending last month (the
exercise of the grant; the report is due six months after). Since then:

- at Fresnoy, « Ateliers numériques des aînés », run by the digital-transition
  officer (Alma's post put at Fresnoy's disposal), booked in his calendar: 16
  weekly sessions of two hours, with attendance and a volunteer at each; the
  post's monthly statements are issued, so its time is valued at real cost;
- at Basse Masure, « Café des aînés », its own weekly afternoon: 20 sessions,
  the participants counted by sex, two volunteers each time.

The report is started and every party has filled its part (refreshed figures,
real amounts, gaps explained): the lead only has to read it, sign it and
download it. Idempotent: the call, once there, is left as it is."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ensemble.aap import operations as aap
from ensemble.aap.models import AapCall, Funder
from ensemble.activity import operations as activity
from ensemble.kernel import clock
from ensemble.posts import operations as posts
from ensemble.posts.models import SharedPost
from ensemble.sharing.models import Agreement
from ensemble.tenancy import context
from ensemble.tenancy.scopes import context_for_user
from tenants.demo import DemoNetwork

ORDER = 80  # after the posts (30), the calendar (40), the answers (60) and the actions (70)

TITLE = "Bien vieillir : ateliers numériques des aînés"
ECHO = "karim.haddou@echo.demo"
FRESNOY = "thomas.lefebvre@fresnoy.demo"
BASSE_MASURE = "aicha.ouali@bassemasure.demo"
ALMA = "claire.vasseur@alma.demo"
OFFICER_TITLE = "Chargé de transition numérique"


def _as(session: Session, net: DemoNetwork, email: str):
    return context.using(context_for_user(session, net.users[email].id), session)


def _months_before(month: date, count: int) -> date:
    for _ in range(count):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


def load(session: Session, net: DemoNetwork) -> None:
    with context.using(context.system_context(is_admin=True), session):
        exists = session.scalar(
            select(AapCall.id).where(
                AapCall.title == TITLE, AapCall.federation_id == net.federations["nord"].id
            )
        )
    if exists is not None:
        return
    session.info[aap.SILENT] = True
    try:
        _load(session, net)
    finally:
        session.info.pop(aap.SILENT, None)


def _load(session: Session, net: DemoNetwork) -> None:
    today = date.today()
    this_month = today.replace(day=1)
    period_start = _months_before(this_month, 12)
    period_end = this_month - timedelta(days=1)
    echo = net.centres["echo"]
    fresnoy, basse_masure = net.centres["fresnoy-mackellerie"], net.centres["basse-masure"]
    # Replayed history: the call was published, answered and submitted some 13 months
    # ago, before its deadline (last year: this year's network figures do not count it).
    with clock.frozen(today - timedelta(days=410)):
        answer_id, lines = _answer_long_ago(session, net, today, echo, fresnoy, basse_masure)
    with _as(session, net, ECHO):
        answer = aap.load_answer(session, answer_id)
        # Granted three weeks after the deadline.
        aap.record_outcome(
            session,
            answer,
            granted=True,
            amount=Decimal("9000.00"),
            on=today - timedelta(days=380),
        )
        session.flush()
    _fresnoy_workshops(session, net, answer_id, period_start, period_end)
    _basse_masure_cafe(session, net, answer_id, period_start)
    _fill(session, net, answer_id, lines, period_start, period_end)


def _answer_long_ago(
    session: Session, net: DemoNetwork, today: date, echo, fresnoy, basse_masure
) -> tuple[int, dict[str, dict[str, int]]]:
    with _as(session, net, ECHO) as ctx:
        call = aap.create_call(
            session,
            echo,
            funder=Funder.DEPARTEMENT,
            title=TITLE,
            deadline=today - timedelta(days=395),
            link="https://lenord.fr/",
            theme="Vieillissement, inclusion numérique",
            envelope=Decimal("60000.00"),
            created_by=ctx.user_id,
        )
        answer = aap.create_answer(session, call, echo)
        for centre in (fresnoy, basse_masure):
            aap.invite_partner(session, answer, centre)
        answer_id = answer.id
        session.flush()
    lines: dict[str, dict[str, int]] = {}
    plan = {
        FRESNOY: (
            fresnoy,
            [
                ("621", "Mise à disposition du chargé de transition numérique", "", "1900.00"),
                ("606", "Petit matériel informatique", "", "400.00"),
                ("86", "Bénévolat", "", "400.00"),
                ("87", "Bénévolat", "", "400.00"),
                ("70", "Participation des familles", "", "300.00"),
            ],
        ),
        BASSE_MASURE: (
            basse_masure,
            [
                ("606", "Goûters et fournitures", "", "600.00"),
                ("86", "Bénévolat", "", "500.00"),
                ("87", "Bénévolat", "", "500.00"),
                ("74", "Subvention", "CARSAT Hauts-de-France", "600.00"),
            ],
        ),
        ECHO: (
            echo,
            [
                ("641", "Coordination du projet (coordinatrice)", "", "7000.00"),
                ("74", "Subvention", "Département du Nord", "9000.00"),
            ],
        ),
    }
    for email, (centre, rows) in plan.items():
        with _as(session, net, email) as ctx:
            answer = aap.load_answer(session, answer_id)
            if email != ECHO:
                aap.respond(session, answer, centre, accept=True)
            lines[email] = {}
            for account, label, funder, amount in rows:
                line = aap.add_budget_line(
                    session,
                    answer,
                    centre,
                    account=account,
                    label=label,
                    funder=funder,
                    amount=Decimal(amount),
                    user_id=ctx.user_id,
                )
                lines[email][account] = line.id
            session.flush()
    with _as(session, net, ECHO) as ctx:
        answer = aap.load_answer(session, answer_id)
        for section in answer.sections:
            aap.save_section(
                session,
                section,
                base_version=section.current_version,
                body=f"<p>{section.title} : rédigée avec les partenaires.</p>",
                author_id=ctx.user_id,
            )
        aap.submit(session, answer, ctx.user_id, despite_unapproved=True)
        # The database dates the submission by its own clock: replay it too.
        assert answer.submitted_at is not None
        answer.submitted_at = clock.utcnow()
        session.flush()
    return answer_id, lines


def _officer_post(session: Session, net: DemoNetwork) -> SharedPost:
    alma_employer = net.centres["alma"].employer_id
    with _as(session, net, ALMA):
        return session.scalars(
            select(SharedPost)
            .join(Agreement, Agreement.id == SharedPost.agreement_id)
            .where(Agreement.owner_employer_id == alma_employer, Agreement.title == OFFICER_TITLE)
        ).one()


def _fresnoy_workshops(session, net, answer_id, period_start, period_end) -> None:
    post = _officer_post(session, net)
    with _as(session, net, FRESNOY):
        answer_agreement = aap.load_answer(session, answer_id).agreement_id
        action = activity.save_action(
            session,
            net.centres["fresnoy-mackellerie"],
            name="Ateliers numériques des aînés",
            sector="adultes_familles",
            public="Habitants de plus de 60 ans",
            place="Salle informatique",
            funding_agreement_id=answer_agreement,
            post_agreement_id=post.agreement_id,
        )
        # Thursdays from the third week of the post, late afternoons.
        first = max(post.starts_on, period_start) + timedelta(days=14)
        first += timedelta(days=(3 - first.weekday()) % 7)
        planned = activity.plan_sessions(
            session, action, first_day=first, start=time(15, 30), end=time(17, 30), count=16
        )
        for n, held in enumerate(planned.sessions):
            activity.record_attendance(
                session,
                held,
                activity.Attendance(
                    participants=7 + n % 4,
                    age_60_plus=7 + n % 4,
                    volunteers=1,
                    volunteer_hours=Decimal("2.5"),
                ),
            )
        months = sorted({s.starts_at.date().replace(day=1) for s in planned.sessions})
        session.flush()
    with _as(session, net, ALMA):
        post = session.get_one(SharedPost, post.id)
        for month in months:
            if month <= period_end:
                posts.ensure_monthly_statement(session, post, month)
        session.flush()


def _basse_masure_cafe(session, net, answer_id, period_start) -> None:
    with _as(session, net, BASSE_MASURE):
        agreement_id = aap.load_answer(session, answer_id).agreement_id
        action = activity.save_action(
            session,
            net.centres["basse-masure"],
            name="Café des aînés",
            sector="adultes_familles",
            public="Habitants isolés de plus de 60 ans",
            place="Salle polyvalente",
            funding_agreement_id=agreement_id,
        )
        first = period_start + timedelta(days=30)
        first += timedelta(days=(1 - first.weekday()) % 7)  # a Tuesday
        planned = activity.plan_sessions(
            session, action, first_day=first, start=time(14), end=time(16, 30), count=20
        )
        # Counts only, no one registered: the demo's Alma 2021 actions show the ticking
        # of registered people, and people registered here would fall under this
        # year's retention in every test of it.
        for n, held in enumerate(planned.sessions):
            women = 5 + n % 3
            activity.record_attendance(
                session,
                held,
                activity.Attendance(
                    participants=women + 3,
                    women=women,
                    men=3,
                    age_60_plus=women + 3,
                    volunteers=2,
                    volunteer_hours=Decimal("5"),
                ),
            )
        session.flush()


def _fill(session, net, answer_id, lines, period_start, period_end) -> None:
    with _as(session, net, ECHO):
        answer = aap.load_answer(session, answer_id)
        report = aap.start_report(session, answer, period_start=period_start, period_end=period_end)
        aap.update_report(
            session,
            answer,
            report,
            period_start=period_start,
            period_end=period_end,
            hourly_rate=report.hourly_rate,
            gap_threshold=report.gap_threshold,
            summary="Deux rendez-vous réguliers pour les aînés des quartiers Fresnoy et Basse "
            "Masure : des ateliers numériques, animés par le chargé de transition numérique "
            "mis à disposition, et un café hebdomadaire où l’on vient rompre l’isolement.\n\n"
            "Les ateliers ont été moins nombreux que prévu au démarrage du poste ; le café a "
            "trouvé son public, avec des bénévoles présents à chaque séance.",
        )
        aap.refresh_part(session, answer, report, net.centres["echo"])
        aap.enter_real(
            session,
            answer,
            report,
            net.centres["echo"],
            budget_line_id=lines[ECHO]["641"],
            amount=Decimal("6820.00"),
        )
        aap.enter_real(
            session,
            answer,
            report,
            net.centres["echo"],
            budget_line_id=lines[ECHO]["74"],
            amount=Decimal("9000.00"),
        )
        session.flush()
    fills = {
        FRESNOY: ("fresnoy-mackellerie", {"606": "382.40", "70": "240.00"}),
        BASSE_MASURE: ("basse-masure", {"606": "655.10", "74": "600.00"}),
    }
    for email, (slug, amounts) in fills.items():
        with _as(session, net, email):
            answer = aap.load_answer(session, answer_id)
            report = aap.report_of(session, answer)
            centre = net.centres[slug]
            aap.refresh_part(session, answer, report, centre)
            figures = aap.figures_of(session, answer, report)
            party = aap.party_for(answer, centre)
            for line in figures.lines_of(party.id):
                if line.budget_line_id is None:
                    continue
                amount = amounts.get(line.account)
                explanation = ""
                if line.computed:
                    explanation = "Valorisé d’après les séances tenues et les présences."
                elif line.account == "70":
                    explanation = "Gratuité accordée aux bénéficiaires du minimum vieillesse."
                aap.enter_real(
                    session,
                    answer,
                    report,
                    centre,
                    budget_line_id=line.budget_line_id,
                    amount=None if line.computed else Decimal(amount or "0"),
                    explanation=explanation,
                )
            aap.save_part_comment(
                session,
                answer,
                report,
                centre,
                "Séances tenues comme prévu au calendrier ; présences relevées à chaque fois.",
            )
            session.flush()
    # Explanations for what still exceeds the threshold (computed lines included).
    for email, (slug, _amounts) in fills.items():
        with _as(session, net, email):
            answer = aap.load_answer(session, answer_id)
            report = aap.report_of(session, answer)
            centre = net.centres[slug]
            party = aap.party_for(answer, centre)
            for line in aap.figures_of(session, answer, report).unexplained():
                if line.party_id == party.id and line.budget_line_id is not None:
                    aap.enter_real(
                        session,
                        answer,
                        report,
                        centre,
                        budget_line_id=line.budget_line_id,
                        amount=None if line.computed else line.real,
                        explanation="Écart lié au calendrier réel des séances.",
                    )
            session.flush()
