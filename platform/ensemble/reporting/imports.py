"""Import and export of a declaration as French spreadsheets save them.

CSV: semicolons (commas and tabs accepted), decimal commas, thousands
separators (space, no-break space, narrow no-break space, or dots in groups of
three), Windows-1252 or UTF-8 with or without BOM. XLSX: the first sheet,
same columns. The file is read whole and checked cell by cell; nothing is
imported unless every row is right (all or nothing).

Columns, by header name: code (required), ventilation, valeur (required),
commentaire; an « indicateur » column (the label, written by the export) is
ignored on the way back.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from ensemble.reporting.models import Indicator
from ensemble.reporting.operations import BREAKDOWN_LABELS, BREAKDOWNS

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
XLSX_MAGIC = b"PK\x03\x04"
HEADERS = {
    "code": "code",
    "indicateur": "label",
    "libelle": "label",
    "ventilation": "key",
    "valeur": "value",
    "commentaire": "comment",
}
SPACES = {" ", "\u00a0", "\u202f", "\u2009", "'"}
DOTTED_THOUSANDS = re.compile(r"\d{1,3}(\.\d{3})+")


@dataclass
class PreviewRow:
    line: int
    code: str
    key: str
    raw_value: str
    value: Decimal | None
    comment: str
    label: str = ""
    errors: list[str] = field(default_factory=list)


@dataclass
class Preview:
    rows: list[PreviewRow]
    file_errors: list[str]

    @property
    def ok(self) -> bool:
        return not self.file_errors and all(not r.errors for r in self.rows) and bool(self.rows)

    @property
    def error_count(self) -> int:
        return len(self.file_errors) + sum(len(r.errors) for r in self.rows)

    def figures(self) -> dict[tuple[str, str], Decimal]:
        return {(r.code, r.key): r.value for r in self.rows if r.value is not None}

    def comments(self) -> dict[str, str]:
        return {r.code: r.comment for r in self.rows if r.key == "" and r.comment}


def parse_number(text: str) -> Decimal:
    """« 1 488,50 », « 1.488 », « 0,39 », « 63 % » → Decimal; ValueError otherwise."""
    cleaned = "".join(ch for ch in text.strip() if ch not in SPACES)
    cleaned = cleaned.removesuffix("%").removesuffix("€").strip()
    if not cleaned:
        raise ValueError("empty")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif DOTTED_THOUSANDS.fullmatch(cleaned):
        cleaned = cleaned.replace(".", "")
    if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        raise ValueError(text)
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above is stricter
        raise ValueError(text) from exc


def decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _normalise(header: str) -> str:
    text = unicodedata.normalize("NFKD", header.strip().lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _table_from_csv(data: bytes) -> list[list[str]]:
    text = decode(data)
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if ";" in first else ("\t" if "\t" in first else ",")
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _table_from_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    table = []
    for row in sheet.iter_rows(values_only=True):
        cells = []
        for value in row:
            if value is None:
                cells.append("")
            elif isinstance(value, float):
                cells.append(str(Decimal(repr(value))).replace(".", ","))
            else:
                cells.append(str(value))
        table.append(cells)
    workbook.close()
    return table


def preview(data: bytes, indicators: list[Indicator]) -> Preview:
    """Every row of the file with each bad cell explained."""
    if len(data) > MAX_BYTES:
        return Preview([], [_("Le fichier dépasse 2 Mo.")])
    try:
        table = _table_from_xlsx(data) if data.startswith(XLSX_MAGIC) else _table_from_csv(data)
    except Exception:  # noqa: BLE001 - any unreadable file is one explained error
        return Preview([], [_("Ce fichier n’est ni un CSV ni un classeur XLSX lisible.")])
    table = [r for r in table if any(cell.strip() for cell in r)]
    if not table:
        return Preview([], [_("Le fichier est vide.")])
    columns = {HEADERS.get(_normalise(h)): i for i, h in enumerate(table[0]) if _normalise(h)}
    columns.pop(None, None)
    missing = [name for name in ("code", "valeur") if HEADERS[name] not in columns]
    if missing:
        return Preview(
            [],
            [
                _(
                    "Colonnes manquantes : %(names)s (la première ligne doit nommer les colonnes"
                    " code, ventilation, valeur, commentaire).",
                    names=", ".join(missing),
                )
            ],
        )
    if len(table) > MAX_ROWS + 1:
        return Preview([], [_("Trop de lignes (au plus %(n)d).", n=MAX_ROWS)])
    by_code = {i.code: i for i in indicators}
    rows: list[PreviewRow] = []
    seen: dict[tuple[str, str], int] = {}

    def cell(row: list[str], name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    for line, raw in enumerate(table[1:], start=2):
        code = cell(raw, "code")
        key = cell(raw, "key").lower()
        if key in ("total", "ensemble"):
            key = ""
        raw_value = cell(raw, "value")
        row = PreviewRow(line, code, key, raw_value, None, cell(raw, "comment")[:1000])
        indicator = by_code.get(code)
        if indicator is None:
            row.errors.append(_("Code « %(code)s » inconnu pour cette campagne.", code=code))
        else:
            row.label = indicator.label
            if key and key not in BREAKDOWNS[indicator.breakdown]:
                allowed = ", ".join(BREAKDOWNS[indicator.breakdown]) or _("aucune")
                row.errors.append(
                    _(
                        "Ventilation « %(key)s » impossible pour cet indicateur"
                        " (possibles : %(allowed)s).",
                        key=key,
                        allowed=allowed,
                    )
                )
        if raw_value:
            try:
                row.value = parse_number(raw_value)
            except ValueError:
                row.errors.append(
                    _("« %(value)s » n’est pas un nombre (exemple : 1 488,50).", value=raw_value)
                )
        else:
            row.errors.append(_("Valeur manquante."))
        if row.value is not None and indicator is not None:
            if row.value < 0:
                row.errors.append(_("Une valeur négative est impossible."))
            elif indicator.max_value is not None and row.value > indicator.max_value:
                row.errors.append(_("Valeur impossible : au-delà du maximum admis."))
            if indicator.unit == "count" and row.value != row.value.to_integral_value():
                row.errors.append(_("Un nombre de personnes ou d’actions est entier."))
        if (code, key) in seen:
            row.errors.append(_("Déjà donné ligne %(line)d.", line=seen[(code, key)]))
        else:
            seen[(code, key)] = line
        rows.append(row)
    return Preview(rows, [])


def export_rows(indicators: list[Indicator], values: dict, *, numeric: bool = False) -> list[list]:
    """The declaration as rows (header first), in the import's columns; figures as
    French text for CSV, as numbers for XLSX."""
    out = [["code", "indicateur", "ventilation", "valeur", "commentaire"]]
    for indicator in indicators:
        for key in ("", *BREAKDOWNS[indicator.breakdown]):
            value = values.get((indicator.code, key))
            if value is None:
                continue
            out.append(
                [
                    indicator.code,
                    indicator.label + ("" if key == "" else f" – {BREAKDOWN_LABELS[key]}"),
                    key,
                    float(value.value) if numeric else _french(value.value),
                    value.comment,
                ]
            )
    return out


def _french(value: Decimal) -> str:
    text = format(value.normalize() if value == value.to_integral_value() else value, "f")
    return text.replace(".", ",")


def to_csv(rows: list[list[str]]) -> bytes:
    """CSV for French Excel: UTF-8 with BOM, semicolons."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


PLAIN = (str, int, float, Decimal, date, datetime)


def to_xlsx(rows: list[list], title: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for row in rows:
        # Labels may be lazy translations (cooperation figures): cells take plain values.
        sheet.append([v if v is None or isinstance(v, PLAIN) else str(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
