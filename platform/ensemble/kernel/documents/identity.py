"""A party's legal identity as documents print it: name, address, SIRET.

The SIRET is fourteen digits: the SIREN (nine, the legal unit) and the NIC (five, the
establishment); its key is Luhn's, except for La Poste's establishments (SIREN
356 000 000), whose digits add up to a multiple of five.
"""

from __future__ import annotations

from dataclasses import dataclass

from ensemble.kernel.french import NNBSP

LA_POSTE = "356000000"
MISSING_SIRET = "SIRET non renseigné"


def luhn_ok(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def siret_is_valid(siret: str) -> bool:
    if len(siret) != 14 or not siret.isascii() or not siret.isdigit():
        return False
    if siret.startswith(LA_POSTE):
        return sum(int(c) for c in siret) % 5 == 0
    return luhn_ok(siret)


def format_siret(siret: str) -> str:
    """« 123 456 789 00012 » (narrow no-break spaces: it never wraps)."""
    if len(siret) != 14:
        return siret
    return NNBSP.join((siret[:3], siret[3:6], siret[6:9], siret[9:]))


@dataclass(frozen=True)
class LegalIdentity:
    name: str
    address: str = ""
    postcode: str = ""
    city: str = ""
    siret: str = ""
    acting_for: str = ""  # the centre the legal entity acts for, when it is not the name

    @property
    def siret_line(self) -> str:
        return f"SIRET {format_siret(self.siret)}" if self.siret else MISSING_SIRET

    @property
    def address_line(self) -> str:
        town = " ".join(p for p in (self.postcode, self.city) if p)
        return ", ".join(p for p in (self.address, town) if p) or "Adresse non renseignée"

    def lines(self) -> list[str]:
        """Name (and the centre it acts for), address, SIRET: one line each."""
        name = self.name + (f" — {self.acting_for}" if self.acting_for else "")
        return [name, self.address_line, self.siret_line]
