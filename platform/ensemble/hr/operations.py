"""HR operations: no HTTP, flush but never commit.

Isolation rule of this module: every query on HR rows runs inside
`employer_scope(session, employer_id)`, which narrows the tenant context to that
one employer. Row-level security then makes it impossible for any single
statement to read or write two employers' HR rows, even for the HR manager who
serves both; her view across employers is one scoped pass per employer.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload, object_session, raiseload, selectinload

from ensemble import cache_versions
from ensemble.audit.operations import record_read, record_reads
from ensemble.hr import notices
from ensemble.hr.models import (
    Category,
    ContractType,
    DocumentKind,
    DueItem,
    EmployerDocument,
    HealthFollowUp,
    StaffCentre,
    StaffMember,
    ToolboxDocument,
    TrainingRecord,
)
from ensemble.hr.rules import due_dates
from ensemble.network.models import Centre, Employer
from ensemble.notifications import operations as notifications
from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext

# Contracts that must say when they end (a CDD "sans terme précis" is recorded
# with its expected end).
FIXED_TERM = {ContractType.CDD, ContractType.CDDI, ContractType.APPRENTICESHIP}
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


class NotServed(LookupError):
    """The current person does not read this employer's HR data."""


def narrowed(ctx: TenantContext, employer_id: int) -> TenantContext:
    """`ctx` reduced to one employer for HR purposes (no admin bypass either)."""
    if employer_id not in ctx.employer_ids:
        raise NotServed(employer_id)
    return dataclasses.replace(
        ctx,
        employer_ids=frozenset({employer_id}),
        director_employer_ids=ctx.director_employer_ids & {employer_id},
        is_admin=False,
    )


@contextlib.contextmanager
def employer_scope(session: Session, employer_id: int) -> Iterator[TenantContext]:
    """Run the block with the database seeing one employer's HR rows only.
    Pending changes are flushed before the wider context comes back."""
    with context.using(narrowed(context.current(), employer_id), session) as scoped:
        yield scoped
        session.flush()


def served_employers(session: Session, ctx: TenantContext | None = None) -> list[Employer]:
    """The employers whose HR data the person reads, by name (one query)."""
    ctx = ctx or context.current()
    if not ctx.employer_ids:
        return []
    return list(
        session.scalars(
            select(Employer).where(Employer.id.in_(ctx.employer_ids)).order_by(Employer.name)
        )
    )


def employer_centres(session: Session, employer_id: int) -> list[Centre]:
    return list(
        session.scalars(
            select(Centre).where(Centre.employer_id == employer_id).order_by(Centre.name)
        )
    )


# --- The register ------------------------------------------------------------


@dataclass
class StaffData:
    """What a form or an import row says about a person."""

    last_name: str
    first_name: str
    job_title: str
    contract_type: ContractType
    start_date: date
    fte: Decimal
    end_date: date | None = None
    email: str = ""
    category: Category = Category.EMPLOYEE
    trial_renewed: bool = False
    alisfa_job: str = ""
    alisfa_weighting: int | None = None
    health_follow_up: HealthFollowUp = HealthFollowUp.STANDARD
    last_health_visit_on: date | None = None
    last_review_on: date | None = None
    last_career_review_on: date | None = None
    centre_ids: list[int] = field(default_factory=list)


def staff_problems(data: StaffData, today: date) -> dict[str, object]:
    """Rules a form and an import share, by field, in French."""
    problems: dict[str, object] = {}
    if data.contract_type in FIXED_TERM and data.end_date is None:
        problems["end_date"] = _l("Un contrat à durée déterminée doit avoir une date de fin.")
    if data.end_date is not None and data.end_date < data.start_date:
        problems["end_date"] = _l("La date de fin est antérieure à la date d’entrée.")
    if not Decimal(0) < data.fte <= Decimal(1):
        problems["fte"] = _l(
            "Le temps de travail (ETP) doit être compris entre 0 et 1 (ex. : 0,8)."
        )
    for name in ("last_health_visit_on", "last_review_on", "last_career_review_on"):
        if (getattr(data, name) or date.min) > today:
            problems[name] = _l("Cette date est dans le futur.")
    return problems


def _assign(member: StaffMember, values: StaffData) -> None:
    for name in (f.name for f in dataclasses.fields(StaffData) if f.name != "centre_ids"):
        setattr(member, name, getattr(values, name))
    wanted = set(values.centre_ids)
    for assignment in list(member.assignments):
        if assignment.centre_id not in wanted:
            member.assignments.remove(assignment)
    present = {a.centre_id for a in member.assignments}
    for centre_id in sorted(wanted - present):
        member.assignments.append(StaffCentre(employer_id=member.employer_id, centre_id=centre_id))


def create_staff_member(
    session: Session, employer_id: int, data: StaffData, today: date
) -> StaffMember:
    """Add a person to the register and compute what falls due for them."""
    member = StaffMember(employer_id=employer_id, assignments=[], trainings=[], due_items=[])
    session.add(member)
    _assign(member, data)
    session.flush()
    refresh_due_items(member, today)
    session.flush()
    return member


