"""The grant's financial report (compte rendu financier, Cerfa nº 15059*02) of a
granted joint answer: the lead starts it and sets what it covers, each party
fills its part (the figures of its funded actions read from its own sessions,
its real amounts, its comments), the lead signs it once nothing is missing.
Flush, never commit.

The figures of a party's actions and the real cost of the shared post's time
are read through `ensemble.sharing.grants`, in the party's own context (the
lead cannot read a partner's actions): a party refreshes them, and the report
keeps the aggregates only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ensemble.aap import financial
from ensemble.aap.budget import account_kind
from ensemble.aap.models import (
    GAP_THRESHOLD_PERCENT,
    SMIC_HOURLY_GROSS,
    AapAnswer,
    AapBudgetLine,
    AapFinancialReport,
    AapReportLine,
    AapReportPart,
    AnswerStatus,
    report_deadline,
)
from ensemble.aap.operations.common import MAX_AMOUNT, AapError, _require_lead
from ensemble.aap.permissions import active_parties, party_for
from ensemble.db import utcnow
from ensemble.kernel import clock, french
from ensemble.network.models import Centre
from ensemble.sharing import grants
from ensemble.sharing.models import AgreementParty, PartyStatus
from ensemble.tenancy import context

MAX_RATE = Decimal("1000")
MAX_TEXT = 5000  # characters of an explanation or a comment
MAX_SUMMARY = 20_000
CENT = Decimal("0.01")


# --- The report ----------------------------------------------------------------------


def report_of(session: Session, answer: AapAnswer) -> AapFinancialReport | None:
    return session.scalar(
        select(AapFinancialReport).where(AapFinancialReport.answer_id == answer.id)
    )


def default_period(answer: AapAnswer) -> tuple[date, date]:
    """The financial year of the grant: the calendar year of the funder's decision."""
    year = (answer.outcome_on or clock.today()).year
    return date(year, 1, 1), date(year, 12, 31)


def _require_granted(answer: AapAnswer) -> None:
    if answer.status is not AnswerStatus.GRANTED:
        raise AapError(_l("Le compte rendu financier concerne une subvention accordée."))


def _check_settings(
    period_start: date, period_end: date, hourly_rate: Decimal, gap_threshold: Decimal
) -> None:
    if period_end <= period_start:
        raise AapError(_l("La fin de l’exercice doit suivre son début."), "period_end")
    if (period_end - period_start).days > 2 * 366:
        raise AapError(_l("Un exercice couvre au plus deux ans."), "period_end")
    if not Decimal(0) <= hourly_rate <= MAX_RATE or hourly_rate != hourly_rate.quantize(CENT):
        raise AapError(
            _l(
                "Indiquez un taux horaire entre 0 et %(max)s, au centime.",
                max=french.euros(MAX_RATE),
            ),
            "hourly_rate",
        )
    if not Decimal(0) < gap_threshold <= 100:
        raise AapError(_l("Indiquez un seuil entre 0 et 100 %."), "gap_threshold")


def _require_unsigned(report: AapFinancialReport) -> None:
    if report.is_signed:
        raise AapError(_l("Le compte rendu est signé : il ne se modifie plus."))


def start_report(
    session: Session,
    answer: AapAnswer,
    *,
    period_start: date | None = None,
    period_end: date | None = None,
    hourly_rate: Decimal = SMIC_HOURLY_GROSS,
    gap_threshold: Decimal = GAP_THRESHOLD_PERCENT,
) -> AapFinancialReport:
    """The lead starts the report of a granted answer (once)."""
    _require_lead(answer)
    _require_granted(answer)
    if report_of(session, answer) is not None:
        raise AapError(_l("Le compte rendu financier de cette réponse est déjà commencé."))
    start, end = default_period(answer)
    period_start, period_end = period_start or start, period_end or end
    _check_settings(period_start, period_end, hourly_rate, gap_threshold)
    report = AapFinancialReport(
        answer_id=answer.id,
        agreement_id=answer.agreement_id,
        lead_centre_id=answer.lead_centre_id,
        period_start=period_start,
        period_end=period_end,
        hourly_rate=hourly_rate,
        gap_threshold=gap_threshold,
        summary="",
        signatory_name="",
        signatory_quality="",
        updated_at=utcnow(),
    )
    session.add(report)
    session.flush()
    return report


