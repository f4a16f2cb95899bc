"""iCalendar text written directly (RFC 5545 §3.1 content lines), for what the
agenda serves: the feeds and the CalDAV objects.

Building icalendar objects and serialising them cost about 1.7 ms a VEVENT
(parameters parsed back, every line refolded): three years of the officer's
calendar took 3 s, three times what Radicale takes to serve the same
collection. What is served is a small, fixed set of properties, written here
as text: TEXT values escaped (§3.3.11), lines folded at 75 octets without
cutting a UTF-8 character (§3.1), CRLF line ends. Reading stays with icalendar
(importing.py), and the tests read everything written here back through
icalendar, recurring-ical-events and khal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

# Europe/Paris as its rules (EU summer time since 1996), not 68 years of dates.
PARIS_VTIMEZONE = (
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Europe/Paris\r\n"
    "BEGIN:DAYLIGHT\r\n"
    "TZOFFSETFROM:+0100\r\n"
    "TZOFFSETTO:+0200\r\n"
    "TZNAME:CEST\r\n"
    "DTSTART:19700329T020000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "END:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\n"
    "TZOFFSETFROM:+0200\r\n"
    "TZOFFSETTO:+0100\r\n"
    "TZNAME:CET\r\n"
    "DTSTART:19701025T030000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def text(value: str) -> str:
    """A TEXT value (§3.3.11): backslash, semicolon, comma and newline escaped;
    other control characters, which TEXT cannot hold, dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """One content line, folded at 75 octets (a continuation starts with a space)."""
    data = line.encode()
    if len(data) <= 75:
        return line + "\r\n"
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1  # never cut inside a UTF-8 character
        parts.append(data[start:end].decode())
        start, limit = end, 74  # the leading space counts
    return "\r\n ".join(parts) + "\r\n"


def local(value: datetime) -> str:
    """A DATE-TIME in local wall time (with a TZID parameter)."""
    return value.strftime("%Y%m%dT%H%M%S")


def day(value: datetime) -> str:
    """A DATE (an all-day event's day, from its midnight)."""
    return value.strftime("%Y%m%d")


def utc(value: datetime) -> str:
    """A DATE-TIME in UTC (form #2)."""
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def trigger(minutes: int) -> str:
    """A VALARM trigger `minutes` before the start (a DURATION, §3.3.6)."""
    if minutes == 0:
        return "PT0S"
    if minutes % 1440 == 0:
        return f"-P{minutes // 1440}D"
    if minutes % 60 == 0:
        return f"-PT{minutes // 60}H"
    return f"-PT{minutes}M"


def calendar(headers: Iterable[str], bodies: Iterable[str], *, paris: bool) -> bytes:
    """A VCALENDAR: its header lines (already written), the Paris VTIMEZONE when
    `paris`, then the components' text."""
    head = "BEGIN:VCALENDAR\r\n" + "".join(fold(h) for h in headers)
    return (
        head + (PARIS_VTIMEZONE if paris else "") + "".join(bodies) + "END:VCALENDAR\r\n"
    ).encode()
