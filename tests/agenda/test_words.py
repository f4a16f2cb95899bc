"""A series' repetition said in words (issue 13: an event showed
`FREQ=WEEKLY;COUNT=10`): the raw rule is only behind « Règle avancée »."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ensemble.agenda.words import describe

TUESDAY = datetime(2026, 12, 1, 10, 0)


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=WEEKLY;COUNT=10", "tous les mardis, 10 séances"),
        ("FREQ=WEEKLY;COUNT=1", "tous les mardis, 1 séance"),
        ("FREQ=WEEKLY;BYDAY=MO,TH;COUNT=10", "tous les lundis et jeudis, 10 séances"),
        ("FREQ=WEEKLY;INTERVAL=2", "un mardi sur deux"),
        ("FREQ=WEEKLY;INTERVAL=3;BYDAY=FR", "toutes les 3 semaines, le vendredi"),
        ("FREQ=DAILY;UNTIL=20270630T235959", "tous les jours, jusqu’au 30 juin 2027"),
        ("FREQ=DAILY;INTERVAL=2", "tous les 2 jours"),
        ("FREQ=MONTHLY", "tous les mois, le 1er"),
        ("FREQ=MONTHLY;BYMONTHDAY=15", "tous les mois, le 15"),
        ("FREQ=MONTHLY;BYDAY=1TU", "tous les mois, le premier mardi"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "tous les mois, le dernier vendredi"),
        ("FREQ=YEARLY", "tous les ans, le 1er décembre"),
        ("RRULE:FREQ=WEEKLY;COUNT=10", "tous les mardis, 10 séances"),
        # What the words cannot say is not guessed.
        ("FREQ=WEEKLY;BYSETPOS=2", "selon une règle avancée"),
        ("FREQ=HOURLY", "selon une règle avancée"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", "selon une règle avancée"),
        ("FREQ=WEEKLY;INTERVAL=0", "selon une règle avancée"),
        ("", "une seule fois"),
    ],
)
def test_a_rule_in_words(app, rule, words):
    with app.test_request_context():
        assert describe(rule, TUESDAY) == words


@given(st.text(max_size=80))
def test_any_rule_text_gives_words_never_an_error_nor_a_code(app, rule):
    with app.test_request_context():
        said = describe(rule, TUESDAY)
    assert "FREQ" not in said and "=" not in said and ";" not in said