def update_report(
    session: Session,
    answer: AapAnswer,
    report: AapFinancialReport,
    *,
    period_start: date,
    period_end: date,
    hourly_rate: Decimal,
    gap_threshold: Decimal,
    summary: str,
) -> AapFinancialReport:
    """The lead changes what the report covers and its account of the actions."""
    _require_lead(answer)
    _require_unsigned(report)
    _check_settings(period_start, period_end, hourly_rate, gap_threshold)
    summary = (summary or "").strip()
    if len(summary) > MAX_SUMMARY:
        raise AapError(_l("Texte trop long : au plus %(n)s caractères.", n=MAX_SUMMARY), "summary")
    report.period_start, report.period_end = period_start, period_end
    report.hourly_rate, report.gap_threshold = hourly_rate, gap_threshold
    report.summary = summary
    report.updated_at = utcnow()
    session.flush()
    return report


# --- A party's part ------------------------------------------------------------------


def parts_of(session: Session, report: AapFinancialReport) -> dict[int, AapReportPart]:
    """Each party's part, by party id (a party that has not refreshed has none)."""
    return {
        part.party_id: part
        for part in session.scalars(
            select(AapReportPart).where(AapReportPart.report_id == report.id)
        )
    }


def filling_party(answer: AapAnswer, centre: Centre) -> AgreementParty:
    """The active party whose part the centre's director fills (the centre in the URL)."""
    party = party_for(answer, centre)
    ctx = context.current()
    if (
        party is None
        or party.status is not PartyStatus.ACTIVE
        or centre.id not in ctx.director_centre_ids
    ):
        raise AapError(_l("Seule la direction d’un centre partenaire remplit sa part."))
    return party


def _own_part(
    session: Session, answer: AapAnswer, report: AapFinancialReport, centre: Centre
) -> AapReportPart:
    _require_unsigned(report)
    party = filling_party(answer, centre)
    part = parts_of(session, report).get(party.id)
    if part is None:
        part = AapReportPart(
            report_id=report.id,
            agreement_id=answer.agreement_id,
            party_id=party.id,
            centre_id=centre.id,
            actions=[],
            volunteer_hours=Decimal(0),
            post_title="",
            post_account="",
            post_hours=Decimal(0),
            post_cost=Decimal(0),
            post_unvalued_hours=Decimal(0),
            comment="",
        )
        session.add(part)
    return part


@dataclass(frozen=True)
class PostValuation:
    title: str
    account: str  # "621" put at the centre's disposal, "641" its own employee, "" none
    hours: Decimal
    cost: Decimal
    unvalued_hours: Decimal


def value_post_time(
    session: Session, centre_id: int, actions: list[grants.FundedAction]
) -> PostValuation:
    """The shared posts' hours at the actions' sessions held, each month's at the
    real hourly cost of the post's statement for that month (real cost ÷ the
    month's hours); rounded once, to the cent. Months without a statement are
    counted, not valued."""
    titles: list[str] = []
    carried = False
    hours = unvalued = Decimal(0)
    exact = Decimal(0)
    for action in actions:
        if action.post_agreement_id is None:
            continue
        for month, month_hours in sorted(action.post_hours.items()):
            hours += month_hours
            cost = grants.post_month_cost(session, action.post_agreement_id, centre_id, month)
            if cost is None or cost.monthly_hours <= 0:
                unvalued += month_hours
                continue
            exact += month_hours * cost.real_cost / cost.monthly_hours
            carried = carried or cost.carried_by_centre
            if cost.title not in titles:
                titles.append(cost.title)
    if hours == 0:
        return PostValuation("", "", Decimal(0), Decimal(0), Decimal(0))
    return PostValuation(
        ", ".join(titles),
        "641" if carried else "621",
        hours,
        exact.quantize(CENT),
        unvalued,
    )


def refresh_part(
    session: Session, answer: AapAnswer, report: AapFinancialReport, centre: Centre
) -> AapReportPart:
    """Read the centre's funded actions over the report's period (sessions held,
    public reached, volunteers' hours) and value its shared post's time: the
    part keeps these aggregates, no person."""
    part = _own_part(session, answer, report, centre)
    actions = grants.funded_actions(
        session, answer.agreement_id, centre.id, report.period_start, report.period_end
    )
    post = value_post_time(session, centre.id, actions)
    part.actions = [
        {
            "name": a.name,
            "public": a.public,
            "sessions": a.sessions_held,
            "participations": a.participations,
            "people": a.people,
            "volunteers": a.volunteers,
            "volunteer_hours": str(a.volunteer_hours),
            "post_hours": str(sum(a.post_hours.values(), Decimal(0))),
        }
        for a in actions
    ]
    part.volunteer_hours = sum((a.volunteer_hours for a in actions), Decimal(0))
    part.post_title = post.title[:200]
    part.post_account = post.account
    part.post_hours = post.hours
    part.post_cost = post.cost
    part.post_unvalued_hours = post.unvalued_hours
    part.refreshed_at = utcnow()
    session.flush()
    return part


