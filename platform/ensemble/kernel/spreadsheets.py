"""One spreadsheet reader and one writer, for every import and every export.

Reading (`read_table`): an XLSX workbook or a CSV as French offices save them —

- CSV in UTF-8 (with or without BOM) or Windows-1252, separated by « ; », « , »
  or tabs (sniffed from the first lines), CRLF or LF;
- in a workbook of several sheets, the one sheet whose header names the
  columns is read, and the table says which and names the others
  (`Table.notices`); two sheets that both could be imported are refused, never
  guessed between;
- the header row found below title rows and merged title cells: among the rows
  that name every required column (headings compared without case, accents or
  extra spaces, through each column's aliases), the one that names the most,
  so that a title row naming some columns (« Centre | Indicateur | Valeur ») is
  not taken for the header (`_find_header`);
- typed cells kept typed: a number stays a number, a date a date, and a cell
  formatted as percent is read as it shows (a cell showing 63 % is 63, flagged
  `percent`), never 0,63; numbers stored as text, decimal commas and thousands
  separated by a space, a no-break space, a narrow no-break space or a dot are
  read by `ensemble.kernel.parsing`;
- a row with more cells than the header is refused with the row and the column
  named (in a comma-separated file, an unquoted « 0,39 » is two cells: it must
  never silently become 0);
- bounded: the file's size, its uncompressed size, its rows and columns.

Every problem names the row (its number in the file, as the spreadsheet shows
it) and the column heading (`Problem.text`).

Writing (`csv_bytes`, `xlsx_bytes`, `download`): numbers as numbers (a decimal
comma in CSV), dates as dates, and every text cell that starts with « = », « + »,
« - », « @ », a tab or a carriage return neutralised against formula injection,
here and nowhere else — a negative number stays a number.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from flask import send_file
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from ensemble.kernel import french
from ensemble.kernel.parsing import Unreadable, parse_date, parse_decimal
from ensemble.kernel.text import clean

MAX_BYTES = 2 * 1024 * 1024
MAX_UNCOMPRESSED = 40 * 1024 * 1024  # an XLSX is a zip: refuse what inflates past this
MAX_ROWS = 5000
MAX_COLUMNS = 100
MAX_CELL = 10_000  # characters
HEADER_SEARCH = 30  # rows looked at for the header
XLSX_MAGIC = b"PK\x03\x04"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Werkzeug adds « ; charset=utf-8 » to every text/* type it sends.
CSV = "text/csv"


class SheetProblem(Exception):  # noqa: N818 - a problem of the file, explained to the person
    """The file as a whole cannot be read; `message` is French."""

    def __init__(self, message: object) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def normalise(text: object) -> str:
    """A heading as compared: lower case, no accents, one space, « ’ » as « ' »."""
    value = unicodedata.normalize("NFKD", str(text or ""))
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = value.replace("’", "'").replace("\u00a0", " ").replace("\u202f", " ")
    value = re.sub(r"\s+", " ", value.lower()).strip().strip(":").strip()
    return value


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- Cells -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One cell as read: its typed value (str, Decimal, date, datetime, bool or None)
    and, for numbers, whether the sheet showed it as a percentage."""

    value: object = None
    percent: bool = False

    @property
    def blank(self) -> bool:
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())

    @property
    def text(self) -> str:
        """The cell as a person would read it (French), for messages and text columns."""
        value = self.value
        if value is None:
            return ""
        if isinstance(value, bool):
            return "VRAI" if value else "FAUX"
        if isinstance(value, Decimal):
            text = format(value, "f").replace(".", ",")
            return f"{text}\u202f%" if self.percent else text
        if isinstance(value, datetime):
            if value.time() == time():
                return value.strftime("%d/%m/%Y")
            return value.strftime("%d/%m/%Y %H:%M")
        if isinstance(value, date):
            return value.strftime("%d/%m/%Y")
        return str(value).strip()

    def decimal(self) -> Decimal | None:
        """The number in the cell (a text cell is read as French input); None if blank.
        A percentage is given in points (63 for 63 %); see `percent`."""
        if self.blank:
            return None
        if isinstance(self.value, Decimal):
            return self.value
        if isinstance(self.value, bool | date):
            raise Unreadable(_l("« %(value)s » n’est pas un nombre.", value=self.text[:40]))
        return parse_decimal(str(self.value), units=("%", "€"))

    def is_percent(self) -> bool:
        """The sheet showed a percentage (format « 0 % ») or the text ends with « % »."""
        return self.percent or (isinstance(self.value, str) and self.value.strip().endswith("%"))

    def date(self) -> date | None:
        if self.blank:
            return None
        if isinstance(self.value, datetime):
            return self.value.date()
        if isinstance(self.value, date):
            return self.value
        if isinstance(self.value, Decimal):
            raise Unreadable(
                _l("« %(value)s » n’est pas une date (attendu JJ/MM/AAAA).", value=self.text)
            )
        return parse_date(str(self.value))


def _tidy(number: Decimal) -> Decimal:
    """63.00 → 63, 0.390 → 0.39 (never « 6.3E+1 »)."""
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


def _number(value: float | int) -> Decimal:
    # repr() gives the shortest text that reads back as the same float: 0.63, not
    # 0.6300000000000000044…
    return _tidy(Decimal(repr(value)) if isinstance(value, float) else Decimal(value))


def _xlsx_cell(value: object, number_format: str) -> Cell:
    if value is None:
        return Cell()
    if isinstance(value, bool):
        return Cell(value)
    if isinstance(value, int | float):
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            return Cell(str(value))
        if abs(value) >= 10**15:
            # Beyond any figure an import takes (and beyond Decimal's quantize):
            # kept as text, so the column's own check names the cell.
            return Cell(repr(value) if isinstance(value, float) else str(value))
        number = _number(value)
        if "%" in (number_format or ""):
            # What the sheet shows: 0.63 formatted « 0 % » reads « 63 % ».
            return Cell(_tidy(number * 100), percent=True)
        return Cell(number)
    if isinstance(value, datetime | date):
        return Cell(value)
    if isinstance(value, time):
        return Cell(value.strftime("%H:%M"))
    text = clean(str(value))
    return Cell(text[: MAX_CELL + 1])


# --- Files -------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (what Excel's « CSV (séparateur :
    point-virgule) » writes)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise SheetProblem(
            _l("Encodage non reconnu : enregistrez le fichier en CSV UTF-8 ou Windows-1252.")
        ) from None


DELIMITERS = (";", ",", "\t")


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines most consistently into most cells."""
    lines = [line for line in text.splitlines()[:HEADER_SEARCH] if line.strip()]
    best, best_score = ";", (-1, -1)
    for delimiter in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        wide = [n for n in counts if n > 1]
        if not wide:
            continue
        modal = max(set(wide), key=wide.count)
        score = (wide.count(modal), modal)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_rows(data: bytes) -> list[list[Cell]]:
    text = decode(data)
    if "\x00" in text:
        raise SheetProblem(_l("Ce fichier n’est pas un tableau lisible (CSV ou XLSX)."))
    delimiter = sniff_delimiter(text)
    rows = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append([Cell(clean(value)[: MAX_CELL + 1]) for value in row[: MAX_COLUMNS + 1]])
            if len(rows) > MAX_ROWS + HEADER_SEARCH + 1:
                break
    except csv.Error:
        raise SheetProblem(
            _l("Fichier CSV illisible : vérifiez les guillemets et les séparateurs.")
        ) from None
    return rows


