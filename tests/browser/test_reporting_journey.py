"""Federation reporting in a real browser: Alma's director imports and submits
the 2022 declaration; the Nord analyst returns it with a question; the director
answers, corrects and submits again; the analyst validates and closes the 2022
campaign; after the workers' consolidation and publication the dashboard shows
2022 (« secret » where a figure would be Alma's own, « non déclaré » where nobody
declared, and how many centres each figure covers), and the analyst exports it.
Then the dashboard on a phone. Screenshots in tests/artifacts/."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.no_db_rollback]

PASSWORD = "ensemble-demo"
ALMA_DIRECTOR = "claire.vasseur@alma.demo"
NORD_ANALYST = "paul.verhaeghe@federation-nord.demo"
YEAR = 2022

CSV = (
    "Code;Indicateur;Ventilation;Valeur;Commentaire\r\n"
    "pe.enfants;Enfants accueillis;;162;\r\n"
    "pe.familles;Familles accueillies;;130;\r\n"
    "asf.passages;Passages;;1\u00a0502;\r\n"
    "asf.personnes;Personnes reçues;;680;\r\n"
    "asf.personnes;Personnes reçues;femmes;390;\r\n"
    "asf.personnes;Personnes reçues;hommes;290;\r\n"
    "pe.participation_horaire;Participation;;0,41;\r\n"
    "je.jeunes;Jeunes;;cent vingt;\r\n"
)


def _consolidate(live_server) -> None:
    """What a worker does when it picks the validation up (same function, same role)."""
    from ensemble.extensions import db
    from ensemble.reporting import consolidation

    with live_server.app.app_context():
        consolidation.consolidate(db.engines["reporting"], full=True)
        db.engines["reporting"].dispose()


def _sign_in(ui, email):
    ui.visit("/connexion")
    ui.sign_in(email, PASSWORD)
    ui.check_a11y()


def test_declaration_from_import_to_dashboard(browser_page, live_server, tmp_path):
    ui, page = browser_page, browser_page.page
    _sign_in(ui, ALMA_DIRECTOR)
    ui.visit("/c/alma/declarations")
    ui.check_a11y()
    # The years offered are the open campaigns only.
    page.get_by_label("Année de la déclaration").select_option(str(YEAR))
    page.get_by_role("button", name="Ouvrir la déclaration").click()
    ui.check_a11y()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Déclaration {YEAR}")
    page.get_by_role("link", name="Importer un fichier CSV ou XLSX").click()
    ui.check_a11y()

    # A French Excel CSV (Windows-1252) with one bad row: explained, nothing imported.
    bad = tmp_path / "declaration.csv"
    bad.write_bytes(CSV.encode("cp1252"))
    page.get_by_label("Fichier CSV ou XLSX").set_input_files(str(bad))
    page.get_by_role("button", name="Vérifier le fichier").click()
    ui.check_a11y()
    expect(page.locator("main")).to_contain_text("« cent vingt » n’est pas un nombre")
    expect(page.get_by_role("button", name="Importer ces")).to_have_count(0)
    ui.screenshot("reporting-01-import-errors")

    fixed = tmp_path / "declaration-corrigee.csv"
    fixed.write_bytes(CSV.replace("cent vingt", "124").encode("cp1252"))
    page.get_by_label("Fichier CSV ou XLSX").set_input_files(str(fixed))
    page.get_by_role("button", name="Vérifier le fichier").click()
    ui.check_a11y()
    page.get_by_role("button", name="Importer ces 8 valeurs").click()
    ui.check_a11y()
    expect(page.locator(".flashes")).to_contain_text("8 valeurs importées")
    ui.screenshot("reporting-02-declaration-imported")
    page.get_by_role("button", name="Transmettre à la fédération").click()
    ui.check_a11y()
    expect(page.locator(".flashes")).to_contain_text("Déclaration transmise")

    # The analyst returns it with a question (same browser, signed in anew).
    page.context.clear_cookies()
    _sign_in(ui, NORD_ANALYST)
    ui.visit(f"/f/nord/declarations?annee={YEAR}")
    ui.check_a11y()
    page.get_by_role("link", name="Centre Social Alma").click()
    ui.check_a11y()
    page.get_by_label("Votre question au centre").fill(
        "Les 162 enfants incluent-ils l’accueil d’été ?"
    )
    page.get_by_role("button", name="Renvoyer au centre").click()
    ui.check_a11y()
    expect(page.locator(".flashes")).to_contain_text("renvoyée au centre")
    review_url = page.url

    # The director answers, corrects, submits again.
    page.context.clear_cookies()
    _sign_in(ui, ALMA_DIRECTOR)
    ui.visit("/c/alma/declarations")
    page.get_by_role("link", name=f"Déclaration {YEAR}").click()
    ui.check_a11y()
    expect(page.locator("#echanges")).to_contain_text("accueil d’été")
    page.get_by_label("Votre réponse à la fédération").fill("Oui : 150 hors été.")
    page.get_by_role("button", name="Répondre").click()
    ui.check_a11y()
    page.locator("#v__pe\\.enfants__").fill("150")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    ui.check_a11y()
    page.get_by_role("button", name="Transmettre à la fédération").click()
    ui.check_a11y()
    ui.screenshot("reporting-03-thread")

    # The analyst validates; the workers consolidate; the dashboard shows 2022.
    page.context.clear_cookies()
    _sign_in(ui, NORD_ANALYST)
    page.goto(review_url)
    ui.check_a11y()
    page.get_by_role("button", name="Valider la déclaration").click()
    ui.check_a11y()
    expect(page.locator(".flashes")).to_contain_text("Déclaration validée")
    # Open campaign: nothing of 2022 is published yet.
    ui.visit(f"/f/nord/tableau-de-bord?annee={YEAR}")
    expect(page.locator("main")).to_contain_text(f"Campagne {YEAR} en cours")
    ui.visit(f"/f/nord/declarations?annee={YEAR}")
    ui.check_a11y()
    page.get_by_role("button", name=f"Clore la campagne {YEAR} et publier ses chiffres").click()
    ui.check_a11y()
    expect(page.locator(".flashes")).to_contain_text(f"Campagne {YEAR} close")
    _consolidate(live_server)
    ui.visit("/f/nord/consolidation")
    ui.check_a11y()
    expect(page.locator("main")).to_contain_text("terminé")
    expect(page.locator("main")).to_contain_text(f"Campagne {YEAR}\u00a0: publication nº 1")
    expect(page.locator("main")).not_to_contain_text("worker")
    ui.screenshot("reporting-04-runs")
    ui.visit(f"/f/nord/tableau-de-bord?annee={YEAR}&indicateur=pe.enfants")
    ui.check_a11y()
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(YEAR))
    expect(page.locator("svg.chart").first).to_be_visible()
    # Alma alone validated 2022: every sum would be Alma's own figure, so none is published.
    trend_rows = page.locator("section[aria-labelledby=tendance] tbody tr")
    expect(trend_rows.filter(has_text=str(YEAR))).to_contain_text("secret")
    expect(page.locator("main")).not_to_contain_text("162")
    table = page.locator("section[aria-labelledby=secteurs] tbody")
    expect(table.locator("tr", has_text="Enfants accueillis en halte-garderie")).to_contain_text(
        "secret"
    )
    expect(table.locator("tr", has_text="Allocataires du RSA accompagnés")).to_contain_text(
        "non déclaré"
    )
    expect(page.locator(".lead")).to_contain_text("1 centre ayant déclaré")
    ui.screenshot("reporting-04-dashboard")
    ui.visit("/f/nord/tableau-de-bord?annee=2021&indicateur=asf.personnes")
    ui.check_a11y()
    ui.screenshot("reporting-05-dashboard-2021")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporter en XLSX").click()
    data = download_info.value.path().read_bytes()
    workbook = load_workbook(io.BytesIO(data))
    cells = [c for row in workbook.active.iter_rows(values_only=True) for c in row]
    assert "Personnes reçues par les écrivains publics" in cells


def test_the_dashboard_on_a_phone(phone_page, live_server):
    ui, page = phone_page, phone_page.page
    _consolidate(live_server)
    _sign_in(ui, NORD_ANALYST)
    ui.visit("/f/nord/tableau-de-bord?annee=2021")
    ui.check_a11y()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400
    # Every chart's text as the phone draws it: 12 px or more.
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('svg.chart')].flatMap(svg => {
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            return [...svg.querySelectorAll('text')].map(
                t => parseFloat(t.getAttribute('font-size')) * scale);
        })"""
    )
    assert len(sizes) > 20 and min(sizes) >= 12, min(sizes)
    ui.screenshot("reporting-06-phone-dashboard")


