"""Writes the spreadsheet corpus the import tests read (run it to regenerate):

    .venv/bin/python tests/corpus/spreadsheets/make_corpus.py

- `*-excel.xlsx`: written with openpyxl the way Excel writes a French office's
  sheet: a merged title row and a subtitle above the header, bold headings, number
  formats `0%`, `0.00%`, `#,##0.00 €`, real dates (`DD/MM/YYYY`), numbers stored as
  text (format `@`), frozen panes, column widths;
- `*-libreoffice.xlsx` and `*-libreoffice.csv`: the Excel-like files opened and
  saved again by Debian's LibreOffice (`soffice --headless --convert-to`), so
  they are truly written by LibreOffice (its own styles, shared strings, its CSV
  export in UTF-8 with semicolons);
- French CSVs as Excel saves them: `;`, Windows-1252, CRLF (« CSV (séparateur :
  point-virgule) »), or UTF-8 with a BOM (« CSV UTF-8 »); a comma-separated file
  with an unquoted decimal comma (must be refused, never read as 0), the same
  quoted (must be read), and a tab-separated one.

Found by an outside red team, each with its file:

- `*-titre-colonnes-*`: title rows that name columns above the real header
  (« Centre | Indicateur | Valeur », then « Code | Valeur », then a merged
  subtitle): the header is the row that names the most, never a title row;
- `*-plusieurs-feuilles-*` and `registre-deuxieme-feuille-*`: a workbook whose
  first sheet is instructions, the table on the next one, an empty third sheet;
  `declaration-deux-feuilles-excel.xlsx`: two sheets that could both be
  imported (refused, never guessed);
- `declaration-pourcent-standard-*`: 0,63 typed in a General (« Standard ») cell
  for a percent indicator (ambiguous: refused);
- `declaration-partie-au-dessus-du-total.csv`: a part above its total while the
  other part is empty (refused in the preview as in the import).

Declarations follow the 2024 catalogue and Alma's 2021 activity report; the
register follows Iciela's two centres. People are invented.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent

DECLARATION_HEADER = ["Code", "Indicateur", "Ventilation", "Valeur", "Commentaire"]
# (code, label, breakdown, value, number format, stored as)
DECLARATION = [
    ("asf.passages", "Passages aux permanences d’écrivains publics", "", "1 488", "@", "text"),
    ("asf.personnes", "Personnes reçues par les écrivains publics", "", 664, "0", "number"),
    ("asf.personnes", "Personnes reçues par les écrivains publics", "femmes", 377, "0", "number"),
    ("asf.personnes", "Personnes reçues par les écrivains publics", "hommes", 287, "0", "number"),
    ("pe.enfants", "Enfants accueillis en halte-garderie", "", 155, "#,##0", "number"),
    (
        "pe.participation_horaire",
        "Participation moyenne des familles (€ par heure)",
        "",
        0.39,
        "#,##0.00 €",
        "number",
    ),
    ("isp.qualification", "Part des personnes de niveau CAP ou infra", "", 0.63, "0%", "number"),
    ("fi.produits", "Total des produits", "", 1234567.5, "#,##0.00 €", "number"),
]
# The figures a correct reading gives, for the tests.
EXPECTED = {
    ("asf.passages", ""): "1488",
    ("asf.personnes", ""): "664",
    ("asf.personnes", "femmes"): "377",
    ("asf.personnes", "hommes"): "287",
    ("pe.enfants", ""): "155",
    ("pe.participation_horaire", ""): "0.39",
    ("isp.qualification", ""): "63",
    ("fi.produits", ""): "1234567.50",
}

REGISTER_HEADER = ["Nom", "Prénom", "Emploi", "Type de contrat", "Date d’entrée", "ETP", "Centres"]
REGISTER = [
    (
        "Lefèvre",
        "Éloïse",
        "Animatrice petite enfance",
        "CDI",
        datetime(2019, 9, 1),
        1,
        "Pile Sainte-Elisabeth",
    ),
    ("Bouaziz", "Yanis", "Médiateur numérique", "CDI", datetime(2024, 11, 4), 0.8, "Assia Djebar"),
    (
        "Ménard",
        "Françoise",
        "Coordinatrice",
        "CDI",
        datetime(2012, 1, 15),
        0.5,
        "Pile Sainte-Elisabeth",
    ),
]


def _titled_sheet(title: str, subtitle: str, header: list[str]):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Feuil1"  # Excel's French default sheet name
    sheet["A1"] = title
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet["A2"] = subtitle
    sheet.append([])
    sheet.append(header)
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A5"
    for letter, width in zip("ABCDEFG", (26, 48, 14, 14, 30, 12, 40), strict=False):
        sheet.column_dimensions[letter].width = width
    return workbook, sheet


def declaration_excel(path: Path, percent_format: str = "0%") -> None:
    workbook, sheet = _titled_sheet(
        "Déclaration annuelle 2024",
        "Centre social Alma — 177 rue de l’Alma, Roubaix",
        DECLARATION_HEADER,
    )
    for code, label, key, value, number_format, _stored in DECLARATION:
        sheet.append([code, label, key, value, ""])
        cell = sheet.cell(row=sheet.max_row, column=4)
        cell.number_format = percent_format if number_format == "0%" else number_format
        if number_format == "0%" and percent_format == "0.00%":
            cell.value = 0.635
    sheet.cell(row=sheet.max_row, column=5, value="Budget réalisé, compte de résultat 2024")
    workbook.save(path)


def register_excel(path: Path) -> None:
    workbook, sheet = _titled_sheet(
        "Registre unique du personnel",
        "Association Iciela — mise à jour du 1er décembre 2026",
        REGISTER_HEADER,
    )
    for row in REGISTER:
        sheet.append(list(row))
        sheet.cell(row=sheet.max_row, column=5).number_format = "DD/MM/YYYY"
        sheet.cell(row=sheet.max_row, column=6).number_format = "0%"
    workbook.save(path)


def french_csv_rows() -> list[list[str]]:
    rows = [["Déclaration annuelle 2024", "", "", "", ""], DECLARATION_HEADER]
    for code, label, key, value, number_format, _stored in DECLARATION:
        if number_format == "0%":
            shown = f"{round(value * 100)} %"
        elif isinstance(value, float):
            shown = f"{value:,.2f}".replace(",", "\u00a0").replace(".", ",")
        else:
            shown = f"{value:,}".replace(",", "\u00a0") if isinstance(value, int) else value
        rows.append([code, label, key, shown, ""])
    return rows


def write_csv(path: Path, rows, *, delimiter=";", encoding="cp1252", bom=False, quote_all=False):
    lines = []
    for row in rows:
        cells = []
        for cell in row:
            text = str(cell)
            if quote_all or delimiter in text or '"' in text:
                text = '"' + text.replace('"', '""') + '"'
            cells.append(text)
        lines.append(delimiter.join(cells))
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


def libreoffice(source: Path, target: Path, convert_to: str) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("Debian's LibreOffice is needed: apt-get install libreoffice-calc-nogui")
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                convert_to,
                "--outdir",
                out,
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
            # A French office's LibreOffice: it formats « as shown » in its locale.
            env={**os.environ, "LANG": "fr_FR.UTF-8", "LC_ALL": "fr_FR.UTF-8"},
        )
        produced = next(Path(out).iterdir())
        shutil.move(produced, target)


def _declaration_rows(sheet) -> None:
    for code, label, key, value, number_format, _stored in DECLARATION:
        sheet.append([code, label, key, value, ""])
        sheet.cell(row=sheet.max_row, column=4).number_format = number_format


def declaration_title_columns_excel(path: Path) -> None:
    """Title rows that name some columns, then all the required ones, above the header."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Feuil1"
    sheet.append(["Centre", "Indicateur", "Valeur"])
    sheet.append(["Code", "Valeur"])
    for cell in (*sheet[1], *sheet[2]):
        cell.font = Font(bold=True, size=13)
    sheet["A3"] = "Centre social Alma — déclaration annuelle 2024"
    sheet.merge_cells(start_row=3, start_column=1, end_row=3, end_column=5)
    sheet.append([])
    sheet.append(DECLARATION_HEADER)
    _declaration_rows(sheet)
    workbook.save(path)


