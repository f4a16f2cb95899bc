"""Demo actions: Alma's 2021 activity, session by session, so that the
declaration the workers pre-fill from it equals the 2021 activity report
(/shared/seeds, « Rapport d’activité 2021 ») and the 2021 declaration the
reporting demo holds:

- the public writers (écrivains publics): two permanences a week, 1,488
  visits by 664 different people, 377 women and 287 men (asf.passages,
  asf.personnes by sex);
- Kassoumaï, the parents-children place: 127 mornings of three hours (381
  hours of opening over 127 days, pa.jours_accueil), 818 participations, 54
  different children (counted in pa.enfants);
- parenting: « Du temps avec mon enfant », 38 sessions, 152 more children
  (pa.enfants: 54 + 152 = 206), and « Rencontres ludiques », 30 sessions,
  117 parents (pa.adultes). The 113 families are not a count of
  attendance: the director keeps declaring them herself.

Idempotent: a centre that already has these actions is left alone.
Registered people are named « Personne 1 »… (never real names), and are
anonymised at once: their retention ended long ago."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from ensemble.activity import operations as activity
from ensemble.activity import prefill, retention
from ensemble.activity.models import Action
from ensemble.tenancy import context
from ensemble.tenancy.scopes import context_for_user
from tenants.demo import DemoNetwork

ORDER = 70
DIRECTOR = "claire.vasseur@alma.demo"
YEAR = 2021


def _people(session, action, prefix: str, n: int, *, sexes=None, born=(1960, 1995)):
    low, high = born
    return [
        activity.register_participant(
            session,
            action,
            display_name=f"{prefix} {i + 1}",
            consent=True,
            sex=sexes[i] if sexes else "",
            birth_year=low + (i * 7) % (high - low + 1),
        )
        for i in range(n)
    ]


def _series(session, action, days_and_counts, start: time, end: time):
    sessions = []
    for first_day, count in days_and_counts:
        sessions += activity.plan_sessions(
            session, action, first_day=first_day, start=start, end=end, count=count
        ).sessions
    return sorted(sessions, key=lambda s: s.starts_at)


def _record(session, sessions, people, visits: int, participants=None) -> None:
    """`visits` ticks spread round-robin: visit i is person i mod len(people) at
    session i mod len(sessions), so each person comes at least once and never
    twice to one session while visits ≤ len(people) × len(sessions)."""
    ticked: list[list] = [[] for _ in sessions]
    for i in range(visits):
        ticked[i % len(sessions)].append(people[i % len(people)])
    for n, (act_session, present) in enumerate(zip(sessions, ticked, strict=True)):
        total = participants[n] if participants else len(present)
        activity.record_attendance(
            session,
            act_session,
            activity.Attendance(
                participants=total,
                women=sum(1 for p in present if p.sex == "femmes") if not participants else None,
                men=sum(1 for p in present if p.sex == "hommes") if not participants else None,
                present_ids=tuple(p.id for p in present),
            ),
        )


def load(session: Session, net: DemoNetwork) -> None:
    alma = net.centres["alma"]
    director = net.users[DIRECTOR]
    with context.using(context_for_user(session, director.id), session):
        if session.scalar(select(Action.id).where(Action.centre_id == alma.id).limit(1)):
            return

        writers = activity.save_action(
            session,
            alma,
            name="Écrivains publics",
            sector="adultes_familles",
            public="Habitants du quartier",
            place="Accueil du centre",
            indicators={"participations": "asf.passages", "people": "asf.personnes"},
        )
        # Tuesdays and Fridays, 48 weeks each: 96 permanences.
        permanences = _series(
            session, writers, [(date(2021, 1, 5), 48), (date(2021, 1, 8), 48)], time(9), time(12)
        )
        sexes = ["femmes"] * 377 + ["hommes"] * 287
        _record(session, permanences, _people(session, writers, "Personne", 664, sexes=sexes), 1488)

        kassoumai = activity.save_action(
            session,
            alma,
            name="Kassoumaï",
            sector="parentalite",
            public="Parents et enfants de 0 à 5 ans",
            place="Espace Kassoumaï",
            indicators={"people": "pa.enfants", "days": "pa.jours_accueil"},
        )
        # Monday, Tuesday and Thursday mornings: 43 + 42 + 42 = 127 days, 381 hours.
        mornings = _series(
            session,
            kassoumai,
            [(date(2021, 1, 4), 43), (date(2021, 1, 5), 42), (date(2021, 1, 7), 42)],
            time(9),
            time(12),
        )
        children = _people(session, kassoumai, "Enfant K", 54, born=(2016, 2020))
        # 818 participations (parents and children): 56 mornings of 7, 71 of 6.
        _record(session, mornings, children, 3 * 127, participants=[7] * 56 + [6] * 71)

        with_my_child = activity.save_action(
            session,
            alma,
            name="Du temps avec mon enfant",
            sector="parentalite",
            public="Parents et enfants",
            place="Salle des familles",
            indicators={"people": "pa.enfants"},
        )
        afternoons = _series(session, with_my_child, [(date(2021, 1, 6), 38)], time(14), time(16))
        _record(
            session,
            afternoons,
            _people(session, with_my_child, "Enfant", 152, born=(2010, 2019)),
            152,
        )

        games = activity.save_action(
            session,
            alma,
            name="Rencontres ludiques",
            sector="parentalite",
            public="Parents",
            place="Salle des familles",
            indicators={"people": "pa.adultes"},
        )
        evenings = _series(session, games, [(date(2021, 1, 4), 30)], time(18), time(20))
        _record(session, evenings, _people(session, games, "Parent", 117), 117)

        session.flush()
        prefill.refresh(session, [alma.id], YEAR)
        # 2021's campaign closed in June 2022: the retention has long ended, so
        # the people are anonymised, as the nightly task would have done; the
        # counts stay (tests/activity/test_demo.py).
        retention.anonymise_expired(session, alma.id)
