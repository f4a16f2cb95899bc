"""Samples for the route walk: a joint answer led by the tenant's centre (its
director as lead), with one saved section, so its owner can open every page
and an outsider none."""

from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from ensemble.aap import operations as aap
from ensemble.aap.models import AapAnswer, AapAttachment, AapCall, AapSection, Funder
from ensemble.network.models import Centre
from ensemble.sharing.models import AgreementParty
from ensemble.tenancy import context

from samples import sample

STATUTES = Path(__file__).parent.parent / "corpus" / "attachments" / "statuts.pdf"


def _partner(demo, session, centre):
    """Another centre of the same federation, never Alma: the isolation walk's
    outsider is Alma's director, who must not take part."""
    with context.using(context.system_context(is_admin=True), session):
        return session.scalar(
            select(Centre)
            .where(
                Centre.federation_id == centre.federation_id,
                Centre.id != centre.id,
                Centre.slug != "alma",
            )
            .order_by(Centre.name)
            .limit(1)
        )


def _answer(demo, session, slug, owner_email) -> AapAnswer:
    """One answer per centre and test, so that a route naming an answer and one of
    its sections gets ids that belong together. Call it under the owner's context."""
    cache = session.info.setdefault("sample_aap_answers", {})
    if slug not in cache:
        centre = demo.centre(slug)
        call = aap.create_call(
            session,
            centre,
            funder=Funder.CAF,
            title="Appel d’exemple",
            deadline=date(2027, 6, 30),
        )
        answer = aap.create_answer(session, call, centre)
        session.flush()
        session.expire_all()
        answer = aap.load_answer(session, answer.id)
        section = answer.sections[0]
        author = demo.user(owner_email)
        for version, body in enumerate(("<p>Texte d’exemple</p>", "<p>Texte revu</p>")):
            aap.save_section(session, section, base_version=version, body=body, author_id=author.id)
        # Every form of the answer's pages has something to act on (the route walks
        # post to them): a partner to remove, a comment to resolve, a line to delete.
        partner = _partner(demo, session, centre)
        if partner is not None:
            aap.invite_partner(session, answer, partner)
        aap.add_comment(session, section, author=author, body="À relire.")
        aap.add_budget_line(
            session, answer, centre, account="641", label="Salaires", amount=Decimal("1000")
        )
        aap.add_attachment(
            session,
            answer,
            centre,
            kind="statutes",
            filename="statuts.pdf",
            content=STATUTES.read_bytes(),
            user_id=author.id,
        )
        session.flush()
        cache[slug] = answer.id
    return aap.load_answer(session, cache[slug])


@sample(AapAnswer)
def aap_answer(demo, session, kind, slug, owner_email):
    with context.using(demo.context_of(owner_email), session):
        return _answer(demo, session, slug, owner_email).id


@sample(AapSection)
def aap_section(demo, session, kind, slug, owner_email):
    with context.using(demo.context_of(owner_email), session):
        return _answer(demo, session, slug, owner_email).sections[0].id


@sample(AapCall)
def aap_call(demo, session, kind, slug, owner_email):
    """The call the tenant's centre published (its directors may correct it)."""
    with context.using(demo.context_of(owner_email), session):
        return _answer(demo, session, slug, owner_email).call_id


@sample(AapAttachment)
def aap_attachment(demo, session, kind, slug, owner_email):
    """The statutes the tenant's centre joined to its answer."""
    with context.using(demo.context_of(owner_email), session):
        answer = _answer(demo, session, slug, owner_email)
        return aap.attachments(session, answer)[0].id


@sample(AgreementParty)
def aap_party(demo, session, kind, slug, owner_email):
    """The partner invited to the tenant's answer (its lead may remove it)."""
    with context.using(demo.context_of(owner_email), session):
        answer = _answer(demo, session, slug, owner_email)
        return next(p.id for p in answer.agreement.parties if not p.is_owner)


@sample(AapAnswer, arg="submitted_answer_id")
def aap_submitted_answer(demo, session, kind, slug, owner_email):
    """An answer the tenant's centre has submitted alone, its budget balanced, so
    that the funder's decision form is shown (and walked)."""
    cache = session.info.setdefault("sample_aap_submitted", {})
    with context.using(demo.context_of(owner_email), session):
        if slug not in cache:
            centre = demo.centre(slug)
            call = aap.create_call(
                session,
                centre,
                funder=Funder.CAF,
                title="Appel d’exemple déposé",
                deadline=date(2027, 6, 30),
            )
            answer = aap.create_answer(session, call, centre)
            for account, label in (("641", "Salaires"), ("70", "Participation des familles")):
                aap.add_budget_line(
                    session, answer, centre, account=account, label=label, amount=Decimal("1000")
                )
            session.flush()
            answer = aap.load_answer(session, answer.id)
            lead = demo.user(owner_email)
            aap.submit(session, answer, lead.id, despite_unapproved=True)
            session.flush()
            cache[slug] = answer.id
        return cache[slug]


@sample(AapAnswer, arg="granted_answer_id")
def aap_granted_answer(demo, session, kind, slug, owner_email):
    """An answer the tenant's centre submitted alone and was granted, its financial
    report started, its part read and one real amount entered (so that every form
    of the report's pages has something to act on)."""
    cache = session.info.setdefault("sample_aap_granted", {})
    with context.using(demo.context_of(owner_email), session):
        if slug not in cache:
            centre = demo.centre(slug)
            call = aap.create_call(
                session,
                centre,
                funder=Funder.DEPARTEMENT,
                title="Appel d’exemple accordé",
                deadline=date(2027, 6, 30),
            )
            answer = aap.create_answer(session, call, centre)
            lines = [
                aap.add_budget_line(
                    session, answer, centre, account=account, label=label, amount=Decimal("1000")
                )
                for account, label in (("641", "Salaires"), ("70", "Participation des familles"))
            ]
            session.flush()
            answer = aap.load_answer(session, answer.id)
            aap.submit(session, answer, demo.user(owner_email).id, despite_unapproved=True)
            session.flush()
            aap.record_outcome(
                session, answer, granted=True, amount=Decimal("1000"), on=date.today()
            )
            report = aap.start_report(session, answer)
            aap.refresh_part(session, answer, report, centre)
            aap.enter_real(
                session, answer, report, centre, budget_line_id=lines[0].id, amount=Decimal("900")
            )
            aap.enter_real(
                session,
                answer,
                report,
                centre,
                account="606",
                label="Fournitures",
                amount=Decimal("12.50"),
                explanation="Non prévu.",
            )
            session.flush()
            cache[slug] = answer.id
        return cache[slug]
