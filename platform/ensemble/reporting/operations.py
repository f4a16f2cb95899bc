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
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ensemble.db import utcnow
from ensemble.kernel.refusal import Refusal
from ensemble.network.models import Centre
from ensemble.reporting.models import (
    Declaration,
    DeclaredValue,
    DirtyKey,
    Indicator,
    Message,
    Side,
    Status,
)

SECTORS: dict[str, object] = {
    "vie_associative": _l("Vie associative"),
    "petite_enfance": _l("Petite enfance"),
    "enfance": _l("Enfance"),
    "jeunesse": _l("Jeunesse"),
    "adultes_familles": _l("Adultes, seniors, familles"),
    "insertion": _l("Insertion socio-professionnelle"),
    "parentalite": _l("Parentalité"),
    "ressources_humaines": _l("Ressources humaines"),
    "finances": _l("Finances"),
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


def declaration_for(session: Session, centre: Centre, year: int) -> Declaration:
    """The centre's declaration for `year`, created as a draft if there is none."""
    declaration = session.scalar(
        select(Declaration).where(Declaration.centre_id == centre.id, Declaration.year == year)
    )
    if declaration is None:
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
    """Replace the declaration's figures: a None figure removes the cell."""
    if declaration.status not in EDITABLE:
        raise WorkflowError(_("Cette déclaration n’est plus modifiable."))
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
    text = f"{value:,.2f}".replace(",", "\u202f").replace(".", ",")
    return text.removesuffix(",00")


def submit(session: Session, declaration: Declaration) -> list[Problem]:
    """Submit to the federation if no check blocks; returns the problems otherwise."""
    if declaration.status not in EDITABLE:
        raise WorkflowError(_("Cette déclaration a déjà été transmise."))
    problems = [p for p in coherence_problems(session, declaration) if p.blocking]
    if problems:
        return problems
    if not declaration.values:
        return [Problem("", _("La déclaration est vide."))]
    declaration.status = Status.SUBMITTED
    declaration.submitted_at = utcnow()
    session.flush()
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
    return message


def return_with_question(
    session: Session, declaration: Declaration, user_id: int, question: str
) -> Message:
    """The federation sends the declaration back with a question."""
    if declaration.status is not Status.SUBMITTED:
        raise WorkflowError(_("Seule une déclaration transmise peut être renvoyée."))
    declaration.status = Status.RETURNED
    session.flush()
    return post_message(session, declaration, user_id, Side.FEDERATION, question)


def validate(session: Session, declaration: Declaration) -> DirtyKey:
    """The federation validates; the (federation, year) key to consolidate is recorded
    in the same transaction, so the work survives whatever happens to the queue."""
    if declaration.status is not Status.SUBMITTED:
        raise WorkflowError(_("Seule une déclaration transmise peut être validée."))
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
    return key


def set_consent(session: Session, declaration: Declaration, share: bool) -> None:
    """The centre gives or withdraws its consent to be shown by name to its
    federation; allowed at any status (a trigger keeps a late update to this)."""
    declaration.share_centre_figures = share
    session.flush()


def federation_declarations(session: Session, federation_id: int, year: int) -> list[Declaration]:
    return list(
        session.scalars(
            select(Declaration)
            .where(Declaration.federation_id == federation_id, Declaration.year == year)
            .order_by(Declaration.status, Declaration.id)
        )
    )
