"""The due-date rules (ensemble.hr.rules), on plain objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from ensemble.hr.models import Category, ContractType, DueKind, HealthFollowUp
from ensemble.hr.rules import add_months, due_dates, trial_period_end


@dataclass
class Person:
    contract_type: ContractType = ContractType.CDI
    category: Category = Category.EMPLOYEE
    start_date: date = date(2026, 3, 1)
    end_date: date | None = None
    trial_renewed: bool = False
    health_follow_up: HealthFollowUp = HealthFollowUp.STANDARD
    last_health_visit_on: date | None = None
    last_review_on: date | None = None
    last_career_review_on: date | None = None


@dataclass
class Training:
    title: str
    completed_on: date
    mandatory: bool = False
    valid_until: date | None = None


def by_kind(dues):
    return {(d.kind, d.reference): d.due_on for d in dues}


def test_cdi_trial_period_depends_on_category_and_renewal():
    assert trial_period_end(Person()) == date(2026, 4, 30)
    assert trial_period_end(Person(category=Category.SUPERVISOR)) == date(2026, 5, 31)
    assert trial_period_end(Person(category=Category.EXECUTIVE)) == date(2026, 6, 30)
    assert trial_period_end(Person(category=Category.EXECUTIVE, trial_renewed=True)) == date(
        2026, 10, 31
    )


def test_fixed_term_trial_is_a_day_per_week_capped():
    # 3 months: 13 weeks → 13 days.
    short = Person(contract_type=ContractType.CDD, end_date=date(2026, 5, 31))
    assert trial_period_end(short) == date(2026, 3, 13)
    # 6 months: 26 weeks → capped at 2 weeks.
    six = Person(contract_type=ContractType.CDD, end_date=date(2026, 8, 31))
    assert trial_period_end(six) == date(2026, 3, 14)
    # 4 weeks → 4 days.
    tiny = Person(contract_type=ContractType.CDDI, end_date=date(2026, 3, 28))
    assert trial_period_end(tiny) == date(2026, 3, 4)
    # 1 year → capped at one month.
    year = Person(contract_type=ContractType.CDD, end_date=date(2027, 2, 28))
    assert trial_period_end(year) == date(2026, 3, 31)
    # Under a week: no trial period.
    assert (
        trial_period_end(Person(contract_type=ContractType.CDD, end_date=date(2026, 3, 5))) is None
    )


def test_apprenticeship_trial_is_45_days():
    person = Person(contract_type=ContractType.APPRENTICESHIP, end_date=date(2028, 2, 28))
    assert trial_period_end(person) == date(2026, 4, 14)


def test_first_year_of_a_cdi():
    dues = by_kind(due_dates(Person(), [], today=date(2026, 3, 10)))
    assert dues[(DueKind.TRIAL_PERIOD_END, "")] == date(2026, 4, 30)
    assert dues[(DueKind.HEALTH_VISIT, "")] == date(2026, 6, 1)
    assert dues[(DueKind.PROFESSIONAL_REVIEW, "")] == date(2027, 3, 1)
    assert dues[(DueKind.CAREER_REVIEW, "")] == date(2034, 3, 1)
    assert dues[(DueKind.TRAINING_GAP, "")] == date(2034, 3, 1)
    assert (DueKind.CONTRACT_END, "") not in dues


def test_reviews_and_visits_follow_the_last_one():
    person = Person(
        start_date=date(2015, 9, 1),
        last_review_on=date(2025, 1, 15),
        last_career_review_on=date(2023, 9, 1),
        last_health_visit_on=date(2024, 6, 3),
        health_follow_up=HealthFollowUp.ADAPTED,
    )
    dues = by_kind(due_dates(person, [], today=date(2026, 11, 21)))
    assert dues[(DueKind.PROFESSIONAL_REVIEW, "")] == date(2029, 1, 15)
    assert dues[(DueKind.CAREER_REVIEW, "")] == date(2031, 9, 1)
    assert dues[(DueKind.HEALTH_VISIT, "")] == date(2027, 6, 3)
    assert (DueKind.TRIAL_PERIOD_END, "") not in dues  # long over


def test_health_follow_up_periodicity():
    visit = date(2026, 1, 10)
    expected = {
        HealthFollowUp.STANDARD: date(2031, 1, 10),
        HealthFollowUp.ADAPTED: date(2029, 1, 10),
        HealthFollowUp.NIGHT_OR_MINOR: date(2029, 1, 10),
        HealthFollowUp.REINFORCED: date(2028, 1, 10),
    }
    for follow_up, due in expected.items():
        person = Person(health_follow_up=follow_up, last_health_visit_on=visit)
        assert by_kind(due_dates(person, [], date(2026, 3, 1)))[(DueKind.HEALTH_VISIT, "")] == due
    # Before the assignment for night workers, minors and the reinforced follow-up.
    night = Person(health_follow_up=HealthFollowUp.NIGHT_OR_MINOR)
    assert by_kind(due_dates(night, [], date(2026, 2, 1)))[(DueKind.HEALTH_VISIT, "")] == date(
        2026, 3, 1
    )


def test_trainings_renewal_uses_the_latest_record_and_non_mandatory_closes_the_gap():
    trainings = [
        Training("SST", date(2022, 5, 1), mandatory=True, valid_until=date(2024, 5, 1)),
        Training("sst ", date(2024, 4, 20), mandatory=True, valid_until=date(2026, 4, 20)),
        Training("Accueil des publics", date(2026, 2, 1)),
    ]
    dues = by_kind(due_dates(Person(start_date=date(2020, 1, 6)), trainings, date(2026, 3, 1)))
    renewals = {k: v for k, v in dues.items() if k[0] is DueKind.TRAINING_RENEWAL}
    assert renewals == {(DueKind.TRAINING_RENEWAL, "sst"): date(2026, 4, 20)}
    assert (DueKind.TRAINING_GAP, "") not in dues
    mandatory_only = trainings[:2]
    dues = by_kind(due_dates(Person(start_date=date(2020, 1, 6)), mandatory_only, date(2026, 3, 1)))
    assert dues[(DueKind.TRAINING_GAP, "")] == date(2028, 1, 6)


def test_nothing_is_due_after_the_contract_or_once_gone():
    cdd = Person(contract_type=ContractType.CDD, end_date=date(2026, 8, 31))
    dues = due_dates(cdd, [], date(2026, 3, 2))
    assert max(d.due_on for d in dues) == date(2026, 8, 31)
    assert by_kind(dues)[(DueKind.CONTRACT_END, "")] == date(2026, 8, 31)
    assert (DueKind.PROFESSIONAL_REVIEW, "") not in by_kind(dues)
    assert due_dates(cdd, [], date(2026, 9, 1)) == []


def test_add_months_clamps_to_month_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
    days=st.integers(min_value=0, max_value=4000),
    contract=st.sampled_from(list(ContractType)),
    category=st.sampled_from(list(Category)),
    renewed=st.booleans(),
)
def test_trial_period_is_within_the_contract_and_never_longer_than_eight_months(
    start, days, contract, category, renewed
):
    from datetime import timedelta

    end = start + timedelta(days=days) if contract is not ContractType.CDI else None
    person = Person(
        contract_type=contract,
        category=category,
        start_date=start,
        end_date=end,
        trial_renewed=renewed,
    )
    trial_end = trial_period_end(person)
    if trial_end is None:
        return
    assert start <= trial_end <= add_months(start, 8)
    if end is not None and contract is not ContractType.APPRENTICESHIP:
        assert trial_end <= end
