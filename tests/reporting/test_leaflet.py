"""The network's key figures as the observatory's leaflets give them: read from the
published release only, each with the number of centres that answered, shares
computed from published figures only, charts that carry their data table."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kernel.document_checks import flat, pdf_text, to_png

from ensemble.reporting import leaflet as leaflets
from ensemble.reporting import published as pub
from ensemble.tenancy import context
from reporting.support import ALMA_DIRECTOR, NORD_ANALYST
from reporting.test_words import text_of

from conftest import sign_in

STAR = pub.STAR


def _release(demo, db_session, year: int = 2021) -> pub.PublishedRelease:
    nord = demo.federation("nord")
    with context.using(demo.context_of(NORD_ANALYST), db_session):
        release = pub.publication(db_session, nord.id).release(year)
    assert release is not None
    return release


def test_the_leaflet_of_the_network(demo, db_session):
    release = _release(demo, db_session)
    leaflet = leaflets.build(release, None, 6)
    assert (leaflet.centres_in_territory, leaflet.respondents) == (6, 6)
    # Five of the six Roubaix centres serve a priority neighbourhood: « 83 % » would
    # tell the director who answered « non » that the five others said « oui ».
    assert leaflet.priority.text == "secret" and leaflet.priority.respondents == 6
    actions = {a.share.label: a for a in leaflet.actions}
    # Every centre runs an accueil de loisirs: « 100 % » is every centre's answer.
    assert actions["Accueil de loisirs"].share.text == "secret"
    assert "en déduire les réponses des autres" in actions["Accueil de loisirs"].sentence()
    # Seniors, 3 of 6: the three centres where one person works (all « non ») would
    # read that the three others said « oui ». Kept secret.
    assert actions["Actions avec les seniors"].share.text == "secret"
    # Access to rights, 4 of 6: no reader — everyone (Alma named), one director, the
    # person of three centres, the employer of two — is left with one answer.
    assert actions["Accès aux droits, écrivain public"].sentence() == (
        "67\u202f% des centres mènent des actions d’accès aux droits (6 centres ayant répondu)."
    )
    for action in leaflet.actions:
        answered = release.figure(
            next(c for c in leaflets.ACTIONS if action.what == str(leaflets.ACTIONS[c]))
        )
        if answered.published:
            share = (answered.display * 100 / answered.centres).quantize(Decimal(1))
            assert action.share.text == f"{share}\u202f%"
        else:
            assert action.share.text == answered.words()
    # Two centres out of six: each would read the other's answer. Kept secret.
    insertion = actions["Insertion socio-professionnelle"]
    assert insertion.share.text == "secret" and insertion.share.value is None
    assert "secret" in insertion.sentence() and "6 centres ayant répondu" in insertion.sentence()
    # People reached by age, every part published and adding up to the total.
    publics = leaflet.sections[0].blocks[0]
    assert publics.figure.label == "Personnes touchées par les activités"
    parts = publics.breakdown.parts
    assert [p.label for p in parts] == ["0-17 ans", "18-25 ans", "26-59 ans", "60 ans et plus"]
    assert sum(p.value for p in parts) == publics.figure.value
    # Funding by source: each a share of the published income.
    income = release.figure("fi.produits").display
    caf = leaflet.funding[0]
    expected = (release.figure("fi.prestation_caf").display * 100 / income).quantize(Decimal(1))
    assert caf.value == expected and caf.text == f"{expected}\u202f%"
    assert all(f.respondents == 6 for f in leaflet.funding)


def test_a_past_campaign_never_asked_says_not_declared(demo, db_session):
    release = _release(demo, db_session)
    emptied = dataclasses.replace(
        release,
        cells={k: v for k, v in release.cells.items() if not k[0].startswith(("ac.", "fi."))},
    )
    leaflet = leaflets.build(emptied, None, 6)
    assert {a.share.text for a in leaflet.actions} == {"non déclaré"}
    assert {f.text for f in leaflet.funding} == {"non déclaré"}
    assert {f.answers() for f in leaflet.funding} == {"aucune réponse"}
    assert leaflet.sections[0].blocks[0].figure.answers() == "réponses de 6 centres"
    assert all(a.share.respondents == 0 for a in leaflet.actions)
    assert "aucun centre" in leaflet.actions[0].sentence() or "0 centre" in (
        leaflet.actions[0].sentence()
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_nothing_secret_reaches_the_leaflet(demo, db_session, data):
    """Whatever the disclosure control kept secret, the leaflet prints « secret »
    where it would have used it, and no share is computed from it."""
    release = _release(demo, db_session)
    keys = sorted(k for k in release.cells if k[2] == STAR and k[3] == STAR)
    hidden = set(data.draw(st.lists(st.sampled_from(keys), max_size=12, unique=True)))
    masked = dataclasses.replace(
        release,
        cells={k: (None, v[1], True) if k in hidden else v for k, v in release.cells.items()},
    )
    leaflet = leaflets.build(masked, None, 6)
    hidden_codes = {code for code, key, _d, _c in hidden if key == ""}
    for code, action in zip(leaflets.ACTIONS, leaflet.actions, strict=True):
        if code in hidden_codes:
            assert action.share.text == "secret" and action.share.value is None
    if "fi.produits" in hidden_codes:
        assert all(f.value is None for f in leaflet.funding)
    for code, funding in zip(leaflets.FUNDING, leaflet.funding, strict=True):
        if code in hidden_codes:
            assert funding.text == "secret" and funding.value is None
    for section in leaflet.sections:
        for block in section.blocks:
            if not block.figure.published:
                assert block.figure.value is None
                assert not re.search(r"\d", block.figure.text)


def test_the_dashboard_shows_the_leaflet_with_charts_and_their_tables(app, demo):
    analyst = app.test_client()
    sign_in(analyst, NORD_ANALYST)
    html = analyst.get("/f/nord/tableau-de-bord?annee=2021").get_data(as_text=True)
    page = text_of(html)
    assert "Le réseau en chiffres : Tout le réseau" in page
    assert "secret des centres en quartier prioritaire" in page
    assert (
        "67 % des centres mènent des actions d’accès aux droits (6 centres ayant répondu)" in page
    )
    assert "Centres menant un accueil de loisirs : secret : un centre pourrait" in page
    assert "Centres menant des actions d’insertion socio-professionnelle : secret" in page
    # Every chart of the leaflet is followed by its data table, with its respondents.
    leaflet = html.split('id="plaquette"', 1)[1].split('aria-labelledby="tendance"', 1)[0]
    charts = re.findall(r'<svg[^>]*class="chart chart-bars"', leaflet)
    assert len(charts) >= 6 and leaflet.count("Données du graphique") == len(charts)
    assert "réponses de 6 centres" in page
    # A network count of people is the sum of each centre's (persons are not
    # linked across centres), and the lines that count people say so.
    assert 'id="par-centre"' in html, html.split("Tous les indicateurs", 1)[-1][-3000:]
    assert "une personne venue dans deux centres y est comptée deux fois" in page
    assert re.search(r'<th scope="row" aria-describedby="par-centre">', html)
    # One département: the same figures, for the centres of that territory.
    html = analyst.get("/f/nord/tableau-de-bord?annee=2021&departement=59").get_data(as_text=True)
    assert "Le réseau en chiffres : Département 59" in text_of(html)


def test_the_printable_leaflet(app, demo):
    """The PDF: the leaflet's figures and charts with their tables, then every
    indicator; rendered page by page to tests/artifacts/ to be looked at."""
    analyst = app.test_client()
    sign_in(analyst, NORD_ANALYST)
    response = analyst.get("/f/nord/tableau-de-bord.pdf?annee=2021")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    words = flat(pdf_text(response.data))
    for expected in (
        "Les centres sociaux du réseau en 2021",
        "Les centres : Tout le réseau",
        "En quartier prioritaire ou le desservant secret 6 centres",
        "Personnes touchées par les activités",
        "60 ans et plus",
        "Financements par source",
        "CAF (prestations de service)",
        "67 % des centres mènent des actions d’accès aux droits (6 centres ayant répondu).",
        "Centres menant des actions d’insertion socio-professionnelle : secret",
        "Tous les indicateurs",
        "non déclaré",
    ):
        assert expected in words, expected
    pages = to_png(response.data, "reporting-leaflet", dpi=50)
    assert 2 <= len(pages) <= 8


def test_the_director_compares_the_leaflet_questions(app, demo):
    """Alma's director: her own answers beside the network's and the département's
    shares and means, from the same audited release (her own figures known to her)."""
    director = app.test_client()
    sign_in(director, ALMA_DIRECTOR)
    html = director.get("/c/alma/declarations/comparaison?annee=2021").get_data(as_text=True)
    page = text_of(html)
    # Every centre said « oui »: « 100 % » would give her the five others' answers.
    row = page.split("Accueil de loisirs (1 = oui, 0 = non)", 1)[1][:60].split()
    assert row[:2] == ["oui", "secret"], row
    row = page.split("Accès aux droits, écrivain public (1 = oui, 0 = non)", 1)[1][:60].split()
    assert row[:4] == ["oui", "67", "%", "—"], row
    insertion = page.split("Insertion socio-professionnelle (1 = oui, 0 = non)", 1)[1][:40]
    assert insertion.split()[:2] == ["oui", "secret"], insertion
    salaries = page.split("Salariés au 31 décembre", 1)[1][:60].split()
    assert salaries[0] == "42" and salaries[-1] != "secret"
    for other in ("ECHO", "Fresnoy", "Basse Masure", "Assia Djebar"):
        assert other not in html


def test_territory_by_territory(demo, db_session, app):
    release = _release(demo, db_session)
    rows = leaflets.by_territory(release, {"59": 6, "93": 4})
    assert [r.departement for r in rows] == ["59", ""]
    dep, network = rows
    assert (dep.centres, dep.respondents, network.centres, network.respondents) == (6, 6, 10, 6)
    for row in rows:
        where = row.departement or STAR
        for code, figure in zip(leaflets.TERRITORY_FIGURES, row.figures, strict=True):
            published = release.figure(code, where)
            assert figure.respondents == published.centres
            assert figure.status == published.status
    # A département whose cells are all secret shows « secret », never a figure.
    secret = dataclasses.replace(
        release,
        cells={k: (None, v[1], True) if k[2] == "59" else v for k, v in release.cells.items()},
    )
    dep = leaflets.by_territory(secret, {"59": 6})[0]
    assert {f.text for f in dep.figures} | {dep.priority.text} == {"secret"}
    analyst = app.test_client()
    sign_in(analyst, NORD_ANALYST)
    page = text_of(analyst.get("/f/nord/tableau-de-bord?annee=2021").get_data(as_text=True))
    assert "Territoire par territoire" in page and "Département 59 6 6 secret 6 centres" in page
    words = flat(pdf_text(analyst.get("/f/nord/tableau-de-bord.pdf?annee=2021").data))
    assert "Territoire par territoire" in words
