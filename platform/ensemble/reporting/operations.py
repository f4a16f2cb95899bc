"""Declarations: catalogue lookups, filling, coherence checks and the review workflow.

Plain functions on a session under the caller's tenant context: they flush,
never commit. Row-level security decides who may read or write; these
functions decide which transitions make sense.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from ensemble.db import utcnow
from ensemble.kernel import clock, french
from ensemble.kernel.refusal import Refusal
from ensemble.network.models import Centre
from ensemble.reporting import notices
from ensemble.reporting.models import (
    Campaign,
    Declaration,
    DeclaredValue,
    DirtyKey,
    Indicator,
    Message,
    Side,
    Status,
)

SECTORS: dict[str, object] = {
    "centre": _l("Le centre et ses publics"),
    "vie_associative": _l("Vie associative"),
    "petite_enfance": _l("Petite enfance"),
    "enfance": _l("Enfance"),
    "jeunesse": _l("Jeunesse"),
    "adultes_familles": _l("Adultes, seniors, familles"),
    "insertion": _l("Insertion socio-professionnelle"),
    "parentalite": _l("Parentalité"),
    "ressources_humaines": _l("Ressources humaines"),
    "finances": _l("Finances"),
    "actions": _l("Actions menées"),
    "cooperation": _l("Coopération"),
}

UNITS: dict[str, object] = {
    "count": _l("nombre"),
    "hours": _l("heures"),
    "euros": _l("euros"),
    "percent": _l("%"),
    "fte": _l("ETP"),
}

BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "": (),
    "sex": ("femmes", "hommes"),
    "age": ("0-17", "18-25", "26-59", "60+"),
}
BREAKDOWN_LABELS: dict[str, object] = {
    "": _l("Total"),
    "femmes": _l("Femmes"),
    "hommes": _l("Hommes"),
    "0-17": _l("0-17 ans"),
    "18-25": _l("18-25 ans"),
    "26-59": _l("26-59 ans"),
    "60+": _l("60 ans et plus"),
}

STATUS_LABELS: dict[Status, object] = {
    Status.DRAFT: _l("Brouillon"),
    Status.SUBMITTED: _l("Transmise à la fédération"),
    Status.RETURNED: _l("Renvoyée avec des questions"),
    Status.VALIDATED: _l("Validée"),
}

# A change beyond this share of last year's figure must be explained.
YEAR_ON_YEAR_THRESHOLD = Decimal("0.5")
EDITABLE = (Status.DRAFT, Status.RETURNED)


class WorkflowError(Refusal):
    """A transition that the declaration's state does not allow (message in French)."""


def catalogue(session: Session, year: int) -> list[Indicator]:
    """The indicators asked in the campaign of `year`, in the report's order."""
    return list(
        session.scalars(
            select(Indicator)
            .where(
                Indicator.first_year <= year,
                or_(Indicator.last_year.is_(None), Indicator.last_year >= year),
            )
            .order_by(Indicator.position)
        )
    )


def cells(indicators: Iterable[Indicator]) -> list[tuple[Indicator, str]]:
    """Every (indicator, breakdown key) cell of a declaration form, total first."""
    return [
        (indicator, key)
        for indicator in indicators
        for key in ("", *BREAKDOWNS[indicator.breakdown])
    ]


def open_years(session: Session, federation_id: int) -> list[int]:
    """The years whose campaign is open in the federation, oldest first: a campaign
    opens on the first day of its activity year (its figures are pre-filled and its
    draft may be started as the year goes) and stays open until the federation
    closes it. Campaigns close in order: the years up to the last closed one are
    over, and so is any year the catalogue does not cover. Whoever asks (a
    director may not read the closed campaigns: the definer function tells)."""
    spans = session.execute(select(Indicator.first_year, Indicator.last_year).distinct()).all()
    latest = clock.today().year
    first = min((span.first_year for span in spans), default=latest + 1)
    if first > latest:
        return []
    closed = session.scalars(
        text(
            "SELECT y FROM generate_series(CAST(:a AS integer), CAST(:b AS integer)) AS y"
            " WHERE app_campaign_closed(CAST(:f AS bigint), y)"
        ),
        {"a": first, "b": latest, "f": federation_id},
    ).all()
    since = max(closed, default=first - 1) + 1
    return [
        year
        for year in range(since, latest + 1)
        if any(f <= year and (last is None or last >= year) for f, last in spans)
    ]


