"""Joint answers over HTTP: the network list, leading an answer, inviting and
accepting, writing with the conflict page, the budget, submission, exports."""

from __future__ import annotations

import re
from decimal import Decimal

from aap.aap_support import (
    ALMA_DIRECTOR,
    ECHO_DIRECTOR,
    ECHO_STAFF,
    FRESNOY_DIRECTOR,
    fill_answer,
    load,
)
from ensemble.aap import operations as aap
from ensemble.kernel import clock
from ensemble.tenancy import context

from conftest import csrf_token, sign_in

ECHO = "/c/echo/aap"
FRESNOY = "/c/fresnoy-mackellerie/aap"
ALMA = "/c/alma/aap"


def _signed_in(app, email):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _token(client, path="/"):
    return csrf_token(client, path)


def test_a_director_publishes_a_call_and_positions_as_lead(app):
    echo = _signed_in(app, ECHO_DIRECTOR)
    token = _token(echo, f"{ECHO}/appels/nouveau")
    refused = echo.post(
        f"{ECHO}/appels/nouveau",
        data={"csrf_token": token, "title": "", "funder": "caf", "deadline": "demain"},
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Indiquez l’intitulé." in page and "Indiquez une date valide" in page
    created = echo.post(
        f"{ECHO}/appels/nouveau",
        data={
            "csrf_token": token,
            "title": "Bien vieillir à Roubaix",
            "funder": "departement",
            "deadline": "2099-03-31",
            "envelope": "150 000,00",
            "link": "https://lenord.fr/aap",
        },
    )
    assert created.status_code == 302
    listing = echo.get(f"{ECHO}/").get_data(as_text=True)
    assert "Bien vieillir à Roubaix" in listing and "150\u202f000,00" in listing
    call_id = re.search(r'name="call_id" value="(\d+)"', listing).group(1)
    started = echo.post(f"{ECHO}/reponses/nouvelle", data={"csrf_token": token, "call_id": call_id})
    assert started.status_code == 302 and "/reponses/" in started.headers["Location"]
    answer_page = echo.get(started.headers["Location"]).get_data(as_text=True)
    assert "Relations avec l’administration" in answer_page
    # The network sees the lead, but not the dossier.
    alma = _signed_in(app, ALMA_DIRECTOR)
    alma_list = alma.get(f"{ALMA}/").get_data(as_text=True)
    assert "Centre Social ECHO" in alma_list
    answer_id = started.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    assert alma.get(f"{ALMA}/reponses/{answer_id}/").status_code == 404


def _publish(client, token, title, deadline="2099-01-31"):
    response = client.post(
        f"{ECHO}/appels/nouveau",
        data={"csrf_token": token, "title": title, "funder": "caf", "deadline": deadline},
    )
    assert response.status_code == 302
    listing = client.get(f"{ECHO}/").get_data(as_text=True)
    return re.search(
        rf'appels/(\d+)/modifier">Modifier<span class="visually-hidden"> — {title}<', listing
    ).group(1)


def test_the_publishing_centre_corrects_or_withdraws_its_call(app):
    echo = _signed_in(app, ECHO_DIRECTOR)
    token = _token(echo, f"{ECHO}/appels/nouveau")
    call_id = _publish(echo, token, "Appel à corriger")
    edit = f"{ECHO}/appels/{call_id}/modifier"
    assert 'value="Appel à corriger"' in echo.get(edit).get_data(as_text=True)

    bad = echo.post(
        edit,
        data={"csrf_token": token, "title": "Appel corrigé", "funder": "caf",
              "deadline": "2099-02-28", "link": "ftp://exemple.fr"},
    )  # fmt: skip
    assert bad.status_code == 422
    assert "Le lien doit commencer par http:// ou https://." in bad.get_data(as_text=True)
    fixed = echo.post(
        edit,
        data={"csrf_token": token, "title": "Appel corrigé", "funder": "region",
              "deadline": "2099-02-28", "link": "https://exemple.fr/aap"},
    )  # fmt: skip
    assert fixed.status_code == 302
    listing = echo.get(f"{ECHO}/").get_data(as_text=True)
    assert "Appel corrigé" in listing and "28 février 2099" in listing
    assert "Appel à corriger" not in listing

    # Only the publishing centre's directors: its staff and the other centres get 404.
    assert _signed_in(app, ECHO_STAFF).get(edit).status_code == 404
    alma = _signed_in(app, ALMA_DIRECTOR)
    assert alma.get(f"{ALMA}/appels/{call_id}/modifier").status_code == 404
    alma_token = _token(alma, f"{ALMA}/")
    withdraw = f"{ALMA}/appels/{call_id}/retirer"
    assert alma.post(withdraw, data={"csrf_token": alma_token}).status_code == 404

    # Withdrawn while nobody answers it; kept once a centre does.
    gone = echo.post(f"{ECHO}/appels/{call_id}/retirer", data={"csrf_token": token})
    assert gone.status_code == 302
    assert "Appel corrigé" not in echo.get(f"{ECHO}/").get_data(as_text=True)
    answered = _publish(echo, token, "Appel avec réponse")
    started = echo.post(
        f"{ECHO}/reponses/nouvelle", data={"csrf_token": token, "call_id": answered}
    )
    assert started.status_code == 302
    kept = echo.post(
        f"{ECHO}/appels/{answered}/retirer", data={"csrf_token": token}, follow_redirects=True
    )
    assert "ne peut plus être retiré" in kept.get_data(as_text=True)
    assert "Appel avec réponse" in echo.get(f"{ECHO}/").get_data(as_text=True)


def test_staff_cannot_publish_or_lead(app):
    staff = _signed_in(app, ECHO_STAFF)
    assert staff.get(f"{ECHO}/appels/nouveau").status_code == 404
    token = _token(staff, f"{ECHO}/")
    assert (
        staff.post(
            f"{ECHO}/reponses/nouvelle", data={"csrf_token": token, "call_id": "1"}
        ).status_code
        == 404
    )


def test_invitation_accepted_over_http_then_removed_partner_gets_404(
    app, demo, db_session, as_user
):
    from aap.aap_support import build_answer

    built = build_answer(demo, db_session, accept=False)
    fresnoy = _signed_in(app, FRESNOY_DIRECTOR)
    page = fresnoy.get(f"{FRESNOY}/reponses/{built.answer_id}/").get_data(as_text=True)
    assert "Accepter l’invitation" in page
    token = _token(fresnoy, f"{FRESNOY}/reponses/{built.answer_id}/")
    accepted = fresnoy.post(
        f"{FRESNOY}/reponses/{built.answer_id}/participation",
        data={"csrf_token": token, "decision": "accept"},
    )
    assert accepted.status_code == 302
    echo = _signed_in(app, ECHO_DIRECTOR)
    answer_page = echo.get(f"{ECHO}/reponses/{built.answer_id}/").get_data(as_text=True)
    remove_url = f"{ECHO}/reponses/{built.answer_id}/partenaires/{built.fresnoy_party_id}/retirer"
    assert f'href="{remove_url}"' in answer_page  # a link to a confirmation, not a button
    confirmation = echo.get(remove_url)
    assert confirmation.status_code == 200
    html = confirmation.get_data(as_text=True)
    assert "Retirer Centre Social Fresnoy Mackellerie de la réponse" in html
    assert "perd l’accès au dossier" in html
    removed = echo.post(remove_url, data={"csrf_token": _token(echo, remove_url)})
    assert removed.status_code == 302
    for path in ("/", "/budget", "/notes", "/dossier.pdf"):
        assert fresnoy.get(f"{FRESNOY}/reponses/{built.answer_id}{path}").status_code == 404


def _section_id(db_session, demo, answer_id, code="besoins"):
    with context.using(demo.context_of(ECHO_DIRECTOR), db_session):
        return next(s.id for s in load(db_session, answer_id).sections if s.code == code)


def test_two_saves_from_one_version_the_second_gets_the_conflict_page(
    app, demo, db_session, joint_answer
):
    section_id = _section_id(db_session, demo, joint_answer.answer_id)
    url = f"{ECHO}/reponses/{joint_answer.answer_id}/rubriques/{section_id}/"
    lead, staff = _signed_in(app, ECHO_DIRECTOR), _signed_in(app, ECHO_STAFF)
    # The editor's hint names the allowed tags: shown escaped, never as markup.
    assert "&lt;h3&gt;" in lead.get(url).get_data(as_text=True)
    lead_token, staff_token = _token(lead, url), _token(staff, url)
    first = lead.post(
        url,
        data={"csrf_token": lead_token, "base_version": "0", "body": "<p>Texte de Karim</p>"},
    )
    assert first.status_code == 302
    second = staff.post(
        url,
        data={
            "csrf_token": staff_token,
            "base_version": "0",
            "body": "<p>Texte de Léa</p><script>x()</script>",
        },
    )
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "Texte de Karim" in page and "Texte de Léa" in page
    assert "<script>x()" not in page
    assert 'name="base_version" type="hidden" value="1"' in page
    merged = staff.post(
        url,
        data={
            "csrf_token": staff_token,
            "base_version": "1",
            "body": "<p>Texte de Karim</p><p>Texte de Léa</p>",
        },
    )
    assert merged.status_code == 302
    history = lead.get(url + "historique?de=1&a=2").get_data(as_text=True)
    assert "Texte de Léa" in history and "diff-added" in history


def test_a_garbage_version_is_a_form_error_not_a_crash(app, demo, db_session, joint_answer):
    section_id = _section_id(db_session, demo, joint_answer.answer_id)
    url = f"{ECHO}/reponses/{joint_answer.answer_id}/rubriques/{section_id}/"
    lead = _signed_in(app, ECHO_DIRECTOR)
    response = lead.post(
        url, data={"csrf_token": _token(lead, url), "base_version": "x", "body": "<p>a</p>"}
    )
    assert response.status_code == 422
    assert "Version invalide" in response.get_data(as_text=True)


def test_budget_lines_over_http_and_stale_edits(app, demo, db_session, joint_answer):
    url = f"{FRESNOY}/reponses/{joint_answer.answer_id}/budget"
    fresnoy = _signed_in(app, FRESNOY_DIRECTOR)
    token = _token(fresnoy, url)
    bad = fresnoy.post(
        url, data={"csrf_token": token, "account": "512", "label": "Banque", "amount": "10"}
    )
    assert bad.status_code == 422 and "plan comptable associatif" in bad.get_data(as_text=True)
    added = fresnoy.post(
        url,
        data={
            "csrf_token": token,
            "account": "74",
            "label": "Subvention",
            "funder": "CAF du Nord",
            "amount": "6 000,50",
        },
    )
    assert added.status_code == 302
    page = fresnoy.get(url).get_data(as_text=True)
    assert "6\u202f000,50" in page and "CAF du Nord" in page
    with context.using(demo.context_of(FRESNOY_DIRECTOR), db_session):
        line = aap.budget_lines(db_session, load(db_session, joint_answer.answer_id))[0]
        line_id = line.id
    edit = {
        "csrf_token": token,
        "line_id": str(line_id),
        "version": "1",
        "account": "74",
        "label": "Subvention",
        "funder": "CAF du Nord",
    }
    assert fresnoy.post(url, data={**edit, "amount": "7000"}).status_code == 302
    stale = fresnoy.post(url, data={**edit, "amount": "8000"})
    assert stale.status_code == 409
    assert "modifiée entre-temps" in stale.get_data(as_text=True)
    # The lead cannot edit a partner's line.
    echo = _signed_in(app, ECHO_DIRECTOR)
    echo_url = f"{ECHO}/reponses/{joint_answer.answer_id}/budget"
    hijack = echo.post(
        echo_url, data={**edit, "version": "2", "amount": "1", "csrf_token": _token(echo, echo_url)}
    )
    assert hijack.status_code == 422
    assert "pas celle de votre centre" in hijack.get_data(as_text=True)
    with context.using(demo.context_of(FRESNOY_DIRECTOR), db_session):
        db_session.expire_all()
        line = aap.budget_lines(db_session, load(db_session, joint_answer.answer_id))[0]
        assert line.amount == Decimal("7000.00") and line.version == 2


def _fill(demo, db_session, joint_answer):
    fill_answer(demo, db_session, joint_answer)


def test_submission_is_refused_while_unbalanced_then_freezes(app, demo, db_session, joint_answer):
    _fill(demo, db_session, joint_answer)
    url = f"{ECHO}/reponses/{joint_answer.answer_id}/"
    echo = _signed_in(app, ECHO_DIRECTOR)
    token = _token(echo, url)
    # The confirmation page lists what is not finished and asks for a tick.
    confirmation = echo.get(url + "deposer").get_data(as_text=True)
    assert "11 rubriques ne sont pas approuvées" in confirmation
    assert "Le budget du projet n’est pas équilibré" in confirmation
    assert "20\u202f000,00\u00a0€ de charges pour 19\u202f000,00\u00a0€ de produits" in confirmation
    unticked = echo.post(url + "deposer", data={"csrf_token": token})
    assert unticked.status_code == 422
    assert "Cochez cette case pour continuer." in unticked.get_data(as_text=True)
    refused = echo.post(
        url + "deposer", data={"csrf_token": token, "acknowledge_0": "y"}, follow_redirects=True
    )
    assert "Le budget n’est pas équilibré" in refused.get_data(as_text=True)
    assert "1\u202f000,00" in refused.get_data(as_text=True)
    fresnoy = _signed_in(app, FRESNOY_DIRECTOR)
    assert (
        fresnoy.post(
            f"{FRESNOY}/reponses/{joint_answer.answer_id}/deposer",
            data={"csrf_token": _token(fresnoy, f"{FRESNOY}/")},
        ).status_code
        == 404
    )
    with context.using(demo.context_of(FRESNOY_DIRECTOR), db_session):
        aap.add_budget_line(
            db_session,
            load(db_session, joint_answer.answer_id),
            demo.centre("fresnoy-mackellerie"),
            account="70",
            label="Participation des familles",
            amount=Decimal("1000"),
        )
    done = echo.post(
        url + "deposer", data={"csrf_token": token, "acknowledge_0": "y"}, follow_redirects=True
    )
    assert "le dossier est figé" in done.get_data(as_text=True)
    section_id = _section_id(db_session, demo, joint_answer.answer_id)
    frozen = echo.post(
        f"{url}rubriques/{section_id}/",
        data={"csrf_token": token, "base_version": "1", "body": "x"},
    )
    assert frozen.status_code == 409  # the text comes back, the dossier stays as submitted
    assert "La réponse a été déposée pendant que vous écriviez" in frozen.get_data(as_text=True)
    outcome = echo.post(
        url + "resultat",
        data={
            "csrf_token": token,
            "outcome": "granted",
            "amount": "19 000",
            "decided_on": clock.today().isoformat(),
        },
        follow_redirects=True,
    )
    assert "19\u202f000,00" in outcome.get_data(as_text=True)


def test_changes_to_different_paragraphs_are_merged_on_the_conflict_page(
    app, demo, db_session, joint_answer
):
    section_id = _section_id(db_session, demo, joint_answer.answer_id, code="calendrier")
    url = f"{ECHO}/reponses/{joint_answer.answer_id}/rubriques/{section_id}/"
    lead, staff = _signed_in(app, ECHO_DIRECTOR), _signed_in(app, ECHO_STAFF)
    lead_token, staff_token = _token(lead, url), _token(staff, url)
    start = "<p>Janvier : lancement.</p><p>Juin : bilan.</p>"
    assert lead.post(url, data={"csrf_token": lead_token, "base_version": "0", "body": start})
    theirs = "<p>Janvier : lancement à ECHO.</p><p>Juin : bilan.</p>"
    mine = "<p>Janvier : lancement.</p><p>Juin : bilan avec les familles.</p>"
    assert (
        lead.post(
            url, data={"csrf_token": lead_token, "base_version": "1", "body": theirs}
        ).status_code
        == 302
    )
    conflict = staff.post(url, data={"csrf_token": staff_token, "base_version": "1", "body": mine})
    assert conflict.status_code == 409
    page = conflict.get_data(as_text=True)
    assert "portent sur des passages différents" in page
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1)
    assert "lancement à ECHO" in textarea and "bilan avec les familles" in textarea


