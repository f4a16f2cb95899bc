"""The network figures of joint answers, read on the reporting role from the
committed demo network (Alma and Fresnoy's granted answer)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from ensemble.sharing.cooperation import PROVIDERS


def test_joint_answers_submitted_and_won_per_centre(database, demo):
    alma, fresnoy, echo = (demo.centre(s).id for s in ("alma", "fresnoy-mackellerie", "echo"))
    engine = create_engine(database.reporting)
    try:
        with Session(engine) as session:
            figures = PROVIDERS["joint_answers"](session, date.today().year)
            # The reporting role reads the lifecycle columns, never a dossier.
            try:
                session.execute(text("SELECT body FROM aap_sections LIMIT 1"))
                read_sections = True
            except ProgrammingError:
                read_sections = False
    finally:
        engine.dispose()
    assert not read_sections
    by_key = {(f.centre_id, f.code): f.value for f in figures}
    for centre in (alma, fresnoy):
        assert by_key[(centre, "joint_answers.submitted")] >= 1
        assert by_key[(centre, "joint_answers.won")] >= 1
        assert by_key[(centre, "joint_answers.granted")] >= Decimal("7500.00")
    # ECHO's answer is still being written: not counted.
    assert (echo, "joint_answers.submitted") not in by_key
