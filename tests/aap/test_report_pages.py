"""The grant's financial report over HTTP: the lead starts it, a partner fills its
part, the lead signs it and downloads it; refused forms come back with French
errors, and every page is a 404 for another centre or for an answer not granted.
The exports are read back as the funder's officer would (python-docx, odfpy,
pdftotext) and the PDF's pages rendered to tests/artifacts/ to be looked at."""

from __future__ import annotations

import io

import pytest
from docx import Document
from kernel.document_checks import amounts_on_one_line, flat, orphan_euro_signs, pdf_text, to_png
from odf import teletype
from odf import text as odf_text
from odf.opendocument import load as load_odt

from aap.aap_support import ALMA_DIRECTOR, ECHO_DIRECTOR, FRESNOY_DIRECTOR, MONTREUIL_DIRECTOR
from aap.report_support import build_granted, expected_post_cost, fill_parts
from ensemble.kernel import french

from conftest import csrf_token, sign_in


@pytest.fixture
def granted(demo, db_session, frozen_clock):
    return build_granted(demo, db_session, frozen_clock)


def _client(app, email):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _url(slug, answer_id, tail=""):
    return f"/c/{slug}/aap/reponses/{answer_id}/compte-rendu{tail}"


def test_the_lead_starts_the_report_and_refusals_come_back_in_french(app, granted):
    echo = _client(app, ECHO_DIRECTOR)
    page = echo.get(_url("echo", granted.answer_id))
    assert page.status_code == 200
    assert "Commencer le compte rendu" in page.get_data(as_text=True)
    token = csrf_token(echo, _url("echo", granted.answer_id))
    refused = echo.post(
        _url("echo", granted.answer_id),
        data={
            "csrf_token": token,
            "period_start": "01/01/2026",
            "period_end": "31/12/2025",
            "hourly_rate": "douze",
            "gap_threshold": "15",
        },
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "has-error" in html and 'id="hourly_rate-error"' in html, html[
        html.find("error-summary") :
    ][:600]
    refused = echo.post(
        _url("echo", granted.answer_id),
        data={
            "csrf_token": token,
            "period_start": "01/01/2026",
            "period_end": "31/12/2025",
            "hourly_rate": "12,02",
            "gap_threshold": "15",
        },
    )
    assert refused.status_code == 422
    assert "La fin de l’exercice doit suivre son début." in refused.get_data(as_text=True)
    started = echo.post(
        _url("echo", granted.answer_id),
        data={
            "csrf_token": token,
            "period_start": "01/01/2026",
            "period_end": "31/12/2026",
            "hourly_rate": "12,02",
            "gap_threshold": "15",
            "summary": "Des ateliers numériques pour les aînés.",
        },
    )
    assert started.status_code == 302
    html = echo.get(_url("echo", granted.answer_id)).get_data(as_text=True)
    assert "30 juin 2027" in html and "Des ateliers numériques pour les aînés." in html


def test_a_partner_fills_its_part(app, demo, db_session, granted):
    fill_parts(demo, db_session, granted)
    fresnoy = _client(app, FRESNOY_DIRECTOR)
    path = _url("fresnoy-mackellerie", granted.answer_id, "/part")
    page = fresnoy.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Ateliers numériques seniors" in html and french.euros(expected_post_cost()) in html
    token = csrf_token(fresnoy, path)
    refused = fresnoy.post(
        path,
        data={
            "csrf_token": token,
            "budget_line_id": granted.fresnoy_lines["70"],
            "amount": "beaucoup",
        },
    )
    assert refused.status_code == 422
    refused = fresnoy.post(
        path, data={"csrf_token": token, "account": "", "label": "", "amount": "10"}
    )
    assert refused.status_code == 422
    assert "Compte inconnu" in refused.get_data(as_text=True)
    saved = fresnoy.post(
        path,
        data={
            "csrf_token": token,
            "budget_line_id": granted.fresnoy_lines["70"],
            "amount": "1 180,00",
            "explanation": "",
        },
    )
    assert saved.status_code == 302
    assert "1\u202f180,00" in fresnoy.get(path).get_data(as_text=True)
    # The lead reads the partner's figures, never fills them.
    echo = _client(app, ECHO_DIRECTOR)
    assert echo.get(_url("echo", granted.answer_id)).status_code == 200
    assert echo.get(_url("echo", granted.answer_id, "/part")).status_code == 200  # its own part


def test_the_lead_signs_once_everything_is_there(app, demo, db_session, granted):
    fill_parts(demo, db_session, granted)
    echo = _client(app, ECHO_DIRECTOR)
    token = csrf_token(echo, _url("echo", granted.answer_id))
    refused = echo.post(
        _url("echo", granted.answer_id, "/signer"),
        data={"csrf_token": token, "name": "", "quality": "Présidente", "signed_on": "20/01/2027"},
    )
    assert refused.status_code == 422
    assert "Indiquez le nom du représentant légal." in refused.get_data(as_text=True)
    signed = echo.post(
        _url("echo", granted.answer_id, "/signer"),
        data={
            "csrf_token": token,
            "name": "Martine Leroy",
            "quality": "Présidente",
            "signed_on": "20/01/2027",
        },
    )
    assert signed.status_code == 302
    html = echo.get(_url("echo", granted.answer_id)).get_data(as_text=True)
    assert "Signé le 20 janvier 2027 par Martine Leroy" in html
    fresnoy = _client(app, FRESNOY_DIRECTOR)
    token = csrf_token(fresnoy, _url("fresnoy-mackellerie", granted.answer_id))
    late = fresnoy.post(
        _url("fresnoy-mackellerie", granted.answer_id, "/commentaires"),
        data={"csrf_token": token, "comment": "Après coup"},
    )
    assert late.status_code == 422
    assert "signé" in late.get_data(as_text=True)


NORD_ANALYST = "paul.verhaeghe@federation-nord.demo"


@pytest.mark.parametrize("outsider", [ALMA_DIRECTOR, MONTREUIL_DIRECTOR, NORD_ANALYST])
def test_every_page_is_a_404_for_another_centre(app, demo, db_session, granted, outsider):
    """Another centre of the network, a centre of another network, the federation."""
    fill_parts(demo, db_session, granted)
    client = _client(app, outsider)
    slug = {ALMA_DIRECTOR: "alma", MONTREUIL_DIRECTOR: "grand-air"}.get(outsider, "echo")
    for tail in ("", "/part", ".pdf", ".docx", ".odt"):
        assert client.get(_url("echo", granted.answer_id, tail)).status_code == 404, tail
        assert client.get(_url(slug, granted.answer_id, tail)).status_code == 404, tail


def test_a_draft_answer_has_no_report_page(app, joint_answer):
    echo = _client(app, ECHO_DIRECTOR)
    assert echo.get(_url("echo", joint_answer.answer_id)).status_code == 404


def test_the_exports_read_as_the_funder_would(app, demo, db_session, granted):
    fill_parts(demo, db_session, granted)
    echo = _client(app, ECHO_DIRECTOR)
    post_cost = french.euros(expected_post_cost())

    pdf = echo.get(_url("echo", granted.answer_id, ".pdf"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    to_png(pdf.data, "aap-report", first=1, last=5, dpi=70)
    text = pdf_text(pdf.data)
    for expected in (
        "Compte rendu financier de subvention",
        "1. Bilan qualitatif de l’action",
        "2. Tableau de synthèse",
        "3. Annexe",
        "4. Pièces jointes",
        "Attestation du représentant légal",
        "Cerfa nº 15059*02",
        "Moins d’inscrits que prévu",
    ):
        assert expected in flat(text), expected
    assert not amounts_on_one_line(text, [post_cost, "14 000,00 €"])
    assert not orphan_euro_signs(text)
    # The action's name wraps in its narrow column: its words are all there.
    assert all(word in text for word in ("Ateliers", "numériques", "seniors"))

    docx = echo.get(_url("echo", granted.answer_id, ".docx"))
    opened = Document(io.BytesIO(docx.data))
    headings = [p.text for p in opened.paragraphs if p.style.name.startswith("Heading")]
    assert "2. Tableau de synthèse" in headings
    cells = [c.text for t in opened.tables for row in t.rows for c in row.cells]
    assert post_cost.replace(" ", "\u202f") in cells or post_cost in cells

    odt = echo.get(_url("echo", granted.answer_id, ".odt"))
    opened = load_odt(io.BytesIO(odt.data))
    titles = [teletype.extractText(h) for h in opened.getElementsByType(odf_text.H)]
    assert "4. Pièces jointes" in titles


def test_the_report_joins_the_home_page_and_the_reminders(app, demo, db_session, granted):
    from sqlalchemy import select

    import ensemble.aap.tasks  # noqa: F401  (registers the task, as the worker's `include` does)
    from ensemble.notifications.models import Notification
    from ensemble.tenancy import context

    fill_parts(demo, db_session, granted)  # the report covers 2026: due on 30 June 2027
    home = _client(app, FRESNOY_DIRECTOR).get("/c/fresnoy-mackellerie/").get_data(as_text=True)
    assert "Comptes rendus financiers à remettre" in home
    assert "à remettre avant le 30 juin 2027" in home
    remind = app.extensions["celery"].tasks["ensemble.aap.send_deadline_reminders"]
    remind("2027-04-30")  # 61 days before: nothing about this report
    remind("2027-05-01")  # 60 days before
    remind("2027-05-02")  # same threshold: not again
    for email in (ECHO_DIRECTOR, FRESNOY_DIRECTOR):
        with context.using(demo.context_of(email), db_session) as ctx:
            bodies = db_session.scalars(
                select(Notification.body).where(Notification.user_id == ctx.user_id)
            ).all()
        line = (
            "Réponse « Bien vieillir dans son quartier (essai) » : compte rendu financier "
            "à remettre au financeur avant le 30/06/2027, dans 60 jours."
        )
        assert sum(line in (b or "") for b in bodies) == 1, (email, bodies)
