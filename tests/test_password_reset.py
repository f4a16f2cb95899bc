"""Password reset that neither trusts the Host header nor tells who has an account.

- The mailed link comes from PUBLIC_URL: `Host: evil.example` changes nothing.
- A request for an existing account and one for an unknown address do the same
  work: the same SQL (none), the same task queued with arguments of the same
  shape, the same answer. What differs happens in a worker, after the answer.
  Shown two ways: the work counted exactly (what cannot flake), and the times
  of interleaved requests, compared with each other.
- No request talks to the mail server, so an SMTP failure cannot become an
  error page, for existing accounts or any other.
"""

from __future__ import annotations

import re
import smtplib
import statistics
import time

import pytest

from ensemble import mail
from ensemble.accounts.tasks import SEND_RESET_LINK

from conftest import csrf_token

DIRECTOR = "claire.vasseur@alma.demo"
UNKNOWN = "personne.inconnue@nulle-part.demo"


def ask_reset(client, email: str, address: str = "10.9.0.1", **kwargs):
    form = client.get("/mot-de-passe/oubli", **kwargs).get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', form).group(1)
    return client.post(
        "/mot-de-passe/oubli",
        data={"email": email, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
        **kwargs,
    )


def run_workers(sent_tasks) -> None:
    sent_tasks.run(SEND_RESET_LINK)
    sent_tasks.run(mail.DELIVER)


@pytest.mark.parametrize(
    "spoof",
    [
        {"base_url": "http://evil.example"},
        {"headers": {"Host": "evil.example"}},
        {"headers": {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}},
    ],
    ids=["base-url", "host", "forwarded"],
)
def test_the_reset_link_ignores_the_host_header(app, client, sent_tasks, spoof):
    mail.outbox().clear()
    response = ask_reset(client, DIRECTOR, **spoof)
    assert response.status_code == 302
    run_workers(sent_tasks)
    (message,) = mail.outbox()
    body = message.get_content()
    links = re.findall(r"\S+/mot-de-passe/nouveau/\S+", body)
    assert links and all(link.startswith(app.config["PUBLIC_URL"] + "/") for link in links)
    assert "evil.example" not in body


def test_links_follow_public_url_with_its_path(app, sent_tasks, client):
    mail.outbox().clear()
    app.config["PUBLIC_URL"] = "https://ensemble.example.org/reseau/"
    try:
        ask_reset(client, DIRECTOR)
        run_workers(sent_tasks)
    finally:
        app.config["PUBLIC_URL"] = "http://127.0.0.1:5000"
    body = mail.outbox()[-1].get_content()
    assert re.search(r"https://ensemble\.example\.org/reseau/mot-de-passe/nouveau/\S+", body)


def test_other_hosts_are_refused_when_trusted_hosts_is_set(app, client):
    app.config["TRUSTED_HOSTS"] = ["ensemble.example.org"]
    try:
        refused = client.get("/connexion", headers={"Host": "evil.example"})
        allowed = client.get("/connexion", headers={"Host": "ensemble.example.org"})
    finally:
        app.config["TRUSTED_HOSTS"] = None
    assert refused.status_code == 400
    assert "Requête incorrecte" in refused.get_data(as_text=True)
    assert refused.headers["X-Frame-Options"] == "DENY"
    assert allowed.status_code == 200


def test_production_trusts_the_public_host_by_default(monkeypatch):
    from ensemble.config import load_config

    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("PUBLIC_URL", "https://ensemble.example.org")
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    assert "ensemble.example.org" in load_config({"ENSEMBLE_ENV": "production"})["TRUSTED_HOSTS"]
    assert load_config({"ENSEMBLE_ENV": "development"})["TRUSTED_HOSTS"] is None
    monkeypatch.setenv("TRUSTED_HOSTS", "a.example, b.example")
    assert load_config({"ENSEMBLE_ENV": "production"})["TRUSTED_HOSTS"] == [
        "a.example",
        "b.example",
    ]
    monkeypatch.delenv("PUBLIC_URL")
    from ensemble.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="PUBLIC_URL"):
        load_config({"ENSEMBLE_ENV": "production"})


def _one_request(client, count_queries, sent_tasks, email: str, address: str):
    before = len(sent_tasks)
    with count_queries() as statements:
        response = ask_reset(client, email, address)
    return response, list(statements), sent_tasks[before:]


