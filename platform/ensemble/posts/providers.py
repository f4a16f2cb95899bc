"""What shared posts contribute to the extension points of the foundation:
the manual source of hours, the agreed shares the calendar reads, and the
cooperation figures of federation reporting."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ensemble.posts import costing
from ensemble.posts.models import PostAllocation, SharedPost, ShareUnit, TimeEntry
from ensemble.posts.operations import MANUAL, agreed_share, manual_hours
from ensemble.sharing.agreed_hours import AgreedShare
from ensemble.sharing.cooperation import CooperationFigure, cooperation_provider, network_label
from ensemble.sharing.grants import PostMonthCost, post_cost_reader
from ensemble.sharing.timesheets import shares_provider, time_source

time_source(MANUAL)(manual_hours)
network_label("shared_posts.count", _l("Postes mutualisés (participations des centres)"), "count")
network_label("shared_posts.hours", _l("Heures travaillées sur des postes mutualisés"), "hours")
network_label(
    "shared_posts.fte", _l("Postes mutualisés (ETP, chaque poste compté une fois)"), "fte"
)


@shares_provider
def agreed_shares(session: Session, user_id: int, start: date, end: date) -> list[AgreedShare]:
    """The shares of a person's time agreed on some day of [start, end), over the
    posts they hold (under the caller's row-level security)."""
    posts = session.scalars(
        select(SharedPost)
        .where(
            SharedPost.holder_user_id == user_id,
            SharedPost.starts_on < end,
            (SharedPost.ends_on.is_(None)) | (SharedPost.ends_on >= start),
        )
        .options(selectinload(SharedPost.allocations))
    ).all()
    shares = (agreed_share(post, a) for post in posts for a in post.allocations)
    return [share for share in shares if share.meets(start, end)]


@cooperation_provider("shared_posts")
def cooperation_figures(session: Session, year: int) -> list[CooperationFigure]:
    """Per centre and year: posts it takes part in, hours worked for it, agreed FTE.

    Runs on the reporting role, which reads only the share and hour columns."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    days_in_year = (last - first).days + 1
    allocations = session.execute(
        select(
            PostAllocation.post_id,
            PostAllocation.site_centre_id,
            PostAllocation.unit,
            PostAllocation.share,
            PostAllocation.starts_on,
            PostAllocation.ends_on,
            SharedPost.weekly_hours,
        )
        .join(SharedPost, SharedPost.id == PostAllocation.post_id)
        .where(
            PostAllocation.starts_on <= last,
            (PostAllocation.ends_on.is_(None)) | (PostAllocation.ends_on >= first),
        )
    ).all()
    posts: dict[int, set[int]] = defaultdict(set)
    fte: dict[int, Fraction] = defaultdict(Fraction)
    for row in allocations:
        posts[row.site_centre_id].add(row.post_id)
        share = Fraction(row.share) / (
            100 if row.unit == ShareUnit.PERCENT else Fraction(row.weekly_hours)
        )
        days = costing.overlap_days(row.starts_on, row.ends_on, first, last)
        fte[row.site_centre_id] += share * Fraction(days, days_in_year)
    hours = dict(
        session.execute(
            select(TimeEntry.centre_id, func.sum(TimeEntry.hours))
            .where(TimeEntry.work_date >= first, TimeEntry.work_date <= last)
            .group_by(TimeEntry.centre_id)
        ).all()
    )
    figures = []
    for centre_id in sorted(set(posts) | set(hours)):
        figures += [
            CooperationFigure(
                "shared_posts.count",
                "Postes mutualisés auxquels le centre participe",
                "count",
                centre_id,
                Decimal(len(posts.get(centre_id, ()))),
            ),
            CooperationFigure(
                "shared_posts.hours",
                "Heures travaillées pour le centre sur des postes mutualisés",
                "hours",
                centre_id,
                Decimal(hours.get(centre_id, 0)),
            ),
            CooperationFigure(
                "shared_posts.fte",
                "Part convenue des postes mutualisés (ETP)",
                "fte",
                centre_id,
                (Decimal(fte[centre_id].numerator) / fte[centre_id].denominator).quantize(
                    Decimal("0.001")
                ),
            ),
        ]
    return figures


# --- A grant's financial report (ensemble.sharing.grants) ----------------------------


@post_cost_reader
def post_month_cost(
    session: Session, post_agreement_id: int, centre_id: int, month: date
) -> PostMonthCost | None:
    """The real cost of `month` from the post's latest issued statement (its
    figures are readable by the parties' managers only: under anyone else's
    row-level security this returns None), and the month's hours: the post's
    weekly hours over a year's 52 weeks, twelfth by twelfth (151,67 h at 35 h)."""
    from ensemble.network.models import Centre
    from ensemble.posts.models import PostStatement, PostStatementCost
    from ensemble.sharing.models import Agreement

    post = session.scalar(select(SharedPost).where(SharedPost.agreement_id == post_agreement_id))
    if post is None:
        return None
    real_cost = session.scalar(
        select(PostStatementCost.real_cost)
        .join(PostStatement, PostStatement.id == PostStatementCost.statement_id)
        .where(PostStatement.post_id == post.id, PostStatement.month == month.replace(day=1))
        .order_by(PostStatement.version.desc())
        .limit(1)
    )
    if real_cost is None:
        return None
    agreement = session.get_one(Agreement, post_agreement_id)
    centre = session.get(Centre, centre_id)
    return PostMonthCost(
        title=agreement.title,
        real_cost=real_cost,
        monthly_hours=(post.weekly_hours * 52 / 12).quantize(Decimal("0.01")),
        carried_by_centre=centre is not None
        and agreement.owner_employer_id is not None
        and agreement.owner_employer_id == centre.employer_id,
    )
