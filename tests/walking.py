"""The generated walk: every form of every registered route, found by reading the
pages, fed values derived from each field's own type.

A walk runs on its own copy of the demo database (committed for real, dropped at
the end) in which a superuser installed a row trigger on every table that notes
each insert, update and delete in `walk.writes`. A write that survives its request
leaves a row there; a rolled-back one does not. So « nothing written on a refusal »
is checked exactly: updates included, whatever the table.

How forms are found: signed in as the owner side of each tenant kind (the people
of the isolation walk, who may open every page with the samples of
tests/samples/), the walk GETs every route of the url map, reads every
`<form method="post">` of every page (and of the pages that a first valid POST
answers with, such as an import's preview), and learns each field's kind from the
kernel's `data-kind` attribute, else from the input's type. A POST route that no
page offers a form for still gets the generic garbage of `GENERIC`.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import psycopg
from hypothesis import strategies as st
from lxml import html as lxml_html
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from conftest import NAMESPACE, TEST_CONFIG, Demo, clone_database, sign_in

WRITE_LOG = """
CREATE SCHEMA walk;
CREATE TABLE walk.writes (id bigserial PRIMARY KEY, tbl text NOT NULL, op text NOT NULL);
CREATE FUNCTION walk.note() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    INSERT INTO walk.writes (tbl, op) VALUES (TG_TABLE_NAME, TG_OP);
    RETURN NULL;
END $$;
DO $$
DECLARE t record;
BEGIN
    FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
               AND c.relname <> 'alembic_version'
    LOOP
        EXECUTE format(
            'CREATE TRIGGER zz_walk_note AFTER INSERT OR UPDATE OR DELETE ON public.%I '
            'FOR EACH ROW EXECUTE FUNCTION walk.note()', t.relname);
    END LOOP;
END $$;
"""


class WriteLog:
    """Counts the writes that survived since `mark()` (read as the superuser)."""

    def __init__(self, admin_url: str) -> None:
        from ensemble.devstack.bootstrap import _libpq

        self.conn = psycopg.connect(_libpq(admin_url), autocommit=True)
        self.conn.execute(WRITE_LOG)
        self.last = 0

    def mark(self) -> int:
        self.last = self.conn.execute("SELECT coalesce(max(id), 0) FROM walk.writes").fetchone()[0]
        return self.last

    def since_mark(self) -> list[tuple[str, str]]:
        return self.conn.execute(
            "SELECT tbl, op FROM walk.writes WHERE id > %s ORDER BY id", (self.last,)
        ).fetchall()

    def close(self) -> None:
        self.conn.close()


@dataclass
class Walk:
    app: object
    writes: WriteLog
    urls: dict[str, dict[str, str]]  # kind -> endpoint -> url (with the owner's samples)
    owners: dict[str, str]


def start_walk(servers, name: str, main_app) -> Iterator[Walk]:
    """A walk app on its own database (with the write log), and every route's URL."""
    from test_isolation_http import SIDES, sample

    from ensemble import create_app
    from ensemble.extensions import db
    from ensemble.tenancy.urls import OBJECT_ARGS, TENANT_ARGS

    urls = clone_database(servers, name)
    namespace = f"{NAMESPACE}-{name}"
    walk_app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": urls.runtime,
            "SQLALCHEMY_BINDS": {"reporting": urls.reporting},
            "DATABASE_OWNER_URL": urls.owner,
            "REDIS_URL": servers["redis_url"],
            "REDIS_NAMESPACE": namespace,
            "CELERY_QUEUE": namespace,
            # Signing in a few hundred times must not be throttled away from the forms.
            "LOGIN_FAILURE_LIMIT": "100000 per hour",
        }
    )
    main_app.extensions["celery"].set_default()
    from conftest import RequestIsolatedClient

    walk_app.test_client_class = RequestIsolatedClient
    writes = WriteLog(urls.admin)
    built: dict[str, dict[str, str]] = {"centre": {}, "employer": {}, "federation": {}, "": {}}
    with walk_app.app_context():
        session = db.session
        demo = Demo(session)
        for rule in walk_app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            kinds = {TENANT_ARGS[a] for a in rule.arguments if a in TENANT_ARGS}
            kind = kinds.pop() if kinds else ""
            values = {}
            for arg in rule.arguments:
                if arg in TENANT_ARGS:
                    values[arg] = SIDES[kind]["slug"]
                elif arg in OBJECT_ARGS:
                    values[arg] = sample(
                        demo, session, OBJECT_ARGS[arg], kind, SIDES[kind]["slug"], arg
                    )
                else:
                    values[arg] = _opaque(session, demo, rule, arg)
            built[kind][rule.endpoint] = rule.build(values, append_unknown=False)[1]
        session.commit()
    owners = {kind: side["owner"] for kind, side in SIDES.items()}
    try:
        yield Walk(walk_app, writes, built, owners)
    finally:
        writes.close()
        with walk_app.app_context():
            for engine in db.engines.values():
                engine.dispose()


