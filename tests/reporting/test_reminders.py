"""The analyst reminds the centres that have not declared (issue 13): by name, from
her home and the campaign page; the centre's directors get a notification and an
e-mail leading to their declaration, once a day at most; nobody reaches a centre
outside her federation, and no one reads the other side's people."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, text

from ensemble import mail
from ensemble.kernel import clock
from ensemble.notifications.models import Notification
from ensemble.reporting.views.common import _campaign_year
from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext

from conftest import csrf_token, sign_in

ANALYST = "paul.verhaeghe@federation-nord.demo"
OTHER_ANALYST = "elodie.martin@federation93.demo"
DIRECTOR = "aicha.ouali@bassemasure.demo"  # Basse Masure, federation Nord, not declared
OUTSIDER = "claire.vasseur@alma.demo"


def _reminders(db_session, user_id: int) -> list[Notification]:
    with context.using(TenantContext(user_id=user_id), db_session):
        return list(
            db_session.scalars(
                select(Notification).where(
                    Notification.user_id == user_id,
                    Notification.dedup_key.like("reporting-remind:%"),
                )
            )
        )


def _remind_url(page: str, centre_id: int) -> str:
    match = re.search(rf'action="(/f/[^"]+/centres/{centre_id}/relancer)"', page)
    assert match, "no « Relancer » for the centre"
    return match.group(1)


def test_the_analyst_reminds_a_centre_once_a_day_and_its_director_is_led_to_it(
    app, demo, db_session, sent_tasks, frozen_clock
):
    centre = demo.centre("basse-masure")
    director = demo.user(DIRECTOR)
    client = app.test_client()
    sign_in(client, ANALYST)
    home = client.get("/f/nord/").get_data(as_text=True)
    assert "Relancer" in home
    url = _remind_url(home, centre.id)
    campaign = client.get("/f/nord/declarations").get_data(as_text=True)
    assert _remind_url(campaign, centre.id) == url

    token = csrf_token(client, "/f/nord/")
    answer = client.post(url, data={"csrf_token": token, "next": "/f/nord/"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/f/nord/"
    flashed = client.get("/f/nord/").get_data(as_text=True)
    assert "Centre Social Basse Masure est relancé" in flashed
    [reminder] = _reminders(db_session, director.id)
    assert reminder.link == "/c/basse-masure/declarations" and reminder.read_at is None
    assert reminder.subject == f"reporting_declaration:{centre.id}:{_campaign_year()}"
    [mailed] = [a for a, _ in sent_tasks.named(mail.DELIVER) if a[0] == director.email]
    assert mailed[2].endswith("/c/basse-masure/declarations")
    assert mailed[2].count("http") == 1

    # The same day, again: nobody is told twice, and the analyst is told why.
    client.post(url, data={"csrf_token": token})
    assert "déjà été relancé aujourd’hui" in client.get("/f/nord/").get_data(as_text=True)
    assert len(_reminders(db_session, director.id)) == 1

    # The link answers its recipient, and a stranger gets a 404.
    director_client = app.test_client()
    sign_in(director_client, DIRECTOR)
    assert director_client.get(reminder.link).status_code == 200
    stranger = app.test_client()
    sign_in(stranger, OUTSIDER)
    assert stranger.get(reminder.link).status_code == 404

    # The next day, one more reminder.
    frozen_clock(clock.today() + timedelta(days=1))
    client.post(url, data={"csrf_token": token})
    assert len(_reminders(db_session, director.id)) == 2


def test_an_analyst_cannot_remind_a_centre_outside_her_federation(app, demo, db_session):
    centre = demo.centre("basse-masure")
    client = app.test_client()
    sign_in(client, OTHER_ANALYST)
    token = csrf_token(client, "/f/seine-saint-denis/")
    for federation in ("seine-saint-denis", "nord"):
        answer = client.post(
            f"/f/{federation}/centres/{centre.id}/relancer", data={"csrf_token": token}
        )
        assert answer.status_code == 404, federation
    assert _reminders(db_session, demo.user(DIRECTOR).id) == []
    # Nor may she read the centre's directors through the definer function.
    with context.using(demo.context_of(OTHER_ANALYST), db_session):
        rows = db_session.execute(
            text("SELECT * FROM app_centre_directors(:c)"), {"c": centre.id}
        ).all()
        assert rows == []
    with context.using(demo.context_of(ANALYST), db_session):
        rows = db_session.execute(
            text("SELECT email FROM app_centre_directors(:c)"), {"c": centre.id}
        ).all()
        assert [r.email for r in rows] == [DIRECTOR]
