"""Every cooperation figure a capability provides is named for the network
reports (no raw code such as `joint_answers.won` on the dashboard)."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from ensemble.sharing.cooperation import NETWORK_LABELS, figures_for_year


def test_every_provided_figure_has_a_network_label(database):
    engine = create_engine(database.reporting)  # providers run on the reporting role
    try:
        with Session(engine) as session:
            codes = {f.code for year in range(2024, 2028) for f in figures_for_year(session, year)}
    finally:
        engine.dispose()
    assert {c.split(".")[0] for c in codes} >= {"shared_posts", "joint_answers"}, codes
    assert codes <= set(NETWORK_LABELS), codes - set(NETWORK_LABELS)
