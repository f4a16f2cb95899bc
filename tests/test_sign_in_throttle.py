"""Sign-in throttling: per account whatever the source address, per address as
before, a French message, and no lock-out of the rightful owner beyond the window
(nor at all from a device that signed in before)."""

from __future__ import annotations

import re
import time
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ensemble.accounts import throttle

from conftest import csrf_token

EMAIL = "ines.mercier@alma.demo"
GOOD = "ensemble-demo"


def attempt(client, email: str, password: str, address: str):
    token = csrf_token(client, "/connexion")
    return client.post(
        "/connexion",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def test_each_new_address_gets_no_fresh_attempts_on_the_same_account(app):
    limit = throttle.parse(app.config["LOGIN_FAILURE_LIMIT"]).amount
    for n in range(limit):
        assert attempt(app.test_client(), EMAIL, "faux", f"10.1.0.{n}").status_code == 422
    blocked = attempt(app.test_client(), EMAIL, GOOD, "10.1.9.9")
    page = blocked.get_data(as_text=True)
    assert blocked.status_code == 429
    assert "Trop de tentatives de connexion ont échoué pour ce compte." in page
    assert re.search(r"Réessayez dans (\d+) min\.", page)
    assert 1 <= int(re.search(r"Réessayez dans (\d+) min\.", page).group(1)) <= 15
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    # Other accounts are not affected, from any address.
    assert attempt(
        app.test_client(), "hugo.carpentier@alma.demo", GOOD, "10.1.0.0"
    ).status_code == (302)


def test_an_unknown_account_is_throttled_exactly_like_an_existing_one(app):
    limit = throttle.parse(app.config["LOGIN_FAILURE_LIMIT"]).amount
    answers = {}
    for email in (EMAIL, "personne@nulle-part.demo"):
        codes = [
            attempt(app.test_client(), email, "faux", f"10.2.0.{n}").status_code
            for n in range(limit + 1)
        ]
        answers[email] = codes
    assert answers[EMAIL] == answers["personne@nulle-part.demo"] == [422] * limit + [429]


def test_the_owner_is_not_locked_out_beyond_the_window(app):
    window = 10
    app.config["LOGIN_FAILURE_LIMIT"] = f"3 per {window} seconds"
    try:
        for n in range(3):
            attempt(app.test_client(), EMAIL, "faux", f"10.3.0.{n}")
            if n == 0:
                first = time.monotonic()  # the first failure was counted before this
        # Attempts while blocked are refused without counting: they cannot extend it.
        blocked = 0
        while time.monotonic() - first < window * 0.6:
            assert attempt(app.test_client(), EMAIL, "faux", "10.3.1.1").status_code == 429
            blocked += 1
        assert blocked
        time.sleep(max(0.0, window + 0.5 - (time.monotonic() - first)))
        assert attempt(app.test_client(), EMAIL, GOOD, "10.3.2.2").status_code == 302
    finally:
        app.config["LOGIN_FAILURE_LIMIT"] = "5 per 15 minutes"


def test_a_device_that_signed_in_before_keeps_its_own_count(app):
    owner = app.test_client()
    assert attempt(owner, EMAIL, GOOD, "192.0.2.10").status_code == 302
    assert owner.get_cookie(throttle.DEVICE_COOKIE, path="/connexion") is not None
    owner.post("/deconnexion", data={"csrf_token": csrf_token(owner, "/")})
    limit = throttle.parse(app.config["LOGIN_FAILURE_LIMIT"]).amount
    for n in range(limit + 3):
        attempt(app.test_client(), EMAIL, "faux", f"10.4.0.{n}")
    assert attempt(app.test_client(), EMAIL, GOOD, "10.4.9.9").status_code == 429
    # The owner's browser, from its usual address: let through.
    assert attempt(owner, EMAIL, GOOD, "192.0.2.10").status_code == 302


def test_a_forged_or_foreign_device_cookie_counts_as_no_device(app):
    other = app.test_client()
    assert attempt(other, "hugo.carpentier@alma.demo", GOOD, "192.0.2.20").status_code == 302
    foreign = other.get_cookie(throttle.DEVICE_COOKIE, path="/connexion").value
    limit = throttle.parse(app.config["LOGIN_FAILURE_LIMIT"]).amount
    for n in range(limit):
        attempt(app.test_client(), EMAIL, "faux", f"10.5.0.{n}")
    for value in (foreign, "forged.value", foreign[:-2] + "xx"):
        client = app.test_client()
        client.set_cookie(throttle.DEVICE_COOKIE, value, path="/connexion")
        assert attempt(client, EMAIL, GOOD, "10.5.9.9").status_code == 429, value


def test_one_address_trying_many_accounts_is_throttled(app):
    app.config["LOGIN_FAILURE_LIMIT_PER_IP"] = "4 per hour"
    try:
        codes = [
            attempt(
                app.test_client(), f"personne{n}@nulle-part.demo", "faux", "10.6.0.1"
            ).status_code
            for n in range(5)
        ]
        assert codes == [422] * 4 + [429]
        page = attempt(app.test_client(), EMAIL, GOOD, "10.6.0.1").get_data(as_text=True)
        assert "depuis cette adresse" in page
        assert attempt(app.test_client(), EMAIL, GOOD, "10.6.0.2").status_code == 302
    finally:
        app.config["LOGIN_FAILURE_LIMIT_PER_IP"] = "10000 per hour"


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    spelling=st.lists(st.booleans(), min_size=33, max_size=33),
    left=st.text(alphabet=" \t", max_size=3),
    right=st.text(alphabet=" \t", max_size=3),
)
def test_every_spelling_of_an_address_shares_one_count(app, spelling, left, right):
    """Case and surrounding blanks name the same account: no fresh attempts by respelling."""
    canonical = f"personne.{uuid.uuid4().hex[:8]}@nulle-part.demo"
    variant = (
        left
        + "".join(c.upper() if up else c for c, up in zip(canonical, spelling, strict=True))
        + right
    )
    with app.test_request_context():
        item = throttle.parse(app.config["LOGIN_FAILURE_LIMIT"])
        ids = (app.config["REDIS_NAMESPACE"], "sign-in-account", throttle.account_key(canonical))
        throttle.failed(variant, None)
        _, remaining = throttle._strategy().get_window_stats(item, *ids, "any")
    assert throttle.account_key(variant) == throttle.account_key(canonical)
    assert remaining == item.amount - 1


def test_a_recognised_device_gets_in_from_an_address_locked_by_others(app):
    """Everyone behind one NAT shares an address: someone else's guesses from it
    must not lock out a person on the browser they signed in with before."""
    owner = app.test_client()
    assert attempt(owner, EMAIL, GOOD, "10.7.0.1").status_code == 302
    owner.post("/deconnexion", data={"csrf_token": csrf_token(owner, "/")})
    app.config["LOGIN_FAILURE_LIMIT_PER_IP"] = "3 per hour"
    try:
        for n in range(3):
            attempt(app.test_client(), f"inconnu{n}@nulle-part.demo", "faux", "10.7.0.1")
        assert attempt(app.test_client(), EMAIL, GOOD, "10.7.0.1").status_code == 429
        assert attempt(owner, EMAIL, GOOD, "10.7.0.1").status_code == 302
    finally:
        app.config["LOGIN_FAILURE_LIMIT_PER_IP"] = "10000 per hour"
