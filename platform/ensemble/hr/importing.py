"""Importing an existing staff register from a spreadsheet, as French offices save them.

The file is read by the kernel's one spreadsheet reader
(`ensemble.kernel.spreadsheets`): CSV with semicolons, commas or tabs, in UTF-8
with or without BOM or in Windows-1252, or an XLSX workbook as Excel or
LibreOffice write it (the sheet whose header names the columns, and the preview
says which sheet was read and which were not); the header row is found below title rows, in any
order and spelling close to the template. Dates as JJ/MM/AAAA (ISO dates and real
spreadsheet dates are accepted too), decimals with a comma, a working time
formatted as a percentage (80 %) read as it shows.

`preview` explains every bad cell in French, naming its row and its column as the
file heads it; `apply` imports all rows or none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ensemble.hr import operations
from ensemble.hr.models import Category, ContractType, HealthFollowUp, StaffMember
from ensemble.kernel import parsing, spreadsheets
from ensemble.kernel.spreadsheets import SheetProblem
from ensemble.network.models import Centre

MAX_BYTES = spreadsheets.MAX_BYTES
MAX_ROWS = spreadsheets.MAX_ROWS
EARLIEST, LATEST = date(1900, 1, 1), date(2100, 12, 31)


class ValueProblem(ValueError):
    """A cell that cannot be read; the message is shown to the person."""


normalise = spreadsheets.normalise


# --- Cells -------------------------------------------------------------------


def parse_date(value: object) -> date | None:
    """A real spreadsheet date, or « 31/12/2026 » / « 2026-12-31 », between 1900 and 2100."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        text = str(value).strip()
        try:
            value = parsing.parse_date(text)
        except parsing.Unreadable:
            if re.fullmatch(r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{2}", text):
                message = _l("année sur deux chiffres « %(v)s » : écrivez JJ/MM/AAAA", v=text)
            elif re.fullmatch(
                r"[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{4}|[0-9]{4}-[0-9]{2}-[0-9]{2}", text
            ):
                message = _l("date impossible « %(v)s »", v=text)
            else:
                message = _l("date illisible « %(v)s » (attendu JJ/MM/AAAA)", v=text[:40])
            raise ValueProblem(message) from None
        if value is None:
            return None
    if not EARLIEST <= value <= LATEST:
        raise ValueProblem(_l("date hors limites « %(v)s » (entre 1900 et 2100)", v=value))
    return value


def parse_fte(value: object) -> Decimal:
    """ "1", "0,8", "0.5", "80 %", "80" (a percentage) → a fraction of full time."""
    text = str(value).strip()
    try:
        number = parsing.parse_decimal(text, units=("%",))
    except parsing.Unreadable:
        raise ValueProblem(_l("temps de travail illisible « %(v)s »", v=text[:40])) from None
    if number is None:
        raise ValueProblem(_l("temps de travail illisible « %(v)s »", v=text[:40]))
    # "80" means 80 %; "1,5" is a mistake, not 1.5 %.
    if text.endswith("%") or number >= 10:
        number = number / 100
    if not Decimal(0) < number <= Decimal(1):
        raise ValueProblem(
            _l("temps de travail hors limites « %(v)s » (entre 0 et 1)", v=text[:40])
        )
    if number != number.quantize(Decimal("0.001")):
        raise ValueProblem(_l("temps de travail trop précis « %(v)s » (0,001 près)", v=text[:40]))
    return number.quantize(Decimal("0.001"))


def parse_contract(value: object) -> ContractType:
    text = normalise(value)
    exact = {"cdi": ContractType.CDI, "cdd": ContractType.CDD, "cddi": ContractType.CDDI}
    if text in exact:
        return exact[text]
    if "apprenti" in text:
        return ContractType.APPRENTICESHIP
    if any(word in text for word in ("aide", "cui", "pec", "cae", "emploi d'avenir")):
        return ContractType.ASSISTED
    raise ValueProblem(
        _l(
            "type de contrat inconnu « %(v)s » (CDI, CDD, CDDI, apprentissage ou contrat aidé)",
            v=value,
        )
    )


def parse_category(value: object) -> Category:
    text = normalise(value)
    if text in ("", "employe", "employee", "ouvrier", "ouvriere", "employe(e)"):
        return Category.EMPLOYEE
    if "cadre" in text:
        return Category.EXECUTIVE
    if "maitrise" in text or "techni" in text or text in ("am", "tam"):
        return Category.SUPERVISOR
    raise ValueProblem(
        _l("catégorie inconnue « %(v)s » (employé, agent de maîtrise ou cadre)", v=value)
    )


def parse_follow_up(value: object) -> HealthFollowUp:
    text = normalise(value)
    if text in ("", "standard", "general", "vip", "normal"):
        return HealthFollowUp.STANDARD
    if "renforce" in text or text == "sir":
        return HealthFollowUp.REINFORCED
    if "nuit" in text or "mineur" in text or "moins de 18" in text:
        return HealthFollowUp.NIGHT_OR_MINOR
    if "adapt" in text or "handicap" in text or "invalid" in text:
        return HealthFollowUp.ADAPTED
    raise ValueProblem(
        _l("suivi médical inconnu « %(v)s » (standard, adapté, nuit ou renforcé)", v=value)
    )


def parse_bool(value: object) -> bool:
    return normalise(value) in ("oui", "o", "x", "1", "vrai", "yes")


def parse_weighting(value: object) -> int | None:
    text = str(value).strip()
    if not text:
        return None
    try:
        points = parsing.parse_integer(text)
    except parsing.Unreadable:
        points = None
    if points is None or not 0 <= points <= 10000:
        raise ValueProblem(
            _l(
                "pesée ALISFA illisible « %(v)s » (un nombre de points, 10 000 au plus)",
                v=text[:40],
            )
        )
    return points


def _text(limit: int) -> Callable[[object], str]:
    def parse(value: object) -> str:
        text = str(value).strip()
        if len(text) > limit:
            raise ValueProblem(_l("texte trop long (%(n)d caractères au plus)", n=limit))
        return text

    return parse


# --- Columns -----------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str  # StaffData field, or "centres"
    label: str  # the template's header
    aliases: tuple[str, ...]
    parse: Callable[[object], object]
    required: bool = False


COLUMNS = (
    Column("last_name", "Nom", ("nom", "nom de famille", "nom d'usage"), _text(100), True),
    Column("first_name", "Prénom", ("prenom", "prenoms"), _text(100), True),
    Column(
        "email", "Courriel", ("courriel", "email", "e-mail", "mail", "adresse e-mail"), _text(254)
    ),
    Column(
        "job_title",
        "Emploi",
        ("emploi", "poste", "fonction", "intitule du poste"),
        _text(200),
        True,
    ),
    Column(
        "contract_type",
        "Contrat",
        ("contrat", "type de contrat", "nature du contrat"),
        parse_contract,
        True,
    ),
    Column(
        "category",
        "Catégorie",
        ("categorie", "statut", "categorie professionnelle"),
        parse_category,
    ),
    Column(
        "start_date",
        "Date d’entrée",
        ("date d'entree", "date d'embauche", "entree", "date de debut", "debut du contrat"),
        parse_date,
        True,
    ),
    Column(
        "end_date",
        "Date de fin",
        ("date de fin", "fin de contrat", "date de sortie", "fin du contrat"),
        parse_date,
    ),
    Column(
        "fte", "ETP", ("etp", "temps de travail", "quotite", "taux d'activite"), parse_fte, True
    ),
    Column(
        "centres",
        "Centres",
        ("centres", "centre", "lieu de travail", "lieux de travail", "site"),
        _text(1000),
    ),
    Column(
        "alisfa_job",
        "Emploi repère ALISFA",
        ("emploi repere alisfa", "emploi repere", "classification alisfa", "classification"),
        _text(120),
    ),
    Column("alisfa_weighting", "Pesée", ("pesee", "pesee alisfa", "points"), parse_weighting),
    Column(
        "health_follow_up", "Suivi médical", ("suivi medical", "suivi de sante"), parse_follow_up
    ),
    Column(
        "last_health_visit_on",
        "Dernière visite médicale",
        ("derniere visite medicale", "visite medicale", "derniere visite"),
        parse_date,
    ),
    Column(
        "last_review_on",
        "Dernier entretien professionnel",
        ("dernier entretien professionnel", "dernier entretien", "entretien professionnel"),
        parse_date,
    ),
    Column(
        "last_career_review_on",
        "Dernier état des lieux",
        ("dernier etat des lieux", "etat des lieux"),
        parse_date,
    ),
    Column(
        "trial_renewed",
        "Période d’essai renouvelée",
        ("periode d'essai renouvelee", "essai renouvele"),
        parse_bool,
    ),
)
BY_ALIAS = {
    alias: column for column in COLUMNS for alias in (normalise(column.label), *column.aliases)
}


# --- Files -------------------------------------------------------------------


SHEET_COLUMNS = tuple(spreadsheets.Column(c.name, c.label, c.aliases, c.required) for c in COLUMNS)


# --- Preview and import ------------------------------------------------------


@dataclass
class Row:
    line: int
    name: str
    data: operations.StaffData | None = None
    problems: list[object] = field(default_factory=list)


@dataclass
class Preview:
    rows: list[Row] = field(default_factory=list)
    problems: list[object] = field(default_factory=list)  # about the whole file
    ignored_columns: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # what was read (which sheet)

    @property
    def bad_rows(self) -> list[Row]:
        return [r for r in self.rows if r.problems]

    @property
    def importable(self) -> bool:
        return bool(self.rows) and not self.problems and not self.bad_rows


def _centre_matcher(centres: list[Centre]) -> Callable[[str], Centre | None]:
    names: dict[str, Centre] = {}
    for centre in centres:
        full = normalise(centre.name)
        names[full] = names[centre.slug] = centre
        short = re.sub(r"^centre social ", "", full)
        names[short] = centre
    return lambda text: names.get(normalise(text))


def _centre_ids(cell: str, centres: list[Centre], match) -> tuple[list[int], list[object]]:
    if not cell:
        return ([centres[0].id] if len(centres) == 1 else []), []
    ids, problems = [], []
    for part in filter(None, (p.strip() for p in re.split(r"[,;/+]| et ", cell))):
        centre = match(part)
        if centre is None:
            known = ", ".join(c.name for c in centres)
            problems.append(
                _l(
                    "centre inconnu « %(v)s » (centres de l’employeur : %(known)s)",
                    v=part,
                    known=known,
                )
            )
        elif centre.id not in ids:
            ids.append(centre.id)
    return ids, problems


def preview(session: Session, employer_id: int, filename: str, data: bytes, today: date) -> Preview:
    """Read the file and check every row, without writing anything.
    Call within `operations.employer_scope`."""
    result = Preview()
    try:
        table = spreadsheets.read_table(data, filename, SHEET_COLUMNS)
    except SheetProblem as problem:
        result.problems.append(problem.message)
        return result
    result.ignored_columns = table.ignored
    result.notices = table.notices
    if not table.rows:
        result.problems.append(_l("Le fichier ne contient aucune ligne sous l’en-tête."))
        return result

    centres = operations.employer_centres(session, employer_id)
    match = _centre_matcher(centres)
    existing = {
        (normalise(r.last_name), normalise(r.first_name), r.start_date): True
        for r in session.execute(
            select(StaffMember.last_name, StaffMember.first_name, StaffMember.start_date).where(
                StaffMember.employer_id == employer_id
            )
        )
    }
    seen: dict[tuple, int] = {}
    for sheet_row in table.rows:
        result.rows.append(_check_row(sheet_row, centres, match, existing, seen, today))
    return result


def _raw(cell: spreadsheets.Cell) -> object:
    """What a column's parser reads: a real date as a date, anything else as shown."""
    return cell.value if isinstance(cell.value, date) else cell.text


def _check_row(sheet_row, centres, match, existing, seen, today) -> Row:
    values: dict[str, object] = {}
    for column in COLUMNS:
        cell = sheet_row.cell(column.name)
        if column.required and cell.blank:
            sheet_row.problem(column.name, _l("obligatoire"))
            continue
        try:
            values[column.name] = column.parse(_raw(cell))
        except ValueProblem as exc:
            sheet_row.problem(column.name, exc.args[0])
    name = f"{values.get('first_name', '')} {values.get('last_name', '')}".strip()
    row = Row(sheet_row.line, name or "—")
    if sheet_row.problems:
        row.problems = [p.text for p in sheet_row.problems]
        return row
    centre_ids, centre_problems = _centre_ids(values.pop("centres", ""), centres, match)
    data = operations.StaffData(
        **{k: v for k, v in values.items() if k != "centres"}, centre_ids=centre_ids
    )
    for problem in centre_problems:
        sheet_row.problem("centres", problem)
    for field_name, why in operations.staff_problems(data, today).items():
        sheet_row.problem(field_name, why)
    key = (normalise(data.last_name), normalise(data.first_name), data.start_date)
    if key in existing:
        sheet_row.problem(
            "last_name", _l("déjà présent dans le registre (même nom et même date d’entrée)")
        )
    elif key in seen:
        sheet_row.problem("last_name", _l("en double avec la ligne %(n)d", n=seen[key]))
    seen.setdefault(key, sheet_row.line)
    row.problems = [p.text for p in sheet_row.problems]
    row.data = data
    return row


def apply(session: Session, employer_id: int, result: Preview, today: date) -> int:
    """Create every row of a clean preview, or nothing. Call within `operations.employer_scope`."""
    if not result.importable:
        raise ValueError("the preview has problems: nothing is imported")
    for row in result.rows:
        operations.create_staff_member(session, employer_id, row.data, today)
    return len(result.rows)


def template_csv(centre_name: str) -> bytes:
    """An empty register to fill in, as Excel opens it in France (semicolons, BOM)."""
    example = [
        "Dupont",
        "Camille",
        "",
        "Animatrice enfance",
        "CDD",
        "Employé",
        "01/09/2026",
        "31/08/2027",
        "0,8",
        centre_name,
        "Animateur",
        "",
        "Standard",
        "",
        "",
        "",
        "non",
    ]
    return spreadsheets.csv_bytes([[c.label for c in COLUMNS], example])
