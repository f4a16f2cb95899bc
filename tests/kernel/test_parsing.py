"""French input read exactly as meant, or refused: the kernel's parsing."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ensemble.kernel.parsing import (
    Unreadable,
    parse_date,
    parse_decimal,
    parse_integer,
    parse_month,
    parse_time,
)

SPACES = [" ", "\u00a0", "\u202f"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0,39", "0.39"),
        ("1 488", "1488"),
        ("1\u00a0488,50", "1488.50"),
        ("1\u202f234\u202f567,5", "1234567.5"),
        ("1.488", "1488"),
        ("1.234.567,89", "1234567.89"),
        ("1234.56", "1234.56"),
        ("0.5", "0.5"),
        ("-597,00", "-597.00"),
        ("\u2212597", "-597"),
        ("  12  ", "12"),
    ],
)
def test_french_numbers(text, value):
    assert parse_decimal(text) == Decimal(value)


@pytest.mark.parametrize(
    "text",
    [
        "1e3",
        "1E30",
        "١٢",
        "²",
        "½",
        "-0",
        "-0,00",
        "12 34",
        "1,2,3",
        "1.2.3",
        "NaN",
        "inf",
        "0x10",
        "+5",
        "-",
        ",",
        "1 234 5",
        "0.500.000",
        "9" * 501,
    ],
)
def test_what_is_not_a_french_number_is_refused(text):
    with pytest.raises(Unreadable):
        parse_decimal(text)


@pytest.mark.parametrize("text", ["", "   ", "\u00a0\u202f", None])
def test_blank_is_none(text):
    assert parse_decimal(text) is None


def test_units_only_where_allowed():
    assert parse_decimal("63 %", units=("%",)) == 63
    assert parse_decimal("1 234,56 €", units=("€",)) == Decimal("1234.56")
    with pytest.raises(Unreadable):
        parse_decimal("63 %")


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2), st.sampled_from(SPACES))
def test_any_amount_written_the_french_way_reads_back(value, space):
    text = f"{abs(value):,.2f}".replace(",", space).replace(".", ",")
    text = ("-" if value < 0 else "") + text
    if value == 0:
        text = text.lstrip("-")
    assert parse_decimal(text) == value


@given(st.text(max_size=30))
def test_anything_reads_or_is_refused_never_crashes(text):
    try:
        value = parse_decimal(text, units=("%", "€"))
    except Unreadable as problem:
        assert str(problem)
    else:
        assert value is None or value.is_finite()


def test_integers():
    assert parse_integer("1 488") == 1488
    with pytest.raises(Unreadable, match="entier"):
        parse_integer("12,5")
    assert parse_integer("12,00") == 12


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("31/12/2026", date(2026, 12, 31)),
        ("2026-12-31", date(2026, 12, 31)),
        ("1.2.2026", date(2026, 2, 1)),
        ("01-02-2026", date(2026, 2, 1)),
    ],
)
def test_dates(text, day):
    assert parse_date(text) == day


@pytest.mark.parametrize(
    "text", ["31/02/2026", "1/1/26", "99999999", "٢٠٢٦-٠١-٠١", "2026-13-01", "demain", "0000-01-01"]
)
def test_bad_dates_are_refused(text):
    with pytest.raises(Unreadable):
        parse_date(text)


def test_times_and_months():
    assert parse_time("14:30") == time(14, 30)
    assert parse_time("14h30") == time(14, 30)
    assert parse_time("14 h") == time(14)
    assert parse_time("09:05:59") == time(9, 5, 59)
    for bad in ["25:00", "23:60", "٠٩:٠٠", "12", "-1:00"]:
        with pytest.raises(Unreadable):
            parse_time(bad)
    assert parse_month("2026-12") == date(2026, 12, 1)
    assert parse_month("12/2026") == date(2026, 12, 1)
    for bad in ["2026-13", "2026-00", "99999999-01"]:
        with pytest.raises(Unreadable):
            parse_month(bad)
