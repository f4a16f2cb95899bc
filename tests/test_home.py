"""The home pages' panel registry (ensemble.home.panels): a capability's panel
shows where its build says, for whom it says, and never stale from the cache."""

from __future__ import annotations

import re

import pytest
from jinja2 import ChoiceLoader, DictLoader

from ensemble import cache_versions
from ensemble.home import panels
from ensemble.home.panels import HomePlace, home_panel

from conftest import sign_in

DIRECTOR = "claire.vasseur@alma.demo"
STAFF = "ines.mercier@alma.demo"
HR_MANAGER = "marion.delattre@rh.demo"
ANALYST = "paul.verhaeghe@federation-nord.demo"
TEMPLATE = "test/_panel.html"


@pytest.fixture
def registry(app):
    """Panels registered by a test are gone after it; their template is served
    from memory."""
    saved = list(panels.PANELS)
    loader = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({TEMPLATE: '<p class="test-panel">{{ panel.values.text }}</p>'}), loader]
    )
    yield
    panels.PANELS[:] = saved
    app.jinja_env.loader = loader


def _shown(page: str) -> list[str]:
    return re.findall(r'<p class="test-panel">([^<]*)</p>', page)


def test_a_centre_panel_shows_to_whom_its_build_says(app, client, registry):
    seen: list[HomePlace] = []

    @home_panel("centre", "test.directors", TEMPLATE, versions=lambda place: [])
    def for_directors(place):
        seen.append(place)
        if place.tenant_id in place.context.director_centre_ids:
            return {"text": f"à faire à {place.slug}"}
        return None

    sign_in(client, DIRECTOR)
    assert _shown(client.get("/c/alma/").get_data(as_text=True)) == ["à faire à alma"]
    colleague = app.test_client()
    sign_in(colleague, STAFF)
    assert _shown(colleague.get("/c/alma/").get_data(as_text=True)) == []
    assert {p.kind for p in seen} == {"centre"} and {p.slug for p in seen} == {"alma"}


def test_panels_keep_their_order_and_their_kind(client, registry):
    home_panel("centre", "test.second", TEMPLATE, order=2, versions=lambda p: [])(
        lambda place: {"text": "deuxième"}
    )
    home_panel("centre", "test.first", TEMPLATE, order=1, versions=lambda p: [])(
        lambda place: {"text": "premier"}
    )
    home_panel("employer", "test.elsewhere", TEMPLATE)(lambda place: {"text": "ailleurs"})
    sign_in(client, DIRECTOR)
    assert _shown(client.get("/c/alma/").get_data(as_text=True)) == ["premier", "deuxième"]


def test_a_panel_with_versions_is_cached_until_its_version_is_bumped(client, registry, db_session):
    state = {"text": "une demande"}
    home_panel("centre", "test.cached", TEMPLATE, versions=lambda place: ["test-panel"])(
        lambda place: dict(state)
    )
    sign_in(client, DIRECTOR)
    assert _shown(client.get("/c/alma/").get_data(as_text=True)) == ["une demande"]
    state["text"] = "deux demandes"
    # Nothing told the cache: the copy is served (the page is cached with its panel).
    assert _shown(client.get("/c/alma/").get_data(as_text=True)) == ["une demande"]
    cache_versions.bump_after_commit(db_session, ["test-panel"])
    db_session.commit()
    assert _shown(client.get("/c/alma/").get_data(as_text=True)) == ["deux demandes"]


def test_a_panel_without_versions_keeps_the_page_out_of_the_cache(client, registry):
    state = {"text": "une demande"}
    home_panel("centre", "test.uncached", TEMPLATE)(lambda place: dict(state))
    sign_in(client, DIRECTOR)
    assert _shown(client.get("/c/alma/").get_data(as_text=True)) == ["une demande"]
    state["text"] = "deux demandes"
    assert _shown(client.get("/c/alma/").get_data(as_text=True)) == ["deux demandes"]


def test_the_landing_page_offers_the_hr_overview_to_hr_readers_only(app, client):
    sign_in(client, HR_MANAGER)
    assert "Ressources humaines de tous mes employeurs" in client.get("/").get_data(as_text=True)
    colleague = app.test_client()
    sign_in(colleague, STAFF)
    assert "Ressources humaines de tous mes employeurs" not in colleague.get("/").get_data(
        as_text=True
    )


def test_employer_and_federation_homes_render_their_panels(app, client, registry):
    home_panel("employer", "test.employer", TEMPLATE)(lambda place: {"text": place.slug})
    home_panel("federation", "test.federation", TEMPLATE)(lambda place: {"text": place.slug})
    sign_in(client, HR_MANAGER)
    assert _shown(client.get("/e/iciela/").get_data(as_text=True)) == ["iciela"]
    analyst = app.test_client()
    sign_in(analyst, ANALYST)
    assert _shown(analyst.get("/f/nord/").get_data(as_text=True)) == ["nord"]


def test_registration_refuses_an_unknown_page_and_a_second_panel_of_one_name(registry):
    with pytest.raises(ValueError, match="Unknown home page kind"):
        home_panel("centres", "test.typo", TEMPLATE)
    home_panel("person", "test.once", TEMPLATE)(lambda place: None)
    with pytest.raises(ValueError, match="already registered"):
        home_panel("person", "test.once", TEMPLATE)(lambda place: None)
