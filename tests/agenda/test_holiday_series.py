"""A series that falls on public holidays: the booking says which, the event
page lists them and offers to skip them, and skipping cancels exactly those."""

from __future__ import annotations

from datetime import date, datetime

from posts.posts_support import OFFICER

from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Calendar, Category

from conftest import csrf_token, sign_in

CFG = agenda.Settings(travel_minutes=20, share_policy="warn", horizon_days=400)


def _series(db_session, setup, as_user, **kw):
    with as_user(OFFICER):
        return agenda.book(
            db_session,
            db_session.get(Calendar, setup.calendar_id),
            centre_id=setup.alma,
            category=Category.WORKSHOP,
            title="Atelier du mardi",
            starts_local=datetime(2029, 12, 18, 14),
            ends_local=datetime(2029, 12, 18, 16),
            rrule=kw.pop("rrule", "FREQ=WEEKLY;COUNT=4"),
            config=CFG,
        )


def test_booking_a_series_over_christmas_and_new_year_warns(db_session, setup, as_user):
    booking = _series(db_session, setup, as_user)
    [warning] = [w for w in booking.warnings if "férié" in w]
    assert "2 jours fériés" in warning
    assert "Noël (mardi 25 décembre 2029)" in warning
    assert "Jour de l’an (mardi 1 janvier 2030)" in warning.replace("1er", "1")


def test_a_series_without_holidays_says_nothing(db_session, setup, as_user):
    booking = _series(db_session, setup, as_user, rrule="FREQ=WEEKLY;COUNT=1")
    assert not [w for w in booking.warnings if "férié" in w]


def test_the_page_offers_to_skip_them_and_skipping_cancels_those_only(
    client, db_session, setup, as_user
):
    series = _series(db_session, setup, as_user).event
    sign_in(client, OFFICER)
    url = f"/c/alma/agenda/evenements/{series.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Jours fériés" in page and "Ne pas les tenir ces jours-là" in page
    response = client.post(url + "/jours-feries", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    with as_user(OFFICER):
        days = [s.starts_at.date() for s in agenda.occurrences_of(db_session, series)]
        assert days == [date(2029, 12, 18), date(2030, 1, 8)]
        assert agenda.holiday_occurrences(db_session, series) == []
    page = client.get(url).get_data(as_text=True)
    assert "Ne pas les tenir ces jours-là" not in page
    # Without its token, nothing happens.
    assert client.post(url + "/jours-feries").status_code in (302, 400)
