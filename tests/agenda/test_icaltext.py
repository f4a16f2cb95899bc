"""The iCalendar text the agenda writes itself (ensemble.agenda.icaltext): any
text a person may type reads back the same through icalendar, every line
stays within 75 octets, and a trigger is the delay it says."""

from __future__ import annotations

from datetime import timedelta

import icalendar
from hypothesis import given
from hypothesis import strategies as st

from ensemble.agenda import icaltext, reminders


def _read(lines: str):
    data = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n" + lines
    data += "END:VEVENT\r\nEND:VCALENDAR\r\n"
    return icalendar.Calendar.from_ical(data).walk("VEVENT")[0]


# What a title or a description may hold (no surrogates, which UTF-8 cannot write).
TYPED = st.text(
    st.characters(blacklist_categories=("Cs",)),
    max_size=300,
)


@given(TYPED)
def test_text_reads_back_and_lines_stay_within_75_octets(value):
    written = icaltext.fold("DESCRIPTION:" + icaltext.text(value))
    assert written.endswith("\r\n")
    assert all(len(line.encode()) <= 75 for line in written[:-2].split("\r\n"))
    expected = value.replace("\r\n", "\n").replace("\r", "\n")
    expected = "".join(c for c in expected if c in "\t\n" or not (ord(c) < 32 or ord(c) == 127))
    assert str(_read(written)["DESCRIPTION"]) == expected


def test_a_long_line_of_accents_is_not_cut_inside_a_character():
    written = icaltext.fold("SUMMARY:" + "é" * 100)
    assert all(len(line.encode()) <= 75 for line in written[:-2].split("\r\n"))
    assert str(_read(written)["SUMMARY"]) == "é" * 100


def test_triggers_are_the_delays_they_say():
    for minutes in (0, 5, 15, 60, 90, 120, 1440, 2880, 40320):
        written = icaltext.fold("TRIGGER:" + icaltext.trigger(minutes))
        component = _read("BEGIN:VALARM\r\nACTION:DISPLAY\r\n" + written + "END:VALARM\r\n")
        assert component.walk("VALARM")[0]["TRIGGER"].dt == timedelta(minutes=-minutes)
        assert reminders.from_component(component) == [minutes]
