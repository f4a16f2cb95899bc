"""Red-team finding 9: a director booking the officer through « Nouvel
événement » bypassed the working hours and public holidays the finder refuses,
while the hours page says only the officer may book outside his hours."""

from __future__ import annotations

from posts.posts_support import FRESNOY_DIRECTOR, OFFICER
from sqlalchemy import select

from agenda.test_pages import _base, booked  # noqa: F401 - the fixture
from ensemble.notifications.models import Notification

from conftest import csrf_token, sign_in


def _form(client, url, booked, day, start, end):  # noqa: F811
    return {
        "csrf_token": csrf_token(client, url),
        "title": "Atelier numérique",
        "category": "atelier",
        "centre": str(booked.fresnoy),
        "day": day,
        "start": start,
        "end": end,
        "repeat": "",
    }


def test_a_director_books_the_officer_only_within_his_hours(
    client,
    booked,  # noqa: F811
    db_session,
    as_user,
):
    sign_in(client, FRESNOY_DIRECTOR)
    url = _base(booked) + "/nouveau"
    evening = client.post(url, data=_form(client, url, booked, "2026-06-09", "18:00", "20:00"))
    assert evening.status_code == 422
    assert "sort des horaires de travail" in evening.get_data(as_text=True)
    # Whit Monday 2026 (25 May) is a public holiday.
    holiday = client.post(url, data=_form(client, url, booked, "2026-05-25", "10:00", "11:00"))
    assert holiday.status_code == 422 and "férié" in holiday.get_data(as_text=True)
    weekly = {**_form(client, url, booked, "2026-05-18", "10:00", "11:00"), "repeat": "WEEKLY"}
    weekly["count"] = "3"  # its second Monday is Whit Monday
    assert client.post(url, data=weekly).status_code == 422
    fine = client.post(url, data=_form(client, url, booked, "2026-06-10", "10:00", "11:00"))
    assert fine.status_code == 302
    # The officer is told who placed what, and when.
    with as_user(OFFICER):
        told = db_session.scalars(
            select(Notification.body).where(Notification.user_id == booked.officer_id)
        ).all()
    placed = [b for b in told if "Atelier numérique" in b]
    assert len(placed) == 1 and "mercredi 10 juin 2026" in placed[0]


def test_the_officer_himself_books_outside_his_hours(client, booked, db_session, as_user):  # noqa: F811
    sign_in(client, OFFICER)
    url = _base(booked) + "/nouveau"
    evening = client.post(url, data=_form(client, url, booked, "2026-06-09", "18:00", "20:00"))
    assert evening.status_code == 302
    with as_user(OFFICER):
        assert not db_session.scalars(
            select(Notification.id).where(
                Notification.user_id == booked.officer_id,
                Notification.body.contains("Atelier numérique"),
            )
        ).all()  # his own booking tells him nothing
