"""The DAV methods on the resources of resources.py: PROPFIND, REPORT
(calendar-query, calendar-multiget, sync-collection), GET, PUT, DELETE.
No HTTP framework here: each handler takes the parsed request and returns
(status, headers, body); views.py does the rest."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - building elements only
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

from flask_babel import gettext as _
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ensemble.agenda import changes, objects, operations
from ensemble.agenda.models import Event
from ensemble.caldav import davxml
from ensemble.caldav.davxml import CALDAV, DAV, element, tag
from ensemble.caldav.models import Resource
from ensemble.caldav.resources import (
    PREFIX,
    CentreCollection,
    CentreObject,
    Collection,
    DavResource,
    Home,
    PersonCollection,
    PersonObject,
    Reader,
    default_name,
    read_sync_token,
    resolve,
    sync_token_uri,
    valid_new_name,
)
from ensemble.kernel.refusal import Refusal

XML = "application/xml; charset=utf-8"
CALENDAR_DATA = tag(CALDAV, "calendar-data")
FAR_PAST = datetime(1900, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(2200, 1, 1, tzinfo=UTC)
# Writes to one object are serialised (with the ETag check) under this lock class.
OBJECT_LOCK = 1634168421


@dataclass
class Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # A refused write: the person is told in the app too (views.py), once per
    # object and reason until read; `refused` names the event, `subject` the object.
    refusal: str | None = None
    refused: str = ""
    subject: str | None = None
    # A stored write the web would show a banner for (agreed share passed): the
    # person and the directors of the centres are told in the app (views.py).
    warnings: list[str] = field(default_factory=list)
    warned: str = ""
    centre_ids: list[int] = field(default_factory=list)

    @classmethod
    def xml(cls, status: int, body: bytes, **headers: str) -> Answer:
        return cls(status, body, {"Content-Type": XML, **headers})

    @classmethod
    def error(cls, status: int, precondition: str, message: str, *extra: ET.Element) -> Answer:
        return cls.xml(status, davxml.error(precondition, message, *extra))


def not_found() -> Answer:
    return Answer(404, _("Introuvable.").encode(), {"Content-Type": "text/plain; charset=utf-8"})


def read_only() -> Answer:
    return Answer.error(
        403,
        tag(DAV, "need-privileges"),
        _(
            "L’agenda d’un centre se lit seulement : les événements se créent et se "
            "modifient dans l’agenda de la personne."
        ),
    )


# --- Properties ---------------------------------------------------------------------------


def _requested(body: ET.Element | None) -> tuple[str, list[str]]:
    """("prop", names) / ("allprop", extra names) / ("propname", [])."""
    if body is None:
        return "allprop", []
    if body.find(tag(DAV, "propname")) is not None:
        return "propname", []
    if body.find(tag(DAV, "allprop")) is not None:
        include = body.find(tag(DAV, "include"))
        return "allprop", [c.tag for c in include] if include is not None else []
    prop = body.find(tag(DAV, "prop"))
    return "prop", [c.tag for c in prop] if prop is not None else []


def _response(
    session: Session, resource: DavResource, mode: str, names: list[str], data: bytes | None = None
) -> ET.Element:
    if mode == "propname":
        return davxml.response(resource.path, [element(n) for n in resource.ALL])
    wanted = list(dict.fromkeys([*resource.ALL, *names])) if mode == "allprop" else names
    found, missing = [], []
    for name in wanted:
        if name == CALENDAR_DATA and data is not None:
            found.append(element(name, data.decode()))
            continue
        value = resource.prop(session, name)
        if value is None:
            if mode == "prop":
                missing.append(name)
        else:
            found.append(value)
    return davxml.response(resource.path, found, missing)


def _rendered(
    session: Session, collection: Collection, items: list, names: list[str]
) -> dict[str, bytes]:
    if CALENDAR_DATA not in names or not items:
        return {}
    return collection.render(session, items)


def propfind(session: Session, resource: DavResource, depth: str, body) -> Answer:
    mode, names = _requested(body)
    targets: list[DavResource] = [resource]
    if depth != "0":
        if isinstance(resource, Home):
            targets += resource.children(session)
        elif isinstance(resource, Collection):
            targets += resource.members(session)
    data: dict[str, bytes] = {}
    if isinstance(resource, Collection) and CALENDAR_DATA in names:
        data = _rendered(session, resource, targets[1:], names)
    elif isinstance(resource, PersonObject | CentreObject) and CALENDAR_DATA in names:
        data = _rendered(session, resource.collection, [resource], names)
    responses = [
        _response(session, t, mode, names, data.get(getattr(t, "key", None))) for t in targets
    ]
    return Answer.xml(207, davxml.multistatus(responses))


def proppatch(resource: DavResource, body) -> Answer:
    """Properties are Ensemble's (names, colours come from the centres): each
    requested change is refused, as RFC 4918 §9.2 lets a server do."""
    names = []
    if body is not None:
        for action in body:
            prop = action.find(tag(DAV, "prop"))
            names += [c.tag for c in prop] if prop is not None else []
    node = element(tag(DAV, "response"), children=[davxml.href(resource.path)])
    node.append(
        element(
            tag(DAV, "propstat"),
            children=[
                element(tag(DAV, "prop"), children=[element(n) for n in names]),
                element(tag(DAV, "status"), davxml.status_line(403)),
                element(
                    tag(DAV, "responsedescription"),
                    _("Ces réglages se font dans Ensemble, pas depuis l’application d’agenda."),
                ),
            ],
        )
    )
    return Answer.xml(207, davxml.multistatus([node]))


# --- REPORT ----------------------------------------------------------------------------------


def report(session: Session, reader: Reader, resource: DavResource, body) -> Answer:
    if body is None or not isinstance(resource, Collection):
        return Answer.error(
            403, tag(DAV, "supported-report"), _("Ce rapport n’est pas pris en charge ici.")
        )
    _mode, names = _requested(body)
    if body.tag == tag(CALDAV, "calendar-multiget"):
        return _multiget(session, reader, resource, body, names)
    if body.tag == tag(CALDAV, "calendar-query"):
        return _query(session, resource, body, names)
    if body.tag == tag(DAV, "sync-collection"):
        return _sync(session, resource, body, names)
    return Answer.error(
        403, tag(DAV, "supported-report"), _("Ce rapport n’est pas pris en charge ici.")
    )


def _answer(session: Session, collection: Collection, items: list, names: list[str], extra=()):
    data = _rendered(session, collection, items, names)
    responses = [_response(session, i, "prop", names, data.get(i.key)) for i in items]
    return responses + list(extra)


def _multiget(session, reader, collection: Collection, body, names) -> Answer:
    # href as sent → object name in this collection (None: outside it, unknown here).
    sent: dict[str, str | None] = {}
    for node in body.findall(tag(DAV, "href")):
        raw = (node.text or "").strip()
        path = unquote(urlsplit(raw).path)
        inside = path.startswith(collection.path) and "/" not in path[len(collection.path) :]
        sent[raw] = path[len(collection.path) :] if inside else None
    wanted = sorted({n for n in sent.values() if n is not None})
    found = collection.by_hrefs(session, wanted)
    present = [item for item in found.values() if item is not None]
    responses = _answer(session, collection, present, names)
    # A missing object is named as the client wrote it (its decoded name may hold a
    # NUL, which XML cannot carry); another person's or centre's href is unknown here.
    responses += [
        davxml.status_response(raw, 404)
        for raw, name in sent.items()
        if name is None or found.get(name) is None
    ]
    return Answer.xml(207, davxml.multistatus(responses))


def _time(value: str | None, default: datetime) -> datetime:
    if not value:
        return default
    try:
        moment = datetime.strptime(value.strip(), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise davxml.BadBody("time-range") from None
    # Nothing is stored outside these bounds; a window beyond them (year 1, 9999)
    # asks for the same rows, and converting year 1 to Paris time would overflow.
    return min(max(moment, FAR_PAST), FAR_FUTURE)


def _query(session, collection: Collection, body, names) -> Answer:
    calendar_filter = body.find(tag(CALDAV, "filter"))
    vcalendar = (
        calendar_filter.find(tag(CALDAV, "comp-filter")) if calendar_filter is not None else None
    )
    start, end, uid_match = FAR_PAST, FAR_FUTURE, None
    everything = True
    if vcalendar is not None:
        if vcalendar.get("name", "").upper() != "VCALENDAR":
            return Answer.xml(207, davxml.multistatus([]))
        inner = vcalendar.find(tag(CALDAV, "comp-filter"))
        if inner is not None:
            if (
                inner.get("name", "").upper() != "VEVENT"
                or inner.find(tag(CALDAV, "is-not-defined")) is not None
            ):
                return Answer.xml(207, davxml.multistatus([]))
            window = inner.find(tag(CALDAV, "time-range"))
            if window is not None:
                start = _time(window.get("start"), FAR_PAST)
                end = _time(window.get("end"), FAR_FUTURE)
                everything = False
            for prop_filter in inner.findall(tag(CALDAV, "prop-filter")):
                match = prop_filter.find(tag(CALDAV, "text-match"))
                if prop_filter.get("name", "").upper() == "UID" and match is not None:
                    uid_match = (match.text or "", match.get("match-type", "contains"))
    items = collection.members(session) if everything else collection.between(session, start, end)
    if uid_match is not None:
        value, kind = uid_match
        items = [
            i
            for i in items
            if (getattr(i, "uid", None) or i.name) == value
            or (kind != "equals" and value.casefold() in (getattr(i, "uid", "") or "").casefold())
        ]
    return Answer.xml(207, davxml.multistatus(_answer(session, collection, items, names)))


def _sync(session, collection: Collection, body, names) -> Answer:
    node = body.find(tag(DAV, "sync-token"))
    given = (node.text or "").strip() if node is not None else ""
    token = collection.token(session)
    if not given:
        present, gone = collection.members(session), []
    else:
        since = read_sync_token(given)
        if since is None or _from_the_future(since, token):
            return Answer.error(
                403,
                tag(DAV, "valid-sync-token"),
                _("Jeton de synchronisation inconnu : l’application doit tout relire."),
            )
        present, gone = collection.changed_since(session, since)
    responses = _answer(session, collection, present, names)
    responses += [davxml.status_response(collection.path + name, 404) for name in gone]
    extra = [element(tag(DAV, "sync-token"), sync_token_uri(token))]
    return Answer.xml(207, davxml.multistatus(responses, extra))


def _from_the_future(given: str, current: str) -> bool:
    """A token no snapshot of this server gave yet (forged, or from another database)."""
    now = changes.read_token(current)
    return int(given.split(":")[1]) > int(now.split(":")[1])


# --- Objects -------------------------------------------------------------------------------


def get(
    session: Session, resource: DavResource, head: bool = False, if_none_match: str | None = None
) -> Answer:
    if not isinstance(resource, PersonObject | CentreObject) or not resource.exists:
        if isinstance(resource, Collection | Home):
            return Answer(405, headers={"Allow": "OPTIONS, PROPFIND, REPORT"})
        return not_found()
    known = _tags(if_none_match)
    if known is not None and resource.etag is not None and ("*" in known or resource.etag in known):
        return Answer(304, headers={"ETag": resource.etag})  # RFC 7232 §4.1
    data = resource.collection.render(session, [resource]).get(resource.key)
    if data is None:
        return not_found()
    headers = {"ETag": resource.etag, "Content-Type": "text/calendar; charset=utf-8"}
    return Answer(200, b"" if head else data, headers)


def _tags(header: str | None) -> list[str] | None:
    if header is None:
        return None
    return [t.strip().removeprefix("W/") for t in header.split(",") if t.strip()]


def _preconditions(current: str | None, if_match, if_none_match) -> Answer | None:
    """RFC 7232 on writes: no lost update between two devices."""
    match, none_match = _tags(if_match), _tags(if_none_match)
    if match is not None and (current is None or ("*" not in match and current not in match)):
        return Answer.error(
            412,
            tag(DAV, "lost-update"),  # not an RFC name: the body says why
            _("L’événement a changé depuis votre dernière synchronisation : synchronisez d’abord."),
        )
    if (
        none_match is not None
        and current is not None
        and ("*" in none_match or current in none_match)
    ):
        return Answer.error(
            412,
            tag(DAV, "no-overwrite"),
            _("Cet événement existe déjà : synchronisez d’abord."),
        )
    return None


def _lock(session: Session, calendar_id: int, uid: str) -> None:
    session.execute(
        text("SELECT pg_advisory_xact_lock(:lock, hashtext(:key))"),
        {"lock": OBJECT_LOCK, "key": f"{calendar_id}:{uid}"},
    )


def _parent(session: Session, reader: Reader, parts: list[str]):
    return resolve(session, reader, parts[:2]) if len(parts) == 3 else None


def put(
    session: Session,
    reader: Reader,
    parts: list[str],
    data: bytes,
    if_match: str | None,
    if_none_match: str | None,
) -> Answer:
    collection = _parent(session, reader, parts)
    if collection is None:
        return not_found()
    if isinstance(collection, CentreCollection):
        return read_only()
    name = unquote(parts[2])
    if not valid_new_name(name):
        return Answer.error(
            403, tag(CALDAV, "valid-calendar-object-resource"), _("Nom d’objet non accepté.")
        )
    try:
        parsed = objects.parse_object(data)
    except objects.Cancelled as cancelled:
        existing = collection.member(session, name)
        if existing is not None and existing.exists and existing.uid == cancelled.uid:
            # Cancelled on the phone: deleted through the web's operation (audited).
            return delete(session, reader, existing, if_match)
        return Answer.error(403, tag(CALDAV, cancelled.precondition), cancelled.message)
    except objects.ObjectProblem as problem:
        return Answer.error(403, tag(CALDAV, problem.precondition), problem.message)
    calendar = collection.calendar
    _lock(session, calendar.id, parsed.uid)
    target = collection.member(session, name)
    if target is not None and target.exists and target.uid != parsed.uid:
        return Answer.error(
            403,
            tag(CALDAV, "no-uid-conflict"),
            _("Cet objet porte un autre UID."),
            davxml.href(target.path),
        )
    elsewhere = _uid_elsewhere(session, collection, parsed.uid, name)
    if elsewhere is not None:
        return Answer.error(
            403,
            tag(CALDAV, "no-uid-conflict"),
            _("Un autre événement de votre agenda porte déjà cet UID."),
            davxml.href(elsewhere),
        )
    current = target.etag if target is not None and target.uid == parsed.uid else None
    failed = _preconditions(current, if_match, if_none_match)
    if failed is not None:
        return failed
    savepoint = session.begin_nested()
    try:
        rows = objects.object_rows(session, calendar.id, parsed.uid)
        warnings = objects.save_object(session, calendar, parsed, rows)
        if name != default_name(parsed.uid) and not rows:
            session.add(
                Resource(
                    calendar_id=calendar.id,
                    user_id=calendar.user_id,
                    agreement_id=calendar.agreement_id,
                    uid=parsed.uid,
                    name=name,
                )
            )
            session.flush()
    except (operations.AgendaError, Refusal) as refused:
        savepoint.rollback()
        answer = _refused(refused)
        answer.refused = _named(parsed)
        answer.subject = _subject(calendar.id, parsed.uid)
        return answer
    except ValueError:
        savepoint.rollback()
        return Answer.error(
            403, tag(CALDAV, "valid-calendar-data"), _("Règle de répétition illisible.")
        )
    savepoint.commit()
    # No ETag: what is stored is Ensemble's rendering, not the bytes sent (RFC 4791 §5.3.4).
    # (A refusal notified about this object is handled now: views.py marks it read.)
    stored = objects.object_rows(session, calendar.id, parsed.uid)
    return Answer(
        204 if current is not None else 201,
        subject=_subject(calendar.id, parsed.uid),
        warnings=warnings,
        warned=_named(parsed),
        centre_ids=sorted({row.centre_id for row in stored}),
    )


def _named(parsed: objects.ParsedObject) -> str:
    """« Rendez-vous » (mardi 11 janvier 2028 à 10 h 30): the refused event itself."""
    from ensemble.agenda import recurrence
    from ensemble.kernel import french

    when = (
        french.long_date(parsed.starts_local, weekday=True)
        if parsed.all_day
        else french.long_datetime(recurrence.to_instant(parsed.starts_local), weekday=True)
    )
    return _("« %(title)s » (%(when)s)", title=parsed.title, when=when)


def _subject(calendar_id: int, uid: str) -> str:
    """What a refusal notification is about: one object of one calendar."""
    import hashlib

    return f"caldav_object:{calendar_id}:{hashlib.sha256(uid.encode()).hexdigest()[:32]}"


def _refused(refused: Exception) -> Answer:
    message = getattr(refused, "message", str(refused))
    precondition = getattr(refused, "precondition", "valid-calendar-object-resource")
    namespace = DAV if precondition == "need-privileges" else CALDAV
    answer = Answer.error(403, tag(namespace, precondition), message)
    answer.refusal = message
    return answer


def _uid_elsewhere(session: Session, collection: PersonCollection, uid: str, name: str):
    """Where else this person's calendars hold `uid`, if not under `name` here."""
    calendar_id = session.scalar(
        select(Event.calendar_id)
        .where(Event.user_id == collection.calendar.user_id, Event.uid == uid)
        .limit(1)
    )
    if calendar_id is None:
        return None
    if calendar_id != collection.calendar.id:
        return f"{PREFIX}/{collection.reader.user.id}/agenda-{calendar_id}/{default_name(uid)}"
    existing = collection.names(session, {uid}).get(uid) or default_name(uid)
    return None if existing == name else collection.path + existing


def delete(
    session: Session, reader: Reader, resource: DavResource | None, if_match: str | None
) -> Answer:
    if resource is None:
        return not_found()
    if isinstance(resource, CentreObject | CentreCollection):
        return read_only()
    if not isinstance(resource, PersonObject):
        return Answer.error(
            403, tag(DAV, "need-privileges"), _("Les agendas se suppriment dans Ensemble.")
        )
    if not resource.exists:
        return not_found()
    calendar = resource.collection.calendar
    _lock(session, calendar.id, resource.uid)
    current = resource.collection.member(session, resource.name)
    failed = _preconditions(current.etag if current else None, if_match, None)
    if failed is not None:
        return failed
    if current is None or not current.exists:
        return not_found()
    savepoint = session.begin_nested()
    try:
        objects.delete_object(session, objects.object_rows(session, calendar.id, resource.uid))
        for row in session.scalars(
            select(Resource).where(
                Resource.calendar_id == calendar.id, Resource.uid == resource.uid
            )
        ):
            session.delete(row)
        session.flush()
    except (operations.AgendaError, Refusal) as refused:
        savepoint.rollback()
        return _refused(refused)
    savepoint.commit()
    return Answer(204)
