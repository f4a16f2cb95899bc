"""A submitted dossier is frozen: every POST route of the capability, found in the
URL map (so a route added later is walked too), is tried against a submitted
answer by the lead's director and by a partner's director with a payload that
would act on an open answer. Each answers without a 5xx, and no row of the
dossier changes (parties, sections, owners, writers, versions, comments,
budget). Private notes stay editable; the funder's decision is recorded once."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from kernel.document_checks import flat, pdf_text
from sqlalchemy import select, text

from aap.aap_support import (
    BASSE_MASURE_DIRECTOR,
    ECHO_DIRECTOR,
    FRESNOY_DIRECTOR,
    load,
    submit_filled,
)
from ensemble.aap import exports
from ensemble.aap import operations as aap
from ensemble.aap.models import AapCall, AnswerStatus
from ensemble.audit.models import AuditEntry
from ensemble.kernel import clock
from ensemble.tenancy import context

from conftest import csrf_token, sign_in

STATUTES = Path(__file__).parent.parent / "corpus" / "attachments" / "statuts.pdf"

# The dossier's tables, read under each person's policies.
DOSSIER_TABLES = (
    "agreements",
    "agreement_parties",
    "aap_answers",
    "aap_call_leads",
    "aap_sections",
    "aap_section_versions",
    "aap_comments",
    "aap_budget_lines",
    "aap_attachments",
)

# POST routes of the blueprint that may write on a submitted answer, and why.
MAY_WRITE = {
    "aap.notes": "a party's private notes are not the dossier",
    "aap.outcome": "the funder's decision is recorded after submission (tested below)",
}
# POST routes naming no answer, and why the freeze does not concern them.
NOT_ABOUT_AN_ANSWER = {
    "aap.new_call": "publishes a new call",
    "aap.edit_call": "corrects the call; a submitted answer keeps the call as submitted "
    "(walked below: the routes naming a call)",
    "aap.withdraw_call": "refused once a centre answers the call (walked below)",
    "aap.start_answer": "creates another answer",
}
# The grant's financial report names a granted answer (granted_answer_id): it writes its
# own tables only, never the dossier's (tests/aap/test_report_isolation.py).
NOT_ABOUT_AN_ANSWER.update(
    {
        endpoint: "the financial report of a granted answer, not its dossier"
        for endpoint in (
            "aap.report",
            "aap.sign_report",
            "aap.report_part",
            "aap.report_comment",
            "aap.report_refresh",
            "aap.report_delete_real",
        )
    }
)


def _snapshot(session, demo, agreement_id: int, emails) -> dict:
    seen = {}
    for email in emails:
        with context.using(demo.context_of(email), session):
            for table in DOSSIER_TABLES:
                column = "id" if table == "agreements" else "agreement_id"
                query = f"SELECT to_jsonb(t)::text FROM {table} t WHERE {column} = :a ORDER BY id"  # noqa: S608
                rows = session.execute(text(query), {"a": agreement_id})
                seen[(email, table)] = rows.scalars().all()
    return seen


def _call_post_rules(app):
    """The POST routes naming a call: its publisher corrects it, the dossier stays."""
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("aap.")
        and "POST" in rule.methods
        and "call_id" in rule.arguments
    ]


def _answer_post_rules(app):
    rules = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("aap.") or "POST" not in rule.methods:
            continue
        if not {"answer_id", "submitted_answer_id"} & set(rule.arguments):
            assert rule.endpoint in NOT_ABOUT_AN_ANSWER, (
                f"{rule.rule}: a POST route of the joint answers without an answer: "
                "say in NOT_ABOUT_AN_ANSWER why the freeze does not concern it"
            )
            continue
        if rule.endpoint not in MAY_WRITE:
            rules.append(rule)
    return rules


def _payload(session, demo, joint_answer, email, token) -> dict:
    """Every field any of the answer's forms reads, with values that would act."""
    with context.using(demo.context_of(email), session):
        answer = load(session, joint_answer.answer_id)
        section = answer.sections[0]
        lines = aap.budget_lines(session, answer)
        own = [ln for ln in lines if ln.centre_id in context.current().centre_ids]
        thread = aap.comments(session, section)
        comment_id = thread[0][0].id if thread else ""
        payload = {
            "csrf_token": token,
            "body": "<p>Réécrit après le dépôt</p>",
            "base_version": str(section.current_version),
            "version": str(own[0].version if own else 1),
            "line_id": str(own[0].id if own else ""),
            "party_id": str(joint_answer.fresnoy_party_id),
            "owner_party_id": str(joint_answer.basse_masure_party_id),
            "centre_id": str(demo.centre("alma").id),
            "writer_user_id": str(demo.user(FRESNOY_DIRECTOR).id),
            "decision": "leave" if email != ECHO_DIRECTOR else "accept",
            "direction": "down",
            "status": "in_progress",
            "title": "Rubrique ajoutée après le dépôt",
            "comment_id": str(comment_id),
            "parent_id": "",
            "account": "606",
            "label": "Ajout",
            "funder": "",
            "amount": "1 000,00",
            "acknowledge_0": "y",
            "acknowledge_1": "y",
        }
    return payload


