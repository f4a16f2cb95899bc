"""The demo reproduces Alma's 2021 activity report: the declaration the workers
pre-fill from the demo's sessions and attendance equals the report's figures,
and Alma's 2021 declaration, cell by cell, wherever attendance can count."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from activity.conftest import ALMA_DIRECTOR
from ensemble.activity import prefill
from ensemble.activity.models import Action, ActionSession
from ensemble.reporting import operations as reporting
from ensemble.reporting.models import Declaration
from ensemble.tenancy import context
from tenants.demo_data.reporting import ALMA_2021

REPORT = {
    ("asf.passages", ""): 1488,
    ("asf.personnes", ""): 664,
    ("asf.personnes", "femmes"): 377,
    ("asf.personnes", "hommes"): 287,
    ("pa.jours_accueil", ""): 127,
    ("pa.enfants", ""): 206,
    ("pa.adultes", ""): 117,
}


def test_the_prefilled_2021_declaration_equals_the_activity_report(demo, db_session):
    alma = demo.centre("alma")
    with context.using(demo.context_of(ALMA_DIRECTOR), db_session):
        prefill.refresh(db_session, [alma.id], 2021)  # as the nightly task would
        lines = {
            (line.indicator.code, line.key): line.value
            for line in prefill.lines(db_session, alma, 2021)
        }
        assert lines == {cell: Decimal(n) for cell, n in REPORT.items()}
        declaration = db_session.scalar(
            select(Declaration).where(Declaration.centre_id == alma.id, Declaration.year == 2021)
        )
        declared = reporting.values_of(declaration)
        for cell in REPORT:
            assert declared[cell].value == Decimal(ALMA_2021[cell]) == lines[cell], cell

        kassoumai = db_session.scalar(select(Action).where(Action.name == "Kassoumaï"))
        sessions = db_session.scalars(
            select(ActionSession).where(ActionSession.action_id == kassoumai.id)
        ).all()
        hours = sum((s.ends_at - s.starts_at).total_seconds() for s in sessions) / 3600
        assert (len(sessions), hours) == (127, 381)
        assert (
            db_session.scalar(
                select(func.sum(ActionSession.participants)).where(
                    ActionSession.action_id == kassoumai.id
                )
            )
            == 818
        )
