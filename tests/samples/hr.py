"""Sample HR rows for the route walks: a person, a private document and a
toolbox document of the employer named by `slug`, created by its owner side."""

from datetime import date
from decimal import Decimal

from ensemble.hr import operations
from ensemble.hr.models import (
    ContractType,
    DocumentKind,
    EmployerDocument,
    StaffMember,
    ToolboxDocument,
)
from ensemble.tenancy import context

from samples import sample


def _employer(demo, kind, slug):
    assert kind == "employer", "HR rows belong to employers"
    return demo.employer(slug)


@sample(StaffMember)
def staff_member(demo, session, kind, slug, owner_email):
    employer = _employer(demo, kind, slug)
    with (
        context.using(demo.context_of(owner_email), session),
        operations.employer_scope(session, employer.id),
    ):
        data = operations.StaffData(
            last_name="Exemple",
            first_name="Dominique",
            job_title="Agent d’accueil",
            contract_type=ContractType.CDI,
            start_date=date(2025, 9, 1),
            fte=Decimal("0.5"),
        )
        return operations.create_staff_member(session, employer.id, data, date(2026, 11, 21)).id


@sample(EmployerDocument)
def employer_document(demo, session, kind, slug, owner_email):
    employer = _employer(demo, kind, slug)
    with (
        context.using(demo.context_of(owner_email), session),
        operations.employer_scope(session, employer.id),
    ):
        return operations.add_document(
            session,
            employer.id,
            title="Règlement intérieur",
            kind=DocumentKind.OTHER,
            filename="reglement.txt",
            content_type="text/plain",
            content=b"Article 1",
        ).id


@sample(ToolboxDocument)
def toolbox_document(demo, session, kind, slug, owner_email):
    employer = _employer(demo, kind, slug)
    with context.using(demo.context_of(owner_email), session):
        return operations.share_toolbox_document(
            session,
            [employer.id],
            title="Check-list d’accueil",
            kind=DocumentKind.CHECKLIST,
            description="",
            filename="accueil.txt",
            content_type="text/plain",
            content=b"1. Badge",
        ).id
