"""Time: hours entered by hand, and each party's month of agreed, scheduled and
worked hours with its drift."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ensemble.network.models import Centre
from ensemble.posts import costing
from ensemble.posts.models import PostAllocation, SharedPost, ShareUnit, TimeEntry
from ensemble.posts.operations.allocations import allocations_with_parties
from ensemble.posts.operations.common import MANUAL, PostError
from ensemble.posts.operations.reading import visible_parties
from ensemble.sharing.agreed_hours import AgreedShare, agreed_hours
from ensemble.sharing.models import AgreementParty
from ensemble.sharing.timesheets import hours_by_source


def post_sites(session: Session, post: SharedPost) -> list[Centre]:
    """The centres where the holder works for the post: party centres and the
    centres of party employers."""
    centre_ids = {p.centre_id for p in visible_parties(post) if p.centre_id}
    employer_ids = {p.employer_id for p in visible_parties(post) if p.employer_id}
    return list(
        session.scalars(
            select(Centre)
            .where(Centre.id.in_(centre_ids) | Centre.employer_id.in_(employer_ids))
            .order_by(Centre.name)
        )
    )


def add_time_entry(
    session: Session,
    post: SharedPost,
    *,
    centre_id: int,
    work_date: date,
    hours: Decimal,
    note: str = "",
    entered_by: int | None = None,
) -> TimeEntry:
    """Record hours worked for one of the post's centres (source "manual")."""
    if centre_id not in {c.id for c in post_sites(session, post)}:
        raise PostError(_l("Choisissez un des centres du poste."), "centre_id")
    if work_date < post.starts_on or (post.ends_on and work_date > post.ends_on):
        raise PostError(_l("Cette date est en dehors de la période du poste."), "work_date")
    if not Decimal(0) < hours <= 24:
        raise PostError(_l("Indiquez entre 0,25 et 24 heures."), "hours")
    entry = TimeEntry(
        post_id=post.id,
        agreement_id=post.agreement_id,
        centre_id=centre_id,
        work_date=work_date,
        hours=hours,
        source=MANUAL,
        note=note.strip(),
        entered_by_user_id=entered_by,
    )
    session.add(entry)
    session.flush()
    return entry


def manual_hours(session: Session, user_id: int, start: date, end: date) -> dict[int, Decimal]:
    """Hours entered by hand for a person, per centre, over [start, end)."""
    rows = session.execute(
        select(TimeEntry.centre_id, func.sum(TimeEntry.hours))
        .join(SharedPost, SharedPost.id == TimeEntry.post_id)
        .where(
            SharedPost.holder_user_id == user_id,
            TimeEntry.source == MANUAL,
            TimeEntry.work_date >= start,
            TimeEntry.work_date < end,
        )
        .group_by(TimeEntry.centre_id)
    ).all()
    return {centre_id: hours for centre_id, hours in rows}


@dataclass(frozen=True)
class Gauge:
    """One party's month: agreed, scheduled and worked hours, and the drift."""

    party: AgreementParty
    label: str
    agreed: Decimal
    scheduled: Decimal
    worked: Decimal
    reference: Decimal  # what the drift is measured on: worked, or scheduled for a coming month
    drift_percent: Decimal | None
    flagged: bool
    # What `reference` is compared with: the agreed hours of the working days elapsed
    # for the month under way, of the whole month otherwise.
    baseline: Decimal = Decimal(0)
    # The month has begun but no working day of an agreed share has elapsed yet.
    too_early: bool = False

    def width(self, value: Decimal, scale: Decimal) -> int:
        """Bar width in percent of the widest value of the gauge."""
        return 0 if scale <= 0 else min(int(value * 100 / scale), 100)

    @property
    def scale(self) -> Decimal:
        return max(self.agreed, self.scheduled, self.worked, Decimal(1))


