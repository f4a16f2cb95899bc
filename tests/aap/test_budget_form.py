"""The budget line form as associations write it: one French amount field whose
every input either reads as an exact Decimal within the column's bounds or gives
a French message (never a 500), and the account chosen in the associations'
chart of accounts."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from aap.aap_support import FRESNOY_DIRECTOR
from ensemble.aap import forms
from ensemble.aap.budget import ACCOUNT_CLASSES, account_choices
from ensemble.aap.operations import MAX_AMOUNT

from conftest import csrf_token, sign_in

FRENCH_MESSAGES = re.compile(
    r"^(Indiquez |Montant trop élevé : au plus 9\u202f999\u202f999\u202f999,99\u00a0€\.$"
    r"|Le montant ne peut pas être négatif\.$|Au plus 2 chiffres après la virgule\.$|« )"
)

# Strings shaped like amounts, typed or pasted: French and English separators,
# exponents, signs, foreign digits, no-break spaces, units.
amount_like = st.builds(
    lambda sign, whole, sep, cents, unit: f"{sign}{whole}{sep}{cents}{unit}",
    st.sampled_from(["", "-", "+", "−", " "]),
    st.text("0123456789 \u00a0\u202f.,", max_size=16),
    st.sampled_from(["", ",", ".", "e", "E", "٫"]),
    st.text("0123456789٠١٢٣٤٥٦٧٨٩", max_size=4),
    st.sampled_from(["", " €", "€", " EUR", "%"]),
)


def _read(app, amount: str) -> forms.BudgetLineForm:
    data = MultiDict({"account": "64", "label": "Salaires", "amount": amount})
    with app.test_request_context(method="POST", data=data):
        form = forms.BudgetLineForm(formdata=data, meta={"csrf": False})
        form.validate()
        return form


def _plain_reading(raw: str) -> Decimal | None:
    """An independent reading of the French way of writing an amount."""
    text = re.sub(r"[\s\u00a0\u202f]", "", raw).removesuffix("€")
    if not re.fullmatch(r"\d+(,\d{1,2})?|\d+(\.\d{1,2})?", text):
        return None
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern is a decimal
        return None


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(amount_like, st.text(max_size=30)))
def test_any_amount_reads_exactly_within_bounds_or_is_refused_in_french(app, raw):
    form = _read(app, raw)
    if form.amount.errors:
        assert all(FRENCH_MESSAGES.match(str(e)) for e in form.amount.errors), (
            raw,
            form.amount.errors,
        )
        assert form.amount.data is None
        return
    value = form.amount.data
    assert isinstance(value, Decimal)
    assert Decimal(0) <= value <= MAX_AMOUNT
    assert value == value.quantize(Decimal("0.01"))
    plain = _plain_reading(raw)
    if plain is not None:
        assert value == plain, raw


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("   ", "Indiquez le montant."),
        ("10000000000", "Montant trop élevé : au plus 9\u202f999\u202f999\u202f999,99\u00a0€."),
        ("1e3", "Indiquez un nombre"),
        ("\u0661\u0662\u0663", "Indiquez un nombre"),
        ("-0", "écrivez 0"),
        ("-5", "ne peut pas être négatif"),
        ("12,345", "Au plus 2 chiffres après la virgule."),
    ],
)
def test_the_amounts_the_issue_names_are_refused_in_french(app, raw, message):
    form = _read(app, raw)
    assert any(message in str(e) for e in form.amount.errors), form.amount.errors


def test_french_amounts_read_exactly(app):
    for raw, value in (
        ("21 000", "21000.00"),
        ("21\u202f000,50", "21000.50"),
        ("9 999 999 999,99", "9999999999.99"),
        ("0", "0.00"),
        ("1 000,5 €", "1000.50"),
    ):
        assert _read(app, raw).amount.data == Decimal(value), raw


def test_the_account_is_chosen_in_the_associations_chart():
    codes = [code for code, _label in account_choices()]
    assert codes == [
        *(f"6{n}" for n in range(9)),
        "86",
        *(f"7{n}" for n in range(6)),
        "87",
    ]
    labels = dict(account_choices())
    assert labels["64"] == "64 – Charges de personnel"
    assert labels["74"] == "74 – Subventions d’exploitation"
    assert labels["87"] == "87 – Contributions volontaires en nature"
    # A finer account of an existing line stays offered, under its class.
    finer = account_choices("641")
    assert finer[finer.index(("64", ACCOUNT_CLASSES["64"][1])) + 1][0] == "641"
    assert account_choices("512") == account_choices()


def test_the_budget_page_offers_a_select_and_states_the_projects_rule(
    app, demo, db_session, joint_answer
):
    client = app.test_client()
    assert sign_in(client, FRESNOY_DIRECTOR).status_code == 302
    url = f"/c/fresnoy-mackellerie/aap/reponses/{joint_answer.answer_id}/budget"
    token = csrf_token(client, url)
    for raw in ("   ", "10000000000", "1e3", "\u0661\u0662\u0663", "-0"):
        response = client.post(
            url, data={"csrf_token": token, "account": "64", "label": "Salaires", "amount": raw}
        )
        assert response.status_code == 422, raw
    added = client.post(
        url, data={"csrf_token": token, "account": "64", "label": "Salaires", "amount": "8 000"}
    )
    assert added.status_code == 302
    html = client.get(url).get_data(as_text=True).replace("\u202f", " ").replace("\u00a0", " ")
    assert re.search(r'<select [^>]*id="account" name="account"', html)
    assert '<option value="86">86 – Emplois des contributions volontaires en nature' in html
    assert "le total des charges est égal au total des produits" in html
    assert "Budget du projet non équilibré : 8 000,00 € de charges pour 0,00 € de produits" in html
    assert "pour information" in html and "Écart" not in html
