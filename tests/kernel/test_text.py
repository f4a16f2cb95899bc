"""Text cleaned at the door: what XML, PostgreSQL and spreadsheets cannot hold."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from ensemble.kernel.text import clean


def test_word_line_breaks_become_newlines_and_controls_go():
    assert clean("Ligne 1\x0bLigne 2\x0cFin") == "Ligne 1\nLigne 2\nFin"
    assert clean("a\r\nb\rc\u2028d\u2029e\x85f") == "a\nb\nc\nd\ne\nf"
    assert clean("a\x00b\x01c\x1fd\x7fe\x90f\ufffeg\uffff") == "abcdefg"
    assert clean("tab\tstays") == "tab\tstays"


def test_spaces_only_is_empty():
    assert clean("   \u00a0\u202f\t\n") == ""


@given(st.text())
def test_cleaned_text_is_valid_xml_and_storable(text):
    cleaned = clean(text)
    assert "\x00" not in cleaned
    element = etree.Element("p")
    element.text = cleaned  # lxml refuses what XML 1.0 cannot hold
    assert clean(cleaned) == cleaned