def test_an_existing_and_an_unknown_account_get_the_same_work(
    app, client, count_queries, sent_tasks
):
    mail.outbox().clear()
    seen = {}
    for email in (DIRECTOR, UNKNOWN):
        response, statements, tasks = _one_request(
            client, count_queries, sent_tasks, email, "10.9.1.1"
        )
        flashed = client.get("/connexion").get_data(as_text=True)
        seen[email] = (response.status_code, response.headers["Location"], statements, tasks)
        assert "Si un compte existe pour cette adresse" in flashed
    existing, unknown = seen[DIRECTOR], seen[UNKNOWN]
    assert existing[:2] == unknown[:2] == (302, "/connexion")
    # No lookup, no token, no audit row in the request: not one statement.
    assert existing[2] == unknown[2] == []
    # One task each, same name, same arguments but the address typed.
    ((name_a, args_a, kwargs_a),) = existing[3]
    ((name_b, args_b, kwargs_b),) = unknown[3]
    assert name_a == name_b == SEND_RESET_LINK
    assert (args_a[0], args_b[0]) == (DIRECTOR, UNKNOWN)
    assert args_a[1:] == args_b[1:] and kwargs_a == kwargs_b == {}
    # Nothing was mailed by the request itself.
    assert mail.outbox() == [] and sent_tasks.named(mail.DELIVER) == []
    # The worker tells them apart, after the answer: one mail, to the account only.
    assert sent_tasks.run(SEND_RESET_LINK) == [True, False]
    sent_tasks.run(mail.DELIVER)
    assert [m["To"] for m in mail.outbox()] == [DIRECTOR]


def test_existing_and_unknown_accounts_take_the_same_time(app, client, sent_tasks):
    """Interleaved requests, each kind timed 31 times; the medians are compared with
    each other (never with a number of milliseconds). The old code did a lookup, a
    token, an audit row and a mail for existing accounts only."""
    times: dict[str, list[float]] = {DIRECTOR: [], UNKNOWN: []}
    for n in range(31):
        order = (DIRECTOR, UNKNOWN) if n % 2 else (UNKNOWN, DIRECTOR)
        for email in order:
            token = csrf_token(client, "/mot-de-passe/oubli")
            started = time.perf_counter()
            client.post(
                "/mot-de-passe/oubli",
                data={"email": email, "csrf_token": token},
                environ_base={"REMOTE_ADDR": f"10.9.{n}.{len(times[email])}"},
            )
            times[email].append(time.perf_counter() - started)
    existing, unknown = statistics.median(times[DIRECTOR]), statistics.median(times[UNKNOWN])
    assert 2 / 3 < existing / unknown < 3 / 2, (existing, unknown)


class _RefusingSMTP:
    attempts = 0

    def __init__(self, *args, **kwargs):
        type(self).attempts += 1
        raise ConnectionRefusedError("no mail server here")


def test_an_smtp_failure_never_reaches_a_request(app, client, sent_tasks, monkeypatch):
    monkeypatch.setattr(smtplib, "SMTP", _RefusingSMTP)
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    _RefusingSMTP.attempts = 0
    for email in (DIRECTOR, UNKNOWN):
        assert ask_reset(client, email).status_code == 302
    assert _RefusingSMTP.attempts == 0  # no request talked to the mail server
    # The worker meets the failure, and retries it (at once here: eager).
    sent_tasks.run(SEND_RESET_LINK)
    ((args, kwargs),) = sent_tasks.named(mail.DELIVER)
    deliver = app.extensions["celery"].tasks[mail.DELIVER]
    result = deliver.apply(args=args, kwargs=kwargs)
    assert result.failed() and isinstance(result.result, ConnectionRefusedError)
    assert _RefusingSMTP.attempts == deliver.max_retries + 1


def test_too_many_reset_requests_say_the_real_wait(app):
    """The reset limit is a window of an hour: the page says how long, in minutes
    and in Retry-After, and does not talk about failed sign-ins."""
    client = app.test_client()
    codes = [ask_reset(client, UNKNOWN, address="10.9.7.7").status_code for _ in range(11)]
    assert 429 in codes
    blocked = ask_reset(client, UNKNOWN, address="10.9.7.7")
    assert blocked.status_code == 429
    wait = int(blocked.headers["Retry-After"])
    assert 0 < wait <= 3600
    page = blocked.get_data(as_text=True)
    minutes = int(re.search(r"réessayez dans (\d+)\xa0?\s?min", page).group(1))
    assert minutes == -(-wait // 60)
    assert "connexion ont échoué" not in page
