"""Due dates of the staff register: the French rules, in one place.

Pure functions (no database): `due_dates(person, trainings, today)` lists what is
due for one person. The rules below are those in force in November 2026.

Trial period (période d'essai)
    CDI (C. trav. L1221-19): 2 months for ouvriers and employés, 3 months for
    agents de maîtrise and techniciens, 4 months for cadres; renewed once at most
    (L1221-21, when the branch agreement and the contract allow it), which doubles
    it. CDD, CDDI and fixed-term contrats aidés (L1242-10): one day per week of
    the contract, at most 2 weeks for a contract of up to 6 months and at most
    1 month beyond. Apprenticeship (L6222-18): the first 45 days of practical
    training in the company, counted here as 45 calendar days (days spent at the
    CFA push the real date back: the reminder errs on the early side). Periods
    run in calendar days: a 2-month period started on 1 March ends on 30 April.
    The item is shown until the period has ended.

End of a fixed-term contract
    The end date of any contract that has one (CDD, CDDI, apprenticeship,
    contrat aidé, or a recorded departure), until that day.

Occupational health (suivi de l'état de santé, R4624-10 to R4624-28)
    Visite d'information et de prévention within 3 months of taking up the post
    (R4624-10), renewed at most every 5 years (R4624-16); adapted follow-up of
    disabled workers and invalidity-pension holders: at most every 3 years
    (R4624-17); night workers and workers under 18: the visit comes before the
    assignment (R4624-18), then at most every 3 years; suivi individuel renforcé:
    a medical examination before hiring (R4624-24), renewed at most every
    4 years with an intermediate visit at most 2 years after it (R4624-28), so
    at most 2 years between two contacts — the register holds the last contact.
    Not computed: the return-to-work visit (reprise, R4624-31, needs absences)
    and the mid-career visit at 45 (L4624-2-2, needs a birth date the register
    deliberately does not hold).

Professional review (entretien de parcours professionnel, L6315-1 as rewritten
by loi nº 2025-989 of 24 October 2025, in force since 26 October 2025; branch
and company agreements had until 1 October 2026 to comply)
    A first review within the year after hiring, then every 4 years after the
    last one. This replaces the former rhythm of every 2 years with a
    recapitulative review at 6 years.
    État des lieux récapitulatif: every 8 years of presence (start + 8 years,
    then 8 years after the last one).

Training obligations
    A training with a validity (SST, habilitation électrique…) is due again on
    its `valid_until` date (the latest record of each title counts). And by the
    état des lieux the person must have followed at least one training that is
    not mandatory (L6315-1 II; in employers of 50 staff or more, failing that
    together with a missed review costs a corrective CPF top-up, L6323-13):
    with none on record since the previous état des lieux (or the start), an
    item falls due on the état des lieux date.

Nothing is due after the end of the contract, nor for someone who has left.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from ensemble.hr.models import Category, ContractType, DueKind, HealthFollowUp

CDI_TRIAL_MONTHS = {Category.EMPLOYEE: 2, Category.SUPERVISOR: 3, Category.EXECUTIVE: 4}
APPRENTICESHIP_TRIAL_DAYS = 45
FIRST_HEALTH_VISIT_MONTHS = 3
HEALTH_VISIT_YEARS = {
    HealthFollowUp.STANDARD: 5,
    HealthFollowUp.ADAPTED: 3,
    HealthFollowUp.NIGHT_OR_MINOR: 3,
    HealthFollowUp.REINFORCED: 2,
}
# Follow-ups whose first visit comes before the person starts the post.
VISIT_BEFORE_ASSIGNMENT = {HealthFollowUp.NIGHT_OR_MINOR, HealthFollowUp.REINFORCED}
FIRST_REVIEW_YEARS = 1
REVIEW_YEARS = 4
CAREER_REVIEW_YEARS = 8


class Person(Protocol):
    contract_type: ContractType
    category: Category
    start_date: date
    end_date: date | None
    trial_renewed: bool
    health_follow_up: HealthFollowUp
    last_health_visit_on: date | None
    last_review_on: date | None
    last_career_review_on: date | None


class Training(Protocol):
    title: str
    completed_on: date
    mandatory: bool
    valid_until: date | None


@dataclass(frozen=True, order=True)
class Due:
    due_on: date
    kind: DueKind
    reference: str = ""


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the end of a shorter month (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def trial_period_end(person: Person) -> date | None:
    """Last day of the trial period, or None when the contract has none."""
    start = person.start_date
    if person.contract_type is ContractType.APPRENTICESHIP:
        return start + timedelta(days=APPRENTICESHIP_TRIAL_DAYS - 1)
    if person.end_date is not None and person.contract_type is not ContractType.CDI:
        weeks = ((person.end_date - start).days + 1) // 7
        if weeks == 0:
            return None
        longer_than_six_months = person.end_date >= add_months(start, 6)
        cap = add_months(start, 1) if longer_than_six_months else start + timedelta(days=14)
        return min(start + timedelta(days=weeks), cap) - timedelta(days=1)
    months = CDI_TRIAL_MONTHS[person.category] * (2 if person.trial_renewed else 1)
    return add_months(start, months) - timedelta(days=1)


def next_health_visit(person: Person) -> date:
    if person.last_health_visit_on is not None:
        return add_years(person.last_health_visit_on, HEALTH_VISIT_YEARS[person.health_follow_up])
    if person.health_follow_up in VISIT_BEFORE_ASSIGNMENT:
        return person.start_date
    return add_months(person.start_date, FIRST_HEALTH_VISIT_MONTHS)


def next_review(person: Person) -> date:
    if person.last_review_on is not None and person.last_review_on >= person.start_date:
        return add_years(person.last_review_on, REVIEW_YEARS)
    return add_years(person.start_date, FIRST_REVIEW_YEARS)


def next_career_review(person: Person) -> date:
    last = person.last_career_review_on
    if last is not None and last >= person.start_date:
        return add_years(last, CAREER_REVIEW_YEARS)
    return add_years(person.start_date, CAREER_REVIEW_YEARS)


def _training_dues(person: Person, trainings: list[Training], career_review: date) -> list[Due]:
    latest: dict[str, Training] = {}
    for training in trainings:
        key = training.title.strip().casefold()
        if key not in latest or training.completed_on > latest[key].completed_on:
            latest[key] = training
    dues = [
        Due(t.valid_until, DueKind.TRAINING_RENEWAL, t.title.strip()[:200])
        for t in latest.values()
        if t.valid_until is not None
    ]
    since = person.last_career_review_on or person.start_date
    if not any(not t.mandatory and t.completed_on >= since for t in trainings):
        dues.append(Due(career_review, DueKind.TRAINING_GAP))
    return dues


def due_dates(person: Person, trainings: Iterable[Training], today: date) -> list[Due]:
    """Everything due for `person` as of `today`, sorted by date."""
    end = person.end_date
    if end is not None and end < today:
        return []
    career_review = next_career_review(person)
    dues = [
        Due(next_health_visit(person), DueKind.HEALTH_VISIT),
        Due(next_review(person), DueKind.PROFESSIONAL_REVIEW),
        Due(career_review, DueKind.CAREER_REVIEW),
        *_training_dues(person, list(trainings), career_review),
    ]
    trial_end = trial_period_end(person)
    if trial_end is not None and trial_end >= today:
        dues.append(Due(trial_end, DueKind.TRIAL_PERIOD_END))
    if end is not None:
        dues.append(Due(end, DueKind.CONTRACT_END))
        dues = [d for d in dues if d.due_on <= end]
    return sorted(dues)