def _refuse_unless_open(session: Session, federation_id: int, year: int) -> None:
    years = open_years(session, federation_id)
    if year in years:
        return
    if not years:
        raise WorkflowError(
            _(
                "Aucune campagne de déclaration n’est ouverte : la déclaration %(year)d ne"
                " peut être ni commencée ni modifiée.",
                year=year,
            )
        )
    raise WorkflowError(
        _(
            "La campagne %(year)d n’est pas ouverte : la déclaration %(year)d ne peut être ni"
            " commencée ni modifiée. Campagnes ouvertes : %(years)s.",
            year=year,
            years=", ".join(str(y) for y in years),
        )
    )


def declaration_for(session: Session, centre: Centre, year: int) -> Declaration:
    """The centre's declaration for `year`; a draft is created if there is none,
    only when the year's campaign is open (`open_years`), else WorkflowError."""
    declaration = session.scalar(
        select(Declaration).where(Declaration.centre_id == centre.id, Declaration.year == year)
    )
    if declaration is None:
        _refuse_unless_open(session, centre.federation_id, year)
        declaration = Declaration(
            centre_id=centre.id,
            federation_id=centre.federation_id,
            year=year,
            status=Status.DRAFT,
            share_centre_figures=False,
        )
        session.add(declaration)
        session.flush()
    return declaration


def values_of(declaration: Declaration) -> dict[tuple[str, str], DeclaredValue]:
    return {(v.indicator_code, v.breakdown_key): v for v in declaration.values}


def set_values(
    session: Session,
    declaration: Declaration,
    figures: Mapping[tuple[str, str], Decimal | None],
    comments: Mapping[str, str] | None = None,
) -> None:
    """Replace the declaration's figures: a None figure removes the cell. Only
    while the declaration is editable and its year's campaign is open."""
    if declaration.status not in EDITABLE:
        raise WorkflowError(_("Cette déclaration n’est plus modifiable."))
    _refuse_unless_open(session, declaration.federation_id, declaration.year)
    comments = comments or {}
    existing = values_of(declaration)
    for (code, key), figure in figures.items():
        current = existing.get((code, key))
        if figure is None:
            if current is not None:
                declaration.values.remove(current)
            continue
        comment = comments.get(code, "") if key == "" else ""
        if current is None:
            declaration.values.append(
                DeclaredValue(
                    centre_id=declaration.centre_id,
                    federation_id=declaration.federation_id,
                    year=declaration.year,
                    indicator_code=code,
                    breakdown_key=key,
                    value=figure,
                    comment=comment,
                )
            )
        else:
            current.value = figure
            current.comment = comment
    session.flush()


@dataclass(frozen=True)
class Problem:
    """One coherence problem, attached to an indicator; `blocking` stops submission."""

    code: str
    message: str
    blocking: bool = True


def previous_figures(session: Session, declaration: Declaration) -> dict[str, Decimal]:
    previous = session.scalar(
        select(Declaration).where(
            Declaration.centre_id == declaration.centre_id,
            Declaration.year == declaration.year - 1,
        )
    )
    if previous is None:
        return {}
    return {v.indicator_code: v.value for v in previous.values if v.breakdown_key == ""}


def parts_above_total(
    indicator: Indicator, figures: Mapping[tuple[str, str], Decimal | None]
) -> list[str]:
    """The breakdown keys whose part is above the indicator's total, whether or not
    the other parts are given: the one coherence rule that the declaration's
    checks (`coherence_problems`) and the import (`imports.preview`) both apply."""
    total = figures.get((indicator.code, ""))
    if total is None:
        return []
    return [
        key
        for key in BREAKDOWNS[indicator.breakdown]
        if (part := figures.get((indicator.code, key))) is not None and part > total
    ]


