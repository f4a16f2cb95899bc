"""Imports every model so metadata is complete (migrations, tests): the
foundation's by name, and every capability's `models` module by discovery."""

from ensemble.audit.models import AuditAction, AuditEntry
from ensemble.discovery import import_all
from ensemble.network.models import Centre, Employer, EmployerKind, Federation
from ensemble.people.models import Credential, Membership, Role, User
from ensemble.sharing.models import Agreement, AgreementKind, AgreementParty, PartyStatus

import_all("models")

__all__ = [
    "Agreement",
    "AgreementKind",
    "AgreementParty",
    "AuditAction",
    "AuditEntry",
    "Centre",
    "Credential",
    "Employer",
    "EmployerKind",
    "Federation",
    "Membership",
    "PartyStatus",
    "Role",
    "User",
]