def agreed_share(post: SharedPost, allocation: PostAllocation) -> AgreedShare:
    """An allocation as the agreed share that the gauges and the calendar count
    (ensemble.sharing.agreed_hours): a part of the post's own working week."""
    weekly_hours = (
        allocation.share
        if allocation.unit is ShareUnit.HOURS_PER_WEEK
        else allocation.share * post.weekly_hours / 100
    )
    return AgreedShare(
        centre_id=allocation.site_centre_id,
        fraction=allocation.fraction(post.weekly_hours),
        weekly_hours=weekly_hours,
        starts_on=allocation.starts_on,
        ends_on=allocation.ends_on,
        departement=allocation.site_centre.departement if allocation.site_centre else None,
    )


def gauges(
    session: Session, post: SharedPost, month: date, today: date
) -> tuple[list[Gauge], dict[str, dict[int, Decimal]]]:
    """Per party: agreed vs scheduled (every source, whole month) vs worked (every
    source, up to today). Drift beyond the post's threshold is flagged."""
    first, last = costing.month_bounds(month)
    end = last + timedelta(days=1)
    scheduled_by_source = hours_by_source(session, post.holder_user_id, first, end)
    worked_end = min(end, today + timedelta(days=1))
    worked_by_source = (
        hours_by_source(session, post.holder_user_id, first, worked_end)
        if worked_end > first
        else {}
    )
    scheduled_by_centre = _sum_sources(scheduled_by_source)
    worked_by_centre = _sum_sources(worked_by_source)

    allocations = allocations_with_parties(session, post)
    sites = post_sites(session, post)
    month_is_past = last < today
    month_started = first <= today
    result = []
    for party in visible_parties(post):
        centre_ids = {
            c.id for c in sites if c.id == party.centre_id or c.employer_id == party.employer_id
        }
        agreed = agreed_hours(
            (agreed_share(post, a) for a in allocations if a.party_id == party.id), first, end
        )
        scheduled = sum((scheduled_by_centre.get(c, Decimal(0)) for c in centre_ids), Decimal(0))
        worked = sum((worked_by_centre.get(c, Decimal(0)) for c in centre_ids), Decimal(0))
        if not agreed and not scheduled and not worked:
            continue
        shares = [agreed_share(post, a) for a in allocations if a.party_id == party.id]
        if month_is_past:
            reference, baseline = worked, agreed
        elif month_started:
            # The month under way is judged on the working days elapsed (issue 13: a red
            # « Écart −78 % » on a month three days old): what was worked up to today
            # against what was agreed for those days.
            reference = worked
            baseline = agreed_hours(shares, first, today + timedelta(days=1))
        else:
            reference, baseline = scheduled, agreed
        too_early = bool(agreed) and not baseline and not reference
        drift = (
            None
            if not baseline
            else ((reference - baseline) * 100 / baseline).quantize(Decimal("0.1"))
        )
        flagged = not too_early and (
            (drift is None and reference > 0)
            or (drift is not None and abs(drift) > post.drift_threshold_percent)
        )
        result.append(
            Gauge(
                party,
                party.label,
                agreed,
                scheduled,
                worked,
                reference,
                drift,
                flagged,
                baseline=baseline,
                too_early=too_early,
            )
        )
    return result, scheduled_by_source


def _sum_sources(by_source: dict[str, dict[int, Decimal]]) -> dict[int, Decimal]:
    total: dict[int, Decimal] = {}
    for per_centre in by_source.values():
        for centre_id, hours in per_centre.items():
            total[centre_id] = total.get(centre_id, Decimal(0)) + Decimal(hours)
    return total


def time_entries(session: Session, post: SharedPost, month: date) -> list[TimeEntry]:
    """The post's time entries of a month, by day."""
    first, last = costing.month_bounds(month)
    return list(
        session.scalars(
            select(TimeEntry)
            .where(
                TimeEntry.post_id == post.id,
                TimeEntry.work_date >= first,
                TimeEntry.work_date <= last,
            )
            .options(selectinload(TimeEntry.centre))
            .order_by(TimeEntry.work_date, TimeEntry.id)
        )
    )
