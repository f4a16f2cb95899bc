"""Who may do what on a joint answer, and which centres take part in it: plain
functions of the answer and the tenant context, no query."""

from __future__ import annotations

from ensemble.aap.models import AapAnswer, AapCall, AapSection
from ensemble.network.models import Centre
from ensemble.sharing.models import VISIBLE_STATUSES, AgreementParty, PartyStatus
from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext


def is_lead_director(answer: AapAnswer, ctx: TenantContext) -> bool:
    return answer.lead_centre_id in ctx.director_centre_ids


def party_for(answer: AapAnswer, centre: Centre) -> AgreementParty | None:
    """The centre's party row on the answer, whatever its status."""
    return next((p for p in answer.agreement.parties if p.centre_id == centre.id), None)


def takes_part(answer: AapAnswer, centre: Centre) -> bool:
    """A partner, the lead, or a centre invited and not yet decided."""
    party = party_for(answer, centre)
    return party is not None and party.status in VISIBLE_STATUSES


def is_member(answer: AapAnswer, centre: Centre) -> bool:
    """A partner that accepted, or the lead: who reads the dossier. An invited centre
    sees the call, the lead, the deadline and what it is asked to write, no more."""
    party = party_for(answer, centre)
    return party is not None and party.status is PartyStatus.ACTIVE


def active_parties(answer: AapAnswer) -> list[AgreementParty]:
    return [p for p in answer.agreement.parties if p.status is PartyStatus.ACTIVE]


def visible_parties(answer: AapAnswer) -> list[AgreementParty]:
    return [p for p in answer.agreement.parties if p.status in VISIBLE_STATUSES]


def lead_party(answer: AapAnswer) -> AgreementParty:
    return next(p for p in answer.agreement.parties if p.is_owner)


def can_write_section(section: AapSection, ctx: TenantContext) -> bool:
    """The owner party's people (active), and the lead's directors."""
    answer = section.answer
    if not answer.is_open:
        return False
    party = section.owner_party
    return is_lead_director(answer, ctx) or (
        party.status is PartyStatus.ACTIVE and party.centre_id in ctx.centre_ids
    )


def can_approve_section(section: AapSection, ctx: TenantContext) -> bool:
    """Approving is for directors: the owner party's or the lead's."""
    return section.answer.is_open and (
        is_lead_director(section.answer, ctx)
        or section.owner_party.centre_id in ctx.director_centre_ids
    )


def can_assign_writer(section: AapSection, ctx: TenantContext) -> bool:
    """The owner party's directors pick the writer among their own people."""
    return section.answer.is_open and section.owner_party.centre_id in ctx.director_centre_ids


def _ctx(ctx: TenantContext | None) -> TenantContext:
    return ctx or context.current()


def is_director(centre: Centre, ctx: TenantContext | None = None) -> bool:
    """A director of `centre`: publishes calls, starts answers for it."""
    return centre.id in _ctx(ctx).director_centre_ids


can_start_answer = is_director


def can_correct_call(
    call: AapCall | None, centre: Centre, ctx: TenantContext | None = None
) -> bool:
    """A call is corrected or withdrawn by the directors of the centre that published it."""
    return call is not None and call.centre_id == centre.id and is_director(centre, ctx)


def can_edit_budget(answer: AapAnswer, centre: Centre, ctx: TenantContext | None = None) -> bool:
    """A member of an active party writes its own budget lines while the answer is open."""
    party = party_for(answer, centre)
    return (
        answer.is_open
        and party is not None
        and party.status is PartyStatus.ACTIVE
        and centre.id in _ctx(ctx).centre_ids
    )


def can_delete_lines(answer: AapAnswer, centre: Centre, ctx: TenantContext | None = None) -> bool:
    return answer.is_open and centre.id in _ctx(ctx).centre_ids
