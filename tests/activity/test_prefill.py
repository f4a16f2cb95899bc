"""The yearly declaration pre-filled from attendance: the workers' figures equal
an independent count over generated campaigns (participations by breakdown,
different people counted once across sessions and actions, days and hours of
opening, volunteer hours, and the sessions each figure comes from), only
recorded sessions of the campaign year count (Paris dates), and the director's
corrections keep their reason and reach the declaration, which is then
submitted as any other."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from activity.conftest import ALMA_DIRECTOR, ALMA_STAFF, ECHO_DIRECTOR
from ensemble.activity import operations as activity
from ensemble.activity import prefill
from ensemble.activity.models import Action, PrefilledFigure
from ensemble.kernel import clock
from ensemble.kernel.refusal import Refusal
from ensemble.reporting import operations as reporting
from ensemble.reporting.models import Declaration

HUNDREDTH = Decimal("0.01")
# Sector -> the figures an action of it may map, with the lines it may map them to.
MAPPINGS = {
    "adultes_familles": {
        "participations": ["asf.passages", "asf.dossiers"],
        "people": ["asf.personnes"],
        "days": ["asf.ateliers_sante"],
    },
    "parentalite": {
        "participations": ["pa.enfants"],
        "people": ["pa.adultes", "pa.enfants"],
        "days": ["pa.jours_accueil"],
    },
    "ressources_humaines": {"hours": ["rh.heures_benevoles"]},
}

counts = st.one_of(st.none(), st.integers(0, 4))


@st.composite
def campaigns(draw):
    actions = []
    for _ in range(draw(st.integers(1, 3))):
        sector = draw(st.sampled_from(sorted(MAPPINGS)))
        mapping = {
            figure: draw(st.one_of(st.none(), st.sampled_from(codes)))
            for figure, codes in MAPPINGS[sector].items()
        }
        people = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(["", "femmes", "hommes"]),
                    st.one_of(st.none(), st.integers(1940, 2020)),
                    st.sampled_from(["", "0-17", "18-25", "26-59", "60+"]),
                ),
                max_size=4,
            )
        )
        sessions = draw(
            st.lists(
                st.tuples(
                    st.booleans(),  # recorded
                    st.integers(0, 6),  # participants beyond those ticked
                    counts,
                    counts,
                    st.lists(st.integers(0, 3), max_size=4),  # indexes of people present
                    st.sampled_from([Decimal(0), Decimal("1.5"), Decimal(3)]),
                ),
                min_size=1,
                max_size=4,
            )
        )
        # Weekly from a day around the year's bounds or in spring (the clock change).
        first_day = draw(
            st.sampled_from([date(2024, 12, 23), date(2025, 3, 17), date(2025, 12, 22)])
        )
        start = draw(st.sampled_from([time(0, 30), time(9), time(23)]))
        minutes = draw(st.sampled_from([45, 80, 120]))
        actions.append((sector, mapping, people, sessions, first_day, start, minutes))
    return actions


def _expected(plan, year):
    """The figures counted in Python, from what was recorded (an independent
    GROUP BY): {cell: (value, sessions it comes from)}. A session counts once in a
    cell's sum (participations, hours, volunteer hours), once in its days and once
    in its line's different people (total and each breakdown) when one of the
    line's people was ticked there."""
    sums: dict[tuple, Decimal] = defaultdict(Decimal)
    summed: dict[tuple, set] = defaultdict(set)  # cell -> sessions in its sum
    counted: dict[tuple, int] = defaultdict(int)  # cell -> sessions of days and people
    days: dict[str, set] = defaultdict(set)
    people: dict[str, set] = defaultdict(set)
    ticked_at: dict[tuple, set] = defaultdict(set)  # (code, key) -> sessions
    for mapping, recorded in plan:
        for n, (local_start, duration, attendance, present) in enumerate(recorded):
            if local_start.year != year:
                continue
            session_key = (id(recorded), n)
            if mapping.get("participations"):
                code = mapping["participations"]
                for key, value in (
                    ("", attendance.participants),
                    ("femmes", attendance.women),
                    ("hommes", attendance.men),
                ):
                    if value is not None:
                        sums[(code, key)] += value
                        summed[(code, key)].add(session_key)
            if mapping.get("hours"):
                sums[(mapping["hours"], "")] += Decimal(duration.total_seconds()) / 3600
                summed[(mapping["hours"], "")].add(session_key)
            if attendance.volunteer_hours > 0:
                sums[(prefill.VOLUNTEER_HOURS, "")] += attendance.volunteer_hours
                summed[(prefill.VOLUNTEER_HOURS, "")].add(session_key)
            if mapping.get("days"):
                days[mapping["days"]].add(local_start.date())
                counted[(mapping["days"], "")] += 1
            if mapping.get("people"):
                code = mapping["people"]
                people[code] |= set(present)
                if present:  # every breakdown of the line: where its people were ticked
                    for key in ("", "femmes", "hommes", "0-17", "18-25", "26-59", "60+"):
                        ticked_at[(code, key)].add(session_key)
    for code, dates in days.items():
        sums[(code, "")] += len(dates)
    for code, persons in people.items():
        if not persons:
            continue
        sums[(code, "")] += len(persons)
        for sex in ("femmes", "hommes"):
            n = sum(1 for p in persons if p.sex == sex)
            if n:
                sums[(code, sex)] += n
        for band in ("0-17", "18-25", "26-59", "60+"):
            n = sum(1 for p in persons if activity.band_of(p, year) == band)
            if n:
                sums[(code, band)] += n
    for cell, sessions in ticked_at.items():
        if cell in sums:
            counted[cell] += len(sessions)
    return {
        cell: (value.quantize(HUNDREDTH), len(summed[cell]) + counted[cell])
        for cell, value in sums.items()
    }


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(campaign=campaigns())
def test_the_prefill_equals_an_independent_count(demo, db_session, as_user, frozen_clock, campaign):
    frozen_clock(date(2026, 2, 1))
    alma = demo.centre("alma")
    nested = db_session.begin_nested()
    try:
        plan = []
        with as_user(ALMA_DIRECTOR):
            for n, (sector, mapping, persons, sessions, first_day, start, minutes) in enumerate(
                campaign
            ):
                action = activity.save_action(
                    db_session, alma, name=f"Action {n}", sector=sector, indicators=mapping
                )
                end = clock.local_midnight(first_day) + timedelta(
                    hours=start.hour, minutes=start.minute + minutes
                )
                end_time = time(23, 59) if end.date() != first_day else end.time()
                planned = activity.plan_sessions(
                    db_session,
                    action,
                    first_day=first_day,
                    start=start,
                    end=end_time,
                    count=len(sessions),
                ).sessions
                registered = [
                    activity.register_participant(
                        db_session,
                        action,
                        display_name=f"P{n}-{i}",
                        consent=True,
                        sex=sex,
                        birth_year=born,
                        age_band=band,
                    )
                    for i, (sex, born, band) in enumerate(persons)
                ]
                recorded = []
                for act_session, (done, extra, women, men, present, hours) in zip(
                    planned, sessions, strict=True
                ):
                    if not done:
                        continue
                    ticked = sorted({registered[i].id for i in present if i < len(registered)})
                    total = extra + len(ticked)
                    attendance = activity.Attendance(
                        participants=total,
                        women=min(women, total) if women is not None else None,
                        men=min(men, total - min(women or 0, total)) if men is not None else None,
                        volunteers=1 if hours else 0,
                        volunteer_hours=hours,
                        present_ids=tuple(ticked),
                    )
                    activity.record_attendance(db_session, act_session, attendance)
                    recorded.append(
                        (
                            clock.paris(act_session.starts_at),
                            act_session.ends_at - act_session.starts_at,
                            attendance,
                            [p for p in registered if p.id in ticked],
                        )
                    )
                plan.append((mapping, recorded))
            prefill.refresh(db_session, [alma.id], 2025)
            stored = {
                (f.indicator_code, f.breakdown_key): (f.value, f.sessions)
                for f in db_session.scalars(
                    select(PrefilledFigure).where(
                        PrefilledFigure.centre_id == alma.id, PrefilledFigure.year == 2025
                    )
                )
            }
        assert stored == _expected(plan, 2025)
        print("PREFILL", len(stored))
    finally:
        nested.rollback()