@dataclass
class Sheet:
    """One sheet of a file: its name (« » for a CSV) and its rows as read so far."""

    name: str
    rows: list[list[Cell]]


def _sheet_rows(sheet, limit: int) -> list[list[Cell]]:
    rows = []
    # max_col: a sheet may claim a dimension of 16 384 columns.
    for row in sheet.iter_rows(max_row=limit, max_col=MAX_COLUMNS + 1):
        cells = [_xlsx_cell(c.value, getattr(c, "number_format", "") or "") for c in row]
        while cells and cells[-1].blank:
            cells.pop()
        rows.append(cells)
        if len(rows) >= limit:
            break
    return rows


def _xlsx_sheets(data: bytes, choose) -> tuple[list[Sheet], int]:
    """Every sheet's first rows (`HEADER_SEARCH`), then the whole of the sheet that
    `choose` (a function of those sheets) picks: returns (sheets, its index)."""
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED:
                raise SheetProblem(_l("Ce classeur est trop volumineux une fois décompressé."))
        with warnings.catch_warnings():
            # Styles or extensions openpyxl does not know are irrelevant to the data.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            # A hidden sheet (lists behind drop-downs, a template's leftovers) is not
            # what the person means to import: found by the red team, it made a
            # second candidate and the file was refused.
            worksheets = [
                w
                for w in workbook.worksheets
                if hasattr(w, "iter_rows") and getattr(w, "sheet_state", "visible") == "visible"
            ]
            if not worksheets:
                raise SheetProblem(_l("Ce classeur ne contient aucune feuille de calcul."))
            sheets = [Sheet(str(w.title), _sheet_rows(w, HEADER_SEARCH)) for w in worksheets]
            chosen = choose(sheets)
            sheets[chosen].rows = _sheet_rows(worksheets[chosen], MAX_ROWS + HEADER_SEARCH + 2)
            return sheets, chosen
        finally:
            workbook.close()
    except SheetProblem:
        raise
    except Exception:  # noqa: BLE001 - any damaged workbook is one explained problem
        raise SheetProblem(
            _l("Ce classeur Excel est illisible. Enregistrez-le de nouveau au format .xlsx.")
        ) from None


