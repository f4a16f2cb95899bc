"""French public holidays (jours fériés), from the `holidays` package: one
calendar for the shared calendar's views and warnings and for the agreed hours
of shared posts (ensemble.sharing.agreed_hours), which do not count them.

Alsace-Moselle keeps two more days under its local law (Vendredi saint and
Saint-Étienne, 26 December): centres of départements 57 (Moselle), 67
(Bas-Rhin) and 68 (Haut-Rhin) get them. The overseas départements get their
own days (abolition of slavery) when their three-digit code is given.

Names are French with French typography (« Jour de l’an »), ready to show.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays as holidays_package

# The package's subdivision codes: Moselle is « 57 », Bas-Rhin and Haut-Rhin
# form the Collectivité européenne d’Alsace, « 6AE ».
_SUBDIVISIONS = {
    "57": "57",
    "67": "6AE",
    "68": "6AE",
    "971": "971",
    "972": "972",
    "973": "973",
    "974": "974",
    "976": "976",
}
ALSACE_MOSELLE = frozenset({"57", "67", "68"})


def subdivision(departement: str | None) -> str | None:
    """The package's subdivision for a département code (« 67 », « 971 »), or None."""
    return _SUBDIVISIONS.get((departement or "").strip().upper())


@lru_cache(maxsize=256)
def _year(year: int, subdiv: str | None) -> tuple[tuple[date, str], ...]:
    days = holidays_package.country_holidays("FR", subdiv=subdiv, years=year, language="fr")
    return tuple(sorted((day, name.replace("'", "’")) for day, name in days.items()))


def public_holidays(start: date, end: date, departement: str | None) -> dict[date, str]:
    """The public holidays in [start, end) for a centre of `departement` (the
    two-digit code of its postcode, or None for the national days only), by date."""
    subdiv = subdivision(departement)
    found: dict[date, str] = {}
    for year in range(start.year, end.year + 1):
        for day, name in _year(year, subdiv):
            if start <= day < end:
                found[day] = name
    return found


def is_public_holiday(day: date, departement: str | None) -> bool:
    return day in public_holidays(day, date.fromordinal(day.toordinal() + 1), departement)
