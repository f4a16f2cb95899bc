"""The footer's legal pages (issue 13): mentions légales, données personnelles and
the accessibility declaration in the RGAA's form, public and linked from every page."""

from __future__ import annotations

import re

import pytest

from conftest import sign_in

PAGES = {
    "/mentions-legales": ["Éditeur", "Hébergement", "Directeur ou directrice de la publication"],
    "/donnees-personnelles": [
        "Ce qui est gardé, pourquoi et combien de temps",
        "Vos droits et à qui vous adresser",
        "CNIL",
        "12 heures au plus",
    ],
    "/accessibilite": [
        # The RGAA's declaration: its sections, in its words.
        "s’engage à rendre son service accessible",
        "État de conformité",
        "non conforme",
        "Résultats des tests",
        "Contenus non accessibles",
        "Établissement de cette déclaration",
        "Retour d’information et contact",
        "Voies de recours",
        "Défenseur des droits",
    ],
}


def _text(html: str) -> str:
    plain = re.sub(r"<[^>]+>", " ", html).replace("\u202f", " ").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", plain)


@pytest.mark.parametrize("path", sorted(PAGES))
def test_each_legal_page_is_public_and_says_what_it_must(client, path):
    response = client.get(path)
    assert response.status_code == 200
    text = _text(response.get_data(as_text=True))
    for words in PAGES[path]:
        assert words.replace("\u202f", " ") in text, (path, words)


def test_every_page_links_the_three_legal_pages(app, client):
    signed_in = app.test_client()
    sign_in(signed_in, "claire.vasseur@alma.demo")
    for who, path in ((client, "/connexion"), (signed_in, "/c/alma/"), (signed_in, "/rh/")):
        response = who.get(path)
        if response.status_code == 404:
            continue  # /rh/ is not hers when she serves no employer
        html = response.get_data(as_text=True)
        footer = re.search(r'<footer class="site-footer">.*?</footer>', html, re.S)
        assert footer, path
        for link in PAGES:
            assert f'href="{link}"' in footer.group(0), (path, link)
    # The RGAA asks for the conformity state in the footer's link itself.
    login = client.get("/connexion").get_data(as_text=True)
    assert "Accessibilité : non conforme" in login.replace("\u202f", " ").replace("\u00a0", " ")


def test_the_publisher_comes_from_the_configuration(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LEGAL_PUBLISHER", "Centre Social Témoin")
    assert "Centre Social Témoin" in client.get("/mentions-legales").get_data(as_text=True)
    assert "Centre Social Témoin" in client.get("/accessibilite").get_data(as_text=True)
