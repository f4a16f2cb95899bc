"""The yearly declaration pre-filled from attendance, computed by the workers.

Each action says which line of the indicator catalogue each of its figures
pre-fills: its participations (by the catalogue's breakdowns), its different
people (distinct participants ticked, by sex and by age in the campaign's
year), its days of opening (distinct local dates of its sessions) and its
hours of opening (the sessions' durations). Volunteer hours of every session go
to VOLUNTEER_HOURS. Only recorded sessions count, those whose local start falls
in the campaign year (Europe/Paris).

The figures are computed by one set-based statement (`refresh`) for a set of
centres and a year, and stored in `activity_prefill` with the number of
sessions each comes from; recording a session's attendance enqueues the
refresh of its centre and year only (the incremental path), the nightly task
refreshes every centre (the full path). Two actions mapped to one line add up
(participations, days, hours) or are counted once (different people).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, or_, select, text, true
from sqlalchemy.orm import Session

from ensemble.activity.models import Action, ActionSession, Correction, PrefilledFigure
from ensemble.kernel import clock
from ensemble.kernel.refusal import Refusal
from ensemble.network.models import Centre
from ensemble.sharing import activity as registry
from ensemble.tenancy import context

VOLUNTEER_HOURS = "rh.heures_benevoles"

_CELLS = """
WITH s AS (
    SELECT s.id, s.centre_id, s.participants, s.women, s.men, s.age_0_17, s.age_18_25,
           s.age_26_59, s.age_60_plus, s.volunteer_hours, s.starts_at, s.ends_at,
           a.participations_indicator AS p_code, a.people_indicator AS people_code,
           a.days_indicator AS d_code, a.hours_indicator AS h_code
    FROM activity_sessions s
    JOIN activity_actions a ON a.id = s.action_id AND a.centre_id = s.centre_id
    WHERE s.recorded_at IS NOT NULL AND s.centre_id = ANY(:centres)
      AND s.starts_at >= :start AND s.starts_at < :end
), sums AS (
    SELECT centre_id, code, key, sum(n) AS value, count(DISTINCT id) AS sessions FROM (
        SELECT s.centre_id, s.p_code AS code, v.key, v.n::numeric AS n, s.id
        FROM s CROSS JOIN LATERAL (VALUES ('', s.participants), ('femmes', s.women),
            ('hommes', s.men), ('0-17', s.age_0_17), ('18-25', s.age_18_25),
            ('26-59', s.age_26_59), ('60+', s.age_60_plus)) AS v(key, n)
        WHERE s.p_code IS NOT NULL AND v.n IS NOT NULL
        UNION ALL
        SELECT s.centre_id, s.h_code, '', extract(epoch FROM s.ends_at - s.starts_at) / 3600, s.id
        FROM s WHERE s.h_code IS NOT NULL
        UNION ALL
        SELECT s.centre_id, :volunteer_code, '', s.volunteer_hours, s.id
        FROM s WHERE s.volunteer_hours > 0
    ) AS x
    GROUP BY centre_id, code, key
), days AS (
    SELECT s.centre_id, s.d_code AS code, '' AS key,
           count(DISTINCT (s.starts_at AT TIME ZONE 'Europe/Paris')::date)::numeric AS value,
           count(DISTINCT s.id) AS sessions
    FROM s WHERE s.d_code IS NOT NULL
    GROUP BY s.centre_id, s.d_code
), people AS (
    SELECT s.centre_id, s.people_code AS code, k.key,
           count(DISTINCT pr.participant_id)::numeric AS value,
           count(DISTINCT s.id) AS sessions
    FROM s
    JOIN activity_presences pr ON pr.session_id = s.id
    JOIN activity_participants p ON p.id = pr.participant_id
    CROSS JOIN LATERAL (VALUES (0, ''), (1, p.sex), (2, CASE
        WHEN p.birth_year IS NULL THEN p.age_band
        WHEN :year - p.birth_year < 18 THEN '0-17'
        WHEN :year - p.birth_year <= 25 THEN '18-25'
        WHEN :year - p.birth_year <= 59 THEN '26-59'
        ELSE '60+' END)) AS k(kind, key)
    WHERE s.people_code IS NOT NULL AND (k.kind = 0 OR k.key <> '')
    GROUP BY s.centre_id, s.people_code, k.key
)
SELECT centre_id, code, key, sum(value) AS value, sum(sessions)::int AS sessions
FROM (
    SELECT * FROM sums UNION ALL SELECT * FROM days UNION ALL SELECT * FROM people
) AS all_cells
GROUP BY centre_id, code, key
"""


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The campaign year as instants: local midnight of 1 January to the next."""
    return clock.local_midnight(date(year, 1, 1)), clock.local_midnight(date(year + 1, 1, 1))


def _parameters(centre_ids: Iterable[int], year: int) -> dict:
    start, end = year_bounds(year)
    return {
        "centres": sorted(set(centre_ids)),
        "year": year,
        "start": start,
        "end": end,
        "volunteer_code": VOLUNTEER_HOURS,
    }