def coherence_problems(session: Session, declaration: Declaration) -> list[Problem]:
    """The automatic checks run before submission: impossible values, breakdowns
    that do not add up, and year-on-year changes beyond the threshold without a comment."""
    problems: list[Problem] = []
    values = values_of(declaration)
    previous = previous_figures(session, declaration)
    for indicator in catalogue(session, declaration.year):
        total = values.get((indicator.code, ""))
        keys = BREAKDOWNS[indicator.breakdown]
        for key in ("", *keys):
            cell = values.get((indicator.code, key))
            if cell is None:
                continue
            if indicator.max_value is not None and cell.value > indicator.max_value:
                problems.append(
                    Problem(
                        indicator.code,
                        _(
                            "« %(label)s » : %(value)s dépasse la valeur maximale possible"
                            " (%(max)s).",
                            label=indicator.label,
                            value=_plain(cell.value),
                            max=_plain(indicator.max_value),
                        ),
                    )
                )
            if indicator.unit in ("count",) and cell.value != cell.value.to_integral_value():
                problems.append(
                    Problem(
                        indicator.code,
                        _(
                            "« %(label)s » : un nombre de personnes ou d’actions est entier.",
                            label=indicator.label,
                        ),
                    )
                )
        parts = [values.get((indicator.code, key)) for key in keys]
        figures = {k: v.value for k, v in values.items() if k[0] == indicator.code}
        for key in parts_above_total(indicator, figures):
            problems.append(
                Problem(
                    indicator.code,
                    _(
                        "« %(label)s » : %(part)s (%(key)s) dépasse le total (%(total)s).",
                        label=indicator.label,
                        part=_plain(figures[(indicator.code, key)]),
                        key=str(BREAKDOWN_LABELS[key]).lower(),
                        total=_plain(figures[(indicator.code, "")]),
                    ),
                )
            )
        if keys and any(parts) and total is None:
            problems.append(
                Problem(
                    indicator.code,
                    _(
                        "« %(label)s » : la répartition est remplie mais pas le total.",
                        label=indicator.label,
                    ),
                )
            )
        if keys and total is not None and all(parts):
            detail = sum((p.value for p in parts if p), Decimal(0))
            if detail != total.value:
                problems.append(
                    Problem(
                        indicator.code,
                        _(
                            "« %(label)s » : la répartition fait %(sum)s, le total %(total)s.",
                            label=indicator.label,
                            sum=_plain(detail),
                            total=_plain(total.value),
                        ),
                    )
                )
        last = previous.get(indicator.code)
        if total is not None and last is not None and last > 0:
            change = abs(total.value - last) / last
            if change > YEAR_ON_YEAR_THRESHOLD and not total.comment.strip():
                problems.append(
                    Problem(
                        indicator.code,
                        _(
                            "« %(label)s » : %(value)s contre %(last)s l’an dernier ;"
                            " expliquez cet écart dans le commentaire.",
                            label=indicator.label,
                            value=_plain(total.value),
                            last=_plain(last),
                        ),
                    )
                )
    return problems


def _plain(value: Decimal) -> str:
    return french.compact_number(value)


def is_closed(session: Session, federation_id: int, year: int) -> bool:
    """Whether the campaign is closed, whoever asks (a definer function: a centre's
    director may not read its federation's campaigns, and must still be told)."""
    return bool(
        session.scalar(text("SELECT app_campaign_closed(:f, :y)"), {"f": federation_id, "y": year})
    )


def _refuse_if_closed(session: Session, declaration: Declaration) -> None:
    if is_closed(session, declaration.federation_id, declaration.year):
        raise WorkflowError(
            _(
                "La campagne %(year)d est close : ses chiffres sont publiés et ne changent"
                " plus. Une déclaration de %(year)d ne peut plus être transmise ni validée.",
                year=declaration.year,
            )
        )


def submit(session: Session, declaration: Declaration) -> list[Problem]:
    """Submit to the federation if no check blocks; returns the problems otherwise."""
    if declaration.status not in EDITABLE:
        raise WorkflowError(_("Cette déclaration a déjà été transmise."))
    _refuse_if_closed(session, declaration)
    _refuse_unless_open(session, declaration.federation_id, declaration.year)
    problems = [p for p in coherence_problems(session, declaration) if p.blocking]
    if problems:
        return problems
    if not declaration.values:
        return [Problem("", _("La déclaration est vide."))]
    declaration.status = Status.SUBMITTED
    declaration.submitted_at = utcnow()
    session.flush()
    notices.submitted(session, declaration)
    return []


def post_message(
    session: Session, declaration: Declaration, user_id: int, side: Side, body: str
) -> Message:
    message = Message(
        declaration_id=declaration.id,
        centre_id=declaration.centre_id,
        federation_id=declaration.federation_id,
        author_user_id=user_id,
        side=side,
        body=body.strip(),
    )
    session.add(message)
    session.flush()
    if side is Side.CENTRE:
        notices.answered(session, declaration, message.body)
    return message