def test_the_history_is_paged_and_any_two_versions_compare(app, demo, db_session, joint_answer):
    with context.using(demo.context_of(ECHO_DIRECTOR), db_session) as ctx:
        section = next(
            s for s in load(db_session, joint_answer.answer_id).sections if s.code == "public"
        )
        for number in range(60):
            aap.save_section(
                db_session,
                section,
                base_version=number,
                body=f"<p>Public, rédaction {number + 1}</p>",
                author_id=ctx.user_id,
            )
    url = f"{ECHO}/reponses/{joint_answer.answer_id}/rubriques/{section.id}/historique"
    lead = _signed_in(app, ECHO_DIRECTOR)
    first = lead.get(url).get_data(as_text=True)
    assert 'name="version" value="59"' in first and 'name="version" value="1"' not in first
    assert "Versions plus anciennes" in first
    second = lead.get(url + "?page=2").get_data(as_text=True)
    assert 'name="version" value="1"' in second and "Karim Haddou" in second
    compared = lead.get(url + "?de=1&a=60").get_data(as_text=True)
    # One paragraph edited inside: the changed word is marked in place.
    assert "diff-changed" in compared
    assert '<del class="diff-removed">1</del><ins class="diff-added">60</ins>' in compared
    for garbage in ("?de=-1&a=2", "?de=1&a=99999", "?page=abc", "?page=0"):
        assert lead.get(url + garbage).status_code == 200
