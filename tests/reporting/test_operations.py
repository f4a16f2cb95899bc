"""Declarations: the catalogue per campaign, coherence checks, the review
workflow with its thread, and the import of French spreadsheets."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from ensemble.reporting import imports
from ensemble.reporting import operations as reporting
from ensemble.reporting.models import Declaration, DirtyKey, Side, Status
from reporting.support import ALMA_DIRECTOR, ECHO_DIRECTOR, NORD_ANALYST
from tenants.demo_data.reporting import ACTIONS, ALMA_2021, ALMA_LEAFLET


def test_the_catalogue_is_versioned_per_campaign(db_session, as_user):
    with as_user(ALMA_DIRECTOR):
        codes_2021 = {i.code for i in reporting.catalogue(db_session, 2021)}
        codes_2022 = {i.code for i in reporting.catalogue(db_session, 2022)}
        codes_2025 = {i.code for i in reporting.catalogue(db_session, 2025)}
    assert "th.numerique" in codes_2021 and "th.numerique" not in codes_2022
    assert "th.climat" in codes_2025 and "th.climat" not in codes_2021
    assert codes_2021 - {"th.numerique"} == codes_2022
    sectors = {i.sector for i in reporting.catalogue(db_session, 2021)}
    assert sectors == set(reporting.SECTORS) - {"cooperation"}


def test_alma_2021_declaration_carries_the_activity_report(demo, db_session, as_user):
    with as_user(ALMA_DIRECTOR):
        declaration = reporting.declaration_for(db_session, demo.centre("alma"), 2021)
        values = reporting.values_of(declaration)
    assert declaration.status is Status.VALIDATED
    assert values[("asf.personnes", "")].value == 664
    assert values[("asf.personnes", "femmes")].value == 377
    assert values[("pe.participation_horaire", "")].value == Decimal("0.39")
    # The activity report's figures, and the leaflet's questions it does not answer.
    assert len(values) == len(ALMA_2021) + len(ALMA_LEAFLET) + len(ACTIONS)


def _draft(demo, session, as_user, figures, year=2022, email=ALMA_DIRECTOR, slug="alma"):
    with as_user(email):
        declaration = reporting.declaration_for(session, demo.centre(slug), year)
        reporting.set_values(session, declaration, figures)
        return declaration


def test_coherence_checks_block_submission(demo, db_session, as_user):
    declaration = _draft(
        demo,
        db_session,
        as_user,
        {
            ("asf.personnes", ""): Decimal(600),
            ("asf.personnes", "femmes"): Decimal(300),
            ("asf.personnes", "hommes"): Decimal(200),  # 500 ≠ 600
            ("pa.jours_accueil", ""): Decimal(400),  # more days than a year has
            ("pe.enfants", ""): Decimal("12.5"),  # half a child
            ("je.jeunes", ""): Decimal(400),  # 120 in 2021: +233 % without comment
        },
    )
    with as_user(ALMA_DIRECTOR):
        problems = reporting.submit(db_session, declaration)
        codes = sorted({p.code for p in problems})
    assert codes == ["asf.personnes", "je.jeunes", "pa.jours_accueil", "pe.enfants"]
    assert declaration.status is Status.DRAFT
    messages = " ".join(p.message for p in problems)
    assert "500" in messages and "600" in messages and "l’an dernier" in messages


def test_a_comment_explains_a_year_on_year_jump(demo, db_session, as_user):
    declaration = _draft(demo, db_session, as_user, {("je.jeunes", ""): Decimal(400)})
    with as_user(ALMA_DIRECTOR):
        reporting.set_values(
            db_session,
            declaration,
            {("je.jeunes", ""): Decimal(400)},
            comments={"je.jeunes": "Ouverture d’un second lieu d’accueil."},
        )
        assert reporting.submit(db_session, declaration) == []
    assert declaration.status is Status.SUBMITTED


def test_review_workflow_with_a_thread_then_validation(demo, db_session, as_user):
    declaration = _draft(demo, db_session, as_user, {("pe.enfants", ""): Decimal(150)})
    with as_user(ALMA_DIRECTOR):
        assert reporting.submit(db_session, declaration) == []
    with as_user(NORD_ANALYST) as ctx:
        declaration = db_session.get(Declaration, declaration.id)
        with pytest.raises(reporting.WorkflowError):
            reporting.set_values(db_session, declaration, {("pe.enfants", ""): Decimal(1)})
        reporting.return_with_question(
            db_session, declaration, ctx.user_id, "Les 150 enfants incluent-ils l’été ?"
        )
    assert declaration.status is Status.RETURNED
    with as_user(ALMA_DIRECTOR) as ctx:
        reporting.post_message(
            db_session, declaration, ctx.user_id, Side.CENTRE, "Non : 140 hors été."
        )
        reporting.set_values(db_session, declaration, {("pe.enfants", ""): Decimal(140)})
        assert reporting.submit(db_session, declaration) == []
    with as_user(NORD_ANALYST):
        key = reporting.validate(db_session, declaration)
        with pytest.raises(reporting.WorkflowError):
            reporting.validate(db_session, declaration)
    assert declaration.status is Status.VALIDATED
    assert [m.side for m in declaration.messages] == [Side.FEDERATION, Side.CENTRE]
    assert isinstance(key, DirtyKey) and (key.federation_id, key.year) == (
        declaration.federation_id,
        2022,
    )


# --- Import -------------------------------------------------------------------

EXCEL_CSV = (
    "Code;Indicateur;Ventilation;Valeur;Commentaire\r\n"
    "asf.passages;Passages aux permanences d’écrivains publics;;1\u202f488;\r\n"
    "asf.personnes;Personnes reçues;;664;\r\n"
    "asf.personnes;Personnes reçues;femmes;377;\r\n"
    "asf.personnes;Personnes reçues;hommes;287;\r\n"
    "pe.participation_horaire;Participation;;0,39;\r\n"
    "fi.produits;Total des produits;;1 234 567,50;\r\n"
    "isp.qualification;Part niveau CAP;;63 %;\r\n"
)
BAD_ROWS = (
    "pe.enfant;Faute de frappe;;155;\r\n"
    "pe.enfants;Enfants;;cent;\r\n"
    "asf.dossiers;Dossiers;femmes;12;\r\n"
    "je.jeunes;Jeunes;;-3;\r\n"
    "asf.passages;Encore;;12;\r\n"
)


def _catalogue(db_session, as_user, year=2022):
    with as_user(ALMA_DIRECTOR):
        return reporting.catalogue(db_session, year)


def test_french_excel_csv_with_bad_rows_lists_every_error_and_imports_nothing(
    demo, db_session, as_user
):
    # Windows-1252 has no narrow no-break space: Excel writes a no-break space there.
    data = (EXCEL_CSV.replace("\u202f", "\u00a0") + BAD_ROWS).encode("cp1252")
    result = imports.preview(data, _catalogue(db_session, as_user))
    assert not result.ok
    bad = {r.line: r.errors for r in result.rows if r.errors}
    assert sorted(bad) == [9, 10, 11, 12, 13]
    # Every error names its row and the column heading as the file writes it.
    assert bad[9][0].startswith("Ligne 9, colonne « Code » :") and "inconnu" in bad[9][0]
    assert bad[10][0].startswith("Ligne 10, colonne « Valeur » :")
    assert "n’est pas un nombre" in bad[10][0]
    assert bad[11][0].startswith("Ligne 11, colonne « Ventilation » :")
    assert bad[12][0].startswith("Ligne 12, colonne « Valeur » :") and "négative" in bad[12][0]
    assert bad[13][0].startswith("Ligne 13, colonne « Code » :")
    assert "déjà donné ligne 2" in bad[13][0]
    good = {(r.code, r.key): r.value for r in result.rows if not r.errors}
    assert good[("asf.passages", "")] == 1488
    assert good[("fi.produits", "")] == Decimal("1234567.50")
    assert good[("pe.participation_horaire", "")] == Decimal("0.39")
    assert good[("isp.qualification", "")] == 63

    fixed = EXCEL_CSV.encode("utf-8")
    result = imports.preview(b"\xef\xbb\xbf" + fixed, _catalogue(db_session, as_user))
    assert result.ok, [r.errors for r in result.rows]
    declaration = _draft(demo, db_session, as_user, {})
    with as_user(ALMA_DIRECTOR):
        reporting.set_values(db_session, declaration, result.figures(), result.comments())
        assert reporting.values_of(declaration)[("fi.produits", "")].value == Decimal("1234567.50")


def test_utf8_without_bom_and_narrow_spaces(db_session, as_user):
    result = imports.preview(EXCEL_CSV.encode("utf-8"), _catalogue(db_session, as_user))
    assert result.ok
    assert result.figures()[("asf.passages", "")] == 1488


def test_xlsx_import_and_export_round_trip(demo, db_session, as_user):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code", "ventilation", "valeur", "commentaire"])
    sheet.append(["pe.enfants", "", 155, ""])
    sheet.append(["pe.participation_horaire", "", 0.39, ""])
    sheet.append(["asf.personnes", "", "1 488", "Hausse liée à la reprise"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    catalogue = _catalogue(db_session, as_user)
    result = imports.preview(buffer.getvalue(), catalogue)
    assert result.ok, [r.errors for r in result.rows]
    assert result.figures()[("pe.participation_horaire", "")] == Decimal("0.39")
    assert result.comments() == {"asf.personnes": "Hausse liée à la reprise"}

    declaration = _draft(demo, db_session, as_user, result.figures())
    rows = imports.export_rows(catalogue, reporting.values_of(declaration))
    exported = load_workbook(io.BytesIO(imports.to_xlsx(rows, "Déclaration")))
    values = [r for r in exported.active.iter_rows(values_only=True)]
    assert values[0][:4] == ("code", "indicateur", "ventilation", "valeur")
    again = imports.preview(
        imports.to_csv(imports.export_rows(catalogue, reporting.values_of(declaration))), catalogue
    )
    assert again.ok and again.figures() == result.figures()


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\x01garbage", b"PK\x03\x04broken", b"valeur\r\n12\r\n", "é;à\n".encode("cp1252")],
)
def test_unreadable_files_are_explained(db_session, as_user, data):
    result = imports.preview(data, _catalogue(db_session, as_user))
    assert not result.ok and result.error_count >= 1


def test_another_centre_cannot_touch_alma_declaration(demo, db_session, as_user):
    with as_user(ECHO_DIRECTOR):
        assert (
            db_session.query(Declaration)
            .filter(Declaration.centre_id == demo.centre("alma").id)
            .count()
            == 0
        )