def read_rows(data: bytes, filename: str = "") -> list[list[Cell]]:
    """Every row of the file as cells (XLSX by content, its first sheet; else CSV)."""
    sheets, chosen, _from_csv = _read(data, filename, lambda sheets: 0)
    return sheets[chosen].rows


def _read(data: bytes, filename: str, choose) -> tuple[list[Sheet], int, bool]:
    """The file's sheets (one for a CSV), the index of the one read whole (see
    `_xlsx_sheets`), and whether they come from a CSV (whose rows keep every cell)."""
    if not data:
        raise SheetProblem(_l("Le fichier est vide."))
    if len(data) > MAX_BYTES:
        raise SheetProblem(
            _l("Fichier trop lourd : %(n)s Mo au plus.", n=french.number(MAX_BYTES // 2**20))
        )
    lower = (filename or "").lower()
    if lower.endswith((".xls", ".ods")) or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetProblem(
            _l("Format non pris en charge : enregistrez le tableau au format .xlsx ou .csv.")
        )
    if data.startswith(XLSX_MAGIC):
        sheets, chosen = _xlsx_sheets(data, choose)
        return sheets, chosen, False
    sheets = [Sheet("", _csv_rows(data))]
    return sheets, choose(sheets), True


# --- Tables --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column the importer knows: its name in the code, its heading, its aliases."""

    name: str
    heading: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    def names(self) -> set[str]:
        return {normalise(self.heading), *(normalise(a) for a in self.aliases)}


@dataclass
class Problem:
    """A problem of one cell (or one row, when `heading` is empty)."""

    line: int
    heading: str
    message: object

    @property
    def text(self) -> str:
        if self.heading:
            return str(
                _l(
                    "Ligne %(line)s, colonne « %(heading)s » : %(message)s",
                    line=self.line,
                    heading=self.heading,
                    message=self.message,
                )
            )
        return str(_l("Ligne %(line)s : %(message)s", line=self.line, message=self.message))


@dataclass
class Row:
    """A data row: its line in the file and its cells by column name."""

    line: int
    cells: dict[str, Cell]
    headings: dict[str, str]  # column name → heading as written in the file
    problems: list[Problem] = field(default_factory=list)

    def cell(self, name: str) -> Cell:
        return self.cells.get(name, Cell())

    def problem(self, name: str, message: object) -> Problem:
        """Note a problem of column `name` on this row (its heading as written)."""
        found = Problem(self.line, self.headings.get(name, name), message)
        self.problems.append(found)
        return found


@dataclass
class Table:
    header_line: int
    headings: dict[str, str]  # column name → heading as written
    ignored: list[str]  # headings of columns nobody reads
    rows: list[Row]
    sheet: str = ""  # the sheet read (« » for a CSV)
    other_sheets: list[str] = field(default_factory=list)  # the sheets not read

    @property
    def notices(self) -> list[str]:
        """What the person must be told about what was read: in a workbook of
        several sheets, which one was read and which were not."""
        if not self.other_sheets:
            return []
        return [
            str(
                _l(
                    "Feuille « %(sheet)s » lue (ligne d’en-tête %(line)s) ; feuilles ignorées :"
                    " %(others)s.",
                    sheet=self.sheet,
                    line=self.header_line,
                    others=", ".join(f"« {name} »" for name in self.other_sheets),
                )
            )
        ]


@dataclass(frozen=True)
class _Candidate:
    """A row that names every required column."""

    index: int
    found: frozenset[str]  # the columns it names
    required_at: tuple[int, ...]  # where it names the required ones


def _matches(row: list[Cell], by_name: dict[str, Column]) -> dict[str, int]:
    """The known columns a row names, with their first position."""
    found: dict[str, int] = {}
    for position, cell in enumerate(row):
        column = by_name.get(normalise(cell.text))
        if column is not None:
            found.setdefault(column.name, position)
    return found


def _looks_like_data(row: list[Cell], candidate: _Candidate) -> bool:
    """A row that fills every required column of `candidate`: a data row under it."""
    return all(p < len(row) and not row[p].blank for p in candidate.required_at)


@dataclass(frozen=True)
class _Header:
    """What the search for a header row found in one sheet."""

    index: int | None  # the header row, if found
    partial: tuple[int, int, frozenset[str]]  # best incomplete row: (matched, index, found)


def _find_header(
    rows: list[list[Cell]], by_name: dict[str, Column], required: Sequence[Column]
) -> _Header:
    """The header row: among the first rows that name every required column, the one
    that names the most known columns. A title row above it that names some or all
    of the columns (« Centre | Indicateur | Valeur ») is skipped; a later row wins
    over an earlier one only when no data row lies between them (a header repeated
    below data is data, and refused as such). Two headers with data between, the
    later naming more columns, are ambiguous: refused rather than guessed."""
    current: _Candidate | None = None
    partial: tuple[int, int, frozenset[str]] = (0, -1, frozenset())
    for index, row in enumerate(rows[:HEADER_SEARCH]):
        found = _matches(row, by_name)
        if not found or not all(c.name in found for c in required):
            if len(found) > partial[0]:
                partial = (len(found), index, frozenset(found))
            continue
        candidate = _Candidate(index, frozenset(found), tuple(found[c.name] for c in required))
        if current is None:
            current = candidate
            continue
        data_between = any(
            _looks_like_data(r, current) for r in rows[current.index + 1 : candidate.index]
        )
        if not data_between:
            if len(candidate.found) >= len(current.found):
                current = candidate
        elif len(candidate.found) > len(current.found):
            raise SheetProblem(
                _l(
                    "Deux lignes d’en-tête possibles, lignes %(first)s et %(second)s, avec des"
                    " données entre elles : gardez une seule ligne d’en-tête.",
                    first=current.index + 1,
                    second=candidate.index + 1,
                )
            )
        else:
            break  # data rows follow the header: what comes next is data
    if current is None:
        return _Header(None, partial)
    return _Header(current.index, partial)


def read_table(data: bytes, filename: str, columns: Sequence[Column]) -> Table:
    """The file's data rows under its header row (see the module docstring).
    In a workbook of several sheets, the sheet whose header names the columns is
    read, and the table says which (`Table.notices`); two such sheets are refused.
    Raises SheetProblem when the file or its header cannot be read."""
    by_name = {alias: column for column in columns for alias in column.names()}
    required = [c for c in columns if c.required]
    headers: list[_Header] = []

    def choose(sheets: list[Sheet]) -> int:
        headers.extend(_find_header(sheet.rows, by_name, required) for sheet in sheets)
        found = [i for i, h in enumerate(headers) if h.index is not None]
        if len(found) > 1:
            raise SheetProblem(
                _l(
                    "Plusieurs feuilles ont les colonnes attendues (%(names)s) : laissez dans"
                    " le classeur une seule feuille à importer.",
                    names=", ".join(f"« {sheets[i].name} »" for i in found),
                )
            )
        if found:
            return found[0]
        best = max(range(len(sheets)), key=lambda i: (headers[i].partial[0], -i))
        where = (
            _l(" dans la feuille « %(sheet)s »", sheet=sheets[best].name) if len(sheets) > 1 else ""
        )
        partial = headers[best].partial
        if partial[0]:
            missing = ", ".join(c.heading for c in required if c.name not in partial[2])
            raise SheetProblem(
                _l(
                    "Colonnes obligatoires absentes : %(names)s (en-tête lu ligne"
                    " %(line)s%(where)s).",
                    names=missing,
                    line=partial[1] + 1,
                    where=where,
                )
            )
        names = ", ".join(c.heading for c in required)
        if len(sheets) > 1:
            raise SheetProblem(
                _l(
                    "Ligne d’en-tête introuvable : aucune feuille du classeur (%(sheets)s) ne"
                    " nomme, dans ses %(n)s premières lignes, les colonnes %(names)s.",
                    sheets=", ".join(f"« {sheet.name} »" for sheet in sheets),
                    n=HEADER_SEARCH,
                    names=names,
                )
            )
        raise SheetProblem(
            _l(
                "Ligne d’en-tête introuvable : aucune des %(n)s premières lignes ne nomme"
                " les colonnes %(names)s.",
                n=HEADER_SEARCH,
                names=names,
            )
        )

    sheets, chosen, from_csv = _read(data, filename, choose)
    rows = sheets[chosen].rows
    header_index = headers[chosen].index
    assert header_index is not None  # choose() returns a sheet with a header
    header = rows[header_index]
    positions: dict[str, int] = {}
    headings: dict[str, str] = {}
    ignored: list[str] = []
    for index, cell in enumerate(header):
        column = by_name.get(normalise(cell.text))
        if column is None:
            if cell.text:
                ignored.append(cell.text)
        elif column.name not in positions:
            positions[column.name] = index
            headings[column.name] = cell.text
    width = max((i for i, c in enumerate(header) if not c.blank), default=-1) + 1
    if width > MAX_COLUMNS:
        raise SheetProblem(_l("Trop de colonnes (%(n)s au plus).", n=MAX_COLUMNS))
    body: list[Row] = []
    for offset, cells in enumerate(rows[header_index + 1 :], start=header_index + 2):
        if all(c.blank for c in cells):
            continue
        if len(body) >= MAX_ROWS:
            raise SheetProblem(_l("Trop de lignes : %(n)s au plus.", n=french.number(MAX_ROWS)))
        data_row = Row(
            offset,
            {name: cells[i] if i < len(cells) else Cell() for name, i in positions.items()},
            headings,
        )
        beyond = [i for i in range(width, len(cells)) if not cells[i].blank]
        # A CSV row longer than its header row, even by an empty cell, has a
        # separator too many: an unquoted « 0,39 » in a comma-separated file.
        longer = from_csv and len(cells) > len(header)
        if beyond or longer:
            first = beyond[0] if beyond else len(header)
            data_row.problems.append(
                Problem(
                    offset,
                    _l("colonne %(letter)s (sans en-tête)", letter=column_letter(first)),
                    _l(
                        "%(n)s cellules pour %(width)s colonnes : la ligne a une cellule de trop"
                        " (« %(value)s »). Dans un CSV séparé par des virgules, écrivez les"
                        " décimales entre guillemets (« 0,39 » y fait deux cellules).",
                        n=len(cells) if longer else max(beyond) + 1,
                        width=len(header) if longer else width,
                        value=cells[first].text[:40] if first < len(cells) else "",
                    ),
                )
            )
        for name, cell in data_row.cells.items():
            if isinstance(cell.value, str) and len(cell.value) > MAX_CELL:
                data_row.problem(name, _l("texte trop long (%(n)s caractères au plus)", n=MAX_CELL))
        body.append(data_row)
    return Table(
        header_index + 1,
        headings,
        ignored,
        body,
        sheet=sheets[chosen].name,
        other_sheets=[sheet.name for i, sheet in enumerate(sheets) if i != chosen],
    )


# --- Writing --------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?")


def neutralise(text: str) -> str:
    """A text that a spreadsheet would take for a formula, made inert by a leading
    apostrophe; a plain number written as text (« -597,00 ») is left as is."""
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _plain(value: object) -> object:
    """A value as the writers take it: numbers, dates and booleans as they are,
    anything else (lazy translations included) as clean text."""
    if value is None or isinstance(value, bool | int | Decimal | date):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        return value
    return clean(str(value))


def _csv_value(value: object) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int | float | Decimal):
        try:
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        except InvalidOperation:  # pragma: no cover - _plain keeps only finite numbers
            return str(value)
        # Decimal comma, no thousands separator: what French spreadsheets read back.
        return format(number, "f").replace(".", ",")
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return neutralise(str(value))


def csv_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    """CSV as French Excel opens it: UTF-8 with BOM, semicolons, CRLF, decimal commas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: Iterable[Sequence[object]], title: str) -> bytes:
    """One sheet named `title`; numbers and dates typed, text cells never formulas."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has its first sheet
    sheet.title = re.sub(r"[\[\]:*?/\\]", " ", clean(str(title)))[:31] or "Feuille"
    for r, row in enumerate(rows, start=1):
        for c, raw in enumerate(row, start=1):
            value = _plain(raw)
            if value is None:
                continue
            cell = sheet.cell(row=r, column=c)
            if isinstance(value, str):
                # Assigned as a string cell: openpyxl would otherwise store « =… » as a
                # formula. The quote prefix keeps Excel from re-reading it on edit.
                cell.value = value
                cell.data_type = TYPE_STRING
                if value.startswith(FORMULA_STARTS):
                    cell.quotePrefix = True
            else:
                cell.value = value  # type: ignore[assignment]  # _plain: numbers, dates, bools
                if isinstance(value, datetime):
                    cell.number_format = "DD/MM/YYYY HH:MM"
                elif isinstance(value, date):
                    cell.number_format = "DD/MM/YYYY"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(rows: Sequence[Sequence[object]], filename: str, *, title: str = "") -> Response:
    """`rows` as an attachment: XLSX when `filename` ends in .xlsx, else CSV."""
    if filename.lower().endswith(".xlsx"):
        data, mimetype = xlsx_bytes(rows, title or filename.rsplit(".", 1)[0]), XLSX
    else:
        data, mimetype = csv_bytes(rows), CSV
    return send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename
    )
