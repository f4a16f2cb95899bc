"""The DAV resources of one signed-in person, and their properties.

    /dav/                               root (points to the person's principal)
    /dav/<user id>/                     principal and calendar home
    /dav/<user id>/agenda-<id>/         a person calendar (read and write)
    /dav/<user id>/agenda-<id>/<name>   one object: an event, or a series with its changes
    /dav/<user id>/centre-<id>/         a centre's calendar, for its directors (read only)
    /dav/<user id>/centre-<id>/<name>   one occurrence at the centre, or busy time elsewhere

Anything else — another person's home, a calendar that is not one's own, a
centre one does not direct — does not exist (404), whatever the method.
What a centre's calendar shows follows row-level security: events held at the
centre in full; the shared people's time elsewhere as « Occupé — autre
structure », built from `agenda_busy`, which carries no title.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET  # noqa: S405 - building elements only
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote

import icalendar
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from ensemble import redis_store
from ensemble.agenda import changes, feeds, objects, operations
from ensemble.agenda.forms import CATEGORY_LABELS
from ensemble.agenda.models import MAX_EVENT_HOURS, Busy, Calendar, Event
from ensemble.caldav.davxml import CALDAV, CS, DAV, ICAL, element, href, tag
from ensemble.caldav.models import Resource
from ensemble.kernel import clock
from ensemble.network.models import Centre
from ensemble.people.models import User
from ensemble.redis_store import key
from ensemble.tenancy.context import TenantContext

PREFIX = "/dav"
CALENDAR_COLOURS = ("#1f6feb", "#b35900", "#1a7f37", "#8250df", "#bf3989", "#0a7ea4")
SYNC_PREFIX = "urn:x-ensemble:sync:"
# How far back a centre's calendar lists occurrences (as its feed does).
CENTRE_PAST_DAYS = feeds.PAST_DAYS
CONTENT_TYPE = "text/calendar; charset=utf-8; component=vevent"
# How long a built object stays in Redis (its key names its ETag, so it is never stale
# for its rows; a centre renamed shows in objects built after this).
RENDERED_SECONDS = 3600
_NEW_NAME = re.compile(r"[^/\x00-\x1f\x7f]{1,250}\.ics")
_CENTRE_NAME = re.compile(r"o-(\d{1,18})-(\d{1,12})\.ics", re.ASCII)
# A name no object can have (a NUL, which PostgreSQL text cannot hold, any control
# character, more than a column holds) is looked up nowhere: it is just absent.
_IMPOSSIBLE_NAME = re.compile(r"[\x00-\x1f\x7f]")


def could_exist(name: str) -> bool:
    return len(name) <= 255 and not _IMPOSSIBLE_NAME.search(name)


def _privileges(*names: str) -> ET.Element:
    return element(
        tag(DAV, "current-user-privilege-set"),
        children=[element(tag(DAV, "privilege"), children=[element(tag(DAV, n))]) for n in names],
    )


def _reports(*names: tuple[str, str]) -> ET.Element:
    return element(
        tag(DAV, "supported-report-set"),
        children=[
            element(
                tag(DAV, "supported-report"),
                children=[element(tag(DAV, "report"), children=[element(tag(ns, n))])],
            )
            for ns, n in names
        ],
    )


def default_name(uid: str) -> str:
    """The object name Ensemble gives a UID it created."""
    return quote(uid, safe="@-_.~") + ".ics"


def sync_token_uri(value: str) -> str:
    return f"{SYNC_PREFIX}{value}"


def read_sync_token(value: str) -> str | None:
    """The snapshot a client's token names, or None if it is not one of ours."""
    if not value.startswith(SYNC_PREFIX) or len(value) > 4000:
        return None
    return changes.read_token(value[len(SYNC_PREFIX) :])


@dataclass
class Reader:
    """Who is asking: the signed-in person and their tenant context."""

    user: User
    context: TenantContext

    @property
    def home(self) -> str:
        return f"{PREFIX}/{self.user.id}/"


