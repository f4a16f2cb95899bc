"""No request ends in a 500: garbage posted to every form route, signed in or not."""

from __future__ import annotations

import pytest
from test_isolation_http import SIDES, sample

from ensemble.tenancy.urls import OBJECT_ARGS, TENANT_ARGS

from conftest import csrf_token, sign_in

GARBAGE = [
    {},
    {"email": "x" * 5000, "password": "y" * 5000},
    {"email": "\x00\x01\u202e<script>alert(1)</script>", "password": "\ud7ff"},
    {"email": ["a", "b"], "password": ["c"], "unexpected": "1"},
    {"password": "short", "confirm": "different", "lang": "xx", "next": "//evil.example"},
    {"email": "claire.vasseur@alma.demo' OR 1=1 --", "password": "'; DROP TABLE users; --"},
]


def _post_rules(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.endpoint != "static":
            yield rule


def _url(rule, demo, db_session):
    values = {}
    for arg in rule.arguments:
        if arg in TENANT_ARGS:
            values[arg] = SIDES[TENANT_ARGS[arg]]["outsider_slug"]
        elif arg in OBJECT_ARGS:
            kind = next(TENANT_ARGS[a] for a in rule.arguments if a in TENANT_ARGS)
            values[arg] = sample(
                demo, db_session, OBJECT_ARGS[arg], kind, SIDES[kind]["outsider_slug"]
            )
        else:
            values[arg] = "garbage-token"
    return rule.build(values, append_unknown=False)[1]


def test_there_are_form_routes_to_check(app):
    assert len(list(_post_rules(app))) >= 4


@pytest.mark.parametrize("signed_in", [False, True])
def test_garbage_posted_to_every_form_route_never_gives_a_500(app, demo, db_session, signed_in):
    client = app.test_client()
    if signed_in:
        assert sign_in(client, "claire.vasseur@alma.demo").status_code == 302
    token = csrf_token(client, "/connexion" if not signed_in else "/")
    for rule in _post_rules(app):
        url = _url(rule, demo, db_session)
        for payload in GARBAGE:
            for with_token in (False, True):
                data = dict(payload)
                if with_token:
                    data["csrf_token"] = token
                response = client.post(url, data=data)
                assert response.status_code < 500, (url, payload, with_token)
            response = client.post(url, data=b"\xff\xfe garbage", content_type="text/plain")
            assert response.status_code < 500, url


def test_garbage_in_urls_never_gives_a_500(client):
    sign_in(client, "claire.vasseur@alma.demo")
    for url in (
        "/c/%00/",
        "/c/" + "a" * 5000 + "/",
        "/c/alma/equipe/99999999999999999999",
        "/c/alma/journal?avant=abc",
        "/c/alma/journal/-1",
        "/e/%ff/",
    ):
        assert client.get(url).status_code < 500, url
