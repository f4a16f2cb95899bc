"""The yearly declaration pre-filled from attendance, computed by the workers.

Each action says which line of the indicator catalogue each of its figures
pre-fills: its participations (by the catalogue's breakdowns), its different
people (distinct participants ticked, by sex and by age in the campaign's
year), its days of opening (distinct local dates of its sessions) and its
hours of opening (the sessions' durations). Volunteer hours of every session go
to VOLUNTEER_HOURS. Only recorded sessions count, those whose local start falls
in the campaign year (Europe/Paris).

The figures are computed by one set-based statement for a set of centres and
a year, and stored in `activity_prefill` with the number of sessions each comes
from; recording a session's attendance enqueues the refresh of its centre and
year only (`refresh`, the incremental path, on the runtime role under that
centre's context), the nightly task refreshes every centre at once
(`refresh_every_centre`, the full path, on the reporting role). Two actions
mapped to one line add up (participations, days, hours) or are counted once
(different people).

The statement reads the attendance once: sessions give the participations,
hours and days; the presences are grouped in one pass both per (line, person)
— different people, whose breakdowns (sex, age in the campaign's year) are then
read once per person as bits — and per (line, session) — the sessions the
line's people come from, which every breakdown of the line shows too. No count
is DISTINCT over the presences, no breakdown multiplies them, and no presence
is joined to its participant.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Connection, or_, select, text, true
from sqlalchemy.orm import Session

from ensemble.activity.models import Action, ActionSession, Correction, PrefilledFigure
from ensemble.kernel import clock
from ensemble.kernel.refusal import Refusal
from ensemble.network.models import Centre
from ensemble.sharing import activity as registry
from ensemble.tenancy import context

VOLUNTEER_HOURS = "rh.heures_benevoles"

_CELLS = """
WITH s AS MATERIALIZED (
    SELECT s.id, s.centre_id, s.participants, s.women, s.men, s.age_0_17, s.age_18_25,
           s.age_26_59, s.age_60_plus, s.volunteer_hours, s.starts_at, s.ends_at,
           a.participations_indicator AS p_code, a.people_indicator AS people_code,
           a.days_indicator AS d_code, a.hours_indicator AS h_code
    FROM activity_sessions s
    JOIN activity_actions a ON a.id = s.action_id AND a.centre_id = s.centre_id
    WHERE s.recorded_at IS NOT NULL AND {scope_s}
      AND s.starts_at >= :start AND s.starts_at < :end
), sums AS (
    -- Each row is one session's contribution to one cell, so counting rows counts
    -- sessions; the one cell a session can reach twice (its hours mapped to the
    -- volunteer hours' line, and volunteer hours) counts it once.
    SELECT centre_id, code, key, sum(n) AS value, sum(one) AS sessions FROM (
        SELECT s.centre_id, s.p_code AS code, v.key, v.n::numeric AS n, 1 AS one
        FROM s CROSS JOIN LATERAL (VALUES ('', s.participants), ('femmes', s.women),
            ('hommes', s.men), ('0-17', s.age_0_17), ('18-25', s.age_18_25),
            ('26-59', s.age_26_59), ('60+', s.age_60_plus)) AS v(key, n)
        WHERE s.p_code IS NOT NULL AND v.n IS NOT NULL
        UNION ALL
        SELECT s.centre_id, s.h_code, '', extract(epoch FROM s.ends_at - s.starts_at) / 3600, 1
        FROM s WHERE s.h_code IS NOT NULL
        UNION ALL
        SELECT s.centre_id, CAST(:volunteer_code AS text), '', s.volunteer_hours,
               CASE WHEN s.h_code = CAST(:volunteer_code AS text) THEN 0 ELSE 1 END
        FROM s WHERE s.volunteer_hours > 0
    ) AS x
    GROUP BY centre_id, code, key
), days AS (
    SELECT s.centre_id, s.d_code AS code, '' AS key,
           count(DISTINCT (s.starts_at AT TIME ZONE 'Europe/Paris')::date)::numeric AS value,
           count(*) AS sessions
    FROM s WHERE s.d_code IS NOT NULL
    GROUP BY s.centre_id, s.d_code
), people_keys AS (
    -- Each participant's breakdowns as bits: 1 women, 2 men, then the age in the
    -- campaign's year (from the year of birth, else the age band): 4 under 18,
    -- 8 18 to 25, 16 26 to 59, 32 60 and over.
    SELECT p.id, p.centre_id,
           CASE p.sex WHEN 'femmes' THEN 1 WHEN 'hommes' THEN 2 ELSE 0 END
           | CASE WHEN p.birth_year IS NULL THEN
                 CASE p.age_band WHEN '0-17' THEN 4 WHEN '18-25' THEN 8
                                 WHEN '26-59' THEN 16 WHEN '60+' THEN 32 ELSE 0 END
             WHEN :year - p.birth_year < 18 THEN 4
             WHEN :year - p.birth_year <= 25 THEN 8
             WHEN :year - p.birth_year <= 59 THEN 16
             ELSE 32 END AS bits
    FROM activity_participants p WHERE {scope_p}
), people_lines AS (
    -- The actions whose different people a line counts, each named by the first
    -- action of its centre mapped to that line (two actions, one line: one count).
    SELECT a.id, a.centre_id, a.people_indicator AS code,
           min(a.id) OVER (PARTITION BY a.centre_id, a.people_indicator) AS line
    FROM activity_actions a
    WHERE a.people_indicator IS NOT NULL AND {scope_a}
), ticked AS (
    -- One pass over the presences: one group per (line, person) and one per
    -- (line, session) where its people were ticked.
    SELECT l.line, GROUPING(pr.session_id) = 1 AS person, pr.participant_id
    FROM activity_presences pr
    JOIN activity_sessions s ON s.id = pr.session_id
    JOIN people_lines l ON l.id = s.action_id
    WHERE s.recorded_at IS NOT NULL AND {scope_s}
      AND s.starts_at >= :start AND s.starts_at < :end
    GROUP BY l.line, GROUPING SETS ((pr.participant_id), (pr.session_id))
), lines AS (
    -- Per line: its sessions, its different people and those of each breakdown
    -- (the person's bits, read once per person).
    SELECT t.line, count(*) FILTER (WHERE NOT t.person) AS sessions,
           count(*) FILTER (WHERE t.person) AS p,
           count(*) FILTER (WHERE t.person AND k.bits & 1 <> 0) AS women,
           count(*) FILTER (WHERE t.person AND k.bits & 2 <> 0) AS men,
           count(*) FILTER (WHERE t.person AND k.bits & 4 <> 0) AS a0,
           count(*) FILTER (WHERE t.person AND k.bits & 8 <> 0) AS a18,
           count(*) FILTER (WHERE t.person AND k.bits & 16 <> 0) AS a26,
           count(*) FILTER (WHERE t.person AND k.bits & 32 <> 0) AS a60
    FROM ticked t LEFT JOIN people_keys k ON k.id = t.participant_id
    GROUP BY t.line
), people AS (
    -- Each breakdown of a line comes from the sessions where the line's people
    -- were ticked (those the review page links to the line).
    SELECT a.centre_id, a.people_indicator AS code, v.key, v.n::numeric AS value, l.sessions
    FROM lines l JOIN activity_actions a ON a.id = l.line
    CROSS JOIN LATERAL (VALUES ('', l.p), ('femmes', l.women), ('hommes', l.men),
        ('0-17', l.a0), ('18-25', l.a18), ('26-59', l.a26), ('60+', l.a60)) AS v(key, n)
    WHERE v.n > 0
)
SELECT centre_id, code, key, sum(value) AS value, sum(sessions)::int AS sessions
FROM (
    SELECT * FROM sums UNION ALL SELECT * FROM days UNION ALL SELECT * FROM people
) AS all_cells
GROUP BY centre_id, code, key
"""


def _cells(every_centre: bool) -> str:
    """The statement for the centres bound as :centres, or for every centre."""
    return _CELLS.format(
        **{
            f"scope_{alias}": "true" if every_centre else f"{alias}.centre_id = ANY(:centres)"
            for alias in ("s", "p", "a")
        }
    )


_STORE = (
    "INSERT INTO activity_prefill"
    " (centre_id, year, indicator_code, breakdown_key, value, sessions, computed_at)"
    " SELECT centre_id, :year, code, key, round(value, 2), sessions, now() FROM ({cells})"
    " AS computed"
)

# Refreshes of one year take transaction-scoped advisory locks before they delete
# and insert, so that two of them never interleave (two workers refreshing one
# centre would insert the same cells twice): a refresh of some centres holds the
# year's lock shared and each centre's exclusively, a refresh of every centre
# holds the year's exclusively. Each waits for the one before it to commit, then
# reads what it wrote: the end state is that of one refresh.
_LOCK_YEAR = (
    "SELECT pg_advisory_xact_lock{shared}(hashtextextended('activity_prefill ' || :year, 0))"
)
_LOCK_CENTRES = (
    "SELECT count(pg_advisory_xact_lock("
    "hashtextextended('activity_prefill ' || :year || ' ' || c, 0)))"
    " FROM (SELECT DISTINCT c FROM unnest(CAST(:centres AS bigint[])) AS c ORDER BY c) AS centres"
)
# Past this many centres, one refresh locks the whole year rather than each centre.
_MANY_CENTRES = 32
# Memory for the aggregation's hash tables (a full refresh groups a million
# people and sessions at national scale).
WORK_MEM = "256MB"


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
    rows = session.execute(text(_cells(False)), _parameters(centre_ids, year)).all()
    return {(r.centre_id, r.code, r.key): Decimal(r.value) for r in rows}


def refresh(session: Session, centre_ids: Iterable[int], year: int) -> int:
    """Recompute and store the pre-filled figures of these centres for `year`
    (three statements whatever their number: lock, delete, insert), on the
    caller's connection and context; returns how many figures are stored."""
    parameters = _parameters(centre_ids, year)
    if len(parameters["centres"]) > _MANY_CENTRES:
        session.execute(text(_LOCK_YEAR.format(shared="")), parameters)
    else:
        session.execute(
            text(f"SELECT ({_LOCK_YEAR.format(shared='_shared')}), ({_LOCK_CENTRES})"),
            parameters,
        )
    session.execute(
        text("DELETE FROM activity_prefill WHERE centre_id = ANY(:centres) AND year = :year"),
        parameters,
    )
    result = session.execute(text(_STORE.format(cells=_cells(False))), parameters)
    return int(getattr(result, "rowcount", 0) or 0)


def refresh_every_centre(connection: Connection, year: int) -> int:
    """Recompute and store every centre's pre-filled figures for `year` in the
    caller's transaction, on the reporting role (see migration
    0029_activity_prefill_reporting): one aggregation over the whole year's
    attendance, without row-level security's per-row check of a list of
    thousands of centres. Returns how many figures are stored."""
    parameters = _parameters((), year)
    connection.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
    connection.execute(text(_LOCK_YEAR.format(shared="")), parameters)
    connection.execute(text("DELETE FROM activity_prefill WHERE year = :year"), parameters)
    result = connection.execute(text(_STORE.format(cells=_cells(True))), parameters)
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
