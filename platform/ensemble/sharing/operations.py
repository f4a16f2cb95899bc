"""Creating and answering shared agreements. Flush, never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ensemble.db import utcnow
from ensemble.network.models import Centre, Employer
from ensemble.sharing.models import Agreement, AgreementKind, AgreementParty, PartyStatus

Tenant = Centre | Employer


def _party_columns(tenant: Tenant) -> dict[str, int | None]:
    if isinstance(tenant, Centre):
        return {"centre_id": tenant.id, "employer_id": None}
    return {"centre_id": None, "employer_id": tenant.id}


def create_agreement(
    session: Session, kind: AgreementKind, title: str, *, owner: Tenant
) -> Agreement:
    """A new agreement owned by `owner`, who is its first, active party."""
    columns = _party_columns(owner)
    agreement = Agreement(
        kind=kind,
        title=title,
        owner_centre_id=columns["centre_id"],
        owner_employer_id=columns["employer_id"],
    )
    session.add(agreement)
    session.flush()
    session.add(
        AgreementParty(agreement=agreement, is_owner=True, status=PartyStatus.ACTIVE, **columns)
    )
    session.flush()
    return agreement


def invite(session: Session, agreement: Agreement, tenant: Tenant) -> AgreementParty:
    """Name another tenant as a party; it sees the agreement and may accept or decline."""
    party = AgreementParty(
        agreement=agreement, is_owner=False, status=PartyStatus.INVITED, **_party_columns(tenant)
    )
    session.add(party)
    session.flush()
    return party


def party_of(session: Session, agreement_id: int, tenant: Tenant) -> AgreementParty | None:
    columns = _party_columns(tenant)
    return session.scalar(
        select(AgreementParty).where(
            AgreementParty.agreement_id == agreement_id,
            AgreementParty.centre_id.is_(None)
            if columns["centre_id"] is None
            else AgreementParty.centre_id == columns["centre_id"],
            AgreementParty.employer_id.is_(None)
            if columns["employer_id"] is None
            else AgreementParty.employer_id == columns["employer_id"],
        )
    )


def set_status(session: Session, party: AgreementParty, status: PartyStatus) -> None:
    """Accept, decline or leave. The owner's own row cannot leave its agreement."""
    if party.is_owner and status is not PartyStatus.ACTIVE:
        raise ValueError("The owner of an agreement cannot leave it.")
    party.status = status
    party.status_changed_at = utcnow()
    session.flush()
