"""No request ends in a 500, and a refused request writes nothing: the generated walk.

Every form of every registered route is found by reading the pages (see
tests/walking.py) as the owner side of each tenant, then posted with a valid CSRF
token:

1. deterministically, each field in turn set to every extreme value of its kind
   (`1e30`, `999999999999`, `0001-01-01`, 400 digits, foreign digits, NUL,
   control characters, 20 000 characters, rules like `FREQ=SECONDLY`…), the other
   fields keeping a value the page would accept;
2. with hypothesis, every field at once drawn from its kind's strategy.

After each request: no 5xx, and when the answer is a refusal (4xx, an error
flashed, or the form shown again with errors) no write survived it (a row
trigger on every table notes every insert, update and delete).

Examples per form: 3 in CI; `ENSEMBLE_WALK_EXAMPLES=200 python3 dev.py test -k
bad_input` for a deeper walk.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from walking import (
    GENERIC,
    FormSpec,
    endpoint_matcher,
    extremes,
    field_values,
    garbage,
    is_refusal,
    payload,
    read_forms,
    sign_in,
    start_walk,
    take_flashes,
)

from conftest import csrf_token

pytestmark = pytest.mark.no_db_rollback

EXAMPLES = int(os.environ.get("ENSEMBLE_WALK_EXAMPLES", "3"))

# POST routes whose form no page of the walk shows, and why; they still get the
# generic garbage. A new route belongs here only with a reason.
FORMLESS = {
    # The partner's accept/decline/leave buttons: the walk's people lead their answers.
    "aap.respond": "shown to invited partners only",
    "aap.leave": "offered to a partner's director; the walk's people lead their answers",
    # The thread with the federation opens once the declaration is submitted; the
    # walk's centre declaration is a draft, so that its figures form is walked.
    "reporting.centre_message": "shown on a submitted declaration only",
    # Offered while the year's campaign is open with validated declarations; the walk's
    # federation has none (closing is tested in tests/reporting/test_words.py).
    "reporting.federation_close": "shown on an open campaign with validated declarations",
    # WebDAV protocol endpoints (PROPFIND, REPORT, PUT…): no HTML form, walked by
    # tests/dav with real clients' requests.
    "caldav.dav": "the CalDAV protocol, not a form",
    "caldav.well_known": "the CalDAV discovery redirect, not a form",
    # The finder's proposals are shown after a search (a POST); their button is
    # fuzzed field by field in tests/agenda/test_finder_pages.py.
    "agenda.take": "shown with the proposals of a search only",
}
# Routes the walk does not post to while signed in (it would end its own session).
LAST = {"accounts.sign_out"}


@pytest.fixture(scope="module")
def walk(servers, template_database, app):
    yield from start_walk(servers, "walk_bad_input", app)


def _actors(walk):
    """(kind, email) of each person who walks, and the URLs they open."""
    yield "centre", walk.owners["centre"], walk.urls["centre"]
    yield "employer", walk.owners["employer"], walk.urls["employer"]
    yield "federation", walk.owners["federation"], walk.urls["federation"]
    yield "", walk.owners["centre"], walk.urls[""]
    yield "", None, walk.urls[""]


class Walker:
    """One signed-in client per person, its CSRF token, and the posts it makes."""

    def __init__(self, walk, email):
        self.walk, self.email = walk, email
        self.client = walk.app.test_client()
        self.sign_in()

    def sign_in(self):
        if self.email:
            assert sign_in(self.client, self.email).status_code == 302
        self.token = csrf_token(self.client, "/" if self.email else "/connexion")

    def still_signed_in(self):
        """Sign in again if a post ended the session (a reset, signing out)."""
        home = self.client.get("/")
        if home.status_code == 302 and "/connexion" in home.headers.get("Location", ""):
            self.sign_in()

    def post(self, form: FormSpec, data: dict):
        """Post `data`; returns a failure description, or None."""
        self.walk.writes.mark()
        files = any(isinstance(v, tuple) for v in data.values())
        response = self.client.post(
            form.action,
            data=data,
            content_type="multipart/form-data" if files or form.multipart else None,
        )
        flashes = take_flashes(self.client)
        shown = {
            k: (v if not isinstance(v, str) or len(v) < 80 else v[:80] + "…")
            for k, v in data.items()
        }
        if response.status_code >= 500:
            return f"{response.status_code} on POST {form.action} as {self.email}: {shown}"
        if is_refusal(response, flashes):
            written = self.walk.writes.since_mark()
            if written:
                return (
                    f"refused ({response.status_code}) but wrote {sorted(set(written))} "
                    f"on POST {form.action}: {shown}"
                )
        if self.email and "/connexion" in response.headers.get("Location", ""):
            self.still_signed_in()
        return None


@pytest.fixture(scope="module")
def found(walk):
    """Every form the walk finds: [(walker, form)] deduplicated, and the pages read."""
    endpoint_of = endpoint_matcher(walk.app)
    walkers: dict[str | None, Walker] = {}
    forms: list[tuple[Walker, FormSpec]] = []
    seen: set = set()
    pages = 0
    for _kind, email, urls in _actors(walk):
        walker = walkers.get(email) or walkers.setdefault(email, Walker(walk, email))
        for endpoint, url in sorted(urls.items()):
            rule = next(r for r in walk.app.url_map.iter_rules() if r.endpoint == endpoint)
            if "GET" not in rule.methods or endpoint in LAST:
                continue
            response = walker.client.get(url)
            pages += 1
            assert response.status_code < 500, f"GET {url} as {email}"
            if response.mimetype != "text/html":
                continue
            for form in read_forms(url, response.get_data(as_text=True), endpoint_of):
                if form.endpoint not in LAST and (email, form.key) not in seen:
                    seen.add((email, form.key))
                    forms.append((walker, form))
    # Forms that appear after a first post (an import's preview and its confirmation).
    for walker, form in list(forms):
        if not form.multipart:
            continue
        response = walker.client.post(
            form.action,
            data=payload(form, {}, walker.token),
            content_type="multipart/form-data",
        )
        take_flashes(walker.client)
        assert response.status_code < 500, form.action
        for follow in read_forms(form.action, response.get_data(as_text=True), endpoint_of):
            if (walker.email, follow.key) not in seen:
                seen.add((walker.email, follow.key))
                forms.append((walker, follow))
    return walkers, forms, pages


def _fuzzable(form: FormSpec):
    return [f for f in form.fields if f.name != "csrf_token"]


def _ordered(forms):
    # Forms that delete or close things go last, so the others find their objects.
    closing = ("supprimer", "retirer", "deposer", "valider", "revoke")
    return sorted(forms, key=lambda wf: any(word in wf[1].action for word in closing))


def test_the_walk_finds_a_form_for_every_post_route(walk, found):
    _walkers, forms, pages = found
    assert pages > 60
    posted = {form.endpoint for _w, form in forms}
    routes = {r.endpoint for r in walk.app.url_map.iter_rules() if "POST" in r.methods} - LAST
    missing = routes - posted - set(FORMLESS)
    assert not missing, (
        f"no page of the walk offers a form for {sorted(missing)}: make it reachable "
        "with the samples of tests/samples/, or say why in FORMLESS"
    )
    assert len(forms) > 50


def _one_at_a_time(form: FormSpec):
    """The fields the pass of one extreme at a time goes through: at most two of each
    kind per form (a declaration has seventy identical cells)."""
    taken: dict[str, int] = {}
    for spec in _fuzzable(form):
        taken[spec.kind] = taken.get(spec.kind, 0) + 1
        if taken[spec.kind] <= 2:
            yield spec


def test_extreme_values_in_every_field_never_give_a_500_nor_write_when_refused(found):
    _walkers, forms, _pages = found
    failures = []
    for walker, form in _ordered(forms):
        fields = _fuzzable(form)
        # Every field at once: what reading a field does with each value.
        rounds = max((len(extremes(f)) + len(GENERIC) for f in fields), default=1)
        for index in range(min(rounds, 30)):
            overrides = {f.name: garbage(f, index) for f in fields}
            if failure := walker.post(form, payload(form, overrides, walker.token)):
                failures.append(failure)
        # One field at a time, the others as the page would accept them: what an
        # operation does with a value the form let through.
        for spec in _one_at_a_time(form):
            for value in extremes(spec):
                if failure := walker.post(form, payload(form, {spec.name: value}, walker.token)):
                    failures.append(failure)
        # The same field twice, and fields nobody declared.
        data = payload(form, {}, walker.token)
        data.update({"inattendu": "1", "csrf_token": [walker.token, "autre"]})
        if failure := walker.post(form, data):
            failures.append(failure)
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:40])


def test_generated_values_never_give_a_500_nor_write_when_refused(found):
    """Hypothesis draws every field of every form at once from its kind's strategy.
    Failures are gathered and reported together: the walk changes the database as
    it goes, so a failing example could not be replayed (shrunk) faithfully."""
    _walkers, forms, _pages = found
    failures: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def walk_once(data):
        for walker, form in _ordered(forms):
            overrides = {}
            for spec in _fuzzable(form):
                if data.draw(st.booleans(), label=f"{form.endpoint}:{spec.name}?"):
                    overrides[spec.name] = data.draw(
                        field_values(spec), label=f"{form.endpoint}:{spec.name}"
                    )
            if failure := walker.post(form, payload(form, overrides, walker.token)):
                failures.append(failure)

    walk_once()
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:40])


@pytest.mark.parametrize("signed_in", [False, True])
def test_garbage_posted_to_every_post_route_never_gives_a_500(walk, found, signed_in):
    walkers, _forms, _pages = found
    walker = walkers[walk.owners["centre"] if signed_in else None]
    urls = {**walk.urls[""], **walk.urls["centre"], **walk.urls["employer"]}
    for rule in walk.app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in LAST or rule.endpoint not in urls:
            continue
        url = urls[rule.endpoint]
        for value in GENERIC[:8]:
            form = FormSpec(url, rule.endpoint, [], [], url)
            data = {"email": value, "password": value, "body": value, "csrf_token": walker.token}
            assert walker.post(form, data) is None
        response = walker.client.post(url, data=b"\xff\xfe garbage", content_type="text/plain")
        assert response.status_code < 500, url


def test_signing_out_with_garbage_never_gives_a_500(walk):
    from walking import FieldSpec

    walker = Walker(walk, walk.owners["centre"])
    form = FormSpec("/deconnexion", "accounts.sign_out", [FieldSpec("next", "text")], [], "/")
    for value in ["//evil.example", "\x00", "x" * 5000]:
        assert walker.post(form, {"next": value, "csrf_token": walker.token}) is None
        walker.still_signed_in()
        walker.token = csrf_token(walker.client, "/")


def test_garbage_in_urls_never_gives_a_500(walk):
    walker = Walker(walk, walk.owners["centre"])
    for url in (
        "/c/%00/",
        "/c/" + "a" * 5000 + "/",
        "/c/alma/equipe/99999999999999999999",
        "/c/alma/journal?avant=abc",
        "/c/alma/journal?avant=99999999999999999999",
        "/c/alma/journal/-1",
        "/e/%ff/",
        "/agenda/flux/%D9%A1%D9%A2-abc.ics",
    ):
        assert walker.client.get(url).status_code < 500, url


def test_the_write_log_sees_what_survives_and_only_that(walk):
    """The check above can fail: an update that commits is noted, one rolled back is not."""
    import psycopg

    from ensemble.devstack.bootstrap import _libpq

    url = walk.writes.conn.info.dsn
    with psycopg.connect(_libpq(url) if "://" in url else url) as conn:
        walk.writes.mark()
        conn.execute("UPDATE centres SET name = name WHERE slug = 'alma'")
        conn.rollback()
        assert walk.writes.since_mark() == []
        conn.execute("UPDATE centres SET name = name WHERE slug = 'alma'")
        conn.commit()
        assert walk.writes.since_mark() == [("centres", "UPDATE")]