def test_the_analyst_reads_the_leaflet_and_downloads_it(browser_page, live_server):
    """The network's key figures as the observatory's leaflets give them: « secret »
    where the disclosure control kept a figure back, « non déclaré » where nobody
    answered, how many centres answered each figure; then the printable leaflet
    (PDF), downloaded, read back and rendered page by page to tests/artifacts/."""
    from kernel.document_checks import flat, pdf_text, to_png

    ui, page = browser_page, browser_page.page
    _consolidate(live_server)
    _sign_in(ui, NORD_ANALYST)
    ui.visit("/f/nord/tableau-de-bord?annee=2021")
    ui.check_a11y()
    leaflet = page.locator("section[aria-labelledby=plaquette]")
    expect(leaflet.get_by_role("heading", level=2)).to_contain_text("Tout le réseau")
    expect(leaflet).to_contain_text("réponses de 6 centres")
    # « 100 % mènent un accueil de loisirs » is secret now: it gave every centre's answer.
    expect(leaflet).to_contain_text(
        "67\u202f% des centres mènent des actions d’accès aux droits (6 centres ayant répondu)"
    )
    actions = leaflet.locator("section[aria-labelledby=plaquette-actions]")
    expect(actions.locator("tbody tr", has_text="Insertion socio-professionnelle")).to_contain_text(
        "secret"
    )
    table = page.locator("section[aria-labelledby=secteurs] tbody")
    theme = table.locator("tr", has_text="Thème 2021")
    expect(theme).to_contain_text("non déclaré")
    expect(theme).not_to_contain_text("secret")
    expect(leaflet.locator("svg.chart-bars").first).to_be_visible()
    ui.screenshot("reporting-11-leaflet")
    page.get_by_label("Département", exact=True).select_option("59")
    page.get_by_role("button", name="Filtrer").click()
    ui.check_a11y()
    expect(leaflet.get_by_role("heading", level=2)).to_contain_text("Département 59")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Rapport imprimable (PDF)").click()
    data = download_info.value.path().read_bytes()
    assert data.startswith(b"%PDF")
    words = flat(pdf_text(data))
    assert "Les centres : Département 59" in words
    assert "réseau en 2021" in words and "secret" in words and "non déclaré" in words
    assert "6 centres ayant répondu" in words
    pages = to_png(data, "reporting-12-leaflet-pdf", dpi=70)
    assert len(pages) >= 2


