"""The network sees activity as cooperation figures, computed on the reporting
role (which reads sessions, and of participants only what breaks them down,
never a name): Alma's 2021 sessions and participations from the demo, and
nothing the reporting role may not read."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ensemble.activity.providers import activity_figures


def test_alma_2021_activity_reaches_the_network_figures(database, demo):
    alma = demo.centre("alma").id
    engine = create_engine(database.reporting)
    try:
        with Session(engine) as session:
            figures = {
                f.code: f.value for f in activity_figures(session, 2021) if f.centre_id == alma
            }
            assert figures == {
                "activity.sessions": Decimal(96 + 127 + 38 + 30),
                "activity.participations": Decimal(1488 + 818 + 152 + 117),
                "activity.volunteer_hours": Decimal(0),
            }
            # The pre-fill's full refresh reads who was at which session and what
            # the catalogue breaks people down by; never a name, a consent, a
            # retention date or a registration.
            for statement in (
                "SELECT display_name FROM activity_participants",
                "SELECT consent FROM activity_participants",
                "SELECT anonymised_at FROM activity_participants",
                "SELECT * FROM activity_participants",
                "SELECT count(*) FROM activity_registrations",
            ):
                with pytest.raises(DBAPIError):
                    session.execute(text(statement))
                session.rollback()
    finally:
        engine.dispose()
