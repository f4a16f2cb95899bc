"""Fixtures of the activity tests: people of the demo network and an action of
Fresnoy Mackellerie with a session that has taken place."""

from __future__ import annotations

import contextlib
from datetime import date, time

import pytest

from ensemble.activity import operations as activity
from ensemble.tenancy import context

FRESNOY_DIRECTOR = "thomas.lefebvre@fresnoy.demo"
ALMA_DIRECTOR = "claire.vasseur@alma.demo"
ALMA_STAFF = "ines.mercier@alma.demo"
ECHO_DIRECTOR = "karim.haddou@echo.demo"
BASSE_MASURE_DIRECTOR = "aicha.ouali@bassemasure.demo"
NORD_ANALYST = "paul.verhaeghe@federation-nord.demo"
OFFICER = "hugo.carpentier@alma.demo"


@pytest.fixture
def as_user(demo, db_session):
    @contextlib.contextmanager
    def run(email: str):
        with context.using(demo.context_of(email), db_session) as ctx:
            yield ctx

    return run


@pytest.fixture
def alma_action(demo, db_session, as_user, frozen_clock):
    """« Ateliers parents-enfants » of Alma, four weekly sessions from Monday
    2 March 2026 at 14:00, the clock frozen on 20 March: three have taken place."""
    frozen_clock(date(2026, 3, 20))
    with as_user(ALMA_DIRECTOR):
        action = activity.save_action(
            db_session,
            demo.centre("alma"),
            name="Ateliers parents-enfants (essai)",
            sector="parentalite",
            public="Parents et enfants de 0 à 5 ans",
            place="Espace Kassoumaï",
        )
        activity.plan_sessions(
            db_session, action, first_day=date(2026, 3, 2), start=time(14), end=time(16), count=4
        )
        return action.id
