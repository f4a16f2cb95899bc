"""Honest words. Found: « secret » where nobody declared anything (PDF, CSV,
comparison page); the default year an unfinished campaign (2022 with 5 of 10
centres gave « −25 % sur un an »); changes over different sets of centres, without
saying how many answered. Now: « secret » only for a figure kept secret,
« non déclaré » where nobody declared it; the default year is the last closed
campaign; a change says how many centres declared both years; every figure says
how many centres it covers."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from ensemble.kernel import clock
from ensemble.reporting import operations as reporting
from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext
from reporting.consolidation_support import make_clone, scalar
from reporting.scenario import Scenario
from reporting.support import ALMA_DIRECTOR, NORD_ANALYST

from conftest import TEST_CONFIG, sign_in

THEME_2021 = "Thème 2021 : habitants accompagnés face à la fracture numérique"
NORD = ("alma", "echo", "pile-sainte-elisabeth", "assia-djebar", "fresnoy-mackellerie")


def text_of(html: str) -> str:
    """What a reader sees: tags out, no-break spaces as spaces."""
    body = html.split("<main", 1)[-1]
    return re.sub(r"\s+", " ", re.sub(r"[\u00a0\u202f]", " ", re.sub(r"<[^>]+>", " ", body)))


def _validate_2022(demo, db_session, centres=NORD) -> None:
    nord = demo.federation("nord")
    for slug in centres:
        centre = demo.centre(slug)
        with context.using(context.system_context(centre_ids=[centre.id]), db_session):
            declaration = reporting.declaration_for(db_session, centre, 2022)
            reporting.set_values(db_session, declaration, {("pe.enfants", ""): Decimal(90)})
            assert reporting.submit(db_session, declaration) == []
        with context.using(context.system_context(federation_ids=[nord.id]), db_session):
            reporting.validate(db_session, declaration)


def test_the_default_year_is_the_last_closed_campaign(app, demo, db_session):
    _validate_2022(demo, db_session)  # 5 of 6 centres, campaign still open
    analyst = app.test_client()
    sign_in(analyst, NORD_ANALYST)
    page = text_of(analyst.get("/f/nord/tableau-de-bord").get_data(as_text=True))
    assert "Tableau de bord du réseau, 2021" in page
    assert "Campagne 2022 en cours" in page and "5 déclarations validées sur 6 centres" in page
    assert "2022 :" not in page.split("Campagne 2022 en cours")[0]
    # Asking for 2022 shows the last published one: nothing of 2022 is published.
    page = text_of(analyst.get("/f/nord/tableau-de-bord?annee=2022").get_data(as_text=True))
    assert "Tableau de bord du réseau, 2021" in page
    director = app.test_client()
    sign_in(director, ALMA_DIRECTOR)
    page = text_of(director.get("/c/alma/declarations/comparaison").get_data(as_text=True))
    assert "Nos chiffres et ceux du réseau, 2021" in page


def test_not_declared_is_not_secret_and_every_figure_has_its_centres(app, demo):
    analyst = app.test_client()
    sign_in(analyst, NORD_ANALYST)
    page = text_of(analyst.get("/f/nord/tableau-de-bord?annee=2021").get_data(as_text=True))
    row = page.split(THEME_2021.replace("\u202f", " "), 1)[1][:60]
    assert row.strip().startswith("non déclaré"), row
    assert "secret" not in row
    # Children welcomed: a published figure over the six centres, with its change
    # over the centres that declared both years (and how many they are).
    assert "6 centres" in page
    assert re.search(r"\+\d+(,\d)? % sur un an \(6 centres ayant déclaré les deux années\)", page)
    csv = analyst.get("/f/nord/tableau-de-bord.csv?annee=2021").get_data().decode("utf-8-sig")
    theme = next(line for line in csv.splitlines() if line.startswith("Thème 2021"))
    assert "non déclaré" in theme and "secret" not in theme
    sheet = load_workbook(io.BytesIO(analyst.get("/f/nord/tableau-de-bord.xlsx?annee=2021").data))
    cells = [r for r in sheet.active.iter_rows(values_only=True) if r and r[0] == THEME_2021]
    assert cells and cells[0][1] == "non déclaré"
    if shutil.which("pdftotext"):
        pdf = analyst.get("/f/nord/tableau-de-bord.pdf?annee=2021").data
        words = subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        line = next(
            line for line in words.splitlines() if "fracture" in line or "Thème 2021" in line
        )
        assert "secret" not in line
        assert "non déclaré" in words


def test_the_directors_comparison_says_not_declared(app, demo):
    director = app.test_client()
    sign_in(director, ALMA_DIRECTOR)
    page = text_of(
        director.get("/c/alma/declarations/comparaison?annee=2021").get_data(as_text=True)
    )
    row = page.split(THEME_2021.replace("\u202f", " "), 1)[1][:80]
    assert "secret" not in row and row.count("non déclaré") >= 2
    assert "Nord (59)" in page and "Département 59" not in page  # by name (issue 13)
    for other in ("ECHO", "Fresnoy", "Basse Masure", "Assia Djebar"):
        assert other not in page


def test_a_part_above_its_total_is_refused_whatever_the_other_parts(demo, db_session):
    alma = demo.centre("alma")
    with context.using(context.system_context(centre_ids=[alma.id]), db_session):
        declaration = reporting.declaration_for(db_session, alma, 2023)
        reporting.set_values(
            db_session,
            declaration,
            {("asf.personnes", ""): Decimal(10), ("asf.personnes", "femmes"): Decimal(12)},
        )
        problems = reporting.coherence_problems(db_session, declaration)
        assert any("dépasse le total" in p.message for p in problems)
        assert reporting.submit(db_session, declaration)  # refused: problems returned
        reporting.set_values(db_session, declaration, {("asf.personnes", "femmes"): Decimal(9)})
        assert not any(
            "dépasse" in p.message for p in reporting.coherence_problems(db_session, declaration)
        )


def test_closing_a_campaign_freezes_it(demo, db_session):
    """Once closed, no declaration of that year joins the published figures."""
    _validate_2022(demo, db_session, centres=("alma", "echo", "basse-masure"))
    nord = demo.federation("nord")
    user_id = scalar_user(db_session, NORD_ANALYST)
    analyst = TenantContext(
        user_id=user_id, federation_ids=frozenset({nord.id}), network_ids=frozenset({nord.id})
    )
    with context.using(analyst, db_session):
        reporting.close_campaign(db_session, nord.id, 2022, user_id)
        with pytest.raises(reporting.WorkflowError, match="déjà close"):
            reporting.close_campaign(db_session, nord.id, 2022, user_id)
        with pytest.raises(reporting.WorkflowError, match="rien à publier"):
            reporting.close_campaign(db_session, nord.id, 2015, user_id)
        # Found by the red team: the year under way closed, its drafts were locked.
        with pytest.raises(reporting.WorkflowError, match="pas terminée"):
            reporting.close_campaign(db_session, nord.id, clock.today().year, user_id)
        with pytest.raises(reporting.WorkflowError, match="pas terminée"):
            reporting.close_campaign(db_session, nord.id, 2030, user_id)
    late = demo.centre("fresnoy-mackellerie")
    # Not even a draft is started in a closed campaign; a draft started before the
    # closing is neither saved nor submitted (test_open_campaigns.py).
    with (
        context.using(context.system_context(centre_ids=[late.id]), db_session),
        pytest.raises(reporting.WorkflowError, match="campagne 2022 n’est pas ouverte"),
    ):
        reporting.declaration_for(db_session, late, 2022)


def scalar_user(db_session, email: str) -> int:
    from sqlalchemy import select

    from ensemble.people.models import User

    with context.using(context.system_context(is_admin=True), db_session):
        return db_session.scalar(select(User.id).where(User.email == email))


# --- « secret », in a campaign that really has secrets (a database of its own) ---------


@pytest.fixture(scope="module")
def clone(servers, template_database):
    clone = make_clone(servers, "reporting_words")
    yield clone
    clone.dispose()


@pytest.fixture
def clone_app(clone):
    from ensemble import create_app

    application = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": clone.urls.runtime,
            "SQLALCHEMY_BINDS": {"reporting": clone.urls.reporting},
        }
    )
    from conftest import RequestIsolatedClient

    application.test_client_class = RequestIsolatedClient
    yield application
    from ensemble.extensions import db

    with application.app_context():
        for engine in db.engines.values():
            engine.dispose()


@pytest.mark.no_db_rollback
def test_secret_only_where_a_figure_is_kept_secret(clone, clone_app):
    nord = scalar(clone.admin, "SELECT id FROM federations WHERE slug = 'nord'")
    s = Scenario.__new__(Scenario)
    s.clone, s.federation_id = clone, nord
    s.centres = [
        scalar(clone.admin, "SELECT id FROM centres WHERE slug = :s", s=slug)
        for slug in ("alma", "echo", "pile-sainte-elisabeth", "assia-djebar",
                     "fresnoy-mackellerie", "basse-masure")
    ]  # fmt: skip
    # 2023: everyone declares the young people followed; two centres only the children.
    figures = {i: {("je.jeunes", ""): 100 + 10 * i} for i in range(6)}
    figures[0][("pe.enfants", "")] = 155
    figures[1][("pe.enfants", "")] = 124
    s.declare(2023, figures)
    s.close(2023)
    s.run()
    with clone_app.app_context():
        analyst = clone_app.test_client()
        sign_in(analyst, NORD_ANALYST)
        page = text_of(analyst.get("/f/nord/tableau-de-bord?annee=2023").get_data(as_text=True))
        table = page.split("Tous les indicateurs", 1)[1]
        children = table.split("Enfants accueillis en halte-garderie", 1)[1][:40]
        assert children.strip().startswith("secret"), children
        assert "2 " in children  # it covers two centres: said, the figure is not
        families = table.split("Familles accueillies en halte-garderie", 1)[1][:40]
        assert families.strip().startswith("non déclaré"), families
        young = table.split("Jeunes accompagnés (11-17 ans)", 1)[1][:40]
        assert young.strip().startswith("750"), young
        csv = analyst.get("/f/nord/tableau-de-bord.csv?annee=2023").get_data().decode("utf-8-sig")
        lines = {line.split(";")[0]: line for line in csv.splitlines() if ";" in line}
        assert lines["Enfants accueillis en halte-garderie"].split(";")[1] == "secret"
        assert lines["Familles accueillies en halte-garderie"].split(";")[1] == "non déclaré"
        assert "155" not in csv and "124" not in csv and "279" not in csv
        director = clone_app.test_client()
        sign_in(director, ALMA_DIRECTOR)
        page = text_of(
            director.get("/c/alma/declarations/comparaison?annee=2023").get_data(as_text=True)
        )
        row = page.split("Enfants accueillis en halte-garderie", 1)[1][:60]
        assert row.strip().startswith("155") and "secret" in row
