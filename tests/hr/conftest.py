"""Fixtures of the HR tests: the demo network's two employers of the shared HR
manager, and a factory for people in a register."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ensemble.hr import operations
from ensemble.hr.models import ContractType
from ensemble.tenancy import context

HR_MANAGER = "marion.delattre@rh.demo"
ALMA_DIRECTOR = "claire.vasseur@alma.demo"
ICIELA_DIRECTOR = "sophie.lambrecht@iciela.demo"
ALMA_STAFF = "ines.mercier@alma.demo"
TODAY = date(2026, 11, 21)


@pytest.fixture
def alma(demo):
    return demo.employer("association-alma")


@pytest.fixture
def iciela(demo):
    return demo.employer("iciela")


@pytest.fixture
def add_person(demo, db_session):
    """add_person(employer, last_name, **fields) -> id, created as the HR manager."""

    def add(employer, last_name: str, **fields) -> int:
        values = {
            "last_name": last_name,
            "first_name": fields.pop("first_name", "Camille"),
            "job_title": fields.pop("job_title", "Animatrice"),
            "contract_type": fields.pop("contract_type", ContractType.CDI),
            "start_date": fields.pop("start_date", date(2026, 10, 1)),
            "fte": fields.pop("fte", Decimal("1")),
            **fields,
        }
        with (
            context.using(demo.context_of(HR_MANAGER), db_session),
            operations.employer_scope(db_session, employer.id),
        ):
            member = operations.create_staff_member(
                db_session, employer.id, operations.StaffData(**values), TODAY
            )
            return member.id

    return add


@pytest.fixture
def french(app):
    """A request context, to read lazily translated messages (French by default)."""
    with app.test_request_context("/"):
        yield
