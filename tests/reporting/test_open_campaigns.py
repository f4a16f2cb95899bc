"""A declaration is started and saved only within an open campaign: from the
first day of its activity year until the federation closes it, campaigns closing
in order (reporting.operations.open_years). Through the operation and over HTTP,
where the years offered are the open campaigns only."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ensemble.reporting import operations as reporting
from ensemble.reporting.models import Declaration
from ensemble.tenancy import context
from reporting.support import ALMA_DIRECTOR, ECHO_DIRECTOR, NORD_ANALYST

from conftest import csrf_token, sign_in

# The demo's Nord federation closed 2019, 2020 and 2021.
SPRING_2026 = date(2026, 3, 1)


def _count(db_session, year: int) -> int:
    with context.using(context.system_context(is_admin=True), db_session):
        return db_session.scalar(
            select(func.count()).select_from(Declaration).where(Declaration.year == year)
        )


def test_the_open_years_run_from_the_last_closed_campaign_to_this_year(
    demo, db_session, as_user, frozen_clock
):
    frozen_clock(SPRING_2026)
    with as_user(ALMA_DIRECTOR):
        assert reporting.open_years(db_session, demo.centre("alma").federation_id) == [
            2022,
            2023,
            2024,
            2025,
            2026,
        ]


@pytest.mark.parametrize("year", [2027, 2031, 2018, 2021])
def test_no_draft_is_started_for_a_year_without_an_open_campaign(
    demo, db_session, as_user, frozen_clock, year
):
    frozen_clock(SPRING_2026)
    before = _count(db_session, year)
    with as_user(ECHO_DIRECTOR), pytest.raises(reporting.WorkflowError) as refused:
        # Écho has declared 2019–2021: 2021 would be its existing declaration.
        found = reporting.declaration_for(db_session, demo.centre("echo"), year)
        assert found.year == 2021 and year == 2021
        raise reporting.WorkflowError("existing")
    if year == 2021:
        assert str(refused.value) == "existing"
        return
    assert str(refused.value) == (
        f"La campagne {year} n’est pas ouverte : la déclaration {year} ne peut être ni"
        " commencée ni modifiée. Campagnes ouvertes : 2022, 2023, 2024, 2025, 2026."
    )
    assert _count(db_session, year) == before


def test_a_draft_is_neither_saved_nor_submitted_once_its_campaign_is_over(
    demo, db_session, as_user, frozen_clock
):
    """Nord closes 2022 while Écho's 2022 draft is still open: the draft stays as it
    was, and 2022 is no longer offered."""
    frozen_clock(SPRING_2026)
    with as_user(ECHO_DIRECTOR):
        late = reporting.declaration_for(db_session, demo.centre("echo"), 2022)
        reporting.set_values(db_session, late, {("pe.enfants", ""): Decimal(40)})
    with as_user(ALMA_DIRECTOR):
        alma = reporting.declaration_for(db_session, demo.centre("alma"), 2022)
        reporting.set_values(db_session, alma, {("pe.enfants", ""): Decimal(150)})
        assert reporting.submit(db_session, alma) == []
    with as_user(NORD_ANALYST) as ctx:
        reporting.validate(db_session, alma)
        reporting.close_campaign(db_session, alma.federation_id, 2022, ctx.user_id)
    with as_user(ECHO_DIRECTOR):
        with pytest.raises(reporting.WorkflowError, match="La campagne 2022 n’est pas ouverte"):
            reporting.set_values(db_session, late, {("pe.enfants", ""): Decimal(41)})
        with pytest.raises(reporting.WorkflowError, match="La campagne 2022 est close"):
            reporting.submit(db_session, late)
        assert reporting.open_years(db_session, late.federation_id)[0] == 2023
        assert reporting.values_of(late)[("pe.enfants", "")].value == 40


def _options(html: str) -> list[str]:
    select_html = re.search(r'<select[^>]*name="year"[^>]*>(.*?)</select>', html, re.S)
    assert select_html, html[:3000]
    return re.findall(r'<option[^>]*value="([^"]*)"', select_html.group(1))


def test_over_http_the_years_offered_are_the_open_campaigns_only(
    app, demo, db_session, frozen_clock
):
    frozen_clock(SPRING_2026)
    client = app.test_client()
    sign_in(client, ECHO_DIRECTOR)
    page = client.get("/c/echo/declarations")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _options(html) == ["2026", "2025", "2024", "2023", "2022"]
    # The campaign running now (2025's activity) is chosen by default.
    assert re.search(r'<option[^>]*selected[^>]*value="2025"|<option value="2025" selected', html)
    token = csrf_token(client, "/c/echo/declarations")
    for year in ("2027", "2018"):
        before = _count(db_session, int(year))
        refused = client.post("/c/echo/declarations", data={"csrf_token": token, "year": year})
        assert refused.status_code == 422
        text = refused.get_data(as_text=True)
        assert f"La campagne {year} n’est pas ouverte" in text
        assert "Campagnes ouvertes\u00a0: 2022, 2023, 2024, 2025, 2026" in text
        assert _count(db_session, int(year)) == before
    started = client.post("/c/echo/declarations", data={"csrf_token": token, "year": "2024"})
    assert started.status_code == 302


def test_over_http_a_draft_whose_campaign_closed_is_not_saved(
    app, demo, db_session, as_user, frozen_clock
):
    frozen_clock(SPRING_2026)
    with as_user(ECHO_DIRECTOR):
        late = reporting.declaration_for(db_session, demo.centre("echo"), 2022)
        reporting.set_values(db_session, late, {("pe.enfants", ""): Decimal(40)})
        late_id = late.id
    with as_user(ALMA_DIRECTOR):
        alma = reporting.declaration_for(db_session, demo.centre("alma"), 2022)
        reporting.set_values(db_session, alma, {("pe.enfants", ""): Decimal(150)})
        assert reporting.submit(db_session, alma) == []
    with as_user(NORD_ANALYST) as ctx:
        reporting.validate(db_session, alma)
        reporting.close_campaign(db_session, alma.federation_id, 2022, ctx.user_id)
        db_session.commit()
    client = app.test_client()
    sign_in(client, ECHO_DIRECTOR)
    url = f"/c/echo/declarations/{late_id}"
    page = client.get(url).get_data(as_text=True)
    assert "La campagne 2022 n’est pas ouverte" in page
    assert 'name="v__pe.enfants__"' not in page  # nothing to type into
    token = csrf_token(client, "/c/echo/declarations")
    response = client.post(url, data={"csrf_token": token, "v__pe.enfants__": "41"})
    assert response.status_code == 422
    assert "La campagne 2022 n’est pas ouverte" in response.get_data(as_text=True)
    db_session.expire_all()
    with context.using(context.system_context(is_admin=True), db_session):
        declaration = db_session.get(Declaration, late_id)
        assert reporting.values_of(declaration)[("pe.enfants", "")].value == 40
