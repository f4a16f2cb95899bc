"""States after a submission (issue 12) that the freeze walk does not read: the partners
keep the dossier they co-signed, as submitted (cover, owners, a balanced budget); an
invitation still pending when the lead submitted is closed, not acceptable, and opens
nothing; over HTTP the decision is recorded once, corrected only with a reason (each
correction an entry of the log), never dated before the submission."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from docx import Document
from sqlalchemy import select

from aap.aap_support import (
    ALMA_DIRECTOR,
    BASSE_MASURE_DIRECTOR,
    ECHO_DIRECTOR,
    FRESNOY_DIRECTOR,
    load,
    submit_filled,
)
from ensemble.aap import operations as aap
from ensemble.aap.models import AnswerStatus
from ensemble.audit.models import AuditEntry
from ensemble.kernel import clock
from ensemble.sharing.models import PartyStatus
from ensemble.tenancy import context

from conftest import csrf_token, sign_in

SLUGS = {
    ECHO_DIRECTOR: "echo",
    FRESNOY_DIRECTOR: "fresnoy-mackellerie",
    BASSE_MASURE_DIRECTOR: "basse-masure",
    ALMA_DIRECTOR: "alma",
}
NAMES = ("Centre Social Fresnoy Mackellerie", "Centre Social Basse Masure")


def _client(app, email):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _url(email, answer_id, tail=""):
    return f"/c/{SLUGS[email]}/aap/reponses/{answer_id}/{tail}"


@pytest.fixture
def submitted(demo, db_session, joint_answer, as_user):
    """Fresnoy owns « Projet : public visé »; Alma is invited and has not answered when
    the lead submits."""
    with as_user(ECHO_DIRECTOR):
        answer = load(db_session, joint_answer.answer_id)
        public = next(s for s in answer.sections if s.code == "public")
        aap.set_section_owner(db_session, public, joint_answer.fresnoy_party_id)
        aap.invite_partner(db_session, answer, demo.centre("alma"))
    submit_filled(demo, db_session, joint_answer)
    return joint_answer


def _docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells).replace("\u202f", " ")


def test_the_partners_keep_the_dossier_they_co_signed_as_submitted(app, db_session, submitted):
    answer_id = submitted.answer_id
    for email in (FRESNOY_DIRECTOR, BASSE_MASURE_DIRECTOR, ECHO_DIRECTOR):
        client = _client(app, email)
        page = client.get(_url(email, answer_id))
        assert page.status_code == 200, email
        html = page.get_data(as_text=True)
        assert "Budget équilibré" in html and "non équilibré" not in html, email
        budget = client.get(_url(email, answer_id, "budget")).get_data(as_text=True)
        assert "Budget du projet équilibré" in budget, email
        download = client.get(_url(email, answer_id, "dossier.docx"))
        assert download.status_code == 200, email
        text = _docx_text(download.data)
        # The cover names both partners, the day it was submitted, and no draft note.
        for name in NAMES:
            assert name in text, (email, name)
        assert "Aucun partenaire" not in text
        assert "Déposée le" in text and "Version de travail" not in text
        assert "pas encore équilibré" not in text
        # The section Fresnoy wrote is still signed by Fresnoy.
        assert "Rédigée par Centre Social Fresnoy Mackellerie" in text, email


def test_the_submitted_parties_are_those_who_had_accepted(demo, db_session, submitted):
    with context.using(demo.context_of(ECHO_DIRECTOR), db_session):
        answer = load(db_session, submitted.answer_id)
        expected = {demo.centre(s).id for s in ("echo", "fresnoy-mackellerie", "basse-masure")}
        assert set(answer.submitted_centre_ids) == expected
        assert {p.centre_id for p in aap.active_parties(answer)} == expected


def test_an_invitation_pending_at_submission_is_closed_and_opens_nothing(
    app, demo, db_session, submitted, as_user
):
    answer_id = submitted.answer_id
    alma = _client(app, ALMA_DIRECTOR)
    page = alma.get(_url(ALMA_DIRECTOR, answer_id))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "déposé la réponse sans votre centre" in html.replace("\u202f", " ")
    assert "Accepter l’invitation" not in html and 'value="accept"' not in html
    # Posting the button anyway changes nothing and opens nothing.
    token = csrf_token(alma, "/c/alma/aap/")
    answer_url = _url(ALMA_DIRECTOR, answer_id)
    alma.post(answer_url + "participation", data={"csrf_token": token, "decision": "accept"})
    with as_user(ALMA_DIRECTOR):
        answer = load(db_session, answer_id)
        assert answer is not None  # it still sees what it was asked, not the dossier
        with pytest.raises(aap.AapError, match="déposée"):
            aap.respond(db_session, answer, demo.centre("alma"), accept=True)
    with as_user(ECHO_DIRECTOR):
        parties = load(db_session, answer_id).agreement.parties
        alma_party = next(p for p in parties if p.centre_id == demo.centre("alma").id)
        assert alma_party.status is PartyStatus.INVITED
    for tail in ("budget", "pieces/", "dossier.pdf", "dossier.docx", "dossier.odt", "notes"):
        assert alma.get(answer_url + tail).status_code == 404, tail


def _audit_corrections(db_session, answer_id):
    with context.using(context.system_context(is_admin=True), db_session):
        entries = db_session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "aap_answers", AuditEntry.object_id == answer_id)
            .order_by(AuditEntry.id)
        )
        return [e.details for e in entries if "correction" in e.details]


def _status(demo, db_session, answer_id):
    db_session.expire_all()
    with context.using(demo.context_of(ECHO_DIRECTOR), db_session):
        answer = load(db_session, answer_id)
        return answer.status, answer.granted_amount


def test_over_http_the_decision_is_recorded_once_and_each_flip_is_a_logged_correction(
    app, demo, db_session, submitted
):
    answer_id = submitted.answer_id
    lead = _client(app, ECHO_DIRECTOR)
    url = _url(ECHO_DIRECTOR, answer_id, "resultat")
    token = csrf_token(lead, url)
    today = clock.today()
    before = (today - timedelta(days=1)).isoformat()
    early = lead.post(
        url,
        data={"csrf_token": token, "outcome": "granted", "amount": "7 500", "decided_on": before},
    )
    assert early.status_code == 422
    error = re.search(r'id="decided_on-error">(.*?)</p>', early.get_data(as_text=True))
    assert error and "précéder le dépôt" in error.group(1)
    assert _status(demo, db_session, answer_id) == (AnswerStatus.SUBMITTED, None)
    granted = {"csrf_token": token, "outcome": "granted", "amount": "7 500", "decided_on": today}
    assert lead.post(url, data=granted).status_code == 302
    # Recorded: the same page is now a correction, which needs its reason.
    assert "Corriger la décision" in lead.get(url).get_data(as_text=True)
    flip = {"csrf_token": token, "outcome": "refused", "amount": "", "decided_on": today}
    unexplained = lead.post(url, data=flip)
    assert unexplained.status_code == 422
    assert "Indiquez la raison de la correction." in unexplained.get_data(as_text=True)
    assert _status(demo, db_session, answer_id)[0] is AnswerStatus.GRANTED
    assert lead.post(url, data={**flip, "reason": "Erreur de saisie"}).status_code == 302
    assert _status(demo, db_session, answer_id) == (AnswerStatus.REFUSED, None)
    back = {**granted, "reason": "Décision revue par le financeur"}
    assert lead.post(url, data=back).status_code == 302
    assert _status(demo, db_session, answer_id)[0] is AnswerStatus.GRANTED
    corrections = _audit_corrections(db_session, answer_id)
    assert [
        (c["before"]["status"], c["after"]["status"], c["correction"]) for c in corrections
    ] == [
        ("granted", "refused", "Erreur de saisie"),
        ("refused", "granted", "Décision revue par le financeur"),
    ]
    # A partner may read the decision but not make or correct it.
    partner = _client(app, FRESNOY_DIRECTOR)
    other = _url(FRESNOY_DIRECTOR, answer_id, "resultat")
    assert partner.get(other).status_code in (403, 404)
    own_token = csrf_token(partner, _url(FRESNOY_DIRECTOR, answer_id))
    attempt = {**flip, "csrf_token": own_token, "reason": "x"}
    assert partner.post(other, data=attempt).status_code in (403, 404)
    assert _status(demo, db_session, answer_id)[0] is AnswerStatus.GRANTED
