"""The legal identity behind a centre or an employer, as documents print it.

An employer is its own legal entity; a centre acts through its employer (the association
or the city that runs it): its documents carry the employer's name and SIRET, and the
employer's registered address, or the centre's when the employer's is not known.
"""

from __future__ import annotations

from ensemble.kernel.documents.identity import LegalIdentity
from ensemble.network.models import Centre, Employer


def legal_identity(tenant: Centre | Employer) -> LegalIdentity:
    if isinstance(tenant, Employer):
        return LegalIdentity(
            name=tenant.name,
            address=tenant.address,
            postcode=tenant.postcode,
            city=tenant.city,
            siret=tenant.siret,
        )
    employer = tenant.employer
    own_address = bool(employer.address)
    return LegalIdentity(
        name=employer.name,
        address=employer.address if own_address else tenant.address,
        postcode=employer.postcode if own_address else tenant.postcode,
        city=employer.city if own_address else tenant.city,
        siret=employer.siret,
        acting_for=tenant.name if tenant.name != employer.name else "",
    )
