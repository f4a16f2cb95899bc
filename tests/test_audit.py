"""The audit log: changes recorded automatically, read by the tenant's director."""

from __future__ import annotations

from sqlalchemy import select

from ensemble.audit.models import AuditAction, AuditEntry
from ensemble.people.models import Membership, Role
from ensemble.tenancy import context

from conftest import sign_in


def _add_staff(demo, db_session, centre_slug: str, email: str) -> Membership:
    with context.using(context.system_context(is_admin=True), db_session):
        membership = Membership(
            user_id=demo.user(email).id,
            role=Role.STAFF,
            centre_id=demo.centre(centre_slug).id,
            job_title="Animateur",
        )
        db_session.add(membership)
        db_session.flush()
        return membership


def test_changes_are_recorded_with_who_what_and_which_tenant(demo, db_session):
    membership = _add_staff(demo, db_session, "alma", "lea.dumont@echo.demo")
    with context.using(context.system_context(is_admin=True), db_session):
        membership.job_title = "Animatrice"
        db_session.flush()
        entries = db_session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "memberships", AuditEntry.object_id == membership.id)
            .order_by(AuditEntry.id)
        ).all()
    assert [e.action for e in entries] == [AuditAction.CREATE, AuditAction.UPDATE]
    assert all(e.centre_id == demo.centre("alma").id for e in entries)
    assert entries[1].details == {"fields": ["job_title"]}
    assert entries[0].occurred_at is not None


def test_director_reads_her_centre_log_and_entries(client, demo, db_session):
    membership = _add_staff(demo, db_session, "alma", "lea.dumont@echo.demo")
    sign_in(client, "claire.vasseur@alma.demo")
    html = client.get("/c/alma/journal").get_data(as_text=True)
    # A sentence, not an internal id (issue 13).
    assert "Création" in html and "rattachement à une structure, par" in html
    assert f"nº {membership.id}" not in html
    with context.using(demo.context_of("claire.vasseur@alma.demo"), db_session):
        entry_id = db_session.scalar(
            select(AuditEntry.id).where(
                AuditEntry.object_type == "memberships", AuditEntry.object_id == membership.id
            )
        )
    page = client.get(f"/c/alma/journal/{entry_id}")
    assert page.status_code == 200 and "rattachement à une structure" in page.get_data(as_text=True)


def test_staff_and_other_directors_cannot_read_the_log(app, demo, db_session):
    _add_staff(demo, db_session, "alma", "lea.dumont@echo.demo")
    for email in ("ines.mercier@alma.demo", "karim.haddou@echo.demo"):
        client = app.test_client()
        sign_in(client, email)
        assert client.get("/c/alma/journal").status_code == 404, email


def test_admin_reads_every_entry(client, demo, db_session):
    _add_staff(demo, db_session, "echo", "hugo.carpentier@alma.demo")
    sign_in(client, "admin@ensemble.demo")
    html = client.get("/admin/journal").get_data(as_text=True)
    assert "Journal des actions" in html and "rattachement à une structure" in html


def test_log_pages_are_keyset_paginated(client, demo, db_session):
    from ensemble.audit.operations import record

    alma = demo.centre("alma")
    with context.using(demo.context_of("claire.vasseur@alma.demo"), db_session):
        for _ in range(60):
            record(db_session, AuditAction.READ, "centres", alma.id, centre_id=alma.id)
        db_session.flush()
    sign_in(client, "claire.vasseur@alma.demo")
    first = client.get("/c/alma/journal").get_data(as_text=True)
    assert "Actions plus anciennes" in first
    assert first.count("<tr>") == 51  # header row + a page of 50
