"""Notifications end when their object is handled; e-mails can wait for one daily digest."""

from __future__ import annotations

from sqlalchemy import select, text

from ensemble import mail
from ensemble.extensions import db
from ensemble.notifications import operations
from ensemble.notifications.models import Notification
from ensemble.notifications.tasks import DIGEST
from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext

OFFICER = "hugo.carpentier@alma.demo"
DIRECTOR = "aicha.ouali@bassemasure.demo"
OTHER = "thomas.lefebvre@fresnoy.demo"


def _recipient(demo, email):
    user = demo.user(email)
    return (user.id, user.email)


def _unread_about(session, user_id: int, subject: str) -> int:
    with context.using(TenantContext(user_id=user_id), session):
        return len(
            session.scalars(
                select(Notification.id).where(
                    Notification.user_id == user_id,
                    Notification.subject == subject,
                    Notification.read_at.is_(None),
                )
            ).all()
        )


def test_handling_the_object_marks_every_notification_about_it_read(demo, db_session):
    subject = "agenda_request:test-1"
    officer, director = demo.user(OFFICER), demo.user(DIRECTOR)
    with context.using(context.system_context(is_admin=True), db_session):
        operations.notify(
            db_session,
            [_recipient(demo, OFFICER), _recipient(demo, DIRECTOR)],
            "Demande",
            subject=subject,
            email=False,
        )
        operations.notify(
            db_session, [_recipient(demo, OFFICER)], "Autre", subject="other:1", email=False
        )
    assert _unread_about(db_session, officer.id, subject) == 1
    assert _unread_about(db_session, director.id, subject) == 1
    # The officer handles it: his context cannot read the director's row, yet it ends too.
    with context.using(demo.context_of(OFFICER), db_session):
        assert operations.resolve(db_session, subject) == 2
        assert operations.resolve(db_session, subject) == 0
    assert _unread_about(db_session, officer.id, subject) == 0
    assert _unread_about(db_session, director.id, subject) == 0
    assert _unread_about(db_session, officer.id, "other:1") == 1


def test_resolving_changes_nothing_but_read_at(demo, db_session):
    subject = "agenda_request:test-2"
    with context.using(context.system_context(is_admin=True), db_session):
        operations.notify(
            db_session,
            [_recipient(demo, OTHER)],
            "Titre",
            body="Corps",
            subject=subject,
            email=False,
        )
    with context.using(demo.context_of(OFFICER), db_session):
        operations.resolve(db_session, subject)
        # The runtime role cannot use the helper's rights to read or rewrite the row.
        rows = db_session.execute(
            text("SELECT count(*) FROM notifications WHERE subject = :s"), {"s": subject}
        ).scalar()
        assert rows == 0
    with context.using(TenantContext(user_id=demo.user(OTHER).id), db_session):
        row = db_session.execute(
            text("SELECT title, body, read_at IS NOT NULL FROM notifications WHERE subject = :s"),
            {"s": subject},
        ).one()
    assert tuple(row) == ("Titre", "Corps", True)


def test_digest_readers_get_one_mail_a_day_and_only_once(app, demo, sent_tasks):
    with app.app_context():
        mail.outbox().clear()
        director_id, director_email = _recipient(demo, DIRECTOR)
        other_email = demo.user(OTHER).email
        with context.using(TenantContext(user_id=director_id), db.session):
            operations.set_email_digest(db.session, director_id, True)
            db.session.commit()
        with context.using(context.system_context(is_admin=True), db.session):
            for n in range(3):
                operations.notify(
                    db.session,
                    [_recipient(demo, DIRECTOR), _recipient(demo, OTHER)],
                    f"Rubrique {n} à écrire",
                    link=f"/c/basse-masure/aap/{n}",
                )
            db.session.commit()
        # The immediate reader got three mails; the digest reader none yet.
        assert len(sent_tasks.named(mail.DELIVER)) == 3
        assert all(args[0] == other_email for args, _ in sent_tasks.named(mail.DELIVER))
        sent_tasks[:] = []
        assert sent_tasks.named(mail.DELIVER) == []
        celery = app.extensions["celery"]
        assert celery.tasks[DIGEST].apply().get() >= 1
        digests = [a for a, _ in sent_tasks.named(mail.DELIVER) if a[0] == director_email]
        assert len(digests) == 1
        to, subject, body = digests[0]
        assert subject == "Ensemble : 3 notifications du jour"
        assert body.count("Rubrique") == 3 and "/c/basse-masure/aap/2" in body
        assert body.count("http") == 3  # absolute links, from PUBLIC_URL
        sent_tasks[:] = []
        celery.tasks[DIGEST].apply().get()
        assert [a for a, _ in sent_tasks.named(mail.DELIVER) if a[0] == director_email] == []
