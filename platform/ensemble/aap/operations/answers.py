"""Answers and their parties: a lead centre positions itself on a call, invites
the centres of its network, which accept, decline or leave; the lead removes a partner."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from ensemble.aap import prerender
from ensemble.aap.models import (
    AapAnswer,
    AapCall,
    AapCallLead,
    AapSection,
    AnswerStatus,
    SectionStatus,
)
from ensemble.aap.operations.common import CERFA_SECTIONS, AapError, _require_lead, _require_open
from ensemble.aap.operations.people import _notify_directors, invitation_subject
from ensemble.aap.permissions import lead_party, party_for, visible_parties
from ensemble.db import utcnow
from ensemble.kernel import clock, french
from ensemble.network.models import Centre
from ensemble.notifications import operations as notifications
from ensemble.sharing import operations as sharing
from ensemble.sharing.models import (
    VISIBLE_STATUSES,
    Agreement,
    AgreementKind,
    AgreementParty,
    PartyStatus,
)
from ensemble.tenancy import context


def create_answer(
    session: Session, call: AapCall, lead: Centre, *, title: str | None = None
) -> AapAnswer:
    """`lead` positions itself as chef de file on `call`: a new agreement it owns,
    the answer, its line in the network list and the Cerfa sections. Refused for a
    call whose deadline has passed and for a second answer of the same centre to
    the same call (the network list offers neither; a tampered form may ask)."""
    if call.federation_id != lead.federation_id:
        raise AapError(_l("Cet appel n’est pas publié dans votre réseau."))
    if call.deadline < clock.today():
        raise AapError(
            _l(
                "La date limite de cet appel est passée (le %(day)s) : il ne reçoit plus de "
                "réponse.",
                day=french.short_date(call.deadline),
            )
        )
    # One answer per centre and call, even for two requests at once.
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext("aap-call-lead"), call.id)))
    if session.scalar(
        select(AapCallLead.id).where(
            AapCallLead.call_id == call.id, AapCallLead.centre_id == lead.id
        )
    ):
        raise AapError(_l("Votre centre est déjà chef de file d’une réponse à cet appel."))
    agreement = sharing.create_agreement(
        session, AgreementKind.JOINT_ANSWER, (title or call.title).strip()[:300], owner=lead
    )
    answer = AapAnswer(
        agreement=agreement,
        call_id=call.id,
        lead_centre_id=lead.id,
        status=AnswerStatus.DRAFT,
        submitted_centre_ids=[],
    )
    session.add(answer)
    session.add(
        AapCallLead(
            call_id=call.id,
            federation_id=call.federation_id,
            centre_id=lead.id,
            agreement_id=agreement.id,
        )
    )
    session.flush()
    owner = next(p for p in agreement.parties if p.is_owner)
    for position, (code, section_title, guidance) in enumerate(CERFA_SECTIONS, start=1):
        session.add(
            AapSection(
                answer_id=answer.id,
                agreement_id=agreement.id,
                position=position,
                code=code,
                title=str(section_title),
                guidance=str(guidance),
                owner_party_id=owner.id,
                status=SectionStatus.TO_WRITE,
                current_version=0,
                body="",
            )
        )
    session.flush()
    return answer


def answers_of(session: Session, centre: Centre) -> list[AapAnswer]:
    """The answers `centre` takes part in (lead, partner or invited)."""
    parties = select(AgreementParty.agreement_id).where(
        AgreementParty.centre_id == centre.id, AgreementParty.status.in_(VISIBLE_STATUSES)
    )
    return list(
        session.scalars(
            select(AapAnswer)
            .join(AapCall, AapCall.id == AapAnswer.call_id)
            .where(AapAnswer.agreement_id.in_(parties))
            .options(
                selectinload(AapAnswer.agreement)
                .selectinload(Agreement.parties)
                .selectinload(AgreementParty.centre),
                selectinload(AapAnswer.call),
                selectinload(AapAnswer.lead_centre),
            )
            .order_by(AapCall.deadline, AapAnswer.id)
        )
    )


def load_answer(session: Session, answer_id: int) -> AapAnswer | None:
    """The answer under RLS (None when not visible), with parties and sections.

    Loaded afresh (populate_existing): what RLS shows depends on the person, and an
    invited centre sees fewer sections than the lead; a session that changes person
    (the demo loader, the tests) must not keep the other person's collections."""
    return session.scalar(
        select(AapAnswer)
        .where(AapAnswer.id == answer_id)
        .execution_options(populate_existing=True)
        .options(
            selectinload(AapAnswer.agreement)
            .selectinload(Agreement.parties)
            .selectinload(AgreementParty.centre),
            selectinload(AapAnswer.call),
            selectinload(AapAnswer.lead_centre),
            selectinload(AapAnswer.sections).selectinload(AapSection.writer),
        )
    )