def title_columns_csv(path: Path) -> None:
    """The same as Excel saves « CSV UTF-8 » in France: semicolons, BOM, a decimal
    comma, thousands separated by a no-break or a narrow no-break space."""
    rows = [["Centre", "Indicateur", "Valeur"], ["Code", "Valeur"], DECLARATION_HEADER]
    for row in french_csv_rows()[2:]:
        rows.append(row)
    rows[3][3] = "1\u202f488"  # asf.passages, narrow no-break space
    write_csv(path, rows, encoding="utf-8", bom=True)


def declaration_several_sheets_excel(path: Path) -> None:
    """Instructions first, the declaration on the second sheet, an empty third."""
    workbook = Workbook()
    notes = workbook.active
    notes.title = "Mode d’emploi"
    notes.append(["Remplissez la feuille « Déclaration 2024 »."])
    notes.append(["Colonnes :"])
    notes.append(["Code"])
    notes.append(["Valeur"])
    sheet = workbook.create_sheet("Déclaration 2024")
    sheet.append(["Déclaration annuelle 2024"])
    sheet.append(DECLARATION_HEADER)
    _declaration_rows(sheet)
    sheet = workbook.create_sheet("Brouillon")
    sheet["A1"] = "à compléter"
    workbook.save(path)


def declaration_two_sheets_excel(path: Path) -> None:
    """Two sheets that could both be imported: the 2023 and the 2024 figures."""
    workbook = Workbook()
    for index, title in enumerate(("2023", "2024")):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = title
        sheet.append(DECLARATION_HEADER)
        _declaration_rows(sheet)
    workbook.save(path)