class DavResource:
    path: str
    is_collection = False

    def prop(self, session: Session, name: str) -> ET.Element | None:  # noqa: ARG002
        return None

    ALL: tuple[str, ...] = ()


class Root(DavResource):
    is_collection = True
    ALL = (tag(DAV, "resourcetype"), tag(DAV, "current-user-principal"), tag(DAV, "displayname"))

    def __init__(self, reader: Reader):
        self.reader = reader
        self.path = f"{PREFIX}/"

    def prop(self, session, name):
        if name == tag(DAV, "resourcetype"):
            return element(name, children=[element(tag(DAV, "collection"))])
        if name == tag(DAV, "current-user-principal"):
            return element(name, children=[href(self.reader.home)])
        if name == tag(DAV, "principal-collection-set"):
            return element(name, children=[href(self.path)])
        if name == tag(DAV, "displayname"):
            return element(name, "Ensemble")
        return None


class Home(DavResource):
    """The person's principal, which is also their calendar home."""

    is_collection = True
    ALL = (
        tag(DAV, "resourcetype"),
        tag(DAV, "displayname"),
        tag(DAV, "current-user-principal"),
        tag(DAV, "principal-URL"),
        tag(CALDAV, "calendar-home-set"),
        tag(CALDAV, "calendar-user-address-set"),
    )

    def __init__(self, reader: Reader):
        self.reader = reader
        self.path = reader.home

    def prop(self, session, name):
        user = self.reader.user
        if name == tag(DAV, "resourcetype"):
            return element(
                name, children=[element(tag(DAV, "collection")), element(tag(DAV, "principal"))]
            )
        if name == tag(DAV, "displayname"):
            return element(name, user.full_name)
        if name in (
            tag(DAV, "current-user-principal"),
            tag(DAV, "principal-URL"),
            tag(DAV, "owner"),
            tag(CALDAV, "calendar-home-set"),
        ):
            return element(name, children=[href(self.path)])
        if name == tag(DAV, "principal-collection-set"):
            return element(name, children=[href(f"{PREFIX}/")])
        if name == tag(CALDAV, "calendar-user-address-set"):
            return element(name, children=[href(f"mailto:{user.email}"), href(self.path)])
        if name == tag(DAV, "current-user-privilege-set"):
            return _privileges("read")
        if name == tag(DAV, "supported-report-set"):
            return _reports()
        return None

    def children(self, session: Session) -> list[DavResource]:
        calendars = session.scalars(
            select(Calendar).where(Calendar.user_id == self.reader.user.id).order_by(Calendar.id)
        ).all()
        centres = (
            session.scalars(
                select(Centre)
                .where(Centre.id.in_(self.reader.context.director_centre_ids))
                .order_by(Centre.name)
            ).all()
            if self.reader.context.director_centre_ids
            else []
        )
        return [
            *(PersonCollection(self.reader, c) for c in calendars),
            *(CentreCollection(self.reader, c) for c in centres),
        ]


