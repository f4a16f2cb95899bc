"""Demo shared calendar: the digital-transition officer's weeks across Alma,
Fresnoy Mackellerie and Basse Masure (workshops, drop-in hours, the cargo bike,
team meetings), from this week on, and a pending request from Basse Masure.

Loaded after the shared posts (it books under the officer's post agreement);
idempotent: a calendar that already has events is left alone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Category, Event
from ensemble.sharing.models import Agreement
from ensemble.tenancy import context
from ensemble.tenancy.scopes import context_for_user
from tenants.demo import DemoNetwork

ORDER = 40
OFFICER = "hugo.carpentier@alma.demo"
OFFICER_POST = "Chargé de transition numérique"
BASSE_MASURE_DIRECTOR = "aicha.ouali@bassemasure.demo"

# (weekday, start, end, centre, category, title, participants, rule)
WEEK = [
    (
        0,
        time(9),
        time(10, 30),
        "alma",
        Category.MEETING,
        "Réunion d’équipe",
        "Équipe d’animation d’Alma",
        "FREQ=WEEKLY;COUNT=12",
    ),
    (
        1,
        time(14),
        time(16),
        "fresnoy-mackellerie",
        Category.WORKSHOP,
        "Atelier numérique : premiers pas sur tablette",
        "Groupe seniors du mardi",
        "FREQ=WEEKLY;COUNT=12",
    ),
    (
        2,
        time(14),
        time(17),
        "fresnoy-mackellerie",
        Category.OUTREACH,
        "Vélo cargo numérique — aller-vers",
        "",
        "FREQ=WEEKLY;INTERVAL=2;COUNT=6",
    ),
    (
        3,
        time(9, 30),
        time(12),
        "basse-masure",
        Category.DROP_IN,
        "Permanence accès aux droits en ligne",
        "",
        "FREQ=WEEKLY;COUNT=12",
    ),
    (
        4,
        time(14),
        time(16),
        "alma",
        Category.WORKSHOP,
        "Atelier CV et candidatures en ligne",
        "Jeunes de l’espace emploi",
        "FREQ=WEEKLY;COUNT=8",
    ),
]


def load(session: Session, net: DemoNetwork) -> None:
    officer = net.users[OFFICER]
    # Everything is read and booked as the officer would (row-level security applies).
    with context.using(context_for_user(session, officer.id), session):
        agreement = session.scalar(
            select(Agreement).where(
                Agreement.owner_employer_id == net.employers["association-alma"].id,
                Agreement.title == OFFICER_POST,
            )
        )
        if agreement is None:
            raise RuntimeError(f"demo: the post « {OFFICER_POST} » must be loaded first")
        calendar = agenda.open_calendar(session, agreement.id, officer.id)
        if session.scalar(select(func.count(Event.id)).where(Event.calendar_id == calendar.id)):
            return
        monday = date.today() - timedelta(days=date.today().weekday())
        config = agenda.Settings(share_policy="warn")
        for weekday, start, end, slug, category, title, participants, rule in WEEK:
            day = monday + timedelta(days=weekday)
            agenda.book(
                session,
                calendar,
                centre_id=net.centres[slug].id,
                category=category,
                title=title,
                participants=participants,
                starts_local=datetime.combine(day, start),
                ends_local=datetime.combine(day, end),
                rrule=rule,
                config=config,
            )
    director = net.users[BASSE_MASURE_DIRECTOR]
    with context.using(context_for_user(session, director.id), session):
        day = monday + timedelta(days=8)
        agenda.ask(
            session,
            calendar,
            net.centres["basse-masure"],
            title="Atelier démarches CAF en ligne",
            category=Category.WORKSHOP,
            starts_local=datetime.combine(day, time(14)),
            ends_local=datetime.combine(day, time(16)),
            message="Pour les familles du quartier, salle polyvalente.",
        )
