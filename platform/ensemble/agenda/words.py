"""A series' repetition said in French words (« tous les mardis, 10 séances »), for
pages and mails; the raw iCalendar rule is only shown behind « Règle avancée »."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _

from ensemble.kernel.french import day_of_month, list_of, long_date, plural

WEEKDAYS = {
    "MO": ("lundi", "lundis"),
    "TU": ("mardi", "mardis"),
    "WE": ("mercredi", "mercredis"),
    "TH": ("jeudi", "jeudis"),
    "FR": ("vendredi", "vendredis"),
    "SA": ("samedi", "samedis"),
    "SU": ("dimanche", "dimanches"),
}
CODES = list(WEEKDAYS)
ORDINALS = {
    1: "premier",
    2: "deuxième",
    3: "troisième",
    4: "quatrième",
    5: "cinquième",
    -1: "dernier",
}
# The parts this description says in full; a rule with any other is « une règle avancée ».
SAID = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "COUNT", "UNTIL", "WKST"}


def _parts(rule: str) -> dict[str, str]:
    parts = {}
    for item in rule.removeprefix("RRULE:").split(";"):
        key, _sep, value = item.partition("=")
        if key:
            parts[key.strip().upper()] = value.strip().upper()
    return parts


def _until(value: str) -> date | None:
    try:
        return datetime.strptime(value[:8], "%Y%m%d").date()
    except ValueError:
        return None


def _weekly(days: list[str], interval: int) -> str | None:
    if not days or any(d not in WEEKDAYS for d in days):
        return None
    if interval == 1:
        return _("tous les %(days)s", days=list_of([WEEKDAYS[d][1] for d in days]))
    if interval == 2 and len(days) == 1:
        return _("un %(day)s sur deux", day=WEEKDAYS[days[0]][0])
    return _(
        "toutes les %(n)s semaines, le %(days)s",
        n=interval,
        days=list_of([WEEKDAYS[d][0] for d in days]),
    )


def _monthly(parts: dict[str, str], starts: datetime | None, interval: int) -> str | None:
    every = _("tous les mois") if interval == 1 else _("tous les %(n)s mois", n=interval)
    byday = parts.get("BYDAY", "")
    if byday:
        code, rank = byday[-2:], byday[:-2]
        if code not in WEEKDAYS or not rank.lstrip("+-").isdigit() or int(rank) not in ORDINALS:
            return None
        return _(
            "%(every)s, le %(rank)s %(day)s",
            every=every,
            rank=ORDINALS[int(rank)],
            day=WEEKDAYS[code][0],
        )
    monthday = parts.get("BYMONTHDAY", "")
    if monthday and not (monthday.isdigit() and 1 <= int(monthday) <= 31):
        return None
    # January has every day of the month: only the day's number is said (« le 1er »).
    if monthday:
        day = date(2000, 1, int(monthday))
    elif starts is not None:
        day = starts.date()
    else:
        return None
    return _("%(every)s, le %(day)s", every=every, day=day_of_month(day))


def describe(rule: str | None, starts_local: datetime | None) -> str:
    """« tous les mardis, 10 séances », « un lundi sur deux, jusqu’au 30 juin 2027 »;
    a rule these words cannot say is « selon une règle avancée »."""
    if not rule:
        return _("une seule fois")
    parts = _parts(rule)
    interval_text = parts.get("INTERVAL", "1")
    interval = int(interval_text) if interval_text.isdigit() and int(interval_text) > 0 else 0
    frequency = parts.get("FREQ", "")
    said: str | None = None
    if set(parts) - SAID or not interval:
        said = None
    elif frequency == "DAILY" and "BYDAY" not in parts:
        said = _("tous les jours") if interval == 1 else _("tous les %(n)s jours", n=interval)
    elif frequency == "WEEKLY":
        days = [d for d in parts.get("BYDAY", "").split(",") if d]
        if not days and starts_local is not None:
            days = [CODES[starts_local.weekday()]]
        said = _weekly(days, interval)
    elif frequency == "MONTHLY":
        said = _monthly(parts, starts_local, interval)
    elif frequency == "YEARLY" and starts_local and not {"BYDAY", "BYMONTHDAY"} & set(parts):
        said = _("tous les ans, le %(day)s", day=long_date(starts_local.date(), year=False))
    if said is None:
        return _("selon une règle avancée")
    count = parts.get("COUNT", "")
    if count.isdigit():
        said += ", " + plural(int(count), "%(num)s séance", "%(num)s séances")
    elif "UNTIL" in parts and (until := _until(parts["UNTIL"])) is not None:
        said += ", " + _("jusqu’au %(day)s", day=long_date(until))
    return said