class Collection(DavResource):
    is_collection = True
    writable = False
    ALL = (
        tag(DAV, "resourcetype"),
        tag(DAV, "displayname"),
        tag(DAV, "owner"),
        tag(DAV, "current-user-privilege-set"),
        tag(DAV, "supported-report-set"),
        tag(DAV, "sync-token"),
        tag(CS, "getctag"),
        tag(CALDAV, "supported-calendar-component-set"),
        tag(CALDAV, "calendar-description"),
        tag(ICAL, "calendar-color"),
    )
    colour_index = 0

    def __init__(self, reader: Reader):
        self.reader = reader
        self._state: tuple[str, int | None] | None = None

    def title(self, session: Session) -> str:
        raise NotImplementedError

    def description(self, session: Session) -> str:
        return ""

    def state(self, session: Session) -> tuple[str, int | None]:
        """(ctag, last transaction that wrote to it), read once per request."""
        if self._state is None:
            self._state = self._read_state(session)
        return self._state

    def _read_state(self, session: Session) -> tuple[str, int | None]:
        raise NotImplementedError

    def token(self, session: Session) -> str:
        return changes.sync_token(session, self.state(session)[1])

    def prop(self, session, name):
        if name == tag(DAV, "resourcetype"):
            return element(
                name, children=[element(tag(DAV, "collection")), element(tag(CALDAV, "calendar"))]
            )
        if name == tag(DAV, "displayname"):
            return element(name, self.title(session))
        if name == tag(CALDAV, "calendar-description"):
            return element(name, self.description(session))
        if name == tag(DAV, "owner"):
            return element(name, children=[href(self.reader.home)])
        if name == tag(DAV, "current-user-privilege-set"):
            if self.writable:
                return _privileges(
                    "read",
                    "write",
                    "write-content",
                    "bind",
                    "unbind",
                    "read-current-user-privilege-set",
                )
            return _privileges("read", "read-current-user-privilege-set")
        if name == tag(DAV, "supported-report-set"):
            return _reports(
                (CALDAV, "calendar-query"), (CALDAV, "calendar-multiget"), (DAV, "sync-collection")
            )
        if name == tag(DAV, "sync-token"):
            return element(name, sync_token_uri(self.token(session)))
        if name in (tag(CS, "getctag"), tag(DAV, "getetag")):
            return element(name, f'"{self.state(session)[0]}"')
        if name == tag(CALDAV, "supported-calendar-component-set"):
            return element(name, children=[ET.Element(tag(CALDAV, "comp"), name="VEVENT")])
        if name == tag(CALDAV, "supported-calendar-data"):
            return element(
                name,
                children=[
                    ET.Element(
                        tag(CALDAV, "calendar-data"),
                        {"content-type": "text/calendar", "version": "2.0"},
                    )
                ],
            )
        if name == tag(CALDAV, "max-resource-size"):
            return element(name, str(objects.importing.MAX_BYTES))
        if name == tag(ICAL, "calendar-color"):
            return element(name, CALENDAR_COLOURS[self.colour_index % len(CALENDAR_COLOURS)])
        return None


# --- A person's own calendar ----------------------------------------------------------