def update_staff_member(
    session: Session, member: StaffMember, data: StaffData, today: date
) -> None:
    """Change a person's record; their due dates follow."""
    _assign(member, data)
    session.flush()
    refresh_due_items(member, today)
    session.flush()


def staff_data(member: StaffMember) -> StaffData:
    """The editable values of a record (to fill the edit form)."""
    values = {
        f.name: getattr(member, f.name)
        for f in dataclasses.fields(StaffData)
        if f.name != "centre_ids"
    }
    return StaffData(**values, centre_ids=[a.centre_id for a in member.assignments])


def add_training(
    session: Session,
    member: StaffMember,
    *,
    title: str,
    completed_on: date,
    hours: Decimal | None = None,
    mandatory: bool = False,
    valid_until: date | None = None,
    today: date,
) -> TrainingRecord:
    """Record a training; renewals and the training obligation are recomputed."""
    record = TrainingRecord(
        employer_id=member.employer_id,
        title=title.strip(),
        completed_on=completed_on,
        hours=hours,
        mandatory=mandatory,
        valid_until=valid_until,
    )
    member.trainings.append(record)
    session.flush()
    refresh_due_items(member, today)
    session.flush()
    return record


def refresh_due_items(member: StaffMember, today: date) -> int:
    """Bring the person's due items in line with the rules; returns how many changed.
    Items keep their id when only their date moves."""
    wanted = {(d.kind, d.reference): d.due_on for d in due_dates(member, member.trainings, today)}
    changes = 0
    handled: list[int] = []  # items done (gone or moved): their notifications end
    for item in list(member.due_items):
        due_on = wanted.pop((item.kind, item.reference), None)
        if due_on is None:
            member.due_items.remove(item)
            handled.append(item.id)
            changes += 1
        elif item.due_on != due_on:
            if due_on > item.due_on:
                handled.append(item.id)
            item.due_on = due_on
            changes += 1
    for (kind, reference), due_on in sorted(wanted.items(), key=lambda kv: kv[1]):
        member.due_items.append(
            DueItem(employer_id=member.employer_id, kind=kind, reference=reference, due_on=due_on)
        )
        changes += 1
    session = object_session(member)
    if changes and session is not None:
        cache_versions.bump_after_commit(session, [due_version(member.employer_id)])
        for item_id in handled:
            if item_id is not None:
                notifications.resolve(session, notices.due_subject(item_id))
    return changes


def due_version(employer_id: int) -> str:
    """The cache version of pages that show an employer's due items (a centre's home)."""
    return f"hr-due:{employer_id}"


def refresh_employer(session: Session, employer_id: int, today: date) -> int:
    """Recompute every due item of one employer (nightly: rules depend on the date)."""
    with employer_scope(session, employer_id):
        members = session.scalars(
            select(StaffMember)
            .where(StaffMember.employer_id == employer_id)
            .options(selectinload(StaffMember.trainings), selectinload(StaffMember.due_items))
        ).all()
        return sum(refresh_due_items(member, today) for member in members)


def _current(today: date):
    return or_(StaffMember.end_date.is_(None), StaffMember.end_date >= today)


def register(
    session: Session, employer_id: int, today: date, *, include_former: bool = False
) -> list[StaffMember]:
    """The people of one employer with their centres, by name (bounded queries).
    Call within `employer_scope`."""
    query = (
        select(StaffMember)
        .where(StaffMember.employer_id == employer_id)
        .options(
            selectinload(StaffMember.assignments).joinedload(StaffCentre.centre),
            raiseload("*"),
        )
        .order_by(StaffMember.last_name, StaffMember.first_name, StaffMember.id)
    )
    if not include_former:
        query = query.where(_current(today))
    return list(session.scalars(query))


def todo(
    session: Session, employer_id: int, *, until: date | None = None, limit: int | None = None
) -> list[DueItem]:
    """One employer's due items, soonest (or most overdue) first, each with its person
    (the first `limit` only, when given). Call within `employer_scope`."""
    query = (
        select(DueItem)
        .where(DueItem.employer_id == employer_id)
        .options(joinedload(DueItem.staff_member).raiseload("*"))
        .order_by(DueItem.due_on, DueItem.id)
    )
    if until is not None:
        query = query.where(DueItem.due_on <= until)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def due_at_centre(
    session: Session, employer_id: int, centre_id: int, *, until: date, limit: int
) -> list[DueItem]:
    """The due items, up to `until` (overdue included), of the people who work at one
    of the employer's centres, most urgent first. Call within `employer_scope`."""
    works_there = select(StaffCentre.staff_member_id).where(
        StaffCentre.employer_id == employer_id, StaffCentre.centre_id == centre_id
    )
    return list(
        session.scalars(
            select(DueItem)
            .where(
                DueItem.employer_id == employer_id,
                DueItem.due_on <= until,
                DueItem.staff_member_id.in_(works_there),
            )
            .options(joinedload(DueItem.staff_member).raiseload("*"))
            .order_by(DueItem.due_on, DueItem.id)
            .limit(limit)
        )
    )