def compute(session: Session, centre_ids: Iterable[int], year: int) -> dict[tuple, Decimal]:
    """{(centre_id, code, key): value} without storing anything."""
    rows = session.execute(text(_CELLS), _parameters(centre_ids, year)).all()
    return {(r.centre_id, r.code, r.key): Decimal(r.value) for r in rows}


def refresh(session: Session, centre_ids: Iterable[int], year: int) -> int:
    """Recompute and store the pre-filled figures of these centres for `year`
    (two statements whatever their number); returns how many figures are stored."""
    parameters = _parameters(centre_ids, year)
    session.execute(
        text("DELETE FROM activity_prefill WHERE centre_id = ANY(:centres) AND year = :year"),
        parameters,
    )
    result = session.execute(
        text(
            "INSERT INTO activity_prefill"
            " (centre_id, year, indicator_code, breakdown_key, value, sessions, computed_at)"
            f" SELECT centre_id, :year, code, key, round(value, 2), sessions, now() FROM ({_CELLS})"
            " AS computed"
        ),
        parameters,
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- What the director sees ---------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One cell of the declaration as the director reviews it."""

    indicator: registry.CatalogueLine
    key: str  # "" for the total
    prefilled: Decimal | None
    sessions: int
    correction: Correction | None

    @property
    def value(self) -> Decimal | None:
        return self.correction.value if self.correction is not None else self.prefilled


def lines(session: Session, centre: Centre, year: int) -> list[Line]:
    """Every cell of the catalogue that attendance pre-fills or the director
    corrected, in the catalogue's order."""
    stored = {
        (f.indicator_code, f.breakdown_key): f
        for f in session.scalars(
            select(PrefilledFigure).where(
                PrefilledFigure.centre_id == centre.id, PrefilledFigure.year == year
            )
        )
    }
    corrections = {
        (c.indicator_code, c.breakdown_key): c
        for c in session.scalars(
            select(Correction).where(Correction.centre_id == centre.id, Correction.year == year)
        )
    }
    result = []
    for indicator in registry.catalogue(session, year):
        for key in ("", *indicator.breakdown_keys):
            figure = stored.get((indicator.code, key))
            correction = corrections.get((indicator.code, key))
            if figure is None and correction is None:
                continue
            result.append(
                Line(
                    indicator,
                    key,
                    figure.value if figure is not None else None,
                    figure.sessions if figure is not None else 0,
                    correction,
                )
            )
    return result


def sources(session: Session, centre: Centre, year: int, code: str | None) -> list[ActionSession]:
    """The recorded sessions of the year a line's figure comes from (every
    recorded session of the year when `code` is None)."""
    start, end = year_bounds(year)
    mapped: ColumnElement[bool] = or_(
        Action.participations_indicator == code,
        Action.people_indicator == code,
        Action.days_indicator == code,
        Action.hours_indicator == code,
    )
    if code == VOLUNTEER_HOURS:
        mapped = or_(mapped, ActionSession.volunteer_hours > 0)
    if code is None:
        mapped = true()
    return list(
        session.scalars(
            select(ActionSession)
            .join(Action, Action.id == ActionSession.action_id)
            .where(
                ActionSession.centre_id == centre.id,
                ActionSession.recorded_at.is_not(None),
                ActionSession.starts_at >= start,
                ActionSession.starts_at < end,
                mapped,
            )
            .order_by(ActionSession.starts_at, ActionSession.id)
            .limit(500)
        )
    )


def correct(
    session: Session, centre: Centre, year: int, code: str, key: str, value: Decimal, reason: str
) -> Correction:
    """Keep the director's figure for a cell, with the reason (required)."""
    reason = " ".join(reason.split())
    if not reason:
        raise Refusal(_("Indiquez la raison de la correction."), "reason")
    cells = {
        (i.code, k) for i in registry.catalogue(session, year) for k in ("", *i.breakdown_keys)
    }
    if (code, key) not in cells:
        raise Refusal(_("Ce chiffre n’est pas demandé cette année."))
    if value < 0:
        raise Refusal(_("Indiquez une valeur positive ou nulle."), "value")
    existing = session.scalar(
        select(Correction).where(
            Correction.centre_id == centre.id,
            Correction.year == year,
            Correction.indicator_code == code,
            Correction.breakdown_key == key,
        )
    )
    if existing is None:
        existing = Correction(
            centre_id=centre.id, year=year, indicator_code=code, breakdown_key=key
        )
        session.add(existing)
    existing.value = value
    existing.reason = reason
    existing.created_by_user_id = context.current().user_id
    session.flush()
    return existing


def carry_over(session: Session, centre: Centre, year: int) -> int:
    """Put the reviewed figures into the centre's draft declaration of `year`
    (corrections with their reasons as the indicator's comment); returns how
    many cells. The centre then submits its declaration as any other."""
    reviewed = lines(session, centre, year)
    figures = {
        (line.indicator.code, line.key): line.value for line in reviewed if line.value is not None
    }
    comments = {
        line.indicator.code: _("Corrigé : %(reason)s", reason=line.correction.reason)
        for line in reviewed
        if line.correction is not None and line.key == ""
    }
    registry.write_declaration(session, centre.id, year, figures, comments)
    return len(figures)
