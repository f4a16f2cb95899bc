"""Shared-post tasks: the monthly cost statements and the end-of-agreement reminders.

Both walk every carrying employer's posts. They list the employers under a
platform-admin context (the directory), then act for each carrier with a
context limited to it and its network, as its directors would."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from celery import shared_task
from celery.schedules import crontab
from sqlalchemy import select

from ensemble.celery_app import periodic, without_overlap
from ensemble.extensions import db
from ensemble.kernel import clock
from ensemble.network.models import Centre, Employer
from ensemble.notifications.operations import notify
from ensemble.people.models import Membership, Role, User
from ensemble.posts import operations as posts
from ensemble.posts.models import Arrangement, SharedPost
from ensemble.sharing.models import Agreement
from ensemble.tenancy import context

# Days before an agreement's end when its parties are warned (the nearest applies).
WARNING_DAYS = (60, 15)


@dataclass(frozen=True)
class CarriedPost:
    post_id: int
    carrier_id: int
    federation_ids: frozenset[int]


def _carried_posts(session, *filters) -> list[CarriedPost]:
    """Every post carried by an employer, with the federations of its network."""
    with context.using(context.system_context(is_admin=True), session):
        employer_ids = list(session.scalars(select(Employer.id)))
        federations: dict[int, set[int]] = {}
        for employer_id, federation_id in session.execute(
            select(Centre.employer_id, Centre.federation_id).distinct()
        ):
            federations.setdefault(employer_id, set()).add(federation_id)
    with context.using(context.system_context(employer_ids=employer_ids), session):
        rows = session.execute(
            select(SharedPost.id, Agreement.owner_employer_id)
            .join(Agreement, Agreement.id == SharedPost.agreement_id)
            .where(Agreement.owner_employer_id.is_not(None), *filters)
            .order_by(SharedPost.id)
        ).all()
    return [
        CarriedPost(post_id, carrier_id, frozenset(federations.get(carrier_id, ())))
        for post_id, carrier_id in rows
    ]


@contextlib.contextmanager
def _as_carrier(session, carried: CarriedPost) -> Iterator[SharedPost]:
    """The post, under a context acting for its carrier (and seeing its network)."""
    ctx = context.system_context(
        employer_ids=[carried.carrier_id], federation_ids=carried.federation_ids
    )
    with context.using(ctx, session):
        yield session.get(SharedPost, carried.post_id)


def _previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


@shared_task(name="ensemble.posts.issue_monthly_statements")
@without_overlap("posts-monthly-statements")
def issue_monthly_statements(month: str | None = None) -> int:
    """Issue the cost statement of `month` ("AAAA-MM", default: last month) for every
    post that has none yet. Idempotent: a second run issues nothing."""
    target = datetime.strptime(month, "%Y-%m").date() if month else _previous_month(clock.today())
    issued = 0
    for carried in _carried_posts(db.session):
        with _as_carrier(db.session, carried) as post:
            if posts.ensure_monthly_statement(db.session, post, target) is not None:
                issued += 1
    return issued


periodic(
    "posts-monthly-statements",
    crontab(day_of_month="1", hour="6", minute="0"),
    "ensemble.posts.issue_monthly_statements",
)


def _recipients(session, post: SharedPost) -> list[tuple[User, str]]:
    """Directors of the party centres (and of the party employers' centres) and HR
    managers of the party employers, each with the link to the post in their place."""
    parties = posts.visible_parties(post)
    employer_ids = {p.employer_id for p in parties if p.employer_id}
    centres = session.scalars(
        select(Centre).where(
            Centre.id.in_({p.centre_id for p in parties if p.centre_id})
            | Centre.employer_id.in_(employer_ids)
        )
    ).all()
    ctx = context.system_context(
        centre_ids=[c.id for c in centres],
        employer_ids=employer_ids,
        federation_ids=context.current().federation_ids,
    )
    with context.using(ctx, session):
        rows = session.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(
                (
                    (Membership.role == Role.DIRECTOR)
                    & Membership.centre_id.in_([c.id for c in centres])
                )
                | ((Membership.role == Role.HR_MANAGER) & Membership.employer_id.in_(employer_ids))
            )
            .order_by(User.id)
        ).all()
        slugs = {("c", c.id): c.slug for c in centres}
        slugs.update(
            {
                ("e", e.id): e.slug
                for e in session.scalars(select(Employer).where(Employer.id.in_(employer_ids)))
            }
        )
    recipients: dict[int, tuple[User, str]] = {}
    for membership, user in rows:
        if user.id in recipients or not user.is_active_account:
            continue
        if membership.centre_id:
            link = f"/c/{slugs[('c', membership.centre_id)]}/postes/{post.id}/documents"
        else:
            link = f"/e/{slugs[('e', membership.employer_id)]}/postes/{post.id}/documents"
        recipients[user.id] = (user, link)
    return list(recipients.values())


@shared_task(name="ensemble.posts.warn_agreement_ends")
@without_overlap("posts-agreement-ends")
def warn_agreement_ends(today: str | None = None) -> int:
    """Warn the parties' directors and HR managers 60 and 15 days before a mise à
    disposition ends. Each warning reaches each person once (dedup key)."""
    day = datetime.strptime(today, "%Y-%m-%d").date() if today else clock.today()
    horizon = day + timedelta(days=max(WARNING_DAYS))
    sent = 0
    for carried in _carried_posts(
        db.session,
        SharedPost.arrangement == Arrangement.SECONDMENT,
        SharedPost.ends_on >= day,
        SharedPost.ends_on <= horizon,
    ):
        with _as_carrier(db.session, carried) as post:
            days_left = (post.ends_on - day).days
            threshold = min(t for t in WARNING_DAYS if days_left <= t)
            # Stored text: a task has no reader's language; French is the source.
            title = f"La mise à disposition « {post.title} » prend fin le {post.ends_on:%d/%m/%Y}"
            body = (
                f"Il reste {days_left} jours. Renouvelez la convention (et l’avenant au "
                "contrat de travail) ou préparez la fin de la mise à disposition."
            )
            for user, link in _recipients(db.session, post):
                sent += notify(
                    db.session,
                    [(user.id, user.email)],
                    title,
                    body=body,
                    link=link,
                    employer_id=carried.carrier_id,
                    dedup_key=f"posts:{post.id}:fin:{post.ends_on:%Y-%m-%d}:j-{threshold}",
                )
    return sent


periodic(
    "posts-agreement-ends",
    crontab(hour="7", minute="15"),
    "ensemble.posts.warn_agreement_ends",
)
