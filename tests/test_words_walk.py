"""The words walker (issue 13): every page a person can open says things in plain
French. Signed in as the owner side of each tenant kind (the walk of
tests/walking.py, with the samples of tests/samples/), every registered GET route
is rendered and its visible text searched for internal codes and for the wrong
French forms. The raw rule behind « Règle avancée » (`<details class="advanced">`)
is the one place a code may be shown, on demand."""

from __future__ import annotations

import re

import pytest
from lxml import html as lxml_html
from walking import start_walk

from conftest import sign_in

MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
# (pattern, what it is): none may appear in what a page shows.
CODES = [
    (r"RRULE", "an iCalendar rule name"),
    (r"FREQ=", "a raw repetition rule"),
    (r"\bworkers?\b", "an English technical word"),
    (r"incrémental", "an internal term"),
    (r"\bn[º°o]\s?\d+(?![\d-])", "an internal id (« nº 22 »)"),
    (r"Base Version|\bNone\b|\bTrue\b|\bFalse\b", "an English or Python label"),
    (rf"Département \d+\b(?! (?:{MONTHS}))", "a département by number instead of its name"),
    (r"\b(SELECT|INSERT INTO|WHERE)\b", "raw SQL"),
    (r"\w\(s\)", "a « (s) » plural instead of ngettext"),
    (rf"\b1 (?:{MONTHS})\b", "« 1 décembre » instead of « 1er décembre »"),
    (r"\b\d{1,2}:\d{2}\b", "a « 14:00 » time instead of « 14 h »"),
    (r"\b\d{1,2}h\d{2}\b", "a « 16h00 » time instead of « 16 h »"),
    (r"(?<![\w\u2212])-\d+(?:[,.]\d+)?\s?(?:%|€)", "a hyphen as a minus sign"),
]
# The four journeys' own home pages, beyond the walk's owners.
HOMES = [
    ("claire.vasseur@alma.demo", "/c/alma/"),
    ("hugo.carpentier@alma.demo", "/"),
    ("marion.delattre@rh.demo", "/"),
    ("paul.verhaeghe@federation-nord.demo", "/f/nord/"),
]
SKIPPED = {"accounts.sign_out", "static"}


@pytest.fixture(scope="module")
def walk(servers, template_database, app):
    yield from start_walk(servers, "walk_words", app)


def visible_text(body: str) -> str:
    """What a reader sees: no scripts, no styles, nothing of « Règle avancée »."""
    tree = lxml_html.fromstring(body)
    for element in tree.xpath(
        "//script|//style|//details[contains(concat(' ', @class, ' '), ' advanced ')]"
    ):
        element.drop_tree()
    return re.sub(r"\s+", " ", tree.text_content().replace("\u00a0", " ").replace("\u202f", " "))


def codes_in(text: str) -> list[tuple[str, str]]:
    found = []
    for pattern, what in CODES:
        for match in re.finditer(pattern, text):
            start = max(match.start() - 40, 0)
            found.append((what, text[start : match.end() + 40]))
    return found


def test_the_walker_sees_what_it_must_refuse():
    """The patterns catch the issue's own examples, and let the right forms through."""
    wrong = (
        "FREQ=WEEKLY;COUNT=10 · Rubrique d’une réponse commune nº 22 · Département 59"
        " · 1 déclarations · 5 point(s) · Mardi 1 décembre · à 14:00 · 16h00 · -78,3 %"
    )
    assert len(codes_in(wrong)) >= 8
    right = (
        "tous les mardis, 10 séances · Nord (59) · mardi 1er décembre · 14 h 30 · −78,3 %"
        " · loi nº 2005-102 · 12 décembre"
    )
    assert codes_in(right) == []


def test_no_page_shows_an_internal_code_or_a_wrong_french_form(walk):
    pages = []
    for kind, email in walk.owners.items():
        client = walk.app.test_client()
        sign_in(client, email)
        for endpoint, url in sorted({**walk.urls[""], **walk.urls[kind]}.items()):
            rule = next(r for r in walk.app.url_map.iter_rules() if r.endpoint == endpoint)
            if "GET" not in rule.methods or endpoint in SKIPPED:
                continue
            pages.append((client, email, url))
    for email, path in HOMES:
        client = walk.app.test_client()
        sign_in(client, email)
        pages.append((client, email, path))
    problems = []
    seen = 0
    for client, email, url in pages:
        response = client.get(url)
        assert response.status_code < 500, (email, url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        if not response.data.strip():
            continue  # a fragment answered empty (nobody else on a section, say)
        seen += 1
        for what, excerpt in codes_in(visible_text(response.get_data(as_text=True))):
            problems.append(f"{url} ({email}): {what}: …{excerpt}…")
    assert seen > 60
    assert not problems, "\n".join(sorted(set(problems)))
