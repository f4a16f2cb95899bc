"""Register operations: due dates kept current, reads audited, the view across
employers scoped per employer with a bounded number of queries."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from ensemble.audit.models import AuditAction, AuditEntry
from ensemble.hr import operations
from ensemble.hr.models import ContractType, DueItem, DueKind, StaffMember
from ensemble.tenancy import context

from .conftest import ALMA_DIRECTOR, HR_MANAGER, TODAY


def _items(db_session, person_id):
    return {
        (i.kind, i.reference): (i.id, i.due_on)
        for i in db_session.scalars(select(DueItem).where(DueItem.staff_member_id == person_id))
    }


def test_due_items_follow_every_change(demo, db_session, alma, add_person):
    person_id = add_person(
        alma,
        "Lemaire",
        contract_type=ContractType.CDD,
        start_date=date(2026, 11, 2),
        end_date=date(2027, 5, 31),
    )
    with (
        context.using(demo.context_of(HR_MANAGER), db_session),
        operations.employer_scope(db_session, alma.id),
    ):
        items = _items(db_session, person_id)
        assert items[(DueKind.CONTRACT_END, "")][1] == date(2027, 5, 31)
        assert items[(DueKind.HEALTH_VISIT, "")][1] == date(2027, 2, 2)
        assert (DueKind.PROFESSIONAL_REVIEW, "") not in items  # after the end of the CDD

        member = db_session.get(StaffMember, person_id)
        data = operations.staff_data(member)
        data.contract_type, data.end_date = ContractType.CDI, None
        operations.update_staff_member(db_session, member, data, TODAY)
        after = _items(db_session, person_id)
        assert (DueKind.CONTRACT_END, "") not in after
        assert after[(DueKind.PROFESSIONAL_REVIEW, "")][1] == date(2027, 11, 2)
        # The health visit did not move: same row, same id.
        assert after[(DueKind.HEALTH_VISIT, "")] == items[(DueKind.HEALTH_VISIT, "")]

        operations.add_training(
            db_session,
            member,
            title="SST",
            completed_on=date(2026, 11, 10),
            mandatory=True,
            valid_until=date(2028, 11, 10),
            today=TODAY,
        )
        assert _items(db_session, person_id)[(DueKind.TRAINING_RENEWAL, "SST")][1] == date(
            2028, 11, 10
        )


def test_nightly_refresh_is_idempotent_and_drops_passed_trial_periods(
    demo, db_session, alma, add_person
):
    person_id = add_person(alma, "Nguyen", start_date=date(2026, 10, 1))
    with context.using(context.system_context(employer_ids=[alma.id]), db_session):
        assert operations.refresh_employer(db_session, alma.id, TODAY) == 0
        assert (DueKind.TRIAL_PERIOD_END, "") in _items(db_session, person_id)
        assert operations.refresh_employer(db_session, alma.id, date(2026, 12, 1)) >= 1
        assert (DueKind.TRIAL_PERIOD_END, "") not in _items(db_session, person_id)
        assert operations.refresh_employer(db_session, alma.id, date(2026, 12, 1)) == 0


def test_reads_are_audited_per_record(demo, db_session, alma, iciela, add_person):
    alma_id = add_person(alma, "Martin")
    iciela_id = add_person(iciela, "Bernard")
    hr_ctx = demo.context_of(HR_MANAGER)
    with context.using(hr_ctx, db_session):
        operations.overview(
            db_session, operations.served_employers(db_session), TODAY, TODAY + timedelta(days=90)
        )
        with operations.employer_scope(db_session, alma.id):
            operations.open_staff_member(db_session, db_session.get(StaffMember, alma_id))
        reads = db_session.execute(
            select(AuditEntry.object_id, AuditEntry.employer_id).where(
                AuditEntry.action == AuditAction.READ,
                AuditEntry.object_type == "hr_staff_members",
                AuditEntry.user_id == hr_ctx.user_id,
            )
        ).all()
    assert reads.count((alma_id, alma.id)) == 2  # listed once, opened once
    assert reads.count((iciela_id, iciela.id)) == 1
    # Alma's director reads Alma's log, where Iciela's reads never appear.
    with context.using(demo.context_of(ALMA_DIRECTOR), db_session):
        logged = db_session.scalars(
            select(AuditEntry.employer_id).where(AuditEntry.object_type == "hr_staff_members")
        ).all()
    assert set(logged) == {alma.id}


def test_overview_labels_each_employer_and_is_bounded_per_employer(
    demo, db_session, alma, iciela, add_person, count_queries
):
    def measure():
        with context.using(demo.context_of(HR_MANAGER), db_session):
            employers = operations.served_employers(db_session)
            with count_queries() as statements:
                result = operations.overview(
                    db_session, employers, TODAY, TODAY + timedelta(days=400)
                )
                for part in result:  # what the template touches
                    for item in part.due_items:
                        _ = item.staff_member.full_name
                    for member in part.staff:
                        _ = [c.name for c in member.centres]
        return result, len(statements)

    add_person(alma, "Petit", centre_ids=[demo.centre("alma").id])
    add_person(iciela, "Roux", centre_ids=[demo.centre("assia-djebar").id])
    small, small_count = measure()
    for n in range(15):
        add_person(alma, f"Alma{n}", centre_ids=[demo.centre("alma").id])
        add_person(
            iciela,
            f"Iciela{n}",
            centre_ids=[demo.centre("assia-djebar").id, demo.centre("pile-sainte-elisabeth").id],
        )
    large, large_count = measure()
    assert large_count == small_count
    assert large_count <= 5 * 2  # at most five statements per employer
    assert [p.employer.slug for p in large] == ["association-alma", "iciela"]
    for part in large:
        assert {i.employer_id for i in part.due_items} == {part.employer.id}
        assert {m.employer_id for m in part.staff} == {part.employer.id}
    assert len(large[1].staff) >= 16
