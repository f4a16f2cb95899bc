"""Sign-in, sign-out, throttling, sessions and password reset."""

from __future__ import annotations

import re

from sqlalchemy import select

from ensemble import mail
from ensemble.accounts.tasks import SEND_RESET_LINK
from ensemble.audit.models import AuditAction, AuditEntry
from ensemble.tenancy import context

from conftest import csrf_token, sign_in

DIRECTOR = "claire.vasseur@alma.demo"
GENERIC = "Adresse e-mail ou mot de passe incorrect."


def _session_cookie(client) -> str | None:
    cookie = client.get_cookie("ensemble_session")
    return cookie.value if cookie else None


def test_sign_in_lands_on_home_and_is_audited(client, demo, db_session):
    response = sign_in(client, DIRECTOR)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Claire Vasseur" in page and "Centre Social Alma" in page
    user = demo.user(DIRECTOR)
    with context.using(demo.context_of(DIRECTOR), db_session):
        actions = db_session.scalars(
            select(AuditEntry.action).where(AuditEntry.user_id == user.id)
        ).all()
    assert AuditAction.SIGN_IN in actions


def test_wrong_password_and_unknown_account_get_the_same_generic_answer(client):
    wrong = sign_in(client, DIRECTOR, "not-the-password")
    unknown = sign_in(client, "personne@nulle-part.demo", "not-the-password")
    for response in (wrong, unknown):
        assert response.status_code == 422
        assert GENERIC in response.get_data(as_text=True)
    # The typed e-mail is kept; the password never is.
    assert 'value="claire.vasseur@alma.demo"' in wrong.get_data(as_text=True)
    assert "not-the-password" not in wrong.get_data(as_text=True)


def test_malformed_sign_in_form_shows_field_errors_in_french(client):
    token = csrf_token(client, "/connexion")
    response = client.post(
        "/connexion", data={"email": "pas-une-adresse", "password": "", "csrf_token": token}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Cette adresse e-mail n’est pas valide." in html
    assert "Indiquez votre mot de passe." in html
    assert 'aria-invalid="true"' in html


def test_missing_csrf_token_is_refused_with_a_french_page(client):
    response = client.post("/connexion", data={"email": DIRECTOR, "password": "ensemble-demo"})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)


def test_repeated_failures_are_throttled_even_with_the_right_password(app, client):
    email = "ines.mercier@alma.demo"
    for _ in range(5):
        assert sign_in(client, email, "mauvais-mot-de-passe").status_code == 422
    blocked = sign_in(client, email)
    assert blocked.status_code == 429
    assert "Trop de tentatives" in blocked.get_data(as_text=True)
    # Another account from the same address is not locked out by it.
    assert sign_in(app.test_client(), "hugo.carpentier@alma.demo").status_code == 302


def test_session_id_is_renewed_at_sign_in_and_revoked_at_sign_out(app, client):
    client.get("/connexion")
    before = _session_cookie(client)
    sign_in(client, DIRECTOR)
    after = _session_cookie(client)
    assert after and after != before
    assert client.get("/", follow_redirects=True).status_code == 200

    # Replaying the signed-in cookie after sign-out must not work: the id is revoked.
    thief = app.test_client()
    thief.set_cookie("ensemble_session", after)
    assert thief.get("/c/alma/").status_code == 200
    token = csrf_token(client, "/")
    assert client.post("/deconnexion", data={"csrf_token": token}).status_code == 302
    response = thief.get("/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_session_cookie_flags(app, client, monkeypatch):
    client.get("/connexion")
    response = sign_in(client, DIRECTOR)
    header = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("ensemble_session=")
    )
    assert "HttpOnly" in header and "SameSite=Lax" in header
    # Secure outside development and tests.
    from ensemble.config import load_config

    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("PUBLIC_URL", "https://ensemble.example.org")
    assert load_config({"ENSEMBLE_ENV": "production"})["SESSION_COOKIE_SECURE"] is True
    assert load_config({"ENSEMBLE_ENV": "development"})["SESSION_COOKIE_SECURE"] is False