@pytest.fixture
def submitted(demo, db_session, joint_answer):
    with context.using(demo.context_of(FRESNOY_DIRECTOR), db_session) as ctx:
        aap.add_attachment(
            db_session,
            load(db_session, joint_answer.answer_id),
            demo.centre("fresnoy-mackellerie"),
            kind="statutes",
            filename="statuts.pdf",
            content=STATUTES.read_bytes(),
            user_id=ctx.user_id,
        )
    submit_filled(demo, db_session, joint_answer)
    return joint_answer


def _attachment_id(session, demo, joint_answer) -> int:
    with context.using(demo.context_of(ECHO_DIRECTOR), session):
        return aap.attachments(session, load(session, joint_answer.answer_id))[0].id


def test_no_route_changes_a_submitted_dossier(app, demo, db_session, submitted):
    people = (ECHO_DIRECTOR, FRESNOY_DIRECTOR)
    slugs = {ECHO_DIRECTOR: "echo", FRESNOY_DIRECTOR: "fresnoy-mackellerie"}
    rules = _answer_post_rules(app)
    assert len(rules) >= 10, [r.endpoint for r in rules]
    # Routes added later are walked too: the attachments, for one.
    assert {"aap.attachments", "aap.delete_attachment"} <= {r.endpoint for r in rules}
    before = _snapshot(db_session, demo, submitted.agreement_id, (*people, BASSE_MASURE_DIRECTOR))
    with_sections = load_section_id(db_session, demo, submitted)
    attachment_id = _attachment_id(db_session, demo, submitted)
    for email in people:
        client = app.test_client()
        assert sign_in(client, email).status_code == 302
        answer_url = f"/c/{slugs[email]}/aap/reponses/{submitted.answer_id}/"
        assert client.get(answer_url).status_code == 200
        data = _payload(db_session, demo, submitted, email, csrf_token(client, answer_url))
        for rule in rules:
            values = {"centre_slug": slugs[email], "answer_id": submitted.answer_id}
            if "section_id" in rule.arguments:
                values["section_id"] = with_sections
            if "party_id" in rule.arguments:
                values["party_id"] = submitted.fresnoy_party_id
            if "attachment_id" in rule.arguments:
                values["attachment_id"] = attachment_id
            url = rule.build(values, append_unknown=False)[1]
            # A real document each time, for the routes that join one.
            upload = {"kind": "cv", "file": (io.BytesIO(STATUTES.read_bytes()), "cv.pdf")}
            response = client.post(url, data={**data, **upload})
            assert response.status_code < 500, f"POST {url} as {email}"
            assert response.status_code not in (200, 201), f"POST {url} as {email} acted"
            after = _snapshot(
                db_session, demo, submitted.agreement_id, (*people, BASSE_MASURE_DIRECTOR)
            )
            changed = [key for key in before if before[key] != after[key]]
            assert not changed, f"POST {url} as {email} changed {changed}"
    # The call's publisher (ECHO here) rewrites the call: title, funder, deadline, envelope.
    _rewrite_the_call(app, db_session, demo, submitted, before, people)


def _rewrite_the_call(app, session, demo, submitted, before, people) -> None:
    call_rules = _call_post_rules(app)
    assert {"aap.edit_call", "aap.withdraw_call"} <= {r.endpoint for r in call_rules}
    with context.using(demo.context_of(ECHO_DIRECTOR), session):
        answer = load(session, submitted.answer_id)
        version = exports.dossier_version(session, answer)
    client = app.test_client()
    assert sign_in(client, ECHO_DIRECTOR).status_code == 302
    answer_url = f"/c/echo/aap/reponses/{submitted.answer_id}/"
    token = csrf_token(client, answer_url)
    new_deadline = clock.today() + timedelta(days=40)
    for rule in call_rules:
        url = rule.build({"centre_slug": "echo", "call_id": submitted.call_id})[1]
        response = client.post(
            url,
            data={
                "csrf_token": token,
                "title": "Appel réécrit après le dépôt",
                "funder": "caf",
                "deadline": new_deadline.isoformat(),
                "envelope": "1",
            },
        )
        assert response.status_code < 500, f"POST {url}"
    session.expire_all()
    with context.using(demo.context_of(ECHO_DIRECTOR), session):
        assert session.get(AapCall, submitted.call_id).title == "Appel réécrit après le dépôt"
    after = _snapshot(session, demo, submitted.agreement_id, (*people, BASSE_MASURE_DIRECTOR))
    assert [key for key in before if before[key] != after[key]] == []
    # The submitted answer's page and dossier read the call as it was submitted.
    for email, slug in ((ECHO_DIRECTOR, "echo"), (FRESNOY_DIRECTOR, "fresnoy-mackellerie")):
        reader = app.test_client()
        assert sign_in(reader, email).status_code == 302
        page = reader.get(f"/c/{slug}/aap/reponses/{submitted.answer_id}/").get_data(as_text=True)
        assert "Bien vieillir dans son quartier (essai)" in page
        assert "31 mars 2027" in page and "150\u202f000,00\u00a0€" in page
        assert "Appel réécrit" not in page and "1,00\u00a0€" not in page
        assert "Département" in page and ">CAF<" not in page
        pdf = reader.get(f"/c/{slug}/aap/reponses/{submitted.answer_id}/dossier.pdf")
        assert pdf.status_code == 200
        text = flat(pdf_text(pdf.data))
        assert "Bien vieillir dans son quartier (essai)" in text and "Appel réécrit" not in text
        assert "31 mars 2027" in text and "Département" in text
    with context.using(demo.context_of(ECHO_DIRECTOR), session):
        assert exports.dossier_version(session, load(session, submitted.answer_id)) == version


