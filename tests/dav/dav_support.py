"""CalDAV test helpers: the demo people, an event as iCalendar, app passwords."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from sqlalchemy import select

from ensemble.agenda.models import Calendar
from ensemble.tenancy import context

OFFICER = "hugo.carpentier@alma.demo"
ALMA_DIRECTOR = "claire.vasseur@alma.demo"
FRESNOY_DIRECTOR = "thomas.lefebvre@fresnoy.demo"
BASSE_MASURE_DIRECTOR = "aicha.ouali@bassemasure.demo"
ECHO_DIRECTOR = "karim.haddou@echo.demo"
MONTREUIL_DIRECTOR = "fatou.diallo@montreuil.demo"
ALMA_STAFF = "ines.mercier@alma.demo"

PROPFIND_ALL = b"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/">
  <d:prop><d:resourcetype/><d:displayname/><d:getetag/><cs:getctag/><d:sync-token/>
  <d:current-user-principal/><c:calendar-home-set/></d:prop>
</d:propfind>"""


def vcalendar(uid: str, start: str, end: str, title: str = "Atelier", extra: str = "") -> bytes:
    """A one-event VCALENDAR; `start`/`end` as 20280104T100000 (Paris time)."""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//FR\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261201T000000Z\r\n"
        f"DTSTART;TZID=Europe/Paris:{start}\r\nDTEND;TZID=Europe/Paris:{end}\r\n"
        f"SUMMARY:{title}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


@dataclass
class Device:
    email: str
    user_id: int
    secret: str
    password_id: int

    @property
    def auth(self) -> dict[str, str]:
        raw = base64.b64encode(f"{self.email}:{self.secret}".encode()).decode()
        return {"Authorization": f"Basic {raw}"}

    @property
    def home(self) -> str:
        return f"/dav/{self.user_id}/"


def calendar_of(demo, session, email: str) -> Calendar:
    user = demo.user(email)
    with context.using(demo.context_of(email), session):
        return session.scalar(
            select(Calendar).where(Calendar.user_id == user.id).order_by(Calendar.id)
        )