class PersonCollection(Collection):
    writable = True

    def __init__(self, reader: Reader, calendar: Calendar):
        super().__init__(reader)
        self.calendar = calendar
        self.path = f"{reader.home}agenda-{calendar.id}/"
        self.colour_index = calendar.id

    def title(self, session):
        return self.calendar.title

    def description(self, session):
        return _("Agenda partagé dans Ensemble : les règles de réservation s’y appliquent.")

    def _read_state(self, session):
        return changes.collection_state(session, calendar_id=self.calendar.id)

    def names(self, session: Session, uids: set[str] | None = None) -> dict[str, str]:
        """uid → object name, where the client chose one."""
        query = select(Resource.uid, Resource.name).where(Resource.calendar_id == self.calendar.id)
        if uids is not None:
            if not uids:
                return {}
            query = query.where(Resource.uid.in_(uids))
        return dict(session.execute(query).all())

    def members(self, session: Session, uids: set[str] | None = None) -> list[PersonObject]:
        """Objects of the calendar (or of some UIDs), with their ETags, in one
        query each for ETags and chosen names."""
        etags = changes.object_etags(session, self.calendar.id, uids)
        chosen = self.names(session, set(etags))
        return [
            PersonObject(self, chosen.get(uid) or default_name(uid), uid, etag)
            for uid, etag in sorted(etags.items())
        ]

    def uid_of(self, session: Session, name: str) -> str | None:
        """The UID an object name stands for (which may not exist yet)."""
        if not could_exist(name):
            return None
        chosen = session.scalar(
            select(Resource.uid).where(
                Resource.calendar_id == self.calendar.id, Resource.name == name
            )
        )
        if chosen is not None:
            return chosen
        return self.uid_in(name)

    @staticmethod
    def uid_in(name: str) -> str | None:
        """The UID Ensemble's own name for an object stands for."""
        if not name.endswith(".ics"):
            return None
        uid = unquote(name[:-4])
        return uid if uid and could_exist(uid) else None

    def member(self, session: Session, name: str) -> PersonObject | None:
        """The object under `name`, existing or about to be created (etag None)."""
        uid = self.uid_of(session, name)
        if uid is None:
            return None
        etag = changes.object_etags(session, self.calendar.id, [uid]).get(uid)
        return PersonObject(self, name, uid, etag)

    def by_hrefs(self, session: Session, names: list[str]) -> dict[str, PersonObject | None]:
        """Existing objects under these names, in two queries whatever their number."""
        absent: dict[str, PersonObject | None] = {
            name: None for name in names if not could_exist(name)
        }
        names = [name for name in names if name not in absent]
        chosen = (
            dict(
                session.execute(
                    select(Resource.name, Resource.uid).where(
                        Resource.calendar_id == self.calendar.id, Resource.name.in_(names)
                    )
                ).all()
            )
            if names
            else {}
        )
        uids = {name: chosen.get(name) or self.uid_in(name) for name in names}
        etags = changes.object_etags(session, self.calendar.id, {u for u in uids.values() if u})
        return absent | {
            name: PersonObject(self, name, uid, etags[uid]) if uid in etags else None
            for name, uid in uids.items()
        }

    def between(self, session: Session, start: datetime, end: datetime) -> list[PersonObject]:
        uids = changes.uids_between(session, self.calendar.id, start, end)
        return self.members(session, uids) if uids else []

    def changed_since(self, session: Session, token: str) -> tuple[list[PersonObject], list[str]]:
        """(changed objects, names of removed ones) since a sync token."""
        uids = changes.changed_uids(session, self.calendar.id, token)
        if not uids:
            return [], []
        present = self.members(session, uids)
        gone = uids - {o.uid for o in present}
        chosen = self.names(session, gone)
        return present, [chosen.get(uid) or default_name(uid) for uid in sorted(gone)]

    def render(self, session: Session, items: list[PersonObject]) -> dict[str, bytes]:
        """The iCalendar text of objects, from Redis when an object's ETag (and the
        reader's language, for category names) has not changed since it was built:
        building is most of a report's time, and clients ask for the same month again."""
        items = [i for i in items if i.exists]
        if not items:
            return {}
        language = str(get_locale() or "fr")
        keys = [
            key("caldav-object", self.calendar.id, language, i.etag.strip('"'), i.uid)
            for i in items
        ]
        store = redis_store.current()
        texts = {
            i.uid: text.encode()
            for i, text in zip(items, store.mget(keys), strict=True)
            if text is not None
        }
        missing = [i.uid for i in items if i.uid not in texts]
        if missing:
            rows = session.scalars(
                select(Event)
                .where(Event.calendar_id == self.calendar.id, Event.uid.in_(missing))
                .order_by(Event.series_id.is_not(None), Event.recurrence_id, Event.id)
            ).all()
            grouped: dict[str, list[Event]] = {}
            for row in rows:
                grouped.setdefault(row.uid, []).append(row)
            present = [u for u in missing if u in grouped]
            built = dict(
                zip(
                    present,
                    objects.render_objects(session, [grouped[u] for u in present]),
                    strict=True,
                )
            )
            pipe = store.pipeline()
            for item, name in zip(items, keys, strict=True):
                if item.uid in built:
                    pipe.setex(name, RENDERED_SECONDS, built[item.uid].decode())
            pipe.execute()
            texts.update(built)
        return texts


@dataclass
class PersonObject(DavResource):
    collection: PersonCollection
    name: str
    uid: str
    etag: str | None

    ALL = (tag(DAV, "getetag"), tag(DAV, "getcontenttype"), tag(DAV, "resourcetype"))

    @property
    def path(self) -> str:
        return self.collection.path + quote(unquote(self.name), safe="@-_.~")

    @property
    def exists(self) -> bool:
        return self.etag is not None

    @property
    def key(self) -> str:
        return self.uid

    def prop(self, session, name):
        if name == tag(DAV, "getetag"):
            return element(name, self.etag)
        if name == tag(DAV, "getcontenttype"):
            return element(name, CONTENT_TYPE)
        if name == tag(DAV, "resourcetype"):
            return element(name)
        return None


# --- A centre's calendar, for its directors ----------------------------------------------------


