"""Red-team finding 8: the finder's booking form trusted its hidden `exdates`.
Exceptions covering every occurrence booked an empty series over a clash;
emptied ones booked a series on a public holiday. The server now checks them
against the ones the finder proposes (the occurrences on closed days)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from posts.posts_support import OFFICER
from sqlalchemy import select

from agenda.test_finder_pages import _proposals, _search, _url
from ensemble.agenda.models import Event

from conftest import sign_in


@pytest.fixture
def march(frozen_clock):
    frozen_clock(date(2026, 3, 1))


def _easter_series(client, setup) -> dict:
    """Six Mondays from 30 March 2026: Easter Monday (6 April) is a public holiday."""
    sign_in(client, OFFICER)
    html = _search(
        client,
        setup,
        slug="alma",
        centre="0",
        repeat="1",
        weekday="0",
        count="6",
        part="apres-midi",
        duration="90",
        first_day="2026-03-30",
        last_day="2026-05-30",
    ).get_data(as_text=True)
    proposal = _proposals(html)[0]
    assert proposal["exdates"].startswith("2026-04-06T"), proposal
    return proposal


def _booked(db_session, setup) -> list[Event]:
    return list(db_session.scalars(select(Event).where(Event.calendar_id == setup.calendar_id)))


@pytest.mark.parametrize("tamper", ["empty", "every", "other"])
def test_tampered_series_exceptions_book_nothing(client, db_session, setup, march, tamper):
    proposal = _easter_series(client, setup)
    time = proposal["starts"][10:]
    mondays = ["2026-03-30", "2026-04-06", "2026-04-13", "2026-04-20", "2026-04-27", "2026-05-04"]
    proposal["exdates"] = {
        "empty": "",
        "every": ",".join(day + time for day in mondays),
        "other": "2026-04-13" + time,
    }[tamper]
    before = len(_booked(db_session, setup))
    answer = client.post(
        _url(setup, slug="alma", tail="/trouver/retenir"), data={**proposal, "action": "reserver"}
    )
    assert answer.status_code in (302, 400, 422)
    assert len(_booked(db_session, setup)) == before


def test_the_proposed_series_is_booked_without_its_holiday(client, db_session, setup, march):
    proposal = _easter_series(client, setup)
    answer = client.post(
        _url(setup, slug="alma", tail="/trouver/retenir"), data={**proposal, "action": "reserver"}
    )
    assert answer.status_code == 302
    (series,) = [e for e in _booked(db_session, setup) if e.rrule]
    assert [d.date() for d in series.exdates] == [datetime(2026, 4, 6).date()]
