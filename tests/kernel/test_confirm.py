"""Confirmation pages: nothing irreversible happens in one click, with or without JavaScript."""

from __future__ import annotations

import re

import pytest
from flask import Blueprint

from ensemble.kernel.confirm import Confirmation, confirm
from ensemble.kernel.refusal import Refusal

from conftest import TEST_CONFIG

DONE: list[str] = []


@pytest.fixture(scope="module")
def confirm_app(database):
    from ensemble import create_app

    app = create_app(TEST_CONFIG)
    bp = Blueprint("confirm_test", __name__)

    def confirmation(acknowledge: bool) -> Confirmation:
        return Confirmation(
            title="Supprimer la série « Atelier » ?",
            consequences=["Les 6 séances à venir seront supprimées."],
            incomplete=["3 rubriques ne sont pas validées."] if acknowledge else [],
            acknowledgements=["Je supprime malgré tout."] if acknowledge else [],
            confirm_label="Supprimer les 6 séances",
            cancel_url="/",
        )

    @bp.route("/_test/supprimer", methods=("GET", "POST"))
    def plain():
        return confirm(
            confirmation(False), lambda: DONE.append("plain"), success="Fait.", next_url="/"
        )

    @bp.route("/_test/deposer", methods=("GET", "POST"))
    def ticked():
        return confirm(
            confirmation(True), lambda: DONE.append("ticked"), success="Fait.", next_url="/"
        )

    @bp.route("/_test/refus", methods=("GET", "POST"))
    def refused():
        def action():
            raise Refusal("La série a déjà commencé.")

        return confirm(confirmation(False), action, success="Fait.", next_url="/")

    app.register_blueprint(bp)
    return app


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_the_page_says_what_will_happen_and_acts_only_on_its_own_post(confirm_app):
    DONE.clear()
    client = confirm_app.test_client()
    page = client.get("/_test/supprimer")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and DONE == []
    assert "Les 6 séances à venir seront supprimées." in html
    # The destructive button is not the primary style, and nothing needs JavaScript.
    assert 'class="button danger"' in html and "<script>" not in html.split("</main>")[0]
    assert client.post("/_test/supprimer", data={}).status_code == 400  # no token: nothing
    assert DONE == []
    done = client.post("/_test/supprimer", data={"csrf_token": _token(html)})
    assert done.status_code == 302 and DONE == ["plain"]


def test_an_explicit_choice_must_be_ticked(confirm_app):
    DONE.clear()
    client = confirm_app.test_client()
    html = client.get("/_test/deposer").get_data(as_text=True)
    assert "3 rubriques ne sont pas validées." in html
    refused = client.post("/_test/deposer", data={"csrf_token": _token(html)})
    assert refused.status_code == 422 and DONE == []
    assert "Cochez cette case pour continuer." in refused.get_data(as_text=True)
    done = client.post("/_test/deposer", data={"csrf_token": _token(html), "acknowledge_0": "y"})
    assert done.status_code == 302 and DONE == ["ticked"]


def test_a_refusal_comes_back_to_the_page_with_its_reason(confirm_app):
    client = confirm_app.test_client()
    html = client.get("/_test/refus").get_data(as_text=True)
    answer = client.post("/_test/refus", data={"csrf_token": _token(html)})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/_test/refus")
    assert "La série a déjà commencé." in client.get("/_test/refus").get_data(as_text=True)
