"""Shared calendars (agendas partagés): scheduling a shared person across the
centres of their post — events and recurring series in Europe/Paris, no double
booking (travel time between centres included), agreed shares kept visible,
requests from the centres, private iCalendar feeds and .ics import.

Recurrence and clock changes (the documented policy):

- a series is stored as local wall time with its time zone (TZID
  Europe/Paris) and expanded with recurring-ical-events, so a weekly 10:00
  workshop stays at 10:00 across the March and October changes;
- an occurrence ends at its wall-clock end, localised (recurrence.span): a
  night 20:00 → 08:00 across the October change blocks 13 hours and ends at
  08:00, a 01:00–04:00 across the March change blocks 2 hours;
- an occurrence whose local start falls in the spring-forward gap (02:00–03:00
  on the last Sunday of March) is read with the offset in force before the gap,
  as RFC 5545 §3.3.5 prescribes: 02:30 becomes 03:30 (CEST); if that pushes it
  past its end, it keeps its wall-clock length from there;
- an occurrence in the repeated autumn hour (02:00–03:00 on the last Sunday of
  October) happens once, at the first of the two (CEST); the views say
  « 02:30 (heure d’été) » there, and name a skipped 02:30 for what it is;
- exceptions (EXDATE) and single-occurrence changes (RECURRENCE-ID) name the
  occurrence by its original local start, and so does every busy row
  (`recurrence_local`): links and operations address the gap and repeated-hour
  occurrences like the others. When a series moves, its exceptions follow
  their occurrences by rank;
- an all-day event runs from local midnight to local midnight (23, 24 or 25
  hours), blocks the person's days and needs no travel time around it; events
  last up to 42 days (leave, residential trips);
- a monthly rule on the 31st skips the months without one (RFC 5545).

How far ahead a series blocks: its occurrences are materialised as busy
intervals up to AGENDA_HORIZON_DAYS (default 731) after the later of its start
and today; on the 1st of each month the task ensemble.agenda.extend_series
(tasks.py) moves that horizon on for every series that goes on. If new
occurrences clash with what was booked in the meantime, the series is left as
it was and its person is notified.
"""

# Registers the calendar as a source of hours for shared posts.
from ensemble.agenda import providers  # noqa: E402, F401
