"""The kernel's French formatting: one set of rules for pages and documents."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

from hypothesis import given
from hypothesis import strategies as st

from ensemble.kernel import french
from ensemble.kernel.french import MINUS, NBSP, NNBSP

BREAKING_SPACES = {" ", "\t", "\n"}


def test_typography_spaces_punctuation_and_guillemets():
    assert french.typography("Prêt ? Oui : « ensemble » !") == (
        f"Prêt{NNBSP}? Oui{NBSP}: «{NNBSP}ensemble{NNBSP}»{NNBSP}!"
    )
    # Times and URLs keep their colons.
    assert french.typography("à 14:30 sur https://x.fr") == "à 14:30 sur https://x.fr"


def test_typography_html_escapes_first():
    out = str(french.typography_html("<b>Vrai ?</b>"))
    assert out == f"&lt;b&gt;Vrai{NNBSP}?&lt;/b&gt;"


def test_first_of_the_month_is_1er():
    assert french.long_date(date(2026, 12, 1)) == "1er décembre 2026"
    assert french.long_date(date(2026, 12, 1), weekday=True) == "mardi 1er décembre 2026"
    assert french.long_date(date(2026, 9, 2), year=False) == "2 septembre"


def test_long_datetime_in_paris_across_the_spring_change():
    # 29 March 2026, 01:30 UTC is 03:30 in Paris.
    assert french.long_datetime(datetime(2026, 3, 29, 1, 30, tzinfo=UTC)) == (
        f"29 mars 2026 à 3{NBSP}h{NBSP}30"
    )
    assert french.long_datetime(datetime(2026, 1, 15, 12, 0, tzinfo=UTC)) == (
        f"15 janvier 2026 à 13{NBSP}h"
    )


def test_one_time_and_duration_style():
    assert french.time_of_day(time(14, 0)) == f"14{NBSP}h"
    assert french.time_of_day(time(9, 5)) == f"9{NBSP}h{NBSP}05"
    assert french.duration(Decimal("15.5")) == f"15{NBSP}h{NBSP}30"
    assert french.duration(timedelta(minutes=45)) == f"45{NBSP}min"
    assert french.duration(0) == f"0{NBSP}h"
    assert french.duration(Decimal("-1.25")) == f"{MINUS}1{NBSP}h{NBSP}15"


def test_money_and_percent():
    assert french.euros(Decimal("1234.5")) == f"1{NNBSP}234,50{NBSP}€"
    assert french.euros(Decimal("-597")) == f"{MINUS}597,00{NBSP}€"
    assert french.euros(Decimal("-0.001")) == f"0,00{NBSP}€"
    assert french.signed_euros(Decimal("1200")) == f"+1{NNBSP}200,00{NBSP}€"
    assert french.percent(Decimal("-78.34"), 1, signed=True) == f"{MINUS}78,3{NNBSP}%"
    assert french.percent(Decimal("0.635"), 1, ratio=True) == f"63,5{NNBSP}%"
    assert french.percent(0, signed=True) == f"0{NNBSP}%"


def test_plurals_outside_a_request():
    assert french.plural(1, "%(num)s déclaration validée", "%(num)s déclarations validées") == (
        "1 déclaration validée"
    )
    assert french.plural(0, "%(num)s point", "%(num)s points") == "0 point"
    assert french.plural(1500, "%(num)s point", "%(num)s points") == f"1{NNBSP}500 points"


def test_plurals_in_a_request_go_through_the_catalogue(app):
    with app.test_request_context():
        assert french.plural(2, "%(num)s point", "%(num)s points") == "2 points"


def test_list_of():
    assert french.list_of(["Alma", "Fresnoy", "Basse Masure"]) == "Alma, Fresnoy et Basse Masure"
    assert french.list_of(["Alma"]) == "Alma"


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False))
def test_an_amount_never_wraps_and_never_shows_a_hyphen(value):
    text = french.euros(value)
    assert not BREAKING_SPACES & set(text)
    assert "-" not in text
    assert text.endswith(f"{NBSP}€")


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_long_dates_always_read_day_month_year(day):
    text = french.long_date(day)
    assert text.split()[0] == ("1er" if day.day == 1 else str(day.day))
    assert text.endswith(str(day.year))


def test_typography_html_leaves_tags_and_entities_of_markup_alone():
    from markupsafe import Markup

    out = str(french.typography_html(Markup("<a href='x?y=1'>Oui ?</a> &amp; ; fin")))
    assert out == f"<a href='x?y=1'>Oui{NNBSP}?</a> &amp;{NNBSP}; fin"


def test_typography_html_takes_lazy_strings(app):
    from flask_babel import lazy_gettext

    with app.test_request_context():
        assert str(french.typography_html(lazy_gettext("Vrai ?"))) == f"Vrai{NNBSP}?"


@given(st.integers(min_value=-(10**60), max_value=10**60), st.integers(min_value=0, max_value=6))
def test_numbers_of_any_length_are_formatted(integer, exponent):
    """Found by the red team: a 28-digit figure (Decimal's default precision) ended
    the import preview in a 500 when it was shown back."""
    value = Decimal(integer).scaleb(-exponent)
    with localcontext() as context:
        context.prec = 100
        expected = abs(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    digits = french.number(value, 2).replace(MINUS, "").replace(NNBSP, "").replace(",", "")
    assert digits.lstrip("0") == f"{expected:f}".replace(".", "").lstrip("0")
    assert french.compact_number(value)
    assert french.euros(value).endswith("€")
    assert french.percent(value)
    assert french.duration(value)
