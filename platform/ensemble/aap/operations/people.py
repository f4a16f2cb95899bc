"""The people an answer's events concern, and the links their notifications carry."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ensemble.aap.models import AapAnswer, AapSection
from ensemble.aap.operations.common import notify
from ensemble.aap.permissions import visible_parties
from ensemble.network.models import Centre
from ensemble.people.models import Membership, Role, User
from ensemble.tenancy import context


def people_of(
    session: Session, party_centre_ids: Iterable[int | None], *, directors_only: bool
) -> list[tuple[int, str, Centre]]:
    """(user id, e-mail, centre) of the people of the given centres. Trusted code:
    reads the partner centres' memberships as those centres would. (An answer's
    parties are centres: a party without a centre id has nobody here.)"""
    centre_ids = [c for c in party_centre_ids if c is not None]
    if not centre_ids:
        return []
    ctx = context.system_context(centre_ids=centre_ids)
    with context.using(ctx, session):
        roles = (Role.DIRECTOR,) if directors_only else (Role.DIRECTOR, Role.STAFF)
        rows = session.execute(
            select(User.id, User.email, Membership.centre_id)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.centre_id.in_(centre_ids),
                Membership.role.in_(roles),
                User.is_active_account.is_(True),
            )
            .order_by(User.id)
        ).all()
        centres = {
            c.id: c for c in session.scalars(select(Centre).where(Centre.id.in_(centre_ids)))
        }
    return [(r.id, r.email, centres[r.centre_id]) for r in rows]


def _people_by_id(
    session: Session, section: AapSection, user_ids: set[int]
) -> list[tuple[int, str, Centre]]:
    """Those of `user_ids` who still belong to a party centre of the answer."""
    if not user_ids:
        return []
    party_centres = [p.centre_id for p in visible_parties(section.answer)]
    return [p for p in people_of(session, party_centres, directors_only=False) if p[0] in user_ids]


def _notify_directors(
    session: Session,
    centres: list[Centre],
    title: str,
    *,
    body: str,
    answer: AapAnswer,
    subject: str | None = None,
) -> int:
    sent = 0
    for user_id, email, centre in people_of(session, [c.id for c in centres], directors_only=True):
        sent += notify(
            session,
            [(user_id, email)],
            title,
            body=body,
            link=answer_link(centre, answer),
            centre_id=centre.id,
            subject=subject,
        )
    return sent


# What a notification about a joint answer waits on (notifications.resolve ends it).
def invitation_subject(party_id: int) -> str:
    """The invited centre's answer to the invitation."""
    return f"aap_invitation:{party_id}"


def section_subject(section_id: int) -> str:
    """The assigned writer's first save of the section."""
    return f"aap_section:{section_id}"


def thread_subject(comment_id: int) -> str:
    """A comment thread, until it is resolved."""
    return f"aap_thread:{comment_id}"


def answer_link(centre: Centre, answer: AapAnswer) -> str:
    return f"/c/{centre.slug}/aap/reponses/{answer.id}/"


def mine_link(centre: Centre) -> str:
    """« Mes rubriques »: the sections assigned to the person, across answers."""
    return f"/c/{centre.slug}/aap/mes-rubriques"


def section_link(centre: Centre, section: AapSection) -> str:
    return f"/c/{centre.slug}/aap/reponses/{section.answer_id}/rubriques/{section.id}/"