def return_with_question(
    session: Session, declaration: Declaration, user_id: int, question: str
) -> Message:
    """The federation sends the declaration back with a question."""
    if declaration.status is not Status.SUBMITTED:
        raise WorkflowError(_("Seule une déclaration transmise peut être renvoyée."))
    declaration.status = Status.RETURNED
    session.flush()
    message = post_message(session, declaration, user_id, Side.FEDERATION, question)
    notices.returned(session, declaration, message.body)
    return message


def validate(session: Session, declaration: Declaration) -> DirtyKey:
    """The federation validates; the (federation, year) key to consolidate is recorded
    in the same transaction, so the work survives whatever happens to the queue."""
    if declaration.status is not Status.SUBMITTED:
        raise WorkflowError(_("Seule une déclaration transmise peut être validée."))
    _refuse_if_closed(session, declaration)
    declaration.status = Status.VALIDATED
    declaration.validated_at = utcnow()
    key = DirtyKey(
        federation_id=declaration.federation_id,
        year=declaration.year,
        attempts=0,
        last_error="",
    )
    session.add(key)
    session.flush()
    notices.validated(session, declaration)
    return key


def set_consent(session: Session, declaration: Declaration, share: bool) -> None:
    """The centre gives or withdraws its consent to be shown by name to its
    federation; allowed at any status (a trigger keeps a late update to this)."""
    declaration.share_centre_figures = share
    session.flush()


def missing_centres(
    session: Session, federation_id: int, year: int, *, limit: int | None = None
) -> list[Centre]:
    """The federation's centres whose declaration of `year` has not reached it (a
    draft is the centre's own: the federation cannot see it), by name."""
    received = select(Declaration.centre_id).where(
        Declaration.federation_id == federation_id, Declaration.year == year
    )
    query = (
        select(Centre)
        .where(Centre.federation_id == federation_id, Centre.id.not_in(received))
        .order_by(Centre.name, Centre.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def federation_declarations(session: Session, federation_id: int, year: int) -> list[Declaration]:
    return list(
        session.scalars(
            select(Declaration)
            .where(Declaration.federation_id == federation_id, Declaration.year == year)
            .order_by(Declaration.status, Declaration.id)
        )
    )


def close_campaign(session: Session, federation_id: int, year: int, user_id: int) -> Campaign:
    """The federation closes a campaign: its figures are published (by the workers,
    after statistical disclosure control) and no declaration of that year may join
    them afterwards. The key recorded in the outbox starts the publication."""
    if is_closed(session, federation_id, year):
        raise WorkflowError(_("La campagne %(year)d est déjà close.", year=year))
    if year >= clock.today().year:
        # Found by the red team: 2026 closed on 4 December 2026 locked every draft of it.
        raise WorkflowError(
            _(
                "La campagne %(year)d porte sur une année qui n’est pas terminée : "
                "elle ne peut être close qu’à partir du 1er janvier %(next)d.",
                year=year,
                next=year + 1,
            )
        )
    validated = session.scalar(
        select(func.count())
        .select_from(Declaration)
        .where(
            Declaration.federation_id == federation_id,
            Declaration.year == year,
            Declaration.status == Status.VALIDATED,
        )
    )
    if not validated:
        raise WorkflowError(
            _("Aucune déclaration validée pour %(year)d : il n’y a rien à publier.", year=year)
        )
    campaign = Campaign(
        federation_id=federation_id,
        year=year,
        closed_by_user_id=user_id,
        refused_fingerprint="",
        refused_reason="",
    )
    session.add(campaign)
    session.add(DirtyKey(federation_id=federation_id, year=year, attempts=0, last_error=""))
    session.flush()
    return campaign


def request_full_run(session: Session, federation_id: int) -> DirtyKey:
    """A federation asks for its figures to be recomputed from scratch. Recorded in
    the outbox under the analyst's context: the database lets a federation ask for
    itself only."""
    key = DirtyKey(federation_id=federation_id, year=None, full_run=True, attempts=0, last_error="")
    session.add(key)
    session.flush()
    return key


def closed_years(session: Session, federation_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Campaign.year)
            .where(Campaign.federation_id == federation_id)
            .order_by(Campaign.year)
        )
    )
