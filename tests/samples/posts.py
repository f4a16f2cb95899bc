"""Samples for the route walk: a mise à disposition carried by the tenant's
employer (with a cost, a document and an issued statement), so its owner can
open every page and an outsider none."""

from datetime import date
from decimal import Decimal

from ensemble.posts import operations as posts
from ensemble.posts.models import (
    Arrangement,
    DocumentKind,
    PostDocument,
    PostStatement,
    SharedPost,
    ShareUnit,
)
from ensemble.tenancy import context

from samples import sample


def _carrier_and_site(demo, kind, slug):
    if kind == "centre":
        centre = demo.centre(slug)
        return demo.employer(centre.employer.slug), centre
    employer = demo.employer(slug)
    return employer, employer.centres[0]


def _post(demo, session, kind, slug, owner_email) -> SharedPost:
    """One post per tenant and test, so that a route naming a post and one of its
    documents or statements gets ids that belong together. Call it under the
    owner's context."""
    cache = session.info.setdefault("sample_posts", {})
    if (kind, slug) not in cache:
        cache[(kind, slug)] = _new_post(demo, session, kind, slug, owner_email)
    return session.get(SharedPost, cache[(kind, slug)])


def _new_post(demo, session, kind, slug, owner_email) -> int:
    carrier, site = _carrier_and_site(demo, kind, slug)
    post = posts.create_post(
        session,
        carrier,
        title="Poste d’exemple",
        arrangement=Arrangement.SECONDMENT,
        holder=demo.user(owner_email),
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    posts.add_allocation(
        session,
        post,
        carrier,
        unit=ShareUnit.PERCENT,
        share=Decimal("100"),
        starts_on=date(2026, 1, 1),
        site_centre_id=site.id,
    )
    posts.set_cost(
        session,
        post,
        valid_from=date(2026, 1, 1),
        gross_salary=Decimal("2000.00"),
        employer_charges=Decimal("900.00"),
        travel_expenses=Decimal("0.00"),
        employment_aid=Decimal("0.00"),
    )
    session.flush()
    return post.id


@sample(SharedPost)
def shared_post(demo, session, kind, slug, owner_email):
    ctx = demo.context_of(owner_email)
    with context.using(ctx, session):
        return _post(demo, session, kind, slug, owner_email).id


@sample(PostDocument)
def post_document(demo, session, kind, slug, owner_email):
    ctx = demo.context_of(owner_email)
    with context.using(ctx, session):
        post = _post(demo, session, kind, slug, owner_email)
        return posts.add_document(
            session,
            post,
            kind=DocumentKind.CONSENT,
            signed_on=date(2025, 12, 1),
            filename="accord.pdf",
            data=b"%PDF-1.4 exemple",
        ).id


@sample(PostStatement)
def post_statement(demo, session, kind, slug, owner_email):
    ctx = demo.context_of(owner_email)
    with context.using(ctx, session):
        post = _post(demo, session, kind, slug, owner_email)
        # Issued once: a second issue with nothing changed is refused (no identical version).
        issued = posts.statements_of(session, post)
        if issued:
            return issued[0].id
        return posts.issue_statement(session, post, date(2026, 2, 1)).id