def partner_choices(session: Session, answer: AapAnswer) -> list[Centre]:
    """Centres of the lead's network not already taking part."""
    taken = {p.centre_id for p in visible_parties(answer)}
    return [
        c
        for c in session.scalars(
            select(Centre)
            .where(Centre.federation_id == answer.lead_centre.federation_id)
            .order_by(Centre.name)
        )
        if c.id not in taken
    ]


def invite_partner(session: Session, answer: AapAnswer, centre: Centre) -> AgreementParty:
    """The lead invites a centre of its network (again, if it had left or declined)."""
    _require_lead(answer)
    _require_open(answer)
    if centre.federation_id != answer.lead_centre.federation_id:
        raise AapError(_l("Ce centre ne fait pas partie de votre réseau."), "centre_id")
    party = party_for(answer, centre)
    if party is not None and party.status in VISIBLE_STATUSES:
        raise AapError(_l("Ce centre participe déjà à la réponse."), "centre_id")
    if party is None:
        party = sharing.invite(session, answer.agreement, centre)
    else:
        party.status = PartyStatus.INVITED
        party.status_changed_at = utcnow()
        session.flush()
    _notify_directors(
        session,
        [centre],
        f"Invitation à une réponse commune : « {answer.title} »",
        body=(
            f"{answer.lead_centre.name} vous invite à répondre avec lui à l’appel à projets "
            f"« {answer.terms.title} » (date limite : {answer.terms.deadline:%d/%m/%Y})."
        ),
        answer=answer,
        subject=invitation_subject(party.id),
    )
    return party


def respond(session: Session, answer: AapAnswer, centre: Centre, *, accept: bool) -> None:
    """The invited centre's director accepts or declines (while the answer is open:
    a submitted dossier keeps the parties it was submitted with)."""
    _require_open(answer)
    party = party_for(answer, centre)
    if party is None or party.status is not PartyStatus.INVITED:
        raise AapError(_l("Aucune invitation en attente pour ce centre."))
    if centre.id not in context.current().director_centre_ids:
        raise AapError(_l("Seule la direction du centre peut répondre à l’invitation."))
    sharing.set_status(session, party, PartyStatus.ACTIVE if accept else PartyStatus.DECLINED)
    notifications.resolve(session, invitation_subject(party.id))
    _notify_directors(
        session,
        [answer.lead_centre],
        (
            f"{centre.name} rejoint la réponse « {answer.title} »"
            if accept
            else f"{centre.name} décline l’invitation à « {answer.title} »"
        ),
        body=(
            f"{centre.name} répond avec vous à l’appel à projets « {answer.call.title} »."
            if accept
            else f"{centre.name} ne participera pas à la réponse commune."
        ),
        answer=answer,
    )


def leave(session: Session, answer: AapAnswer, centre: Centre) -> None:
    """A partner's director withdraws its centre: it loses access at once. Refused once
    the answer is submitted: the funder holds a dossier the centre co-signed."""
    _require_open(answer)
    party = party_for(answer, centre)
    if party is None or party.is_owner or party.status not in VISIBLE_STATUSES:
        raise AapError(_l("Le centre chef de file ne peut pas quitter sa propre réponse."))
    if centre.id not in context.current().director_centre_ids:
        raise AapError(_l("Seule la direction du centre peut quitter la réponse."))
    _hand_back_sections(session, answer, party)
    sharing.set_status(session, party, PartyStatus.LEFT)
    # The centre no longer reads the answer: the flush cannot find it for the pre-render.
    prerender.mark(session, answer)
    _notify_directors(
        session,
        [answer.lead_centre],
        f"{centre.name} quitte la réponse « {answer.title} »",
        body=f"Ses rubriques reviennent à votre centre, chef de file : {answer.lead_centre.name}.",
        answer=answer,
    )


def remove_partner(session: Session, answer: AapAnswer, party_id: int) -> AgreementParty:
    """The lead removes a partner: it loses access at once (its sections go back
    to the lead; its budget lines no longer count). Refused once the answer is submitted."""
    _require_lead(answer)
    _require_open(answer)
    party = next((p for p in answer.agreement.parties if p.id == party_id), None)
    if party is None or party.is_owner or party.status not in VISIBLE_STATUSES:
        raise AapError(_l("Ce centre ne participe pas à la réponse."), "party_id")
    _hand_back_sections(session, answer, party)
    sharing.set_status(session, party, PartyStatus.LEFT)
    prerender.mark(session, answer)
    return party


def _hand_back_sections(session: Session, answer: AapAnswer, party: AgreementParty) -> None:
    lead = lead_party(answer)
    session.execute(
        update(AapSection)
        .where(AapSection.answer_id == answer.id, AapSection.owner_party_id == party.id)
        .values(owner_party_id=lead.id, writer_user_id=None)
        .execution_options(synchronize_session="fetch")
    )