@pytest.fixture
def kassoumai(demo, db_session, as_user, frozen_clock):
    """Kassoumaï in 2025: three sessions of three hours, recorded; two children
    ticked at the first two, one at the third; its figures refreshed."""
    frozen_clock(date(2026, 2, 1))
    alma = demo.centre("alma")
    with as_user(ALMA_DIRECTOR):
        action = activity.save_action(
            db_session,
            alma,
            name="Kassoumaï (essai)",
            sector="parentalite",
            indicators={"people": "pa.enfants", "days": "pa.jours_accueil"},
        )
        sessions = activity.plan_sessions(
            db_session, action, first_day=date(2025, 9, 1), start=time(9), end=time(12), count=3
        ).sessions
        a, b = (
            activity.register_participant(
                db_session, action, display_name=n, consent=True, birth_year=2022
            )
            for n in ("Lina", "Noé")
        )
        for act_session, present in zip(sessions, ((a, b), (a, b), (a,)), strict=True):
            activity.record_attendance(
                db_session,
                act_session,
                activity.Attendance(participants=4, present_ids=tuple(p.id for p in present)),
            )
        prefill.refresh(db_session, [alma.id], 2025)
    return action.id


def test_the_director_sees_each_figure_with_its_sessions(db_session, as_user, demo, kassoumai):
    alma = demo.centre("alma")
    with as_user(ALMA_DIRECTOR):
        lines = {
            (line.indicator.code, line.key): line for line in prefill.lines(db_session, alma, 2025)
        }
        assert (lines[("pa.enfants", "")].prefilled, lines[("pa.enfants", "")].sessions) == (2, 3)
        assert lines[("pa.jours_accueil", "")].prefilled == 3
        assert len(prefill.sources(db_session, alma, 2025, "pa.enfants")) == 3
        assert prefill.sources(db_session, alma, 2025, "asf.passages") == []


