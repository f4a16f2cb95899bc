"""The posts' documents on the engine, read back: the mise à disposition agreement (DOCX,
PDF, ODT) and the monthly cost statement as an invoice's annex (both parties' legal
identity, reference, period, rounding rule, signatures); the agreement for a reader from
whom row-level security hides the holder."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from docx import Document
from kernel.document_checks import (
    amounts_on_one_line,
    control_characters,
    flat,
    pdf_info,
    pdf_text,
    to_png,
)
from odf import teletype
from odf import text as odf_text
from odf.opendocument import load as load_odt
from sqlalchemy import update

from ensemble.kernel.documents.identity import format_siret
from ensemble.network.models import Employer
from ensemble.posts import exports
from ensemble.posts import operations as posts
from ensemble.posts.models import Arrangement, ShareUnit
from ensemble.tenancy import context
from posts.posts_support import (
    ALMA_DIRECTOR,
    FRESNOY_DIRECTOR,
    HR_MANAGER,
    OFFICER,
    load_post,
)

from conftest import sign_in

FRESNOY = "/c/fresnoy-mackellerie/postes"
ALMA_EMPLOYER = "/e/association-alma/postes"
ALMA_SIRET = format_siret("33188217500010")


def _client(app, email):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def test_the_agreement_carries_the_parties_and_the_post(app, officer_post):
    client = _client(app, FRESNOY_DIRECTOR)
    response = client.get(f"{FRESNOY}/{officer_post.post_id}/convention.docx")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Convention de mise à disposition de personnel" in text
    assert "Hugo Carpentier" in text and "Ateliers numériques" in text
    assert "du 1er janvier 2026 au 31 décembre 2026" in text
    assert "Association Centre Social Alma" in text and f"SIRET {ALMA_SIRET}" in text
    assert "Association du Centre Social Basse Masure — Centre Social Basse Masure" in text
    assert "sans aucune marge" in text
    cells = [c.text for row in document.tables[0].rows for c in row.cells]
    assert "Centre Social Basse Masure" in cells and "30\u202f% du temps de travail" in cells
    assert control_characters(text) == []
    for fmt in ("pdf", "odt"):
        other = client.get(f"{FRESNOY}/{officer_post.post_id}/convention.{fmt}")
        assert other.status_code == 200 and other.data
    printed = pdf_text(client.get(f"{FRESNOY}/{officer_post.post_id}/convention.pdf").data)
    assert "Pour l’employeur" in printed and "Pour la structure d’accueil" in printed
    assert "Tagged:          yes" in pdf_info(
        client.get(f"{FRESNOY}/{officer_post.post_id}/convention.pdf").data
    )


def test_every_reader_of_the_post_gets_the_agreement_naming_its_holder(app, demo, db_session):
    """The 500 of the first pass: the export dereferenced a holder hidden by row-level
    security. Since every party who reads a post reads its holder's account (issue 13:
    the holder's name shown to every party), a party's staff, the carrier's HR manager
    and its director all get the agreement with her name, though none shares a centre
    with her."""
    echo_staff = demo.user("lea.dumont@echo.demo")  # no membership at Fresnoy or Alma
    with context.using(demo.context_of(ALMA_DIRECTOR), db_session):
        post = posts.create_post(
            db_session,
            demo.employer("association-alma"),
            title="Coordinatrice mise à disposition (essai)",
            arrangement=Arrangement.SECONDMENT,
            holder=echo_staff,
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 6, 30),
        )
        posts.add_allocation(
            db_session,
            post,
            demo.centre("fresnoy-mackellerie"),
            unit=ShareUnit.PERCENT,
            share=Decimal("50"),
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 6, 30),
        )
        post_id = post.id
    db_session.flush()
    db_session.expunge_all()  # nothing the carrier's director loaded stays in the session
    # The officer is staff at Fresnoy: he sees the post, so its holder's name.
    with context.using(demo.context_of(OFFICER), db_session):
        assert load_post(db_session, post_id).holder.full_name == "Léa Dumont"
    staff = _client(app, OFFICER)
    for fmt in ("docx", "pdf", "odt"):
        response = staff.get(f"{FRESNOY}/{post_id}/convention.{fmt}")
        assert response.status_code == 200, fmt
    text = "\n".join(
        p.text
        for p in Document(
            io.BytesIO(staff.get(f"{FRESNOY}/{post_id}/convention.docx").data)
        ).paragraphs
    )
    assert exports.HOLDER_TO_FILL not in text and "Léa Dumont" in text
    # The carrier's HR manager (an employer-level membership) is in the same case.
    hr = _client(app, HR_MANAGER)
    assert hr.get(f"{ALMA_EMPLOYER}/{post_id}/convention.docx").status_code == 200
    # So is the carrier's director here (the holder belongs to no centre of hers).
    director = _client(app, ALMA_DIRECTOR)
    odt = load_odt(io.BytesIO(director.get(f"{ALMA_EMPLOYER}/{post_id}/convention.odt").data))
    paragraphs = "\n".join(teletype.extractText(p) for p in odt.getElementsByType(odf_text.P))
    assert "Léa Dumont" in paragraphs and exports.HOLDER_TO_FILL not in paragraphs


def test_the_cost_statement_serves_as_the_invoice_annex(app, demo, db_session, officer_post):
    with context.using(demo.context_of(ALMA_DIRECTOR), db_session):
        post = load_post(db_session, officer_post.post_id)
        statement = posts.issue_statement(db_session, post, date(2026, 3, 1))
        statement_id = statement.id
    # Basse Masure's association has not given its SIRET.
    with context.using(context.system_context(is_admin=True), db_session):
        db_session.execute(
            update(Employer)
            .where(Employer.slug == "association-basse-masure")
            .values(siret="", address="")
        )
    db_session.flush()
    client = _client(app, FRESNOY_DIRECTOR)
    data = client.get(f"{FRESNOY}/{officer_post.post_id}/etats/{statement_id}/pdf").data
    text = pdf_text(data)
    flattened = flat(text)
    assert "État de refacturation — mars 2026 — version 1" in flattened
    assert f"Référence : ER-{officer_post.post_id:05d}-2026-03-V1" in flattened
    assert "Période : du 1er mars 2026 au 31 mars 2026" in flattened
    # Both sides' legal identity: the carrier, and each host re-invoiced.
    assert "Association Centre Social Alma" in flattened and flat(ALMA_SIRET) in flattened
    assert "177 rue de l’Alma, 59100 Roubaix" in flattened
    assert "Association du Centre Social Fresnoy Mackellerie" in flattened
    assert flat(format_siret("18629375900012")) in flattened
    assert "SIRET non renseigné" in flattened
    assert "plus fort reste" in flattened and "Règle d’arrondi" in flattened
    assert (
        "Pour l’employeur porteur" in flattened and "Vu pour la structure refacturée" in flattened
    )
    assert amounts_on_one_line(text, ["1 084,32 €", "3 614,40 €", "2 450,00 €"]) == []
    assert "Tagged:          yes" in pdf_info(data)
    to_png(data, "posts-statement", dpi=60)
    # The CSV is unchanged: what spreadsheets read.
    csv = client.get(f"{FRESNOY}/{officer_post.post_id}/etats/{statement_id}/csv").data
    lines = csv.decode("utf-8-sig").split("\r\n")
    assert lines[2] == "Rubrique;Structure;Part du mois (%);Montant (€)"
    assert "Refacturé à;Centre Social Fresnoy Mackellerie;30,0000;1084,32" in lines
    assert "Total refacturé + reste = coût réel;;;3614,40" in lines


def test_the_agreement_document_never_dereferences_a_missing_holder(demo, db_session, officer_post):
    with context.using(demo.context_of(FRESNOY_DIRECTOR), db_session):
        post = load_post(db_session, officer_post.post_id)
        data = exports.agreement_data(db_session, post)
        hidden = exports.AgreementData(data.post, data.carrier, None, data.allocations)
        model = exports.agreement_document(hidden)
    assert exports.HOLDER_TO_FILL in repr(model)