# Whose password the walk may reset: never one of the people walking.
RESET_PERSON = "ines.mercier@alma.demo"


def _opaque(session, demo, rule, arg: str) -> str:
    if rule.endpoint == "accounts.reset_password":
        from ensemble.accounts import operations as accounts
        from ensemble.tenancy import context

        with context.using(context.system_context(is_admin=True), session):
            return accounts.make_reset_token(session, demo.user(RESET_PERSON))
    return "garbage-token"


# --- Reading forms -----------------------------------------------------------------------


@dataclass
class FieldSpec:
    name: str
    kind: str
    value: str = ""
    options: list[str] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)
    multiple: bool = False


@dataclass
class FormSpec:
    action: str  # path
    endpoint: str
    fields: list[FieldSpec]
    buttons: list[tuple[str, str]]
    page: str  # where it was found
    multipart: bool = False

    @property
    def key(self) -> tuple:
        return (self.endpoint, tuple(sorted(f.name for f in self.fields)), tuple(self.buttons))


_INPUT_KINDS = {
    "number": "integer",
    "date": "date",
    "time": "time",
    "month": "month",
    "email": "email",
    "password": "password",
    "file": "file",
    "checkbox": "checkbox",
    "radio": "radio",
    "hidden": "hidden",
    "datetime-local": "datetime",
}


def _kind(element) -> str:
    if element.get("data-kind"):
        return element.get("data-kind")
    tag = element.tag
    if tag == "textarea":
        return "textarea"
    if tag == "select":
        return "select"
    kind = _INPUT_KINDS.get((element.get("type") or "text").lower(), "text")
    if kind == "text" and element.get("inputmode") == "decimal":
        return "decimal"
    if kind == "text" and element.get("inputmode") == "numeric":
        return "integer"
    return kind


def read_forms(page_url: str, body: str, endpoint_of) -> list[FormSpec]:
    """Every POST form of a page, with its fields as the page renders them."""
    if "<form" not in body:
        return []
    tree = lxml_html.fromstring(body)
    found = []
    for form in tree.iter("form"):
        if (form.get("method") or "get").lower() != "post":
            continue
        action = urlsplit(urljoin(page_url, form.get("action") or page_url))
        path = action.path + (f"?{action.query}" if action.query else "")
        endpoint = endpoint_of(action.path)
        if endpoint is None:
            continue
        fields: dict[str, FieldSpec] = {}
        buttons: list[tuple[str, str]] = []
        for element in form.iter("input", "select", "textarea", "button"):
            name = element.get("name")
            if not name:
                continue
            kind = _kind(element)
            if element.tag == "button" or (element.get("type") or "") == "submit":
                buttons.append((name, element.get("value") or ""))
                continue
            spec = fields.get(name)
            if element.tag == "select":
                options = [o.get("value", o.text_content()) for o in element.iter("option")]
                chosen = [
                    o.get("value", o.text_content())
                    for o in element.iter("option")
                    if o.get("selected") is not None
                ]
                value = chosen[0] if chosen else next((o for o in options if o), "")
                fields[name] = FieldSpec(
                    name,
                    "select",
                    value,
                    options,
                    dict(element.attrib),
                    element.get("multiple") is not None,
                )
            elif kind in ("checkbox", "radio"):
                if spec is None:
                    spec = fields[name] = FieldSpec(name, kind, "", [], dict(element.attrib))
                spec.options.append(element.get("value", "on"))
                if element.get("checked") is not None and not spec.value:
                    spec.value = element.get("value", "on")
                spec.multiple = spec.multiple or kind == "checkbox"
            elif element.tag == "textarea":
                fields[name] = FieldSpec(name, kind, element.text or "", [], dict(element.attrib))
            else:
                fields[name] = FieldSpec(
                    name, kind, element.get("value") or "", [], dict(element.attrib)
                )
        found.append(
            FormSpec(
                path,
                endpoint,
                list(fields.values()),
                buttons,
                page_url,
                (form.get("enctype") or "") == "multipart/form-data",
            )
        )
    return found


def endpoint_matcher(app):
    adapter = app.url_map.bind("localhost")

    def endpoint_of(path: str) -> str | None:
        try:
            endpoint, _args = adapter.match(path, method="POST")
        except (NotFound, MethodNotAllowed, RequestRedirect):
            return None
        return endpoint

    return endpoint_of


# --- Values ----------------------------------------------------------------------------

