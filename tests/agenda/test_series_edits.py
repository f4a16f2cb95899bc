"""Editing a series with cancelled or moved occurrences (issue 11): the edit
lists them on a confirmation page, and the person keeps each one (it then
names the new occurrence of the same date) or drops it. Nothing cancelled
comes back, nothing moved doubles, unless the person chose so; across the
March clock change as anywhere."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

from posts.posts_support import OFFICER

from ensemble.agenda import operations as agenda

from .test_time import CFG, _book, _busy, utc
from conftest import csrf_token, sign_in


def _edit(client, centre, series, **fields):
    url = f"/c/{centre}/agenda/evenements/{series.id}/modifier"
    data = {
        "csrf_token": csrf_token(client, url),
        "title": series.title,
        "category": series.category.value,
        "centre": str(series.centre_id),
        "day": series.starts_local.date().isoformat(),
        "start": series.starts_local.strftime("%H:%M"),
        "end": series.ends_local.strftime("%H:%M"),
        "repeat": "CUSTOM",
        "rrule": series.rrule,
        **fields,
    }
    return url, data, client.post(url, data=data)


def _confirm(client, url, page, choices: dict[str, str]):
    """Post the confirmation page back as a browser would: its hidden fields,
    each radio's checked value unless `choices` (identity → oui/non) says otherwise."""
    html = page.get_data(as_text=True)
    form = re.search(r'<form method="post" class="panel".*?</form>', html, re.S).group(0)
    data: dict[str, str] = {}

    class Inputs(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found = dict(attrs)
            if tag != "input" or "name" not in found:
                return
            if found.get("type") == "hidden" or (
                found.get("type") == "radio" and "checked" in found
            ):
                data[found["name"]] = found.get("value") or ""

    Inputs().feed(form)
    for identity, value in choices.items():
        data[f"garder-{identity}"] = value
    return client.post(url, data=data)


def _days(session, series) -> list[tuple[date, int]]:
    """(local day, local hour) of each occurrence."""
    from ensemble.agenda import recurrence

    return [
        (recurrence.to_local(start).date(), recurrence.to_local(start).hour)
        for _identity, start, _end in _busy(session, series)
    ]


def _weekly_across_march(db_session, setup, as_user):
    # The case: weekly 10:00 from 13 March 2026, six times, across the
    # change of 29 March; 20 March and 3 April cancelled (either side of it).
    with as_user(OFFICER):
        series = _book(
            db_session,
            setup,
            datetime(2026, 3, 13, 10),
            datetime(2026, 3, 13, 11),
            rrule="FREQ=WEEKLY;COUNT=6",
        )
        for day in (datetime(2026, 3, 20, 10), datetime(2026, 4, 3, 10)):
            agenda.cancel_occurrence(db_session, series, day)
        db_session.commit()
    return series


def test_moving_a_series_lists_its_cancellations_and_keeps_them(client, db_session, setup, as_user):
    series = _weekly_across_march(db_session, setup, as_user)
    sign_in(client, OFFICER)
    url, _data, page = _edit(client, "alma", series, start="11:00", end="12:00")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Que deviennent les occurrences annulées ou déplacées" in html
    assert "vendredi 20 mars 2026" in html and "vendredi 3 avril 2026" in html
    # Nothing changed before the person answers.
    with as_user(OFFICER):
        assert {hour for _day, hour in _days(db_session, series)} == {10}
    done = _confirm(client, url, page, {})
    assert done.status_code == 302
    with as_user(OFFICER):
        db_session.refresh(series)
        assert _days(db_session, series) == [
            (date(2026, 3, 13), 11),
            (date(2026, 3, 27), 11),
            (date(2026, 4, 10), 11),
            (date(2026, 4, 17), 11),
        ]
        assert series.exdates == [datetime(2026, 3, 20, 11), datetime(2026, 4, 3, 11)]


def test_a_cancellation_dropped_on_the_page_comes_back_at_the_new_time(
    client, db_session, setup, as_user
):
    series = _weekly_across_march(db_session, setup, as_user)
    sign_in(client, OFFICER)
    url, _data, page = _edit(client, "alma", series, start="11:00", end="12:00")
    done = _confirm(client, url, page, {"2026-04-03T10:00:00": "non"})
    assert done.status_code == 302
    with as_user(OFFICER):
        db_session.refresh(series)
        days = _days(db_session, series)
        assert (date(2026, 4, 3), 11) in days and (date(2026, 3, 20), 11) not in days
        assert len(days) == 5


def _moved_at_sixteen(db_session, setup, as_user):
    # The case: 16:00 weekly, the 11 May one moved to the next morning.
    with as_user(OFFICER):
        series = _book(
            db_session,
            setup,
            datetime(2026, 5, 4, 16),
            datetime(2026, 5, 4, 17),
            rrule="FREQ=WEEKLY;COUNT=4",
        )
        agenda.move_occurrence(
            db_session,
            series,
            datetime(2026, 5, 11, 16),
            starts_local=datetime(2026, 5, 12, 9),
            ends_local=datetime(2026, 5, 12, 10),
            config=CFG,
        )
        db_session.commit()
    return series


def test_a_moved_occurrence_kept_on_the_page_is_there_once(client, db_session, setup, as_user):
    series = _moved_at_sixteen(db_session, setup, as_user)
    sign_in(client, OFFICER)
    url, _data, page = _edit(client, "alma", series, start="15:00", end="16:00")
    html = page.get_data(as_text=True)
    assert "Déplacée au mardi 12 mai 2026 à 9" in html
    assert _confirm(client, url, page, {}).status_code == 302
    with as_user(OFFICER):
        db_session.refresh(series)
        busy = _busy(db_session, series)
        week = [b for b in busy if date(2026, 5, 11) <= b[1].date() <= date(2026, 5, 17)]
        assert [(b[0], b[1]) for b in week] == [(datetime(2026, 5, 11, 15), utc(2026, 5, 12, 7))]
        assert len(busy) == 4


def test_a_moved_occurrence_dropped_on_the_page_returns_to_the_series(
    client, db_session, setup, as_user
):
    series = _moved_at_sixteen(db_session, setup, as_user)
    sign_in(client, OFFICER)
    url, _data, page = _edit(client, "alma", series, start="15:00", end="16:00")
    assert _confirm(client, url, page, {"2026-05-11T16:00:00": "non"}).status_code == 302
    with as_user(OFFICER):
        db_session.refresh(series)
        assert _days(db_session, series) == [(date(2026, 5, d), 15) for d in (4, 11, 18, 25)]
        assert agenda.overrides_of(db_session, series) == []


def test_an_edit_that_changes_neither_time_nor_rule_asks_nothing(
    client, db_session, setup, as_user
):
    series = _weekly_across_march(db_session, setup, as_user)
    sign_in(client, OFFICER)
    _url, _data, response = _edit(client, "alma", series, title="Atelier renommé")
    assert response.status_code == 302
    with as_user(OFFICER):
        db_session.refresh(series)
        assert series.exdates == [datetime(2026, 3, 20, 10), datetime(2026, 4, 3, 10)]


# --- The mapping itself (operations) ---------------------------------------------------


def test_a_series_started_a_week_earlier_keeps_its_cancellation_on_its_date(
    db_session, setup, as_user
):
    """By rank, the 27 March cancellation would have become the 20 March one."""
    with as_user(OFFICER):
        series = _book(
            db_session,
            setup,
            datetime(2026, 3, 13, 10),
            datetime(2026, 3, 13, 11),
            rrule="FREQ=WEEKLY;COUNT=4",
        )
        agenda.cancel_occurrence(db_session, series, datetime(2026, 3, 27, 10))
        listed = agenda.series_exceptions(
            db_session,
            series,
            starts_local=datetime(2026, 3, 6, 10),
            rrule="FREQ=WEEKLY;COUNT=5",
        )
        assert [(e.recurrence_local, e.cancelled, e.target) for e in listed] == [
            (datetime(2026, 3, 27, 10), True, datetime(2026, 3, 27, 10))
        ]
        agenda.move(
            db_session,
            series,
            starts_local=datetime(2026, 3, 6, 10),
            ends_local=datetime(2026, 3, 6, 11),
            rrule="FREQ=WEEKLY;COUNT=5",
            config=CFG,
        )
        assert [d for d, _h in _days(db_session, series)] == [
            date(2026, 3, 6),
            date(2026, 3, 13),
            date(2026, 3, 20),
            date(2026, 4, 3),
        ]


def test_a_series_moved_to_another_day_names_the_occurrence_of_the_same_rank(
    db_session, setup, as_user
):
    with as_user(OFFICER):
        series = _book(
            db_session,
            setup,
            datetime(2026, 6, 1, 10),
            datetime(2026, 6, 1, 11),
            rrule="FREQ=WEEKLY;COUNT=3",
        )
        agenda.cancel_occurrence(db_session, series, datetime(2026, 6, 8, 10))
        (listed,) = agenda.series_exceptions(
            db_session, series, starts_local=datetime(2026, 6, 2, 10), rrule=series.rrule
        )
        assert listed.target == datetime(2026, 6, 9, 10)
        # A rule that no longer reaches it: nothing to name, it can only go.
        (gone,) = agenda.series_exceptions(
            db_session, series, starts_local=datetime(2026, 6, 2, 10), rrule="FREQ=WEEKLY;COUNT=1"
        )
        assert gone.target is None


def test_the_spring_gap_occurrence_keeps_its_move_when_the_series_moves(db_session, setup, as_user):
    # Sundays 02:30 (28 March 2027 has no 02:30); that one moved to 10:00, then
    # the series moves to 03:30 the same days.
    with as_user(OFFICER):
        series = _book(
            db_session,
            setup,
            datetime(2027, 3, 21, 2, 30),
            datetime(2027, 3, 21, 3, 30),
            rrule="FREQ=WEEKLY;COUNT=3",
        )
        agenda.move_occurrence(
            db_session,
            series,
            datetime(2027, 3, 28, 2, 30),
            starts_local=datetime(2027, 3, 28, 10),
            ends_local=datetime(2027, 3, 28, 11),
            config=CFG,
        )
        agenda.move(
            db_session,
            series,
            starts_local=datetime(2027, 3, 21, 3, 30),
            ends_local=datetime(2027, 3, 21, 4, 30),
            config=CFG,
        )
        starts = [start for _identity, start, _end in _busy(db_session, series)]
        assert starts == [
            datetime(2027, 3, 21, 2, 30, tzinfo=UTC),
            datetime(2027, 3, 28, 8, tzinfo=UTC),
            datetime(2027, 4, 4, 1, 30, tzinfo=UTC),
        ]
