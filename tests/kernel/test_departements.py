"""Départements by name (issue 13: territories read « Département 59 »)."""

from __future__ import annotations

import pytest

from ensemble.kernel.departements import NAMES, departement


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("59", "Nord\u00a0(59)"),
        ("93", "Seine-Saint-Denis\u00a0(93)"),
        ("2a", "Corse-du-Sud\u00a0(2A)"),
        ("974", "La Réunion\u00a0(974)"),
        (1, "Ain\u00a0(01)"),
        ("99", "99"),  # not a département: said as it is, not invented
        ("", ""),
        (None, ""),
    ],
)
def test_a_departement_is_said_by_its_name_and_code(code, label):
    assert departement(code) == label


def test_every_departement_of_france_has_its_name():
    metropolitan = {f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B"}
    overseas = {"971", "972", "973", "974", "976"}
    assert set(NAMES) == metropolitan | overseas