# Thrown at every field, whatever its kind.
GENERIC = [
    "   ",
    "\x00",
    "a\x0bb\x0cc\x01d\x7fe\x85f\ufffe",
    "x" * 20_000,
    "٣٤٥",
    "\u202e<script>alert(1)</script>",
    "% %(x)s %s {0}",
    '=HYPERLINK("http://evil.example")',
    "😀" * 50,
]
NUMBERS = [
    "1e30",
    "-1e30",
    "999999999999",
    "99999999",
    "9" * 400,
    "-0",
    "0,001",
    "1 2 3",
    "NaN",
    "Infinity",
    "١٢",
    "2147483648",
    "9223372036854775808",
    "0," + "0" * 60 + "1",
    "1 234,56 €",
    "63 %",
]
DATES = [
    "0001-01-01",
    "9999-12-31",
    "99999999-01-01",
    "1899-12-31",
    "2101-01-01",
    "2026-02-30",
    "31/12/99999999",
    "٢٠٢٦-٠١-٠١",
    "1/1/26",
    "99999999",
]
TIMES = ["25:00", "23:60", "-1:00", "99999999:00", "24:00", "٠٩:٠٠", "12"]
MONTHS = ["0001-01", "99999999-01", "2026-13", "13/2026", "9999-12"]
IDS = [
    "0",
    "-1",
    "9223372036854775807",
    "9223372036854775808",
    "99999999999999999999",
    "١",
    "abc",
    "e:99999999999999999999",
    "c:-1",
]
RULES = [
    "FREQ=SECONDLY;COUNT=999999999",
    "FREQ=MINUTELY;COUNT=999999",
    "FREQ=HOURLY",
    "FREQ=DAILY;COUNT=999999999",
    "FREQ=DAILY;UNTIL=99991231T235959",
    "FREQ=DAILY;UNTIL=00010101",
    "FREQ=YEARLY;BYYEARDAY=400",
    "FREQ=WEEKLY;INTERVAL=0",
    "FREQ=WEEKLY;INTERVAL=99999999",
    "garbage",
]

EXTREMES = {
    "integer": NUMBERS,
    "count": NUMBERS,
    "year": NUMBERS + ["0", "10000", "1899"],
    "decimal": NUMBERS,
    "euros": NUMBERS,
    "hours": NUMBERS,
    "percent": NUMBERS + ["100,01", "-1"],
    "date": DATES,
    "datetime": DATES,
    "month": MONTHS,
    "time": TIMES,
    "email": ["a@b", "x" * 300 + "@example.org", "@@"],
    "select": IDS,
    "checkbox": IDS,
    "radio": IDS,
    "hidden": IDS + ["1e30", "0001-01-01T00:00", "99999999-01-01T10:00"],
    "id": IDS,
}

BASELINES = {
    "text": "Essai",
    "textarea": "Texte d’essai.",
    "richtext": "<p>Texte d’essai.</p>",
    "email": "hugo.carpentier@alma.demo",
    "password": "un mot de passe assez long",
    "integer": "1",
    "count": "1",
    "year": "2025",
    "decimal": "10",
    "euros": "10",
    "hours": "10",
    "percent": "10",
    "month": "2026-02",
    "datetime": "2026-06-15T10:00",
}


def baseline(spec: FieldSpec, position: int) -> object:
    """A value the field would take: what the page shows, else one of its kind."""
    if spec.kind == "file":
        return sample_file(spec)
    if spec.kind == "password":
        return BASELINES["password"]
    if spec.value:
        return spec.value
    if spec.kind in ("select",):
        return next((o for o in spec.options if o), "")
    if spec.kind in ("checkbox", "radio"):
        return spec.options[0] if spec.options else "on"
    if spec.kind == "date":
        picker = spec.attrs.get("type") == "date"
        return "2026-06-15" if picker else "15/06/2026"
    if spec.kind == "time":
        # Successive times of a form rise, so an end follows its start.
        return f"{10 + position:02d}:00"
    return BASELINES.get(spec.kind, "Essai")


def sample_file(spec: FieldSpec, content: bytes | None = None, name: str | None = None):
    accept = spec.attrs.get("accept", "")
    extension = (accept.split(",")[0].lstrip(".") if accept else "txt") or "txt"
    if content is None:
        content = SAMPLE_FILES.get(extension, b"Essai\n")
    return (io.BytesIO(content), name or f"essai.{extension}")


