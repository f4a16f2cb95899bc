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


MULTISTATUS_NS = {"D": "DAV:", "C": "urn:ietf:params:xml:ns:caldav", "E": "urn:x-ensemble:caldav"}


def responses(body: bytes) -> dict[str, dict]:
    """href → {"status": …, "props": {tag: element}} of a 207 body."""
    from defusedxml import ElementTree

    root = ElementTree.fromstring(body)
    found = {}
    for node in root.findall("D:response", MULTISTATUS_NS):
        href = node.findtext("D:href", namespaces=MULTISTATUS_NS)
        props = {}
        for propstat in node.findall("D:propstat", MULTISTATUS_NS):
            if "200" in (propstat.findtext("D:status", namespaces=MULTISTATUS_NS) or ""):
                for prop in propstat.find("D:prop", MULTISTATUS_NS):
                    props[prop.tag] = prop
        found[href] = {
            "status": node.findtext("D:status", namespaces=MULTISTATUS_NS),
            "props": props,
        }
    return found


def prop_xml(*names: str) -> bytes:
    """A PROPFIND body asking for D:/C:/CS: names ("D:getetag", "C:calendar-data")."""
    inner = "".join(f"<{n}/>" for n in names)
    return (
        '<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"'
        ' xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/">'
        f"<D:prop>{inner}</D:prop></D:propfind>"
    ).encode()


def report_xml(kind: str, inner: str, props: str = "<D:getetag/><C:calendar-data/>") -> bytes:
    root = {
        "query": "C:calendar-query",
        "multiget": "C:calendar-multiget",
        "sync": "D:sync-collection",
    }[kind]
    return (
        f'<?xml version="1.0" encoding="utf-8"?><{root} xmlns:D="DAV:"'
        f' xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>{props}</D:prop>{inner}</{root}>'
    ).encode()


def time_range(start: str, end: str) -> str:
    return (
        '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
        f'<C:time-range start="{start}" end="{end}"/></C:comp-filter></C:comp-filter></C:filter>'
    )


def sync_body(token: str = "") -> bytes:
    return report_xml(
        "sync",
        f"<D:sync-token>{token}</D:sync-token><D:sync-level>1</D:sync-level>",
        "<D:getetag/>",
    )


def sync_token_of(body: bytes) -> str:
    from defusedxml import ElementTree

    return ElementTree.fromstring(body).findtext("D:sync-token", namespaces=MULTISTATUS_NS)


def book_as(demo, session, email: str, calendar, centre_slug: str, title: str, start, end, **more):
    """Book through the web's operation, as that person."""
    from ensemble.agenda import operations as agenda
    from ensemble.agenda.models import Category

    with context.using(demo.context_of(email), session):
        return agenda.book(
            session,
            calendar,
            centre_id=demo.centre(centre_slug).id,
            category=more.pop("category", Category.WORKSHOP),
            title=title,
            starts_local=start,
            ends_local=end,
            **more,
        ).event