class CentreCollection(Collection):
    writable = False

    def __init__(self, reader: Reader, centre: Centre):
        super().__init__(reader)
        self.centre = centre
        self.path = f"{reader.home}centre-{centre.id}/"
        self.colour_index = centre.id
        self._calendar_ids: list[int] | None = None
        self._user_ids: list[int] | None = None

    def _shared(self, session: Session) -> None:
        if self._calendar_ids is None:
            calendars = operations.calendars_of_centre(session, self.centre)
            self._calendar_ids = [c.id for c in calendars]
            self._user_ids = sorted({c.user_id for c in calendars})

    def title(self, session):
        return _("%(centre)s — agenda du centre", centre=self.centre.name)

    def description(self, session):
        return _(
            "Les événements du centre, et le temps des personnes partagées ailleurs, "
            "en « Occupé — autre structure » (lecture seule)."
        )

    def _read_state(self, session):
        self._shared(session)
        return changes.collection_state(
            session, centre_id=self.centre.id, calendar_ids=self._calendar_ids
        )

    def _busy_query(self, session: Session):
        self._shared(session)
        where = Busy.centre_id == self.centre.id
        if self._user_ids:
            where = where | Busy.user_id.in_(self._user_ids)
        return select(Busy).where(where)

    def _objects(self, session: Session, busy: list[Busy]) -> list[CentreObject]:
        ids = {b.event_id for b in busy}
        # Row-level security answers: only events held where the reader is a member.
        events = (
            {e.id: e for e in session.scalars(select(Event).where(Event.id.in_(ids)))}
            if ids
            else {}
        )
        return [CentreObject(self, b, events.get(b.event_id)) for b in busy]

    def members(self, session: Session) -> list[CentreObject]:
        since = operations.day_start(clock.today() - timedelta(days=CENTRE_PAST_DAYS))
        busy = session.scalars(
            self._busy_query(session)
            .where(func.lower(Busy.during) >= since)
            .order_by(func.lower(Busy.during), Busy.id)
        ).all()
        return self._objects(session, list(busy))

    def between(self, session: Session, start: datetime, end: datetime) -> list[CentreObject]:
        busy = session.scalars(
            self._busy_query(session)
            .where(
                func.lower(Busy.during) < end,
                func.lower(Busy.during) > start - timedelta(hours=MAX_EVENT_HOURS),
                func.upper(Busy.during) > start,
            )
            .order_by(func.lower(Busy.during), Busy.id)
        ).all()
        return self._objects(session, list(busy))

    def _by_keys(self, session: Session, keys: set[tuple[int, datetime]]) -> list[CentreObject]:
        if not keys:
            return []
        busy = session.scalars(
            self._busy_query(session).where(
                tuple_(Busy.event_id, func.lower(Busy.during)).in_(list(keys))
            )
        ).all()
        return self._objects(session, list(busy))

    def member(self, session: Session, name: str) -> CentreObject | None:
        match = _CENTRE_NAME.fullmatch(name)
        if match is None:
            return None
        starts = datetime.fromtimestamp(int(match.group(2)), UTC)
        found = self._by_keys(session, {(int(match.group(1)), starts)})
        return found[0] if found else None

    def by_hrefs(self, session: Session, names: list[str]) -> dict[str, CentreObject | None]:
        keys = set()
        for name in names:
            match = _CENTRE_NAME.fullmatch(name)
            if match is not None:
                keys.add((int(match.group(1)), datetime.fromtimestamp(int(match.group(2)), UTC)))
        found = {o.name: o for o in self._by_keys(session, keys)}
        return {name: found.get(name) for name in names}

    def changed_since(self, session: Session, token: str) -> tuple[list[CentreObject], list[str]]:
        self._shared(session)
        keys = changes.changed_occurrences(session, self._calendar_ids, self.centre.id, token)
        present = self._by_keys(session, keys)
        seen = {(o.busy.event_id, o.busy.during.lower) for o in present}
        gone = sorted(centre_name(e, s) for e, s in keys if (e, s) not in seen)
        return present, gone

    def render(self, session: Session, items: list[CentreObject]) -> dict[str, bytes]:
        ids = {i.event.centre_id for i in items if i.event is not None}
        centres = (
            {c.id: c for c in session.scalars(select(Centre).where(Centre.id.in_(ids)))}
            if ids
            else {}
        )
        return {i.key: i.ical(centres) for i in items}


