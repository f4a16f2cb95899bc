"""Findings of the outside red team on the demo, each reproduced (its files are
under tests/corpus/dav/) and then searched around with hypothesis."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dav.dav_support import OFFICER, calendar_of, report_xml, responses, sync_body
from ensemble.agenda import changes

CORPUS = Path(__file__).parent.parent / "corpus" / "dav"
# Text an XML document can carry (no control characters, no surrogates).
XML_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
    max_size=60,
)


@pytest.fixture
def hugo(device):
    return device(OFFICER)


@pytest.fixture
def collection(demo, db_session, hugo):
    return f"{hugo.home}agenda-{calendar_of(demo, db_session, OFFICER).id}/"


def _corpus(name: str, collection: str) -> bytes:
    return (CORPUS / name).read_bytes().replace(b"/dav/4/agenda-1/", collection.encode())


# --- 1. sync tokens --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    ["0", "00", "007", "١٢", "²", "1e3", "-5", "+5", " 5", "0:0:", "5:3:", "5:9:4", "5:9:7,6"],
)
def test_a_token_this_server_never_issued_is_not_read(token):
    assert changes.read_token(token) is None


def test_tokens_this_server_issues_are_read():
    assert changes.read_token("12") == "12:12:"
    assert changes.read_token("12:20:13,15") == "12:20:13,15"
    assert changes.read_token("12:12:") == "12:12:"


@pytest.mark.parametrize("name", ["18_sync_token_zero.xml", "19_sync_token_arabic_digits.xml"])
def test_red_team_sync_tokens_are_a_valid_sync_token_refusal(dav, hugo, collection, name):
    answer = dav("REPORT", collection, hugo, _corpus(name, collection))
    assert answer.status_code == 403 and b"valid-sync-token" in answer.data


@pytest.mark.parametrize("digits", ["0", "00", "²", "١٢", "00012"])
def test_unicode_digits_and_zeros_are_a_valid_sync_token_refusal(dav, hugo, collection, digits):
    answer = dav("REPORT", collection, hugo, sync_body("urn:x-ensemble:sync:" + digits))
    assert answer.status_code == 403 and b"valid-sync-token" in answer.data


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tail=XML_TEXT, prefixed=st.booleans())
def test_any_sync_token_is_answered_207_or_403_never_a_500(dav, hugo, collection, tail, prefixed):
    token = ("urn:x-ensemble:sync:" if prefixed else "") + tail
    answer = dav("REPORT", collection, hugo, sync_body(escape(token)))
    assert answer.status_code in (207, 403), answer.data[:300]
    if answer.status_code == 403:
        assert b"valid-sync-token" in answer.data


# --- 2. multiget hrefs -----------------------------------------------------------------------


def test_a_nul_in_a_multiget_href_is_a_404_entry(dav, hugo, collection):
    answer = dav("REPORT", collection, hugo, _corpus("30_multiget_nul_href.xml", collection))
    assert answer.status_code == 207
    found = responses(answer.data)
    assert list(found) == [collection + "%00.ics"]
    assert "404" in found[collection + "%00.ics"]["status"]


@pytest.mark.parametrize(
    "name", ["%00.ics", "%2500.ics", "a%0Ab.ics", "%1F.ics", "x" * 300 + ".ics"]
)
def test_an_impossible_object_name_is_absent_whatever_the_method(dav, hugo, collection, name):
    # (The app answers 400 to a NUL in a path before CalDAV sees it.)
    assert dav("GET", collection + name, hugo).status_code in (400, 404)
    assert dav("DELETE", collection + name, hugo).status_code in (400, 404)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=XML_TEXT, quoted=st.booleans())
def test_any_multiget_href_is_a_multistatus_never_a_500(dav, hugo, collection, name, quoted):
    from urllib.parse import quote

    href = collection + (quote(name) if quoted else name) + ".ics"
    body = report_xml("multiget", f"<D:href>{escape(href)}</D:href>", "<D:getetag/>")
    answer = dav("REPORT", collection, hugo, body)
    assert answer.status_code == 207, answer.data[:300]
    assert all("404" in (r["status"] or "") for r in responses(answer.data).values())
