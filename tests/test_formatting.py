"""French first: dates in Europe/Paris, euros, typography; English available."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from flask_babel import force_locale

from ensemble.kernel.french import NBSP
from ensemble.web.formatting import date_fr, datetime_fr, euros, french_typography

from conftest import csrf_token


def test_dates_are_french_in_paris_time(app):
    with app.test_request_context(), force_locale("fr"):
        # 29 March 2026, the spring clock change: 01:30 UTC is 03:30 in Paris.
        assert (
            datetime_fr(datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
            == f"29 mars 2026 à 3{NBSP}h{NBSP}30"
        )
        assert (
            datetime_fr(datetime(2026, 1, 15, 12, 0, tzinfo=UTC)) == f"15 janvier 2026 à 13{NBSP}h"
        )
        assert date_fr(datetime(2026, 7, 14).date()) == "14 juillet 2026"


def test_money_is_in_euros_with_french_separators(app):
    with app.test_request_context(), force_locale("fr"):
        assert euros(Decimal("1234.5")) == "1\u202f234,50\u00a0€"


def test_french_typography_spaces_and_escaping(app):
    with app.test_request_context(), force_locale("fr"):
        out = str(french_typography("Prêt ? Oui : « ensemble » ! <b>"))
    assert out == "Prêt\u202f? Oui\u00a0: «\u202fensemble\u202f»\u202f! &lt;b&gt;"


def test_pages_switch_to_english_and_back(client):
    token = csrf_token(client, "/connexion")
    client.post("/langue", data={"lang": "en", "next": "/connexion", "csrf_token": token})
    html = client.get("/connexion").get_data(as_text=True)
    assert 'lang="en"' in html and "Sign in" in html and "Email address" in html
    token = csrf_token(client, "/connexion")
    client.post("/langue", data={"lang": "fr", "next": "/connexion", "csrf_token": token})
    assert "Se connecter" in client.get("/connexion").get_data(as_text=True)


def test_french_is_the_default_even_for_an_english_browser(client):
    html = client.get("/connexion", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert 'lang="fr"' in html and "Se connecter" in html
