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
            year = date.today().year
            figures = PROVIDERS["joint_answers"](session, year)
            granted_once = session.execute(
                text(
                    "SELECT coalesce(sum(granted_amount), 0) FROM aap_answers"
                    " WHERE status = 'granted' AND extract(year FROM submitted_at) = :y"
                ),
                {"y": year},
            ).scalar_one()
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
    # The amount is the lead's (Alma), counted once in the network's total.
    assert by_key[(alma, "joint_answers.granted")] >= Decimal("7500.00")
    assert by_key[(fresnoy, "joint_answers.granted")] == 0
    network_total = sum(f.value for f in figures if f.code == "joint_answers.granted")
    assert network_total == granted_once
    # ECHO's answer is still being written: not counted.
    assert (echo, "joint_answers.submitted") not in by_key
