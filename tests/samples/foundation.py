from sqlalchemy import select

from ensemble.audit.models import AuditAction, AuditEntry
from ensemble.audit.operations import record
from ensemble.people.models import Membership
from ensemble.tenancy import context

from samples import sample


def tenant_columns(demo, kind: str, slug: str) -> dict[str, int]:
    if kind == "centre":
        return {"centre_id": demo.centre(slug).id}
    if kind == "employer":
        return {"employer_id": demo.employer(slug).id}
    return {"federation_id": demo.federation(slug).id}


@sample(Membership)
def membership(demo, session, kind, slug, owner_email):
    with context.using(context.system_context(is_admin=True), session):
        return session.scalar(
            select(Membership.id).filter_by(**tenant_columns(demo, kind, slug)).limit(1)
        )


@sample(AuditEntry)
def audit_entry(demo, session, kind, slug, owner_email):
    columns = tenant_columns(demo, kind, slug)
    with context.using(demo.context_of(owner_email), session):
        record(session, AuditAction.READ, "test", None, **columns)
        return session.scalar(
            select(AuditEntry.id).filter_by(**columns).order_by(AuditEntry.id.desc()).limit(1)
        )
