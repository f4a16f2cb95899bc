"""Sections: their order, owner party, writer and status, and their text, saved
as versions without lost updates (history, restore)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ensemble.aap.models import AapAnswer, AapSection, AapSectionVersion, SectionStatus
from ensemble.aap.operations.common import (
    MAX_BODY,
    AapError,
    SectionConflict,
    _require_lead,
    _require_open,
    notify,
)
from ensemble.aap.operations.people import section_link, section_subject
from ensemble.aap.permissions import (
    can_approve_section,
    can_assign_writer,
    can_write_section,
    lead_party,
    visible_parties,
)
from ensemble.aap.richtext import sanitize
from ensemble.db import rowcount, utcnow
from ensemble.kernel import clock, french
from ensemble.notifications import operations as notifications
from ensemble.people.models import Membership, Role, User
from ensemble.tenancy import context


def add_section(session: Session, answer: AapAnswer, title: str) -> AapSection:
    _require_lead(answer)
    _require_open(answer)
    position = (
        session.scalar(
            select(func.max(AapSection.position)).where(AapSection.answer_id == answer.id)
        )
        or 0
    )
    section = AapSection(
        answer_id=answer.id,
        agreement_id=answer.agreement_id,
        position=position + 1,
        code="",
        title=title.strip(),
        guidance="",
        owner_party_id=lead_party(answer).id,
        status=SectionStatus.TO_WRITE,
        current_version=0,
        body="",
    )
    session.add(section)
    session.flush()
    return section


def move_section(session: Session, section: AapSection, step: int) -> None:
    """Swap the section with its neighbour above (-1) or below (+1)."""
    answer = section.answer
    _require_lead(answer)
    _require_open(answer)
    ordered = sorted(answer.sections, key=lambda s: (s.position, s.id))
    index = ordered.index(section)
    other_index = index + (1 if step > 0 else -1)
    if not 0 <= other_index < len(ordered):
        return
    # Positions are renumbered 1..n so that duplicates can never stall a move.
    ordered[index], ordered[other_index] = ordered[other_index], ordered[index]
    for position, s in enumerate(ordered, start=1):
        s.position = position
    session.flush()


def set_section_owner(session: Session, section: AapSection, party_id: int) -> None:
    answer = section.answer
    _require_lead(answer)
    _require_open(answer)
    # An invited centre may be asked to write a section: it sees it before accepting.
    party = next((p for p in visible_parties(answer) if p.id == party_id), None)
    if party is None:
        raise AapError(_l("Choisissez un centre qui participe à la réponse."), "owner_party_id")
    if party.id != section.owner_party_id:
        section.owner_party_id = party.id
        section.writer_user_id = None
        session.flush()
        session.refresh(section, ["owner_party"])


LIMIT_UNITS = ("characters", "words")


def set_section_limit(session: Session, section: AapSection, unit: str, value: int | None) -> None:
    """The lead records the call's length limit for the section (none: unit "")."""
    _require_lead(section.answer)
    _require_open(section.answer)
    if unit and unit not in LIMIT_UNITS:
        raise AapError(_l("Choisissez caractères ou mots."), "limit_unit")
    if unit and not (value and 1 <= value <= 1_000_000):
        raise AapError(_l("Indiquez la limite, entre 1 et 1 000 000."), "limit_value")
    section.limit_unit = unit or ""
    section.limit_value = value if unit else None
    session.flush()


def set_section_due(session: Session, section: AapSection, due_on: date | None) -> None:
    """The lead's internal due date for the section, from today to the call's deadline."""
    _require_lead(section.answer)
    _require_open(section.answer)
    deadline = section.answer.terms.deadline
    today = clock.today()
    if due_on is not None and due_on < today and due_on != section.due_on:
        raise AapError(
            _l(
                "L’échéance interne ne peut pas être passée : indiquez une date à partir "
                "d’aujourd’hui (le %(day)s).",
                day=french.short_date(today),
            ),
            "due_on",
        )
    if due_on is not None and due_on > deadline:
        raise AapError(
            _l(
                "L’échéance interne doit précéder la date limite de l’appel (%(day)s).",
                day=french.short_date(deadline),
            ),
            "due_on",
        )
    section.due_on = due_on
    session.flush()


def writer_choices(session: Session, section: AapSection) -> list[User]:
    """The people of the owner party's centre (its directors see them)."""
    return list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.centre_id == section.owner_party.centre_id,
                Membership.role.in_((Role.DIRECTOR, Role.STAFF)),
                User.is_active_account.is_(True),
            )
            .distinct()
            .order_by(User.full_name)
        )
    )


