"""Who an issued cost statement waits for: each host party's directors (a centre)
or HR managers (an employer), told with a link to the statement in their own place.

Each notification names the statement and the party (one subject per party), so
the first person of that party to open the statement ends it for the party,
not for the other hosts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ensemble.network.models import Centre, Employer
from ensemble.notifications import operations as notifications
from ensemble.people.models import Membership, Role, User
from ensemble.posts.models import PostStatement, SharedPost
from ensemble.posts.operations.reading import visible_parties
from ensemble.sharing.models import AgreementParty
from ensemble.tenancy import context


def statement_subject(statement_id: int, party_id: int) -> str:
    return f"posts_statement:{statement_id}:{party_id}"


def statement_issued(
    session: Session, post: SharedPost, statement: PostStatement, hosts: list[AgreementParty]
) -> int:
    """Notify each host party of the statement (trusted code: reads the host
    parties' people as those parties would, like the end-of-agreement warnings)."""
    centre_ids = [p.centre_id for p in hosts if p.centre_id]
    employer_ids = [p.employer_id for p in hosts if p.employer_id]
    if not centre_ids and not employer_ids:
        return 0
    with context.using(
        context.system_context(centre_ids=centre_ids, employer_ids=employer_ids), session
    ):
        people = session.execute(
            select(Membership.centre_id, Membership.employer_id, User.id, User.email)
            .join(User, User.id == Membership.user_id)
            .where(
                User.is_active_account.is_(True),
                ((Membership.role == Role.DIRECTOR) & Membership.centre_id.in_(centre_ids))
                | ((Membership.role == Role.HR_MANAGER) & Membership.employer_id.in_(employer_ids)),
            )
            .order_by(User.id)
        ).all()
        slugs = {
            ("c", c.id): c.slug
            for c in session.scalars(select(Centre).where(Centre.id.in_(centre_ids)))
        }
        slugs.update(
            {
                ("e", e.id): e.slug
                for e in session.scalars(select(Employer).where(Employer.id.in_(employer_ids)))
            }
        )
    month = f"{statement.month:%m/%Y}"
    sent = 0
    for party in hosts:
        if party.centre_id:
            place = f"/c/{slugs.get(('c', party.centre_id), '')}"
            recipients = [(u, e) for c, _, u, e in people if c == party.centre_id]
        else:
            assert party.employer_id is not None  # a party is a centre or an employer
            place = f"/e/{slugs.get(('e', party.employer_id), '')}"
            recipients = [(u, e) for _, emp, u, e in people if emp == party.employer_id]
        if not recipients:
            continue
        # Stored text: the recipient's language is unknown here; French is the source.
        sent += notifications.notify(
            session,
            recipients,
            f"État de refacturation {month} : « {post.title} »",
            body=(
                f"L’état de refacturation de {month} (version {statement.version}) est émis ; "
                "il sert d’annexe à la facture de la période."
            ),
            link=f"{place}/postes/{post.id}/etats/{statement.id}",
            centre_id=party.centre_id,
            employer_id=party.employer_id,
            subject=statement_subject(statement.id, party.id),
        )
    return sent


def statement_seen(session: Session, statement: PostStatement, post: SharedPost) -> None:
    """A host party's person opened the statement: it waits no more for that party."""
    ctx = context.current()
    for party in visible_parties(post):
        if party.is_owner:
            continue
        if party.centre_id in ctx.centre_ids or party.employer_id in ctx.employer_ids:
            notifications.resolve(session, statement_subject(statement.id, party.id))