def load_section_id(session, demo, joint_answer) -> int:
    with context.using(demo.context_of(ECHO_DIRECTOR), session):
        return load(session, joint_answer.answer_id).sections[0].id


def test_partners_can_neither_leave_nor_be_removed_once_submitted(
    demo, db_session, submitted, as_user
):
    with as_user(ECHO_DIRECTOR):
        answer = load(db_session, submitted.answer_id)
        with pytest.raises(aap.AapError, match="déposée"):
            aap.remove_partner(db_session, answer, submitted.fresnoy_party_id)
    with as_user(FRESNOY_DIRECTOR):
        answer = load(db_session, submitted.answer_id)
        with pytest.raises(aap.AapError, match="déposée"):
            aap.leave(db_session, answer, demo.centre("fresnoy-mackellerie"))
    with as_user(ECHO_DIRECTOR):
        answer = load(db_session, submitted.answer_id)
        assert len(aap.active_parties(answer)) == 3


def test_private_notes_stay_editable_after_submission(demo, db_session, submitted, as_user):
    with as_user(FRESNOY_DIRECTOR):
        answer = load(db_session, submitted.answer_id)
        aap.save_note(db_session, answer, demo.centre("fresnoy-mackellerie"), "Bilan à faire")
        assert aap.note_of(db_session, answer, demo.centre("fresnoy-mackellerie")).body


def test_the_outcome_is_recorded_once_and_corrected_with_a_reason(
    demo, db_session, submitted, as_user
):
    with as_user(ECHO_DIRECTOR):
        answer = load(db_session, submitted.answer_id)
        submitted_on = clock.paris(answer.submitted_at).date()
        with pytest.raises(aap.AapError, match="précéder le dépôt") as refused:
            aap.record_outcome(
                db_session,
                answer,
                granted=True,
                amount=Decimal("7500"),
                on=submitted_on - timedelta(days=1),
            )
        assert refused.value.field == "decided_on"
        assert answer.status is AnswerStatus.SUBMITTED
        aap.record_outcome(
            db_session, answer, granted=True, amount=Decimal("7500"), on=submitted_on
        )
        with pytest.raises(aap.AapError, match="déjà enregistrée"):
            aap.record_outcome(db_session, answer, granted=False, amount=None, on=submitted_on)
        with pytest.raises(aap.AapError, match="raison") as no_reason:
            aap.correct_outcome(
                db_session, answer, granted=False, amount=None, on=submitted_on, reason="  "
            )
        assert no_reason.value.field == "reason"
        assert answer.status is AnswerStatus.GRANTED
        aap.correct_outcome(
            db_session,
            answer,
            granted=True,
            amount=Decimal("7000"),
            on=submitted_on,
            reason="Montant notifié par courrier du 12 mars",
        )
        assert answer.granted_amount == Decimal("7000.00")
    with context.using(context.system_context(is_admin=True), db_session):
        corrections = [
            entry.details
            for entry in db_session.scalars(
                select(AuditEntry).where(
                    AuditEntry.object_type == "aap_answers",
                    AuditEntry.object_id == submitted.answer_id,
                )
            )
            if "correction" in entry.details
        ]
    assert corrections == [
        {
            "correction": "Montant notifié par courrier du 12 mars",
            "before": {
                "status": "granted",
                "granted_amount": "7500.00",
                "outcome_on": submitted_on.isoformat(),
            },
            "after": {
                "status": "granted",
                "granted_amount": "7000.00",
                "outcome_on": submitted_on.isoformat(),
            },
        }
    ]