def save_part_comment(
    session: Session,
    answer: AapAnswer,
    report: AapFinancialReport,
    centre: Centre,
    comment: str,
) -> AapReportPart:
    part = _own_part(session, answer, report, centre)
    comment = (comment or "").strip()
    if len(comment) > MAX_TEXT:
        raise AapError(_l("Texte trop long : au plus %(n)s caractères.", n=MAX_TEXT), "comment")
    part.comment = comment
    session.flush()
    return part


def report_lines(session: Session, report: AapFinancialReport) -> list[AapReportLine]:
    return list(
        session.scalars(
            select(AapReportLine)
            .where(AapReportLine.report_id == report.id)
            .order_by(AapReportLine.account, AapReportLine.id)
        )
    )


def enter_real(
    session: Session,
    answer: AapAnswer,
    report: AapFinancialReport,
    centre: Centre,
    *,
    amount: Decimal | None,
    explanation: str = "",
    budget_line_id: int | None = None,
    account: str = "",
    label: str = "",
) -> AapReportLine:
    """The real amount of one of the party's budget lines (`budget_line_id`), or of a
    charge or income it did not plan (`account`, `label`), with the explanation of
    its gap. A line whose real amount is computed (the post's time, the volunteers)
    takes only its explanation: `amount` is then ignored."""
    _require_unsigned(report)
    party = filling_party(answer, centre)
    explanation = (explanation or "").strip()
    if len(explanation) > MAX_TEXT:
        raise AapError(_l("Texte trop long : au plus %(n)s caractères.", n=MAX_TEXT), "explanation")
    existing = {line.budget_line_id: line for line in report_lines(session, report)}
    if budget_line_id is not None:
        planned = session.get(AapBudgetLine, budget_line_id)
        if planned is None or planned.answer_id != answer.id or planned.party_id != party.id:
            raise AapError(_l("Cette ligne n’est pas celle de votre centre."))
        account, label = planned.account, planned.label
        computed = _is_computed(session, answer, report, party.id, budget_line_id)
        if computed:
            amount = Decimal(0)
        line = existing.get(budget_line_id)
    else:
        account, label = (account or "").strip(), " ".join((label or "").split())
        if account_kind(account) is None:
            raise AapError(
                _l(
                    "Compte inconnu : utilisez le plan comptable associatif "
                    "(60 à 68, 86 en charges ; 70 à 75, 87 en produits)."
                ),
                "account",
            )
        if account[:2] in ("86", "87"):
            raise AapError(
                _l("Le bénévolat (86 et 87) est valorisé d’après les présences aux séances."),
                "account",
            )
        if not label:
            raise AapError(_l("Indiquez l’intitulé de la ligne."), "label")
        line = None
    if amount is None:
        raise AapError(_l("Indiquez le montant réel."), "amount")
    if amount < 0:
        raise AapError(_l("Le montant ne peut pas être négatif."), "amount")
    if amount > MAX_AMOUNT:
        raise AapError(
            _l("Montant trop élevé : au plus %(limit)s.", limit=french.euros(MAX_AMOUNT)), "amount"
        )
    if amount != amount.quantize(CENT):
        raise AapError(_l("Le montant s’écrit au centime près."), "amount")
    if line is None:
        line = AapReportLine(
            report_id=report.id,
            agreement_id=answer.agreement_id,
            party_id=party.id,
            centre_id=centre.id,
            budget_line_id=budget_line_id,
        )
        session.add(line)
    line.account, line.label = account, label[:200]
    line.amount, line.explanation = amount, explanation
    line.updated_at = utcnow()
    session.flush()
    return line


def delete_real(
    session: Session,
    answer: AapAnswer,
    report: AapFinancialReport,
    centre: Centre,
    line_id: int,
) -> None:
    """Remove a real amount the party entered outside its budget lines."""
    _require_unsigned(report)
    party = filling_party(answer, centre)
    line = session.get(AapReportLine, line_id)
    if line is None or line.report_id != report.id or line.party_id != party.id:
        raise AapError(_l("Cette ligne n’est pas celle de votre centre."))
    if line.budget_line_id is not None:
        raise AapError(_l("Une ligne du budget prévisionnel reste : mettez son montant à zéro."))
    session.delete(line)
    session.flush()


def _is_computed(
    session: Session,
    answer: AapAnswer,
    report: AapFinancialReport,
    party_id: int,
    budget_line_id: int,
) -> bool:
    figures = figures_of(session, answer, report)
    return any(
        line.computed and line.budget_line_id == budget_line_id
        for line in figures.lines_of(party_id)
    )


# --- The figures, the checks and the signature ------------------------------------------


