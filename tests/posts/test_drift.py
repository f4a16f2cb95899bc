"""A post's drift means something (issue 13: a red « Écart −78 % » on a month three
days old): the month under way is judged on the working days elapsed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ensemble.posts import operations as posts
from posts.posts_support import FRESNOY_DIRECTOR, load_post

FRESNOY = "Centre Social Fresnoy Mackellerie"
MARCH = date(2026, 3, 1)  # a Sunday; Monday 2 is its first working day


def _fresnoy_gauge(db_session, post, today: date):
    gauges, _ = posts.gauges(db_session, post, MARCH, today=today)
    return next(g for g in gauges if g.label == FRESNOY)


def test_a_month_under_way_is_judged_on_the_working_days_elapsed(
    demo, db_session, as_user, officer_post
):
    fresnoy = demo.centre("fresnoy-mackellerie")
    with as_user(FRESNOY_DIRECTOR):
        post = load_post(db_session, officer_post.post_id)
        before = _fresnoy_gauge(db_session, post, date(2026, 3, 4))
        # 30 % of 35 h a week is 2,1 h a working day: three days worked as agreed.
        for day in (2, 3, 4):
            posts.add_time_entry(
                db_session,
                post,
                centre_id=fresnoy.id,
                work_date=date(2026, 3, day),
                hours=Decimal("2.1"),
            )
        gauge = _fresnoy_gauge(db_session, post, date(2026, 3, 4))
    # The whole month's agreed hours stay shown; the drift is measured on three days.
    assert gauge.agreed == Decimal("46.20")
    assert gauge.baseline == Decimal("6.30")
    assert before.worked == 0 and before.flagged  # three working days with nothing done
    assert gauge.worked == Decimal("6.3")
    assert gauge.drift_percent == Decimal("0.0")
    assert not gauge.flagged  # on track, not « −86 % »


def test_before_any_working_day_it_is_too_early_to_judge(demo, db_session, as_user, officer_post):
    with as_user(FRESNOY_DIRECTOR):
        post = load_post(db_session, officer_post.post_id)
        gauge = _fresnoy_gauge(db_session, post, MARCH)
    assert gauge.worked == 0
    assert gauge.too_early and not gauge.flagged and gauge.drift_percent is None


def test_a_past_month_is_judged_on_the_whole_month(demo, db_session, as_user, officer_post):
    with as_user(FRESNOY_DIRECTOR):
        post = load_post(db_session, officer_post.post_id)
        gauge = _fresnoy_gauge(db_session, post, date(2026, 11, 21))
    assert gauge.baseline == gauge.agreed == Decimal("46.20")
    assert gauge.reference == gauge.worked
