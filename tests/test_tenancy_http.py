"""Landing page, tenant pages, switching, 404s and bounded queries."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from ensemble.network.models import Centre, Employer, EmployerKind
from ensemble.people.models import Membership, Role
from ensemble.tenancy import context

from conftest import sign_in

OFFICER = "hugo.carpentier@alma.demo"
HR_MANAGER = "marion.delattre@rh.demo"


def test_landing_lists_every_place_of_a_person(client):
    sign_in(client, OFFICER)
    html = client.get("/").get_data(as_text=True)
    for name in (
        "Centre Social Alma",
        "Centre Social Fresnoy Mackellerie",
        "Centre Social Basse Masure",
    ):
        assert name in html
    assert "Centre Social ECHO" not in html


def test_header_switcher_links_each_place_and_marks_the_current_one(client):
    sign_in(client, OFFICER)
    html = client.get("/c/basse-masure/").get_data(as_text=True)
    nav = re.search(r'<nav class="switcher".*?</nav>', html, re.S).group(0)
    assert nav.count("<a ") == 3
    current = re.search(r'<a href="([^"]+)"[^>]*aria-current="page"', nav)
    assert current and current.group(1) == "/c/basse-masure/"
    # One click: every place is a direct link.
    assert client.get("/c/fresnoy-mackellerie/").status_code == 200


def test_hr_manager_sees_both_employers_as_distinct_places(client):
    sign_in(client, HR_MANAGER)
    html = client.get("/").get_data(as_text=True)
    assert "Association Centre Social Alma" in html and "Association Iciela" in html
    assert client.get("/e/iciela/").status_code == 200
    assert client.get("/e/association-alma/").status_code == 200
    assert client.get("/e/association-echo/").status_code == 404
    # An HR manager is not a member of the centres themselves.
    assert client.get("/c/alma/").status_code == 404


def test_staff_do_not_get_the_employer_pages(client):
    sign_in(client, "ines.mercier@alma.demo")
    assert client.get("/e/association-alma/").status_code == 404
    assert client.get("/c/alma/journal").status_code == 404


def test_unknown_slug_gets_the_french_404_page(client):
    sign_in(client, OFFICER)
    for url in ("/c/nexiste-pas/", "/e/nexiste-pas/", "/f/nexiste-pas/", "/pas/une/page"):
        response = client.get(url)
        assert response.status_code == 404
        html = response.get_data(as_text=True)
        assert "Page introuvable" in html and 'lang="fr"' in html


def test_member_page_and_other_centre_member_id(client, demo, db_session):
    sign_in(client, "claire.vasseur@alma.demo")
    with context.using(context.system_context(is_admin=True), db_session):
        alma_member = db_session.scalar(
            select(Membership.id).where(Membership.centre_id == demo.centre("alma").id).limit(1)
        )
        echo_member = db_session.scalar(
            select(Membership.id).where(Membership.centre_id == demo.centre("echo").id).limit(1)
        )
    assert client.get(f"/c/alma/equipe/{alma_member}").status_code == 200
    assert client.get(f"/c/alma/equipe/{echo_member}").status_code == 404
    assert client.get("/c/alma/equipe/999999999").status_code == 404


def _grow_network(db_session, demo, extra: int) -> None:
    """Adds `extra` centres (each with its employer and a director) to the Nord network."""
    nord = demo.federation("nord")
    director = demo.user("claire.vasseur@alma.demo")
    with context.using(context.system_context(is_admin=True), db_session):
        start = db_session.scalar(select(func.count(Centre.id)))
        for i in range(start, start + extra):
            employer = Employer(
                slug=f"bench-employer-{i}",
                name=f"Association {i}",
                kind=EmployerKind.ASSOCIATION,
                city="Lille",
            )
            db_session.add(employer)
            db_session.flush()
            centre = Centre(
                slug=f"bench-centre-{i}",
                name=f"Centre {i}",
                employer_id=employer.id,
                federation_id=nord.id,
                postcode="59000",
                city="Lille",
            )
            db_session.add(centre)
            db_session.flush()
            if i % 50 == 0:  # the director belongs to a few of them too
                db_session.add(
                    Membership(user_id=director.id, role=Role.STAFF, centre_id=centre.id)
                )
        db_session.flush()


# The four home pages (« what needs me today? ») with the most statements each may
# send, the page cache off: what a person gets after any change. The director's
# page has two more since the grant's financial reports joined it (reports due).
HOME_PAGES = {
    "director": ("claire.vasseur@alma.demo", "/c/alma/", 15),
    "officer": (OFFICER, "/", 6),
    "hr_manager": (HR_MANAGER, "/", 8),
    "analyst": ("paul.verhaeghe@federation-nord.demo", "/f/nord/", 8),
}


def test_home_pages_queries_are_bounded_and_do_not_grow_with_the_network(
    app, demo, db_session, count_queries, monkeypatch
):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0)  # count what rendering costs
    clients = {}
    for role, (email, _, _) in HOME_PAGES.items():
        clients[role] = app.test_client()
        sign_in(clients[role], email)

    def measure() -> dict[str, int]:
        counts = {}
        for role, (_, path, _) in HOME_PAGES.items():
            with count_queries() as statements:
                assert clients[role].get(path).status_code == 200, role
            counts[role] = len(statements)
        return counts

    small = measure()
    _grow_network(db_session, demo, 300)
    large = measure()
    assert small == large, (small, large)
    for role, (_, _, bound) in HOME_PAGES.items():
        assert small[role] <= bound, (role, small)


def test_a_signed_in_request_reads_the_person_from_the_cache(client, count_queries):
    sign_in(client, "claire.vasseur@alma.demo")
    assert client.get("/c/alma/").status_code == 200  # fills the cache
    with count_queries() as statements:
        assert client.get("/_ping").status_code == 200
    assert statements == []


def test_a_removed_membership_takes_effect_on_the_next_request(client, demo, db_session):
    sign_in(client, "ines.mercier@alma.demo")
    assert client.get("/c/alma/").status_code == 200  # cached with the membership
    person = demo.user("ines.mercier@alma.demo")
    with context.using(context.system_context(is_admin=True), db_session):
        for membership in db_session.scalars(
            select(Membership).where(
                Membership.user_id == person.id, Membership.centre_id == demo.centre("alma").id
            )
        ):
            db_session.delete(membership)
        db_session.commit()
    assert client.get("/c/alma/").status_code == 404


def test_an_analyst_finds_her_federation_on_the_landing_page(client):
    # Her places are computed (and cached) under her full context, federation included.
    sign_in(client, "paul.verhaeghe@federation-nord.demo")
    # Her one place: the landing page sends her there, nothing to choose.
    landing = client.get("/")
    assert landing.status_code == 302 and landing.headers["Location"] == "/f/nord/"
    assert client.get("/f/nord/").status_code == 200
