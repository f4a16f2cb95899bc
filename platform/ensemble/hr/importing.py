"""Importing an existing staff register from a spreadsheet, as French offices save them.

CSV with semicolons or commas (tabs too), in UTF-8 with or without BOM or in
Windows-1252; or an XLSX workbook (first sheet). Dates as JJ/MM/AAAA (ISO dates
and real spreadsheet dates are accepted too), decimals with a comma. The first
row names the columns, in any order and spelling close to the template.

`preview` explains every bad row in French; `apply` imports all rows or none.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ensemble.hr import operations
from ensemble.hr.models import Category, ContractType, HealthFollowUp, StaffMember
from ensemble.network.models import Centre

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000


class ValueProblem(ValueError):
    """A cell that cannot be read; the message is shown to the person."""


def normalise(text: str) -> str:
    """Lower case, no accents, one space: « Date d’entrée » → "date d'entree"."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = text.replace("’", "'").lower().strip().strip(":").strip()
    return re.sub(r"\s+", " ", text)


# --- Cells -------------------------------------------------------------------

DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")


def parse_date(value: object) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{2}", text):
        raise ValueProblem(_l("année sur deux chiffres « %(v)s » : écrivez JJ/MM/AAAA", v=text))
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
        raise ValueProblem(_l("date impossible « %(v)s »", v=text))
    raise ValueProblem(_l("date illisible « %(v)s » (attendu JJ/MM/AAAA)", v=text))


def parse_fte(value: object) -> Decimal:
    """ "1", "0,8", "0.5", "80 %", "80" (a percentage) → a fraction of full time."""
    text = str(value).strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    percent = text.endswith("%")
    try:
        number = Decimal(text.rstrip("%").replace(",", "."))
    except InvalidOperation:
        raise ValueProblem(_l("temps de travail illisible « %(v)s »", v=text)) from None
    if not number.is_finite():
        raise ValueProblem(_l("temps de travail illisible « %(v)s »", v=text))
    # "80" means 80 %; "1,5" is a mistake, not 1.5 %.
    if percent or number >= 10:
        number = number / 100
    if not Decimal(0) < number <= Decimal(1):
        raise ValueProblem(_l("temps de travail hors limites « %(v)s » (entre 0 et 1)", v=text))
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
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not text.isdigit() or int(text) > 10000:
        raise ValueProblem(_l("pesée ALISFA illisible « %(v)s » (un nombre de points)", v=text))
    return int(text)


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


class FileProblem(ValueError):
    """The file as a whole cannot be read; the message is shown to the person."""


def decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise FileProblem(
            _l("Encodage non reconnu : enregistrez le fichier en CSV UTF-8 ou Windows-1252.")
        ) from None


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ";"


def read_csv(data: bytes) -> list[list[object]]:
    text = decode(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    try:
        return [list(row) for row in reader]
    except csv.Error as exc:
        raise FileProblem(_l("Fichier CSV illisible : %(e)s", e=str(exc))) from None


def read_xlsx(data: bytes) -> list[list[object]]:
    import openpyxl

    try:
        with warnings.catch_warnings():
            # Styles or extensions openpyxl does not know are irrelevant to the data.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            return [
                ["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)
            ]
        finally:
            workbook.close()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError):
        raise FileProblem(
            _l("Ce classeur Excel est illisible. Enregistrez-le de nouveau au format .xlsx.")
        ) from None


def read_table(filename: str, data: bytes) -> list[list[object]]:
    if len(data) > MAX_BYTES:
        raise FileProblem(_l("Fichier trop lourd (2 Mo au plus)."))
    lower = filename.lower()
    if lower.endswith((".xls", ".ods")):
        raise FileProblem(
            _l("Format non pris en charge : enregistrez le tableau au format .xlsx ou .csv.")
        )
    if data.startswith(b"PK") or lower.endswith(".xlsx"):
        return read_xlsx(data)
    return read_csv(data)


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
        table = read_table(filename, data)
    except FileProblem as exc:
        result.problems.append(exc.args[0])
        return result
    table = [row for row in table if any(str(v).strip() for v in row)]
    if not table:
        result.problems.append(_l("Le fichier est vide."))
        return result
    header, body = table[0], table[1:]
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        column = BY_ALIAS.get(normalise(title))
        if column is None:
            if str(title).strip():
                result.ignored_columns.append(str(title).strip())
        elif column.name not in positions:
            positions[column.name] = index
    missing = [c.label for c in COLUMNS if c.required and c.name not in positions]
    if missing:
        result.problems.append(
            _l("Colonnes obligatoires absentes : %(cols)s.", cols=", ".join(missing))
        )
        return result
    if len(body) > MAX_ROWS:
        result.problems.append(_l("Trop de lignes (%(n)d au plus).", n=MAX_ROWS))
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
    for offset, cells in enumerate(body, start=2):
        result.rows.append(
            _check_row(offset, cells, positions, centres, match, existing, seen, today)
        )
    return result


def _check_row(line, cells, positions, centres, match, existing, seen, today) -> Row:
    values: dict[str, object] = {}
    problems: list[object] = []
    for column in COLUMNS:
        index = positions.get(column.name)
        raw = cells[index] if index is not None and index < len(cells) else ""
        if column.required and not str(raw).strip():
            problems.append(_l("%(col)s : obligatoire", col=column.label))
            continue
        try:
            values[column.name] = column.parse(raw)
        except ValueProblem as exc:
            problems.append(_l("%(col)s : %(why)s", col=column.label, why=exc.args[0]))
    name = f"{values.get('first_name', '')} {values.get('last_name', '')}".strip()
    row = Row(line, name or "—", problems=problems)
    if problems:
        return row
    centre_ids, centre_problems = _centre_ids(values.pop("centres", ""), centres, match)
    data = operations.StaffData(
        **{k: v for k, v in values.items() if k != "centres"}, centre_ids=centre_ids
    )
    row.problems.extend(centre_problems)
    labels = {c.name: c.label for c in COLUMNS}
    row.problems.extend(
        _l("%(col)s : %(why)s", col=labels[name], why=why)
        for name, why in operations.staff_problems(data, today).items()
    )
    key = (normalise(data.last_name), normalise(data.first_name), data.start_date)
    if key in existing:
        row.problems.append(_l("déjà présent dans le registre (même nom et même date d’entrée)"))
    elif key in seen:
        row.problems.append(_l("en double avec la ligne %(n)d", n=seen[key]))
    seen.setdefault(key, line)
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
    header = ";".join(c.label for c in COLUMNS)
    example = ";".join(
        [
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
    )
    return codecs.BOM_UTF8 + f"{header}\r\n{example}\r\n".encode()
