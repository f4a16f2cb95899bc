"""The HR demo data: a dozen people per employer, due dates soon, idempotent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from ensemble.hr import operations
from ensemble.hr.models import DueItem, StaffMember, ToolboxDocument
from ensemble.kernel import clock
from ensemble.tenancy import context
from tenants.demo import load_network, read_network
from tenants.demo_data import hr

from .conftest import HR_MANAGER


def test_loading_twice_changes_nothing(demo, db_session):
    with context.using(context.system_context(is_admin=True), db_session):
        net = load_network(db_session, read_network())
    hr.load(db_session, net)  # already loaded once in the template database
    soon = clock.today() + timedelta(days=30)
    with context.using(demo.context_of(HR_MANAGER), db_session):
        for slug in ("association-alma", "iciela"):
            employer_id = net.employers[slug].id
            with operations.employer_scope(db_session, employer_id):
                staff = db_session.scalar(
                    select(func.count(StaffMember.id)).filter_by(employer_id=employer_id)
                )
                due_soon = db_session.scalar(
                    select(func.count(DueItem.id)).where(
                        DueItem.employer_id == employer_id, DueItem.due_on <= soon
                    )
                )
            assert staff == 12, slug
            assert due_soon >= 3, slug
        toolbox = db_session.scalar(select(func.count(ToolboxDocument.id)))
    assert toolbox == len(hr.TOOLBOX)
