"""Notifications: isolated per person, deduplicated, mailed only after commit."""

from __future__ import annotations

import re

from sqlalchemy import text

from ensemble import mail
from ensemble.extensions import db
from ensemble.notifications.operations import notify, unread_count
from ensemble.tenancy import context

from conftest import sign_in

ISOLATED_TABLES = {"notifications"}


def _recipient(demo, email):
    user = demo.user(email)
    return (user.id, user.email)


SENT = text("SELECT count(*) FROM notifications WHERE title = 'Demande d’intervention'")


def test_only_the_recipient_reads_a_notification(demo, db_session):
    with context.using(demo.context_of("claire.vasseur@alma.demo"), db_session):
        notify(
            db_session,
            [_recipient(demo, "thomas.lefebvre@fresnoy.demo")],
            "Demande d’intervention",
            email=False,
        )
        # The sender cannot read it back, nor anyone else (the demo data may hold
        # notifications of her own: count this one only).
        assert db_session.execute(SENT).scalar() == 0
    with context.using(demo.context_of("thomas.lefebvre@fresnoy.demo"), db_session):
        assert db_session.execute(SENT).scalar() == 1
        thomas = demo.user("thomas.lefebvre@fresnoy.demo").id
        assert (
            db_session.execute(text("SELECT count(DISTINCT user_id) FROM notifications")).scalar()
            == 1
        )
        assert unread_count(db_session, thomas) >= 1
    with context.using(context.ANONYMOUS, db_session):
        nested = db_session.begin_nested()
        try:
            notify(db_session, [_recipient(demo, "thomas.lefebvre@fresnoy.demo")], "x", email=False)
            raise AssertionError("an anonymous transaction must not notify")
        except Exception as exc:  # noqa: BLE001
            assert "row-level security" in str(exc)
        nested.rollback()


def test_a_reminder_is_never_sent_twice(demo, db_session):
    recipient = [_recipient(demo, "aicha.ouali@bassemasure.demo")]
    with context.using(context.system_context(is_admin=True), db_session):
        assert notify(db_session, recipient, "Échéance J-7", dedup_key="aap:1:j7", email=False) == 1
        assert notify(db_session, recipient, "Échéance J-7", dedup_key="aap:1:j7", email=False) == 0


def test_mail_goes_out_after_commit_only(app, demo, sent_tasks):
    with app.app_context():
        mail.outbox().clear()
        with context.using(context.system_context(is_admin=True), db.session):
            notify(db.session, [_recipient(demo, "aicha.ouali@bassemasure.demo")], "Test")
            db.session.flush()
            assert sent_tasks.named(mail.DELIVER) == []
            db.session.rollback()
        assert sent_tasks.named(mail.DELIVER) == []
        with context.using(context.system_context(is_admin=True), db.session):
            notify(db.session, [_recipient(demo, "aicha.ouali@bassemasure.demo")], "Test")
            db.session.commit()
        # Handed to the workers once committed, never sent inside the transaction.
        assert mail.outbox() == []
        assert len(sent_tasks.named(mail.DELIVER)) == 1
        sent_tasks.run(mail.DELIVER)
        assert [m["Subject"] for m in mail.outbox()] == ["Ensemble : Test"]


def test_a_dedup_conflict_keeps_the_mails_queued_before_it(app, demo, sent_tasks):
    """`notify` absorbs a dedup conflict in a savepoint; rolling it back used to
    drop every mail pending in the transaction (a reminder run that met one
    already-sent reminder lost the e-mails of the new ones)."""
    with app.app_context():
        mail.outbox().clear()
        with context.using(context.system_context(is_admin=True), db.session):
            aicha = [_recipient(demo, "aicha.ouali@bassemasure.demo")]
            assert notify(db.session, aicha, "Premier", dedup_key="test:dedup:1") == 1
            assert notify(db.session, aicha, "Premier", dedup_key="test:dedup:1") == 0
            # A savepoint rolled back after queuing drops its own mail only.
            savepoint = db.session.begin_nested()
            notify(db.session, aicha, "Annulé")
            savepoint.rollback()
            db.session.commit()
        sent_tasks.run(mail.DELIVER)
        assert [m["Subject"] for m in mail.outbox()] == ["Ensemble : Premier"]


def _unread(page: str) -> int:
    badge = re.search(r'class="badge">(\d+)<', page)
    return int(badge.group(1)) if badge else 0


def test_notifications_page_and_badge(client, demo, db_session):
    # The demo's request from Basse Masure already notified the officer.
    with context.using(demo.context_of("hugo.carpentier@alma.demo"), db_session):
        before = unread_count(db_session, demo.user("hugo.carpentier@alma.demo").id)
    with context.using(context.system_context(is_admin=True), db_session):
        notify(
            db_session,
            [_recipient(demo, "hugo.carpentier@alma.demo")],
            "Nouvelle demande : atelier numérique",
            link="/",
            email=False,
        )
        db_session.flush()
    sign_in(client, "hugo.carpentier@alma.demo")
    home = client.get("/").get_data(as_text=True)
    assert _unread(home) == before + 1
    page = client.get("/notifications").get_data(as_text=True)
    assert "Nouvelle demande\u00a0: atelier numérique" in page
    from conftest import csrf_token

    client.post("/notifications/lues", data={"csrf_token": csrf_token(client, "/notifications")})
    assert 'class="badge"' not in client.get("/").get_data(as_text=True)