def test_production_refuses_to_start_without_its_required_settings(monkeypatch):
    import pytest

    from ensemble.config import ConfigurationError, load_config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        load_config({"ENSEMBLE_ENV": "production"})


def test_next_parameter_cannot_redirect_elsewhere(client):
    token = csrf_token(client, "/connexion")
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client.post(
            f"/connexion?next={target}",
            data={"email": DIRECTOR, "password": "ensemble-demo", "csrf_token": token},
        )
        assert response.headers["Location"] == "/", target
        client.post("/deconnexion", data={"csrf_token": csrf_token(client, "/")})
        token = csrf_token(client, "/connexion")


def deliver_reset_mails(sent_tasks) -> None:
    """What the workers do after a reset request: the link task, then its mail."""
    sent_tasks.run(SEND_RESET_LINK)
    sent_tasks.run(mail.DELIVER)


def _reset_link(app, sent_tasks) -> str:
    deliver_reset_mails(sent_tasks)
    message = mail.outbox()[-1]
    body = message.get_content()
    return re.search(r"http://[^/\s]+(/mot-de-passe/nouveau/\S+)", body).group(1)


def test_password_reset_by_single_use_link(app, client, sent_tasks):
    with app.app_context():
        mail.outbox().clear()
    token = csrf_token(client, "/mot-de-passe/oubli")
    response = client.post("/mot-de-passe/oubli", data={"email": DIRECTOR, "csrf_token": token})
    assert response.status_code == 302
    link = _reset_link(app, sent_tasks)

    form_token = csrf_token(client, link)
    mismatch = client.post(
        link, data={"password": "une phrase de passe", "confirm": "autre", "csrf_token": form_token}
    )
    assert mismatch.status_code == 422
    assert "Les deux mots de passe ne sont pas identiques." in mismatch.get_data(as_text=True)
    short = client.post(
        link, data={"password": "court", "confirm": "court", "csrf_token": form_token}
    )
    assert "au moins 12 caractères" in short.get_data(as_text=True)

    new_password = "une longue phrase de passe"
    done = client.post(
        link, data={"password": new_password, "confirm": new_password, "csrf_token": form_token}
    )
    assert done.status_code == 302
    assert sign_in(app.test_client(), DIRECTOR, new_password).status_code == 302
    assert sign_in(app.test_client(), DIRECTOR).status_code == 422

    reused = client.get(link)
    assert reused.status_code == 410
    assert "Ce lien n’est plus valable" in reused.get_data(as_text=True)


def test_password_reset_link_expires(app, client, sent_tasks):
    token = csrf_token(client, "/mot-de-passe/oubli")
    client.post("/mot-de-passe/oubli", data={"email": DIRECTOR, "csrf_token": token})
    link = _reset_link(app, sent_tasks)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    try:
        assert client.get(link).status_code == 410
    finally:
        app.config["PASSWORD_RESET_MAX_AGE"] = 3600


def test_forged_reset_link_is_refused(client):
    assert client.get("/mot-de-passe/nouveau/abc.def.ghi").status_code == 410


def test_reset_request_does_not_reveal_whether_an_account_exists(app, client, sent_tasks):
    with app.app_context():
        mail.outbox().clear()
    answers = []
    for email in (DIRECTOR, "inconnu@nulle-part.demo"):
        token = csrf_token(client, "/mot-de-passe/oubli")
        response = client.post(
            "/mot-de-passe/oubli", data={"email": email, "csrf_token": token}, follow_redirects=True
        )
        answers.append(re.sub(r"\s+", " ", response.get_data(as_text=True)))
    assert "Si un compte existe pour cette adresse" in answers[0]
    assert answers[0].replace(DIRECTOR, "") == answers[1].replace("inconnu@nulle-part.demo", "")
    with app.app_context():
        deliver_reset_mails(sent_tasks)
        assert [m["To"] for m in mail.outbox()] == [DIRECTOR]