def declaration_percent_general_excel(path: Path) -> None:
    """0,63 typed in a General cell for the percent indicator (63 % or 0,63 % ?)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Feuil1"
    sheet.append(DECLARATION_HEADER)
    for code, label, key, value, number_format, _stored in DECLARATION:
        sheet.append([code, label, key, value, ""])
        if number_format != "0%":
            sheet.cell(row=sheet.max_row, column=4).number_format = number_format
    workbook.save(path)


def part_above_total_csv(path: Path) -> None:
    rows = [
        DECLARATION_HEADER,
        ["asf.personnes", "Personnes reçues", "", "300", ""],
        # 400 women of 300 people; the men's row is left out (« another part is empty »).
        ["asf.personnes", "Personnes reçues – femmes", "femmes", "400", ""],
        ["pe.enfants", "Enfants accueillis", "", "155", ""],
    ]
    write_csv(path, rows)


def register_second_sheet_excel(path: Path) -> None:
    """Instructions first; the register on the second sheet, under a title row that
    names every required column and a merged subtitle."""
    workbook = Workbook()
    notes = workbook.active
    notes.title = "Consignes"
    notes.append(["Une ligne par salarié ; l’ETP en pourcentage."])
    sheet = workbook.create_sheet("Registre")
    sheet.append(["Nom", "Prénom", "Emploi", "Type de contrat", "Date d’entrée", "ETP"])
    sheet["A2"] = "Association Iciela — registre au 1er décembre 2026"
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=7)
    sheet.append(REGISTER_HEADER)
    for row in REGISTER:
        sheet.append(list(row))
        sheet.cell(row=sheet.max_row, column=5).number_format = "DD/MM/YYYY"
        sheet.cell(row=sheet.max_row, column=6).number_format = "0%"
    workbook.save(path)


def main() -> None:
    declaration_excel(HERE / "declaration-excel.xlsx")
    declaration_excel(HERE / "declaration-excel-pourcent-decimales.xlsx", percent_format="0.00%")
    register_excel(HERE / "registre-excel.xlsx")
    rows = french_csv_rows()
    # Excel « CSV (séparateur : point-virgule) »: Windows-1252, CRLF, no BOM.
    write_csv(HERE / "declaration-excel-cp1252.csv", rows)
    # Excel « CSV UTF-8 (délimité par des virgules) » in France: still semicolons, BOM.
    write_csv(HERE / "declaration-excel-utf8.csv", rows, encoding="utf-8", bom=True)
    # A comma-separated export where the decimal comma was not quoted: 0,39 is two cells.
    comma = [[c.replace("\u00a0", "") for c in r] for r in rows]
    lines = [",".join(r) for r in comma]
    (HERE / "declaration-virgules-non-protegees.csv").write_bytes(
        ("\r\n".join(lines) + "\r\n").encode()
    )
    write_csv(
        HERE / "declaration-virgules.csv", comma, delimiter=",", encoding="utf-8", quote_all=True
    )
    write_csv(HERE / "declaration-tabulations.txt", rows, delimiter="\t", encoding="utf-8")
    libreoffice(
        HERE / "declaration-excel.xlsx",
        HERE / "declaration-libreoffice.xlsx",
        "xlsx:Calc MS Excel 2007 XML",
    )
    libreoffice(
        HERE / "registre-excel.xlsx",
        HERE / "registre-libreoffice.xlsx",
        "xlsx:Calc MS Excel 2007 XML",
    )
    declaration_title_columns_excel(HERE / "declaration-titre-colonnes-excel.xlsx")
    title_columns_csv(HERE / "declaration-titre-colonnes.csv")
    declaration_several_sheets_excel(HERE / "declaration-plusieurs-feuilles-excel.xlsx")
    declaration_two_sheets_excel(HERE / "declaration-deux-feuilles-excel.xlsx")
    declaration_percent_general_excel(HERE / "declaration-pourcent-standard-excel.xlsx")
    part_above_total_csv(HERE / "declaration-partie-au-dessus-du-total.csv")
    register_second_sheet_excel(HERE / "registre-deuxieme-feuille-excel.xlsx")
    for name in (
        "declaration-titre-colonnes",
        "declaration-plusieurs-feuilles",
        "declaration-pourcent-standard",
        "registre-deuxieme-feuille",
    ):
        libreoffice(
            HERE / f"{name}-excel.xlsx",
            HERE / f"{name}-libreoffice.xlsx",
            "xlsx:Calc MS Excel 2007 XML",
        )
    # LibreOffice's CSV export: semicolons (59), double quotes (34), UTF-8 (76).
    libreoffice(
        HERE / "declaration-excel.xlsx",
        HERE / "declaration-libreoffice.csv",
        "csv:Text - txt - csv (StarCalc):59,34,76",
    )


if __name__ == "__main__":
    main()