def test_a_correction_keeps_its_reason_and_reaches_the_declaration(
    db_session, as_user, demo, kassoumai
):
    alma = demo.centre("alma")
    with as_user(ALMA_STAFF):  # row-level security: directors only
        nested = db_session.begin_nested()
        with pytest.raises(DBAPIError):
            prefill.correct(db_session, alma, 2025, "pa.enfants", "", Decimal(3), "Oubli")
        nested.rollback()
    with as_user(ALMA_DIRECTOR):
        with pytest.raises(Refusal) as refused:
            prefill.correct(db_session, alma, 2025, "pa.enfants", "", Decimal(3), "  ")
        assert refused.value.field == "reason"
        with pytest.raises(Refusal):
            prefill.correct(db_session, alma, 2025, "pa.inconnu", "", Decimal(3), "Oubli")
        prefill.correct(
            db_session,
            alma,
            2025,
            "pa.enfants",
            "",
            Decimal(3),
            "Un enfant non coché le 8 septembre",
        )
        assert prefill.carry_over(db_session, alma, 2025) == 2
        declaration = db_session.scalar(
            select(Declaration).where(Declaration.centre_id == alma.id, Declaration.year == 2025)
        )
        values = reporting.values_of(declaration)
        assert values[("pa.enfants", "")].value == 3
        assert "Un enfant non coché le 8 septembre" in values[("pa.enfants", "")].comment
        assert values[("pa.jours_accueil", "")].value == 3
        # ...and the declaration is submitted as before, through reporting.
        assert all(not p.blocking for p in reporting.coherence_problems(db_session, declaration))


def test_an_action_maps_only_lines_of_its_sector(demo, db_session, as_user):
    with as_user(ALMA_DIRECTOR):
        with pytest.raises(Refusal) as refused:
            activity.save_action(
                db_session,
                demo.centre("alma"),
                name="Mauvaise ligne",
                sector="parentalite",
                indicators={"participations": "asf.passages"},
            )
        assert refused.value.field == "participations_indicator"


def test_another_centre_reads_no_prefilled_figure(db_session, as_user, demo, kassoumai):
    alma = demo.centre("alma")
    with as_user(ECHO_DIRECTOR):
        assert prefill.lines(db_session, alma, 2025) == []
        assert db_session.get(Action, kassoumai) is None
