"""WebDAV XML (RFC 4918): reading request bodies without entity expansion
(defusedxml), writing multistatus and error bodies."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - only to build responses; parsing is defusedxml
from collections.abc import Iterable
from http import HTTPStatus

from defusedxml import ElementTree as SafeET

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
CS = "http://calendarserver.org/ns/"
ICAL = "http://apple.com/ns/ical/"
# Where a refusal's French text is carried: our own element, and the one
# Nextcloud's server (sabre/dav) writes, which several clients show as is.
ENSEMBLE = "urn:x-ensemble:caldav"
SABRE = "http://sabredav.org/ns"

PREFIXES = {DAV: "D", CALDAV: "C", CS: "CS", ICAL: "ICAL", ENSEMBLE: "E", SABRE: "s"}
for _ns, _prefix in PREFIXES.items():
    ET.register_namespace(_prefix, _ns)

MAX_BODY = 1024 * 1024


class BadBody(ValueError):
    """The request body is not the XML the method expects."""


def tag(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def parse(data: bytes) -> ET.Element | None:
    """The root element of a request body, or None when the body is empty."""
    if not data.strip():
        return None
    if len(data) > MAX_BODY:
        raise BadBody("too large")
    try:
        return SafeET.fromstring(data)
    except (ET.ParseError, ValueError) as error:  # defusedxml raises ValueError subclasses
        raise BadBody(str(error)) from None


def element(name: str, text: str | None = None, children: Iterable[ET.Element] = ()) -> ET.Element:
    node = ET.Element(name)
    if text is not None:
        node.text = text
    node.extend(children)
    return node


def href(path: str) -> ET.Element:
    return element(tag(DAV, "href"), path)


def status_line(code: int) -> str:
    return f"HTTP/1.1 {code} {HTTPStatus(code).phrase}"


def response(path: str, found: list[ET.Element], missing: list[str] = ()) -> ET.Element:
    """One <response> with a 200 propstat for `found` and a 404 one for `missing`."""
    node = element(tag(DAV, "response"), children=[href(path)])
    for properties, code in ((found, 200), ([element(m) for m in missing], 404)):
        if properties:
            node.append(
                element(
                    tag(DAV, "propstat"),
                    children=[
                        element(tag(DAV, "prop"), children=properties),
                        element(tag(DAV, "status"), status_line(code)),
                    ],
                )
            )
    return node


def status_response(path: str, code: int) -> ET.Element:
    """A <response> naming a member by its status only (a removed member: 404)."""
    return element(
        tag(DAV, "response"), children=[href(path), element(tag(DAV, "status"), status_line(code))]
    )


def multistatus(responses: Iterable[ET.Element], extra: Iterable[ET.Element] = ()) -> bytes:
    root = element(tag(DAV, "multistatus"), children=[*responses, *extra])
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def error(precondition: str, message: str, *extra: ET.Element) -> bytes:
    """A DAV:error body naming the failed precondition, with a French reason a
    client can show."""
    root = element(
        tag(DAV, "error"),
        children=[
            element(precondition, children=extra),
            element(tag(ENSEMBLE, "message"), message),
            element(tag(SABRE, "message"), message),
        ],
    )
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
