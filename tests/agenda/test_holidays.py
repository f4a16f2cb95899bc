"""French public holidays: the national days, Alsace-Moselle's two more for
départements 57, 67 and 68 only, French typography in the names, any range."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ensemble.agenda.holidays import is_public_holiday, public_holidays

NATIONAL_2027 = {
    date(2027, 1, 1): "Jour de l’an",
    date(2027, 3, 29): "Lundi de Pâques",
    date(2027, 5, 1): "Fête du Travail",
    date(2027, 5, 6): "Ascension",
    date(2027, 5, 8): "Fête de la Victoire",
    date(2027, 5, 17): "Lundi de Pentecôte",
    date(2027, 7, 14): "Fête nationale",
    date(2027, 8, 15): "Assomption",
    date(2027, 11, 1): "Toussaint",
    date(2027, 11, 11): "Armistice",
    date(2027, 12, 25): "Noël",
}


def test_the_eleven_national_days_of_2027():
    assert public_holidays(date(2027, 1, 1), date(2028, 1, 1), "59") == NATIONAL_2027
    assert public_holidays(date(2027, 1, 1), date(2028, 1, 1), None) == NATIONAL_2027


def test_alsace_moselle_adds_good_friday_and_saint_stephen():
    for departement in ("57", "67", "68"):
        days = public_holidays(date(2027, 1, 1), date(2028, 1, 1), departement)
        assert set(days) - set(NATIONAL_2027) == {date(2027, 3, 26), date(2027, 12, 26)}
        assert days[date(2027, 12, 26)] == "Saint-Étienne"
        assert days[date(2027, 3, 26)] == "Vendredi saint"
    assert not is_public_holiday(date(2027, 12, 26), "54")  # Meurthe-et-Moselle is not Moselle
    assert is_public_holiday(date(2027, 12, 26), "57")


def test_the_range_is_half_open_and_may_span_years():
    days = public_holidays(date(2026, 12, 25), date(2027, 1, 1), "59")
    assert days == {date(2026, 12, 25): "Noël"}
    days = public_holidays(date(2026, 12, 25), date(2027, 1, 2), "59")
    assert list(days) == [date(2026, 12, 25), date(2027, 1, 1)]


@given(
    st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=0, max_value=800),
    st.sampled_from([None, "59", "57", "67", "68", "75", ""]),
)
def test_a_range_is_the_union_of_its_days(start, days, departement):
    end = start + timedelta(days=days)
    found = public_holidays(start, end, departement)
    assert all(start <= day < end for day in found)
    assert set(found) == {
        start + timedelta(days=n)
        for n in range(days)
        if is_public_holiday(start + timedelta(days=n), departement)
    }
    # Every year has Christmas and Bastille Day, whatever the département.
    for year in range(start.year, end.year + 1):
        for day in (date(year, 7, 14), date(year, 12, 25)):
            if start <= day < end:
                assert day in found
