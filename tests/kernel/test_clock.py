"""One clock: today and now in Europe/Paris, frozen by one fixture."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ensemble.kernel import clock


def test_now_is_aware_and_in_paris():
    now = clock.now()
    assert now.tzinfo is not None and str(now.tzinfo) == "Europe/Paris"


def test_today_follows_paris_not_utc():
    # 23:30 UTC on 31 December is already 1 January in Paris.
    with clock.frozen(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)):
        assert clock.today() == date(2027, 1, 1)


def test_frozen_clock_fixture_moves_the_whole_platform(frozen_clock):
    frozen_clock(date(2028, 2, 29))
    assert clock.today() == date(2028, 2, 29)
    assert clock.now().hour == 10


def test_the_clock_runs_again_after_the_fixture():
    assert abs((clock.utcnow() - datetime.now(UTC)).total_seconds()) < 5