def centre_name(event_id: int, starts_at: datetime) -> str:
    return f"o-{event_id}-{int(starts_at.timestamp())}.ics"


class CentreObject(DavResource):
    """One occurrence in a centre's calendar: in full when it is held at a centre
    the reader belongs to, else busy time only."""

    ALL = (tag(DAV, "getetag"), tag(DAV, "getcontenttype"), tag(DAV, "resourcetype"))

    def __init__(self, collection: CentreCollection, busy: Busy, event: Event | None):
        self.collection = collection
        self.busy = busy
        self.event = event
        self.name = centre_name(busy.event_id, busy.during.lower)
        self.path = collection.path + self.name
        parts = [busy.during.lower.isoformat(), busy.during.upper.isoformat(), str(busy.centre_id)]
        if event is not None:
            parts += [str(event.id), str(event.sequence), event.updated_at.isoformat()]
        self.etag = '"' + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32] + '"'

    exists = True

    @property
    def key(self) -> str:
        return self.name

    def prop(self, session, name):
        if name == tag(DAV, "getetag"):
            return element(name, self.etag)
        if name == tag(DAV, "getcontenttype"):
            return element(name, CONTENT_TYPE)
        if name == tag(DAV, "resourcetype"):
            return element(name)
        return None

    def ical(self, centres: dict[int, Centre]) -> bytes:
        calendar = icalendar.Calendar()
        calendar.add("prodid", objects.PRODID)
        calendar.add("version", "2.0")
        component = icalendar.Event()
        component.add("uid", self.name[: -len(".ics")] + "@ensemble")
        component.add("dtstart", self.busy.during.lower.astimezone(UTC))
        component.add("dtend", self.busy.during.upper.astimezone(UTC))
        event = self.event
        if event is None:
            component.add("dtstamp", datetime(2000, 1, 1, tzinfo=UTC))
            component.add("summary", _(operations.BUSY_ELSEWHERE))
            component.add("class", "CONFIDENTIAL")
        else:
            component.add("dtstamp", event.updated_at.astimezone(UTC).replace(microsecond=0))
            component.add("summary", event.title)
            component.add("categories", [str(CATEGORY_LABELS[event.category])])
            centre = centres.get(event.centre_id)
            if centre is not None:
                component.add("location", feeds.address(centre))
            text = event.description
            if event.participants:
                text = (text + "\n\n" if text else "") + feeds.PARTICIPANTS + event.participants
            if text:
                component.add("description", text)
        component.add("transp", "OPAQUE")
        calendar.add_component(component)
        return calendar.to_ical()


# --- Resolving a path -------------------------------------------------------------------------


def resolve(session: Session, reader: Reader, parts: list[str]) -> DavResource | None:
    """The resource at /dav/<parts…> for this reader, or None (404)."""
    if not parts:
        return Root(reader)
    if parts[0] != str(reader.user.id) or len(parts) > 3:
        return None
    if len(parts) == 1:
        return Home(reader)
    collection = _collection(session, reader, parts[1])
    if collection is None or len(parts) == 2:
        return collection
    return collection.member(session, unquote(parts[2]))


def _collection(session: Session, reader: Reader, segment: str) -> Collection | None:
    kind, _sep, number = segment.partition("-")
    if not number.isdigit() or len(number) > 18:
        return None
    if kind == "agenda":
        calendar = session.get(Calendar, int(number))
        if calendar is None or calendar.user_id != reader.user.id:
            return None
        return PersonCollection(reader, calendar)
    if kind == "centre":
        if int(number) not in reader.context.director_centre_ids:
            return None
        centre = session.get(Centre, int(number))
        return CentreCollection(reader, centre) if centre is not None else None
    return None


def valid_new_name(name: str) -> bool:
    return bool(_NEW_NAME.fullmatch(name))
