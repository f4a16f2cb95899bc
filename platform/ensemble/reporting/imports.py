"""Import and export of a declaration as French spreadsheets save them.

Reading and writing go through the kernel's one reader and one writer
(`ensemble.kernel.spreadsheets`): CSV in UTF-8 or Windows-1252 with « ; », « , »
or tabs, XLSX as Excel and LibreOffice write them, the header found below title
rows, percent cells read as they show, French numbers. The file is read whole
and checked cell by cell; nothing is imported unless every row is right (all or
nothing). Every error names the row and the column.

Two rules are shared with the declaration itself, so that the preview shows
exactly what the import refuses and the form refuses the same: a percent
indicator takes 0 to 100, a plain 0,63 for it is ambiguous (`percent_problem`);
a part above its total is refused whether or not the other parts are given,
counting the figures already declared (`operations.parts_above_total`).

Columns, by header name: code (required), ventilation, valeur (required),
commentaire; an « indicateur » column (the label, written by the export) is
ignored on the way back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _

from ensemble.kernel import french, spreadsheets
from ensemble.kernel.parsing import Unreadable, parse_decimal
from ensemble.kernel.spreadsheets import Column, SheetProblem
from ensemble.reporting import operations as reporting
from ensemble.reporting.models import Indicator
from ensemble.reporting.operations import BREAKDOWN_LABELS, BREAKDOWNS, UNITS

MAX_BYTES = spreadsheets.MAX_BYTES
MAX_ROWS = 2000
COLUMNS = (
    Column("code", "code", required=True),
    Column("label", "indicateur", ("libelle", "libellé")),
    Column("key", "ventilation"),
    Column("value", "valeur", required=True),
    Column("comment", "commentaire"),
)
# A declared figure fits numeric(14, 2).
MAX_FIGURE = Decimal("999999999999.99")


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
    notices: list[str] = field(default_factory=list)  # what was read (which sheet)

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
    value = parse_decimal(text, units=("%", "€"))
    if value is None:
        raise ValueError("empty")
    return value


def percent_problem(indicator: Indicator, value: Decimal, shown: str, percent: bool) -> str:
    """What is wrong with `value` (as written: `shown`; `percent` when the cell or
    the text says « % ») for `indicator`, as to percentages; « » when nothing.
    The one rule of the import and of the declaration form:

    - a percentage for an indicator that is not one is refused;
    - a percent indicator takes 0 to 100 (63 for 63 %); a plain number above 0 and
      up to 1 is ambiguous (0,63 may mean 63 % or 0,63 %): refused, unless the
      cell is formatted as a percentage or the text ends with « % »."""
    if percent and indicator.unit != "percent":
        return _(
            "cette cellule est un pourcentage (%(shown)s) ; l’indicateur attend"
            " un nombre (%(unit)s).",
            shown=shown,
            unit=UNITS.get(indicator.unit, indicator.unit),
        )
    if indicator.unit == "percent" and not percent and 0 < value <= 1:
        return _(
            "« %(shown)s » est ambigu pour un pourcentage : écrivez %(points)s pour"
            " %(points)s\u202f%%, ou « %(shown)s\u202f%% » s’il s’agit bien de moins"
            " de 1\u202f%% (un pourcentage va de 0 à 100).",
            shown=shown,
            points=french.compact_number(value * 100),
        )
    return ""


def preview(
    data: bytes,
    indicators: list[Indicator],
    filename: str = "",
    existing: Mapping[tuple[str, str], Decimal] | None = None,
) -> Preview:
    """Every row of the file with each bad cell explained (row and column named):
    exactly what the import refuses (it imports only a preview without errors).
    `existing` are the declaration's figures, which the file's complete: a part
    above its total is refused whether the total or the part is in the file."""
    try:
        table = spreadsheets.read_table(data, filename, COLUMNS)
    except SheetProblem as problem:
        return Preview([], [str(problem)])
    notices = table.notices
    if not table.rows:
        return Preview([], [_("Le fichier ne contient aucune ligne sous l’en-tête.")], notices)
    if len(table.rows) > MAX_ROWS:
        return Preview([], [_("Trop de lignes (au plus %(n)d).", n=MAX_ROWS)], notices)
    by_code = {i.code: i for i in indicators}
    rows: list[tuple[PreviewRow, spreadsheets.Row]] = []
    sheet_rows: dict[tuple[str, str], spreadsheets.Row] = {}
    seen: dict[tuple[str, str], int] = {}
    for sheet_row in table.rows:
        code = sheet_row.cell("code").text
        key = sheet_row.cell("key").text.lower()
        if key in ("total", "ensemble"):
            key = ""
        value_cell = sheet_row.cell("value")
        row = PreviewRow(
            sheet_row.line,
            code[:60],
            key[:20],
            value_cell.text[:40],
            None,
            sheet_row.cell("comment").text[:1000],
        )
        indicator = by_code.get(code)
        if indicator is None:
            sheet_row.problem(
                "code", _("code « %(code)s » inconnu pour cette campagne.", code=code[:60])
            )
        else:
            row.label = indicator.label
            if key and key not in BREAKDOWNS[indicator.breakdown]:
                allowed = ", ".join(BREAKDOWNS[indicator.breakdown]) or _("aucune")
                sheet_row.problem(
                    "key",
                    _(
                        "ventilation « %(key)s » impossible pour cet indicateur"
                        " (possibles : %(allowed)s).",
                        key=key[:20],
                        allowed=allowed,
                    ),
                )
        if value_cell.blank:
            sheet_row.problem("value", _("valeur manquante."))
        else:
            try:
                row.value = value_cell.decimal()
            except Unreadable:
                sheet_row.problem(
                    "value",
                    _(
                        "« %(value)s » n’est pas un nombre (exemple : 1\u202f488,50).",
                        value=value_cell.text[:40],
                    ),
                )
        if row.value is not None and indicator is not None:
            _check_value(sheet_row, row, indicator, value_cell.is_percent())
        if (code, key) in seen:
            sheet_row.problem("code", _("déjà donné ligne %(line)d.", line=seen[(code, key)]))
        else:
            seen[(code, key)] = sheet_row.line
            if indicator is not None and row.value is not None and not sheet_row.problems:
                sheet_rows[(code, key)] = sheet_row
        rows.append((row, sheet_row))
    kept = {k: v for k, v in (existing or {}).items() if k not in seen}
    _check_parts(indicators, sheet_rows, {**kept, **_figures(rows)})
    for row, sheet_row in rows:
        row.errors = [p.text for p in sheet_row.problems]
    return Preview([row for row, _sheet_row in rows], [], notices)


def _figures(rows) -> dict[tuple[str, str], Decimal]:
    return {(r.code, r.key): r.value for r, s in rows if r.value is not None and not s.problems}


def _check_parts(
    indicators: list[Indicator],
    sheet_rows: dict[tuple[str, str], spreadsheets.Row],
    figures: dict[tuple[str, str], Decimal],
) -> None:
    """A part above its total (`operations.parts_above_total`, the declaration's own
    rule) is the problem of the file's row that gives the part, else of the row that
    gives the total; the declaration's figures count as much as the file's."""
    for indicator in indicators:
        total = figures.get((indicator.code, ""))
        for key in reporting.parts_above_total(indicator, figures):
            part = figures[(indicator.code, key)]
            at_part = sheet_rows.get((indicator.code, key))
            at_total = sheet_rows.get((indicator.code, ""))
            label = str(BREAKDOWN_LABELS[key]).lower()
            if at_part is not None:
                where = (
                    _("ligne %(line)d", line=at_total.line)
                    if at_total is not None
                    else _("déjà déclaré")
                )
                at_part.problem(
                    "value",
                    _(
                        "%(part)s (%(key)s) dépasse le total de l’indicateur"
                        " (%(total)s, %(where)s).",
                        part=french.compact_number(part),
                        key=label,
                        total=french.compact_number(total),
                        where=where,
                    ),
                )
            elif at_total is not None:
                at_total.problem(
                    "value",
                    _(
                        "le total (%(total)s) est inférieur à la part %(key)s déjà déclarée"
                        " (%(part)s).",
                        total=french.compact_number(total),
                        key=label,
                        part=french.compact_number(part),
                    ),
                )


def _check_value(sheet_row, row: PreviewRow, indicator: Indicator, percent: bool) -> None:
    value = row.value
    about_percent = percent_problem(indicator, value, row.raw_value, percent)
    if about_percent:
        sheet_row.problem("value", about_percent)
    elif value < 0:
        sheet_row.problem("value", _("une valeur négative est impossible."))
    elif value > MAX_FIGURE or (indicator.max_value is not None and value > indicator.max_value):
        sheet_row.problem("value", _("valeur impossible : au-delà du maximum admis."))
    elif indicator.unit == "count" and value != value.to_integral_value():
        sheet_row.problem("value", _("un nombre de personnes ou d’actions est entier."))
    elif value != value.quantize(Decimal("0.01")):
        sheet_row.problem("value", _("au plus deux chiffres après la virgule."))


def export_rows(indicators: list[Indicator], values: dict) -> list[list]:
    """The declaration as rows (header first), in the import's columns; figures as
    numbers (the writer puts a decimal comma in CSV)."""
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
                    value.value,
                    value.comment,
                ]
            )
    return out


def to_csv(rows: list[list]) -> bytes:
    """CSV for French Excel (the kernel's writer)."""
    return spreadsheets.csv_bytes(rows)


def to_xlsx(rows: list[list], title: str) -> bytes:
    """XLSX (the kernel's writer)."""
    return spreadsheets.xlsx_bytes(rows, title)