SAMPLE_FILES = {
    "pdf": b"%PDF-1.4\n%essai\n",
    "png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 16,
    "jpg": b"\xff\xd8\xff\xe0" + b"\x00" * 16,
    "csv": (
        "Nom;Prénom;Emploi;Contrat;Date d’entrée;ETP\r\n"
        "Essai;Camille;Animatrice;CDI;01/09/2026;1\r\n"
    ).encode(),
    "txt": b"Essai\n",
    "ics": (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//essai//FR\r\nBEGIN:VEVENT\r\n"
        b"UID:essai@example.org\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20300107T090000Z\r\n"
        b"DTEND:20300107T100000Z\r\nSUMMARY:Essai\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ),
}

FILE_EXTREMES = [
    (b"", "vide.pdf"),
    (b"\x00" * 1024, "nul.csv"),
    (b"not a pdf", "faux.pdf"),
    (b"PK\x03\x04garbage", "casse.xlsx"),
    (b"\xff\xfe\x00garbage", "binaire.ics"),
    (b"%PDF-1.4", "../../etc/passwd"),
    (b"%PDF-1.4", "é" * 300 + ".pdf"),
    (b"BEGIN:VCALENDAR\r\n" + b"X" * 4_000_000, "gros.ics"),
]


def extremes(spec: FieldSpec) -> list[object]:
    """The values of its kind the deterministic pass throws at one field in turn."""
    if spec.kind == "file":
        return [sample_file(spec, content, name) for content, name in FILE_EXTREMES]
    values = list(EXTREMES.get(spec.kind, []))
    if spec.name == "rrule":
        values = RULES + values
    return values


def garbage(spec: FieldSpec, index: int) -> object:
    """The `index`-th value of the pass that sets every field at once: the kind's
    extremes, then the generic garbage."""
    if spec.kind == "file":
        return sample_file(spec, *FILE_EXTREMES[index % len(FILE_EXTREMES)])
    values = extremes(spec) + GENERIC
    return values[index % len(values)]


_DIGITS = "0123456789"


def field_values(spec: FieldSpec) -> st.SearchStrategy:
    """Hypothesis: anything a person or an attacker could send to this field."""
    if spec.kind == "file":
        return st.builds(
            lambda content, name: sample_file(spec, content, name),
            st.binary(max_size=2048),
            st.text(min_size=1, max_size=60).map(lambda s: s.replace("/", "") or "f"),
        )
    numbers = st.one_of(
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.text(alphabet=_DIGITS + " ,.-−e\u00a0\u202f€%h", max_size=40),
        st.floats().map(lambda f: str(f).replace(".", ",")),
    )
    dates = st.one_of(
        st.dates().map(lambda d: d.isoformat()),
        st.dates().map(lambda d: d.strftime("%d/%m/") + str(d.year)),
        st.from_regex(r"\A[0-9]{1,9}[-/][0-9]{1,3}[-/][0-9]{1,9}\Z"),
    )
    anything = st.one_of(
        st.sampled_from(GENERIC + NUMBERS + DATES + IDS + RULES),
        st.text(max_size=300),
        st.text(alphabet=st.characters(max_codepoint=0x9F), max_size=50),
    )
    by_kind = {
        "integer": numbers,
        "count": numbers,
        "year": numbers,
        "decimal": numbers,
        "euros": numbers,
        "hours": numbers,
        "percent": numbers,
        "date": dates,
        "datetime": dates,
        "month": st.from_regex(r"\A[0-9]{1,9}-[0-9]{1,3}\Z"),
        "time": st.from_regex(r"\A[0-9]{1,3}:[0-9]{1,3}\Z"),
        "select": st.one_of(st.sampled_from(spec.options or [""]), st.sampled_from(IDS)),
        "checkbox": st.one_of(st.sampled_from(spec.options or ["on"]), st.sampled_from(IDS)),
        "radio": st.one_of(st.sampled_from(spec.options or ["on"]), st.sampled_from(IDS)),
    }
    kind_values = by_kind.get(spec.kind, st.nothing())
    if spec.name == "rrule":
        kind_values = st.one_of(kind_values, st.sampled_from(RULES))
    return st.one_of(kind_values, anything)


# --- Posting ------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def payload(form: FormSpec, overrides: dict[str, object], token: str) -> dict:
    data: dict[str, object] = {}
    time_position = 0
    for spec in form.fields:
        if spec.name in overrides:
            data[spec.name] = overrides[spec.name]
        else:
            data[spec.name] = baseline(spec, time_position)
        if spec.kind == "time":
            time_position += 1
    data["csrf_token"] = token
    for name, value in form.buttons[:1]:
        data.setdefault(name, value)
    return data


def is_refusal(response, flashes) -> bool:
    if response.status_code >= 400:
        return True
    if any(category == "error" for category, _ in flashes):
        return True
    if response.status_code == 200 and response.mimetype == "text/html":
        body = response.get_data(as_text=True)
        return 'class="error-summary"' in body or "has-error" in body
    return False


def take_flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.pop("_flashes", []) or [])


@contextlib.contextmanager
def signed_in(app, email: str | None):
    client = app.test_client()
    if email:
        assert sign_in(client, email).status_code == 302, email
    yield client