def assign_writer(session: Session, section: AapSection, user_id: int | None) -> None:
    if not can_assign_writer(section, context.current()):
        raise AapError(_l("Seule la direction du centre responsable désigne le rédacteur."))
    if user_id is not None and user_id not in {u.id for u in writer_choices(session, section)}:
        raise AapError(_l("Choisissez une personne du centre responsable."), "writer_user_id")
    section.writer_user_id = user_id
    session.flush()
    if user_id is not None:
        user = session.get_one(User, user_id)
        centre = section.owner_party.centre
        assert centre is not None  # an answer's parties are centres
        notify(
            session,
            [(user.id, user.email)],
            f"Rubrique à rédiger : « {section.title} »",
            body=f"Vous rédigez cette rubrique de la réponse « {section.answer.title} ».",
            link=section_link(centre, section),
            centre_id=section.owner_party.centre_id,
            subject=section_subject(section.id),
        )


def set_section_status(session: Session, section: AapSection, status: SectionStatus) -> None:
    ctx = context.current()
    if status is SectionStatus.APPROVED and not can_approve_section(section, ctx):
        raise AapError(_l("Seule une direction peut approuver une rubrique."), "status")
    if not can_write_section(section, ctx):
        raise AapError(_l("Vous ne pouvez pas modifier cette rubrique."), "status")
    section.status = status
    section.updated_at = utcnow()
    session.flush()


def save_section(
    session: Session, section: AapSection, *, base_version: int, body: str, author_id: int
) -> int:
    """Save a new text of `section` from the version the writer started with.

    The conditional UPDATE (… WHERE current_version = :base) lets exactly one of
    several saves from the same version through: the others find the row changed
    (PostgreSQL re-checks the condition once the first commits) and get a
    `SectionConflict` with both texts and their common ancestor. Returns the new
    version number."""
    if not can_write_section(section, context.current()):
        raise AapError(_l("Vous ne pouvez pas modifier cette rubrique."), "body")
    version = _write_version(session, section, base_version, sanitize(body), author_id)
    if author_id == section.writer_user_id:
        # The assigned writer has started: the assignment waits no more.
        notifications.resolve(session, section_subject(section.id))
    return version


def _write_version(
    session: Session,
    section: AapSection,
    base_version: int,
    clean: str,
    author_id: int,
    restored_from: int | None = None,
) -> int:
    if len(clean) > MAX_BODY:
        raise AapError(_l("Le texte est trop long."), "body")
    new_version = base_version + 1
    result = session.execute(
        update(AapSection)
        .where(AapSection.id == section.id, AapSection.current_version == base_version)
        .values(current_version=new_version, body=clean, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        session.expire(section, ["current_version", "body", "updated_at"])
        theirs = session.execute(
            select(AapSection.current_version, AapSection.body).where(AapSection.id == section.id)
        ).one()
        saved = session.execute(
            select(AapSectionVersion.author_name, AapSectionVersion.created_at).where(
                AapSectionVersion.section_id == section.id,
                AapSectionVersion.number == theirs.current_version,
            )
        ).one_or_none()
        raise SectionConflict(
            section_id=section.id,
            base=base_version,
            mine=clean,
            ancestor=version_body(session, section.id, base_version),
            theirs=theirs.body,
            theirs_version=theirs.current_version,
            theirs_author=saved.author_name if saved else "",
            theirs_at=saved.created_at if saved else None,
        )
    session.add(
        AapSectionVersion(
            section_id=section.id,
            agreement_id=section.agreement_id,
            number=new_version,
            body=clean,
            author_user_id=author_id,
            author_name=_name_of(session, author_id),
            restored_from=restored_from,
        )
    )
    if section.status is SectionStatus.TO_WRITE:
        section.status = SectionStatus.IN_PROGRESS
    elif section.status is SectionStatus.APPROVED:
        # The approval was of the text before: a new text, whoever saves it, is to review.
        section.status = SectionStatus.TO_REVIEW
    session.flush()
    session.expire(section, ["current_version", "body", "updated_at"])
    return new_version


def _name_of(session: Session, user_id: int) -> str:
    name = session.scalar(select(User.full_name).where(User.id == user_id))
    return name or ""


def version_body(session: Session, section_id: int, number: int) -> str:
    """The text of version `number` (version 0 is the empty starting text)."""
    if number == 0:
        return ""
    body = session.scalar(
        select(AapSectionVersion.body).where(
            AapSectionVersion.section_id == section_id, AapSectionVersion.number == number
        )
    )
    if body is None:
        raise AapError(_l("Cette version n’existe pas."), "version")
    return body


def versions(
    session: Session, section: AapSection, *, limit: int | None = None, offset: int = 0
) -> list[AapSectionVersion]:
    """The history, newest first, without the texts (they stay unloaded)."""
    query = (
        select(AapSectionVersion)
        .where(AapSectionVersion.section_id == section.id)
        .order_by(AapSectionVersion.number.desc())
        .offset(offset)
    )
    return list(session.scalars(query if limit is None else query.limit(limit)))


def restore(session: Session, section: AapSection, number: int, author_id: int) -> int:
    """An old version becomes the newest (a new version; the history is kept)."""
    if not can_write_section(section, context.current()):
        raise AapError(_l("Vous ne pouvez pas modifier cette rubrique."), "version")
    old = version_body(session, section.id, number)
    return _write_version(
        session, section, section.current_version, old, author_id, restored_from=number
    )
