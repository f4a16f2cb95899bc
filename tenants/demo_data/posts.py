"""Demo shared posts: the HR manager shared by Alma and Iciela (temps partagé),
and the digital-transition officer carried by Alma and put at the disposal of
Fresnoy Mackellerie and Basse Masure (mise à disposition), with real-cost
figures, a few hours entered by hand and an issued cost statement.

Dates follow today's: the officer's agreement runs from ten months ago to the
end of next month, so the end-of-agreement reminder has something to say."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ensemble.kernel import documents as doc
from ensemble.posts import costing, exports
from ensemble.posts import operations as posts
from ensemble.posts.models import (
    Arrangement,
    DocumentKind,
    PostDocument,
    SharedPost,
    ShareUnit,
    TimeEntry,
)
from ensemble.sharing.agreed_hours import working_days
from ensemble.sharing.models import Agreement
from ensemble.tenancy import context
from tenants.demo import DemoNetwork

ORDER = 30

HR_TITLE = "Responsable RH multi-employeurs"
OFFICER_TITLE = "Chargé de transition numérique"


def _months_before(month: date, count: int) -> date:
    for _ in range(count):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


def _existing(session: Session, carrier_id: int, title: str) -> SharedPost | None:
    return session.scalar(
        select(SharedPost)
        .join(Agreement, Agreement.id == SharedPost.agreement_id)
        .where(Agreement.owner_employer_id == carrier_id, Agreement.title == title)
    )


def _consent_pdf(name: str, signed_on: date) -> bytes:
    """The holder's written consent, as the demo's signed copy (a PDF of the engine)."""
    return doc.to_pdf(
        doc.Document(
            title="Accord du salarié à sa mise à disposition",
            blocks=(
                doc.Paragraph(
                    f"Je soussigné {name} accepte d’être mis à disposition des centres sociaux "
                    "Fresnoy Mackellerie et Basse Masure."
                ),
                doc.Paragraph(f"Fait à Roubaix, le {exports.long_date(signed_on)}."),
                doc.SignatureBlock([doc.Signer("Le salarié", name, ("Signature",))]),
            ),
            author=name,
        )
    )


def load(session: Session, net: DemoNetwork) -> None:
    alma_employer = net.employers["association-alma"]
    iciela = net.employers["iciela"]
    alma = net.centres["alma"]
    this_month = date.today().replace(day=1)
    last_month = _months_before(this_month, 1)
    # The carrier's directors and HR manager act for it.
    carrier = context.system_context(
        employer_ids=[alma_employer.id],
        centre_ids=[alma.id],
        federation_ids=[net.federations["nord"].id],
    )
    with context.using(carrier, session):
        _hr_post(session, net, alma_employer, iciela, alma)
        _officer_post(session, net, alma_employer, alma, this_month, last_month)


def _hr_post(session, net, alma_employer, iciela, alma) -> None:
    if _existing(session, alma_employer.id, HR_TITLE):
        return
    post = posts.create_post(
        session,
        alma_employer,
        title=HR_TITLE,
        arrangement=Arrangement.SHARED_TIME,
        holder=net.users["marion.delattre@rh.demo"],
        starts_on=date(2025, 9, 1),
        tasks="Paie, contrats, entretiens professionnels et suivi des échéances RH des deux "
        "associations.",
        insurance="Chaque employeur assure la salariée pour la part de temps qui le concerne.",
    )
    for partner, site in ((alma_employer, alma), (iciela, net.centres["pile-sainte-elisabeth"])):
        posts.add_allocation(
            session,
            post,
            partner,
            unit=ShareUnit.PERCENT,
            share=Decimal("50"),
            starts_on=date(2025, 9, 1),
            site_centre_id=site.id,
        )
    posts.set_cost(
        session,
        post,
        valid_from=date(2025, 9, 1),
        gross_salary=Decimal("3150.00"),
        employer_charges=Decimal("1386.00"),
        travel_expenses=Decimal("42.60"),
        employment_aid=Decimal("0.00"),
    )


def _officer_post(session, net, alma_employer, alma, this_month, last_month) -> None:
    post = _existing(session, alma_employer.id, OFFICER_TITLE)
    fresnoy, basse_masure = net.centres["fresnoy-mackellerie"], net.centres["basse-masure"]
    officer = net.users["hugo.carpentier@alma.demo"]
    starts_on = _months_before(this_month, 10)
    if post is None:
        post = posts.create_post(
            session,
            alma_employer,
            title=OFFICER_TITLE,
            arrangement=Arrangement.SECONDMENT,
            holder=officer,
            starts_on=starts_on,
            ends_on=costing.month_bounds(costing.next_month(this_month))[1],
            tasks="Ateliers d’initiation au numérique, permanences d’accès aux droits en ligne, "
            "accompagnement des équipes des trois centres dans leurs outils.",
            insurance="Responsabilité civile de l’Association Centre Social Alma (contrat "
            "multirisque association), étendue aux activités exercées dans les centres "
            "d’accueil.",
        )
        for partner, share, site in (
            (alma_employer, "40", alma),
            (fresnoy, "30", fresnoy),
            (basse_masure, "30", basse_masure),
        ):
            posts.add_allocation(
                session,
                post,
                partner,
                unit=ShareUnit.PERCENT,
                share=Decimal(share),
                starts_on=starts_on,
                ends_on=post.ends_on,
                site_centre_id=site.id,
            )
        # Brut ALISFA (pesée 490) and a Fonjep grant received by Alma for the post.
        posts.set_cost(
            session,
            post,
            valid_from=starts_on,
            gross_salary=Decimal("2450.00"),
            employer_charges=Decimal("1078.00"),
            travel_expenses=Decimal("86.40"),
            employment_aid=Decimal("597.00"),
        )
    has_documents = session.scalar(
        select(func.count(PostDocument.id)).where(PostDocument.post_id == post.id)
    )
    if not has_documents:
        signed_on = starts_on - timedelta(days=12)
        posts.add_document(
            session,
            post,
            kind=DocumentKind.AGREEMENT,
            signed_on=signed_on,
            filename="convention-mise-a-disposition.docx",
            data=exports.agreement_for(session, post),
        )
        posts.add_document(
            session,
            post,
            kind=DocumentKind.CONSENT,
            signed_on=signed_on,
            filename="accord-salarie.pdf",
            data=_consent_pdf(officer.full_name, signed_on),
        )
        # The contract amendment is still missing: the checklist shows it.
    has_time = session.scalar(select(func.count(TimeEntry.id)).where(TimeEntry.post_id == post.id))
    if not has_time:
        _time_entries(session, post, last_month, alma, fresnoy, basse_masure)
    posts.ensure_monthly_statement(session, post, last_month)


def _time_entries(session, post, month, alma, fresnoy, basse_masure) -> None:
    """A month of hand-entered days: Fresnoy gets a little more than agreed."""
    week = [(alma, "7"), (fresnoy, "7.5"), (basse_masure, "6"), (alma, "7"), (fresnoy, "7.5")]
    first, last = costing.month_bounds(month)
    days = working_days(first, last + timedelta(days=1))
    for day in days:
        centre, hours = week[day.weekday()]
        posts.add_time_entry(
            session,
            post,
            centre_id=centre.id,
            work_date=day,
            hours=Decimal(hours),
            note="Ateliers et permanences",
        )