def test_figures_by_name_only_with_the_centres_consent(browser_page, phone_page, live_server):
    """The analyst opens the centres' figures from the dashboard: Alma (which agreed)
    by name, ECHO (which did not) nowhere; Alma's director withdraws the consent for
    2021 and the analyst no longer sees it, then gives it back."""
    ui, page = browser_page, browser_page.page
    _sign_in(ui, NORD_ANALYST)
    ui.visit("/f/nord/tableau-de-bord?annee=2021")
    page.get_by_role("link", name="Chiffres des centres (avec leur accord)").click()
    ui.check_a11y()
    expect(page.get_by_role("heading", level=1)).to_contain_text("2021")
    page.get_by_label("Secteur").select_option(label="Petite enfance")
    page.get_by_role("button", name="Filtrer").click()
    ui.check_a11y()
    table = page.locator("section[aria-labelledby=centres] table")
    expect(table).to_contain_text("Centre Social Alma")
    expect(table).to_contain_text("Enfants accueillis en halte-garderie")
    expect(page.locator("main")).not_to_contain_text("ECHO")
    ui.screenshot("reporting-07-centres-figures")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporter en XLSX").click()
    workbook = load_workbook(io.BytesIO(download_info.value.path().read_bytes()))
    cells = [c for row in workbook.active.iter_rows(values_only=True) for c in row]
    assert "Centre Social Alma" in cells and not any("ECHO" in str(c) for c in cells)
    figures_url = page.url

    # The same page on a phone: the table scrolls inside its region, not the page.
    phone_ui, phone = phone_page, phone_page.page
    _sign_in(phone_ui, NORD_ANALYST)
    phone_ui.visit(figures_url.removeprefix(live_server.url))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 400
    phone_ui.screenshot("reporting-08-phone-centres-figures")

    # Alma's director withdraws the consent for 2021 (a validated declaration).
    page.context.clear_cookies()
    _sign_in(ui, ALMA_DIRECTOR)
    ui.visit("/c/alma/declarations")
    page.get_by_role("link", name="Déclaration 2021").click()
    ui.check_a11y()
    consent = page.get_by_label("J’accepte que la fédération affiche les chiffres")
    expect(consent).to_be_checked()
    consent.uncheck()
    page.get_by_role("button", name="Enregistrer mon choix").click()
    ui.check_a11y()
    expect(page.locator(".flashes")).to_contain_text("Accord retiré")
    ui.screenshot("reporting-09-consent-withdrawn")
    declaration_url = page.url

    page.context.clear_cookies()
    _sign_in(ui, NORD_ANALYST)
    page.goto(figures_url)
    ui.check_a11y()
    expect(page.locator("main")).to_contain_text("Aucun centre n’a donné son accord")
    expect(page.locator("main")).not_to_contain_text("Centre Social Alma")
    ui.screenshot("reporting-10-centres-figures-after-withdrawal")

    # Given back: the figures return (and the other tests find the demo as it was).
    page.context.clear_cookies()
    _sign_in(ui, ALMA_DIRECTOR)
    page.goto(declaration_url)
    page.get_by_label("J’accepte que la fédération affiche les chiffres").check()
    page.get_by_role("button", name="Enregistrer mon choix").click()
    ui.check_a11y()
    expect(page.locator(".flashes")).to_contain_text("Accord enregistré")
