"""Shared-post tasks: monthly statements issued once, end-of-agreement warnings."""

from __future__ import annotations

from datetime import date

import pytest
from celery.contrib.testing.worker import start_worker
from sqlalchemy import func, select, text

import ensemble.posts.tasks  # noqa: F401  (registers the tasks, as the worker's `include` does)
from ensemble.posts.models import PostStatement, SharedPost
from ensemble.tenancy import context
from posts.posts_support import ALMA_DIRECTOR, BASSE_MASURE_DIRECTOR, FRESNOY_DIRECTOR, OFFICER


def _task(app, name):
    """The task bound to this test app (another app created later by some test may
    have become Celery's default), run in-process."""
    return app.extensions["celery"].tasks[f"ensemble.posts.{name}"]


def _statements(db_session, demo, post_id, month):
    with context.using(demo.context_of(ALMA_DIRECTOR), db_session):
        return db_session.scalar(
            select(func.count(PostStatement.id)).where(
                PostStatement.post_id == post_id, PostStatement.month == month
            )
        )


def test_running_the_monthly_task_twice_yields_one_statement(app, db_session, demo, officer_post):
    issue_monthly_statements = _task(app, "issue_monthly_statements")
    first = issue_monthly_statements("2026-03")
    second = issue_monthly_statements("2026-03")
    assert first >= 1 and second == 0
    assert _statements(db_session, demo, officer_post.post_id, date(2026, 3, 1)) == 1


def test_the_monthly_task_is_scheduled_at_the_start_of_each_month(app):
    entry = app.extensions["celery"].conf.beat_schedule["posts-monthly-statements"]
    assert entry["task"] == "ensemble.posts.issue_monthly_statements"
    assert entry["schedule"].day_of_month == {1}


def test_the_parties_are_warned_once_ahead_of_the_end(app, db_session, demo, officer_post):
    warn_agreement_ends = _task(app, "warn_agreement_ends")
    # The test post ends on 31/12/2026: 45 days before, the 60-day warning goes out.
    assert warn_agreement_ends("2026-11-16") >= 3
    assert warn_agreement_ends("2026-11-17") == 0
    with context.using(demo.context_of(FRESNOY_DIRECTOR), db_session):
        titles = db_session.execute(text("SELECT title, link FROM notifications")).all()
    assert any(
        "Chargé·e de transition numérique (essai)" in title
        and "prend fin le 31/12/2026" in title
        and link.startswith("/c/fresnoy-mackellerie/postes/")
        for title, link in titles
    )
    # 15 days before: a second, distinct warning.
    assert warn_agreement_ends("2026-12-20") >= 3
    for email in (ALMA_DIRECTOR, BASSE_MASURE_DIRECTOR, "marion.delattre@rh.demo"):
        with context.using(demo.context_of(email), db_session):
            count = db_session.execute(
                text("SELECT count(*) FROM notifications WHERE title LIKE '%(essai)%'")
            ).scalar()
        assert count == 2, email
    # Staff (the officer himself) are not among the recipients (the demo calendar's
    # request from Basse Masure notified him: count the post's warnings only).
    with context.using(demo.context_of(OFFICER), db_session):
        assert (
            db_session.execute(
                text("SELECT count(*) FROM notifications WHERE title LIKE '%(essai)%'")
            ).scalar()
            == 0
        )


@pytest.mark.no_db_rollback
def test_the_monthly_task_runs_on_a_real_worker(app):
    """Through Redis and a worker; the demo post's statement of that month is issued
    once however many times the task runs."""
    from ensemble.extensions import db

    celery = app.extensions["celery"]
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        first = celery.send_task("ensemble.posts.issue_monthly_statements", args=["2026-02"])
        first.get(timeout=30)
        again = celery.send_task("ensemble.posts.issue_monthly_statements", args=["2026-02"])
        assert again.get(timeout=30) == 0
    with app.app_context():
        from ensemble.network.models import Employer

        with context.using(context.system_context(is_admin=True), db.session):
            alma = db.session.scalar(select(Employer.id).where(Employer.slug == "association-alma"))
        with context.using(context.system_context(employer_ids=[alma]), db.session):
            counts = db.session.execute(
                select(SharedPost.id, func.count(PostStatement.id))
                .join(PostStatement, PostStatement.post_id == SharedPost.id)
                .where(PostStatement.month == date(2026, 2, 1))
                .group_by(SharedPost.id)
            ).all()
        db.session.rollback()
    assert counts and all(count == 1 for _, count in counts)