def figures_of(session: Session, answer: AapAnswer, report: AapFinancialReport) -> financial.Report:
    """The planned budget of the active parties against the real one, line by line."""
    parties = active_parties(answer)
    ids = {p.id for p in parties}
    planned = [
        financial.PlannedLine(line.id, line.party_id, line.account, line.label, line.amount)
        for line in session.scalars(
            select(AapBudgetLine)
            .where(AapBudgetLine.answer_id == answer.id)
            .order_by(AapBudgetLine.account, AapBudgetLine.id)
        )
        if line.party_id in ids
    ]
    entries = [
        financial.RealEntry(
            line.id,
            line.party_id,
            line.budget_line_id,
            line.account,
            line.label,
            line.amount,
            line.explanation,
        )
        for line in report_lines(session, report)
        if line.party_id in ids
    ]
    parts = [
        financial.PartFigures(
            part.party_id, part.volunteer_hours, part.post_account, part.post_title, part.post_cost
        )
        for part in parts_of(session, report).values()
        if part.party_id in ids
    ]
    lead_first = sorted(parties, key=lambda p: (not p.is_owner, p.label))
    return financial.assemble(
        planned,
        entries,
        parts,
        hourly_rate=report.hourly_rate,
        threshold=report.gap_threshold,
        party_order=[p.id for p in lead_first],
    )


def missing_for_signature(
    session: Session, answer: AapAnswer, report: AapFinancialReport
) -> list[str]:
    """What keeps the lead from signing, in French: parties that have not filled
    their part, gaps beyond the threshold left unexplained, 86 and 87 apart."""
    figures = figures_of(session, answer, report)
    parts = parts_of(session, report)
    names = {p.id: p.label for p in answer.agreement.parties}
    problems: list[str] = []
    for party in active_parties(answer):
        if party.id not in parts:
            problems.append(str(_l("%(party)s n’a pas encore rempli sa part.", party=party.label)))
    for line in figures.unexplained():
        problems.append(
            str(
                _l(
                    "%(party)s : l’écart de la ligne « %(label)s » dépasse %(threshold)s : "
                    "expliquez-le.",
                    party=names.get(line.party_id, ""),
                    label=line.label,
                    threshold=french.percent(report.gap_threshold, 0),
                )
            )
        )
    if not figures.in_kind_balanced:
        problems.append(
            str(_l("Les contributions volontaires en nature ne s’équilibrent pas (86 et 87)."))
        )
    return problems


def sign_report(
    session: Session,
    answer: AapAnswer,
    report: AapFinancialReport,
    *,
    name: str,
    quality: str,
    on: date,
    user_id: int,
) -> AapFinancialReport:
    """The attestation of the lead's legal representative: once signed, the report
    is frozen (the database refuses any later change)."""
    _require_lead(answer)
    _require_unsigned(report)
    name, quality = " ".join((name or "").split()), " ".join((quality or "").split())
    if not name:
        raise AapError(_l("Indiquez le nom du représentant légal."), "name")
    if not quality:
        raise AapError(_l("Indiquez sa qualité (présidente, président…)."), "quality")
    if on < report.period_end:
        raise AapError(
            _l(
                "Le compte rendu se signe après la fin de l’exercice (le %(day)s).",
                day=french.short_date(report.period_end),
            ),
            "signed_on",
        )
    if on > clock.today():
        raise AapError(_l("La date de signature ne peut pas être dans le futur."), "signed_on")
    problems = missing_for_signature(session, answer, report)
    if problems:
        raise AapError(problems[0])
    report.signatory_name, report.signatory_quality = name[:200], quality[:200]
    report.signed_on = on
    report.signed_by_user_id = user_id
    report.updated_at = utcnow()
    session.flush()
    return report


# --- Deadlines -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReportDue:
    answer_id: int
    title: str
    deadline: date
    started: bool

    @property
    def days_left(self) -> int:
        return (self.deadline - clock.today()).days


def reports_due(session: Session, centre_id: int) -> list[ReportDue]:
    """Granted answers the centre takes part in whose report is not signed yet, with
    the day it is due (six months after the end of the financial year), soonest first."""
    rows = session.execute(
        select(AapAnswer, AapFinancialReport)
        .join(AgreementParty, AgreementParty.agreement_id == AapAnswer.agreement_id)
        .outerjoin(AapFinancialReport, AapFinancialReport.answer_id == AapAnswer.id)
        .where(
            AapAnswer.status == AnswerStatus.GRANTED,
            AgreementParty.centre_id == centre_id,
            AgreementParty.status == PartyStatus.ACTIVE,
        )
        .order_by(AapAnswer.id)
    ).all()
    due = []
    for answer, report in rows:
        if report is not None and report.is_signed:
            continue
        end = report.period_end if report is not None else default_period(answer)[1]
        due.append(ReportDue(answer.id, answer.title, report_deadline(end), report is not None))
    return sorted(due, key=lambda d: (d.deadline, d.answer_id))
