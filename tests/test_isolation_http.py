"""Isolation proven over HTTP: a walk of every registered route.

Every URL argument must be a declared tenant or object argument
(ensemble.tenancy.urls). For each route naming a tenant, a user of another
tenant gets 404 — with the other tenant's slug and objects, and with their own
slug and the other tenant's objects — while the owner gets through (so the 404
is isolation, not a broken URL). A route added later without protection, or
with an undeclared argument, fails here.
"""

from __future__ import annotations

import pytest

from ensemble.tenancy.urls import OBJECT_ARGS, OPAQUE_ARGS, TENANT_ARGS

from conftest import csrf_token, sign_in
from samples import load_all

# For each tenant kind: the owner side (B), and an outsider (A) with their own tenant.
SIDES = {
    "centre": {
        "owner": "thomas.lefebvre@fresnoy.demo",
        "slug": "fresnoy-mackellerie",
        "outsider": "claire.vasseur@alma.demo",
        "outsider_slug": "alma",
    },
    "employer": {
        "owner": "thomas.lefebvre@fresnoy.demo",
        "slug": "association-fresnoy-mackellerie",
        "outsider": "claire.vasseur@alma.demo",
        "outsider_slug": "association-alma",
    },
    "federation": {
        "owner": "elodie.martin@federation93.demo",
        "slug": "seine-saint-denis",
        "outsider": "paul.verhaeghe@federation-nord.demo",
        "outsider_slug": "nord",
    },
}


def sample(demo, session, model: type, kind: str, slug: str, arg: str | None = None) -> int:
    """The id of a `model` row belonging to the tenant `slug` (see tests/samples/),
    from the factory of URL argument `arg` when there is one."""
    factories = load_all()
    factory = factories.get(arg) or factories.get(model)
    assert factory, f"No sample for {model.__name__}: add one under tests/samples/"
    owner_email = SIDES[kind]["owner"] if slug == SIDES[kind]["slug"] else SIDES[kind]["outsider"]
    return factory(demo, session, kind, slug, owner_email)


def tenant_rules(app):
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        unknown = set(rule.arguments) - set(TENANT_ARGS) - set(OBJECT_ARGS) - OPAQUE_ARGS
        assert not unknown, (
            f"{rule.rule}: URL arguments {unknown} are not declared; declare them with "
            "ensemble.tenancy.urls.object_arg so the isolation walk covers the route"
        )
        kinds = {TENANT_ARGS[a] for a in rule.arguments if a in TENANT_ARGS}
        objects = [a for a in rule.arguments if a in OBJECT_ARGS]
        assert len(kinds) <= 1, rule.rule
        if objects and not kinds:
            raise AssertionError(f"{rule.rule}: an object id without its tenant in the URL")
        if kinds:
            rules.append((rule, kinds.pop(), objects))
    return rules


def test_every_route_argument_is_declared(app):
    assert tenant_rules(app), "the walk found no tenant route at all"


def _url(rule, kind, slug, demo, session, slug_for_objects=None):
    values = {}
    for arg in rule.arguments:
        if arg in TENANT_ARGS:
            values[arg] = slug
        elif arg in OBJECT_ARGS:
            values[arg] = sample(
                demo, session, OBJECT_ARGS[arg], kind, slug_for_objects or slug, arg
            )
    return rule.build(values, append_unknown=False)[1]


@pytest.mark.parametrize("kind", ["centre", "employer", "federation"])
def test_other_tenants_get_404_on_every_route(app, demo, db_session, kind):
    side = SIDES[kind]
    rules = [(r, objs) for r, k, objs in tenant_rules(app) if k == kind]
    if not rules:
        pytest.skip(f"no {kind} route yet")
    owner, outsider = app.test_client(), app.test_client()
    assert sign_in(owner, side["owner"]).status_code == 302
    assert sign_in(outsider, side["outsider"]).status_code == 302
    # A valid CSRF token of the outsider's own session: the request must be turned
    # away by isolation (404), not merely by the CSRF check (400).
    form = {"csrf_token": csrf_token(outsider, "/")}

    for rule, objects in rules:
        methods = rule.methods - {"HEAD", "OPTIONS"}
        theirs = _url(rule, kind, side["slug"], demo, db_session)
        for method in methods:
            response = outsider.open(theirs, method=method, data=form)
            assert response.status_code == 404, f"{method} {theirs} as outsider"
            assert "Page introuvable" in response.get_data(as_text=True)
        if "GET" in methods:
            assert owner.get(theirs).status_code == 200, f"GET {theirs} as owner"
        if objects:
            # Their own tenant in the URL, another tenant's object id.
            mixed = _url(
                rule, kind, side["outsider_slug"], demo, db_session, slug_for_objects=side["slug"]
            )
            for method in methods:
                response = outsider.open(mixed, method=method, data=form)
                assert response.status_code == 404, f"{method} {mixed} as outsider"


def test_anonymous_visitors_are_sent_to_sign_in(app, client, demo, db_session):
    for rule, kind, _ in tenant_rules(app):
        url = _url(rule, kind, SIDES[kind]["slug"], demo, db_session)
        response = client.get(url)
        assert response.status_code in (302, 405), url
        if response.status_code == 302:
            assert "/connexion" in response.headers["Location"]


def test_admin_pages_are_404_for_non_admins(client):
    assert sign_in(client, "claire.vasseur@alma.demo").status_code == 302
    assert client.get("/admin/journal").status_code == 404