def due_across(
    session: Session, employers: Iterable[Employer], *, until: date, limit: int
) -> list[tuple[Employer, DueItem]]:
    """The HR manager's next due items across her employers, each with its employer,
    most urgent first: one scoped query per employer; the reads of the items shown
    are audited in one statement (the person's context covers every employer the
    entries name)."""
    found: list[tuple[Employer, DueItem]] = []
    for employer in employers:
        with employer_scope(session, employer.id):
            items = todo(session, employer.id, until=until, limit=limit)
        found += [(employer, item) for item in items]
    found.sort(key=lambda pair: (pair[1].due_on, pair[0].name, pair[1].id))
    shown = found[:limit]
    record_staff_reads(session, [item.staff_member for _, item in shown])
    return shown


def record_staff_reads(session: Session, people: Iterable[StaffMember]) -> None:
    """Audit that the current person read these records (one statement)."""
    unique = {p.id: p for p in people}
    record_reads(session, unique.values())


@dataclass(frozen=True)
class EmployerOverview:
    employer: Employer
    due_items: list[DueItem]
    staff: list[StaffMember]


def overview(
    session: Session, employers: Iterable[Employer], today: date, until: date
) -> list[EmployerOverview]:
    """The HR manager's view across employers: each employer read in its own
    scope (a bounded number of queries per employer, whatever its size), reads audited."""
    result = []
    for employer in employers:
        with employer_scope(session, employer.id):
            items = todo(session, employer.id, until=until)
            staff = register(session, employer.id, today)
            record_staff_reads(session, [*staff, *(i.staff_member for i in items)])
        result.append(EmployerOverview(employer, items, staff))
    return result


def open_staff_member(session: Session, member: StaffMember) -> StaffMember:
    """Audit the opening of one record (its page)."""
    record_read(session, member)
    return member


# --- Documents ---------------------------------------------------------------


def add_document(
    session: Session,
    employer_id: int,
    *,
    title: str,
    kind: DocumentKind,
    filename: str,
    content_type: str,
    content: bytes,
    staff_member_id: int | None = None,
) -> EmployerDocument:
    """Store a private document of the employer (optionally about one person)."""
    document = EmployerDocument(
        employer_id=employer_id,
        staff_member_id=staff_member_id,
        title=title.strip(),
        kind=kind,
        filename=filename[:200],
        content_type=content_type[:120] or "application/octet-stream",
        size=len(content),
        content=content,
        uploaded_by_id=context.current().user_id,
    )
    session.add(document)
    session.flush()
    return document


def employer_documents(session: Session, employer_id: int) -> list[EmployerDocument]:
    return list(
        session.scalars(
            select(EmployerDocument)
            .where(EmployerDocument.employer_id == employer_id)
            .order_by(EmployerDocument.created_at.desc(), EmployerDocument.id.desc())
        )
    )


def share_toolbox_document(
    session: Session,
    employer_ids: Iterable[int],
    *,
    title: str,
    kind: DocumentKind,
    description: str,
    filename: str,
    content_type: str,
    content: bytes,
) -> ToolboxDocument:
    """An HR manager's template or guide, shared with employers she serves (RLS
    refuses any other)."""
    ctx = context.current()
    shared = sorted(set(employer_ids))
    if not shared or not set(shared) <= ctx.employer_ids:
        raise NotServed(shared)
    document = ToolboxDocument(
        author_id=ctx.user_id,
        employer_ids=shared,
        title=title.strip(),
        kind=kind,
        description=description.strip(),
        filename=filename[:200],
        content_type=content_type[:120] or "application/octet-stream",
        size=len(content),
        content=content,
    )
    session.add(document)
    session.flush()
    return document


def toolbox_for_employer(session: Session, employer_id: int) -> list[ToolboxDocument]:
    return list(
        session.scalars(
            select(ToolboxDocument)
            .where(ToolboxDocument.employer_ids.contains([employer_id]))
            .order_by(ToolboxDocument.title)
        )
    )


def toolbox_of_author(session: Session, user_id: int) -> list[ToolboxDocument]:
    return list(
        session.scalars(
            select(ToolboxDocument)
            .where(ToolboxDocument.author_id == user_id)
            .order_by(ToolboxDocument.title)
        )
    )


DUE_SOON_DAYS = 30


def urgency(item: DueItem, today: date) -> str:
    """ "overdue", "soon" (within DUE_SOON_DAYS) or "later", for display."""
    if item.due_on < today:
        return "overdue"
    return "soon" if (item.due_on - today).days <= DUE_SOON_DAYS else "later"
