"""agenda/objects.py: what Ensemble serves reads back as the same event, and
whatever a client sends is answered, never a 500."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dav.dav_support import OFFICER, calendar_of, vcalendar
from ensemble.agenda import objects
from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Category
from ensemble.tenancy import context

# What the event form accepts: printable titles, times on the minute, up to 24 hours.
titles = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\x00"),
    min_size=1,
    max_size=200,
).filter(lambda t: t.strip())
notes = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=300)
starts = st.datetimes(min_value=datetime(2027, 6, 1), max_value=datetime(2030, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)
)
durations = st.integers(min_value=1, max_value=24 * 60).map(lambda m: timedelta(minutes=m))
rules = st.one_of(
    st.none(),
    st.integers(min_value=1, max_value=6).map(lambda n: f"FREQ=WEEKLY;COUNT={n}"),
    st.integers(min_value=1, max_value=4).map(lambda n: f"FREQ=MONTHLY;INTERVAL=2;COUNT={n}"),
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    title=titles,
    description=notes,
    participants=notes,
    start=starts,
    duration=durations,
    rule=rules,
    category=st.sampled_from(list(Category)),
    place=st.sampled_from(["alma", "fresnoy-mackellerie", "basse-masure"]),
)
def test_an_event_served_reads_back_the_same(
    demo, db_session, title, description, participants, start, duration, rule, category, place
):
    calendar = calendar_of(demo, db_session, OFFICER)
    with context.using(demo.context_of(OFFICER), db_session):
        savepoint = db_session.begin_nested()
        try:
            event = agenda.book(
                db_session,
                calendar,
                centre_id=demo.centre(place).id,
                category=category,
                title=title,
                description=description,
                participants=participants,
                starts_local=start,
                ends_local=start + duration,
                rrule=rule,
            ).event
        except agenda.AgendaError:
            savepoint.rollback()
            return  # a clash with what an earlier example booked
        rows = objects.object_rows(db_session, calendar.id, event.uid)
        parsed = objects.parse_object(objects.render_object(db_session, rows))
        assert parsed.uid == event.uid
        assert (parsed.title, parsed.starts_local, parsed.ends_local) == (
            event.title,
            event.starts_local,
            event.ends_local,
        )
        assert (parsed.description, parsed.participants) == (
            event.description,
            event.participants,
        )
        assert objects._same_rule(parsed.rrule, event.rrule)
        assert objects.place_of(db_session, calendar, parsed.location, None) == event.centre_id
        # Sent back unchanged, it changes nothing (no new sequence, no re-booking).
        sequence = event.sequence
        objects.save_object(db_session, calendar, parsed, rows)
        assert event.sequence == sequence
        savepoint.rollback()


@pytest.fixture
def phone(device):
    return device(OFFICER, "Fuzz")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(min_value=0, max_value=10**9))
def test_a_mangled_object_is_answered_never_a_500(dav, phone, demo, db_session, seed):
    hugo = phone
    calendar = calendar_of(demo, db_session, OFFICER)
    rng = random.Random(seed)
    lines = vcalendar(
        f"fuzz-{seed}",
        "20290108T100000",
        "20290108T110000",
        "Atelier",
        "RRULE:FREQ=WEEKLY;COUNT=3\r\nEXDATE;TZID=Europe/Paris:20290115T100000\r\n",
    ).split(b"\r\n")
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(lines))
        choice = rng.randrange(4)
        if choice == 0:
            del lines[i]
        elif choice == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif choice == 2 and lines[i]:
            cut = rng.randrange(len(lines[i]))
            lines[i] = lines[i][:cut] + bytes([rng.randrange(256)]) + lines[i][cut + 1 :]
        else:
            lines[i] = lines[i].replace(b"1", b"9")
    path = f"{hugo.home}agenda-{calendar.id}/fuzz-{seed}.ics"
    answer = dav("PUT", path, hugo, b"\r\n".join(lines), **{"Content-Type": "text/calendar"})
    assert answer.status_code in (201, 204, 403, 412), answer.status_code
