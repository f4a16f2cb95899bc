"""Runs belong to one federation. Found: another federation's analyst read Nord's run
log, and her « full run » button started a platform-wide rebuild. Proven in SQL
(row-level security on runs and on the outbox), over HTTP, and on the
consolidation itself (a federation's run recomputes that federation only)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text
from test_rls import refused, rows

from ensemble.reporting import consolidation
from ensemble.reporting.models import DirtyKey
from ensemble.tenancy import context
from reporting.consolidation_support import execute, make_clone, reference, scalar, stored
from reporting.support import ALMA_DIRECTOR, NORD_ANALYST, SSD_ANALYST

from conftest import csrf_token, sign_in


def test_an_analyst_reads_her_federations_runs_only(demo, db_session, as_user):
    nord, ssd = demo.federation("nord").id, demo.federation("seine-saint-denis").id
    # The demo's first consolidation recorded one run per federation.
    with as_user(NORD_ANALYST):
        mine = rows(db_session, "SELECT federation_id FROM reporting_runs")
        assert mine and {r[0] for r in mine} == {nord}
    with as_user(SSD_ANALYST):
        assert {r[0] for r in rows(db_session, "SELECT federation_id FROM reporting_runs")} == {ssd}
        assert (
            rows(db_session, "SELECT * FROM reporting_runs WHERE federation_id = :f", f=nord) == []
        )
    with as_user(ALMA_DIRECTOR):
        assert rows(db_session, "SELECT * FROM reporting_runs") == []
    with context.using(context.system_context(is_admin=True), db_session):
        everyone = {r[0] for r in rows(db_session, "SELECT federation_id FROM reporting_runs")}
        assert {nord, ssd} <= everyone


def test_an_analyst_asks_for_runs_of_her_own_federation_only(demo, db_session, as_user):
    nord, ssd = demo.federation("nord").id, demo.federation("seine-saint-denis").id
    request = (
        "INSERT INTO reporting_dirty (federation_id, year, full_run, attempts, last_error)"
        " VALUES (:f, NULL, true, 0, '')"
    )
    with as_user(SSD_ANALYST):
        assert refused(db_session, request, f=nord)
        assert not refused(db_session, request, f=ssd)
    # Nor may a request be made without a year unless it is a full run.
    with as_user(NORD_ANALYST):
        nested = db_session.begin_nested()
        with pytest.raises(Exception, match="year_or_full"):
            db_session.execute(
                text(
                    "INSERT INTO reporting_dirty (federation_id, year, attempts, last_error)"
                    " VALUES (:f, NULL, 0, '')"
                ),
                {"f": nord},
            )
        nested.rollback()


def test_over_http_the_run_page_and_its_button_are_the_federations(app, demo, db_session):
    nord = demo.federation("nord").id
    outsider = app.test_client()
    sign_in(outsider, SSD_ANALYST)
    assert outsider.get("/f/nord/consolidation").status_code == 404
    token = csrf_token(outsider, "/f/seine-saint-denis/consolidation")
    assert outsider.post("/f/nord/consolidation", data={"csrf_token": token}).status_code == 404

    analyst = app.test_client()
    sign_in(analyst, NORD_ANALYST)
    page = analyst.get("/f/nord/consolidation").get_data(as_text=True)
    token = csrf_token(analyst, "/f/nord/consolidation")
    response = analyst.post("/f/nord/consolidation", data={"csrf_token": token})
    assert response.status_code == 302
    db_session.expire_all()
    with context.using(context.system_context(is_admin=True), db_session):
        requests = db_session.scalars(select(DirtyKey).where(DirtyKey.full_run)).all()
    assert [(k.federation_id, k.year) for k in requests] == [(nord, None)]
    # The page speaks French, not SQL nor the platform's machinery.
    page = analyst.get("/f/nord/consolidation").get_data(as_text=True)
    visible = re.sub(r"<[^>]+>", " ", page.split("<main", 1)[-1])
    visible = re.sub(r"[\u00a0\u202f]", " ", visible)
    for word in ("worker", "incrémentale", "SELECT", "INSERT", "UPDATE", "Traceback", "Error"):
        assert word not in visible, word
    assert "Campagne 2021 : publication nº 1" in visible
    assert "recalcul complet demandé" in visible or "1 calcul en attente" in visible


# --- On the consolidation itself (a database of its own: runs commit) -----------------


@pytest.fixture(scope="module")
def clone(servers, template_database):
    clone = make_clone(servers, "reporting_runs")
    yield clone
    clone.dispose()


@pytest.mark.no_db_rollback
def test_a_federations_run_recomputes_that_federation_only(clone):
    nord = scalar(clone.admin, "SELECT id FROM federations WHERE slug = 'nord'")
    ssd = scalar(clone.admin, "SELECT id FROM federations WHERE slug = 'seine-saint-denis'")
    grand_air = scalar(clone.admin, "SELECT id FROM centres WHERE slug = 'grand-air'")
    execute(
        clone.admin,
        "INSERT INTO reporting_declarations (centre_id, federation_id, year, status,"
        " share_centre_figures) VALUES (:c, :f, 2021, 'validated', false)",
        c=grand_air,
        f=ssd,
    )
    execute(
        clone.admin,
        "INSERT INTO reporting_values (declaration_id, centre_id, federation_id, year,"
        " indicator_code, breakdown_key, value, comment) SELECT id, centre_id, federation_id,"
        " 2021, 'pe.enfants', '', 33, '' FROM reporting_declarations WHERE centre_id = :c"
        " AND year = 2021",
        c=grand_air,
    )
    execute(
        clone.admin,
        "UPDATE reporting_values SET value = value + 1 WHERE year = 2021 AND indicator_code ="
        " 'pe.enfants' AND breakdown_key = '' AND centre_id = (SELECT id FROM centres WHERE"
        " slug = 'echo')",
    )
    execute(
        clone.admin,
        "INSERT INTO reporting_dirty (federation_id, year, attempts, last_error)"
        " VALUES (:n, 2021, 0, ''), (:s, 2021, 0, '')",
        n=nord,
        s=ssd,
    )
    # A key that failed before, for Nord: cleared once a run recomputes it.
    execute(
        clone.admin,
        "INSERT INTO reporting_dirty (federation_id, year, attempts, last_error, failed_at)"
        " VALUES (:n, 2020, 3, 'boom', now())",
        n=nord,
    )
    outcome = consolidation.consolidate(clone.reporting, federation_id=nord, full=True)
    assert outcome.status == "done" and len(outcome.run_ids) == 1
    assert (
        scalar(
            clone.admin, "SELECT federation_id FROM reporting_runs WHERE id = :i", i=outcome.run_id
        )
        == nord
    )
    now = {r for r in stored(clone.admin) if r[0] == nord}
    assert now == {r for r in reference(clone.admin) if r[0] == nord}
    # Seine-Saint-Denis: untouched, its key still waiting for its own run.
    assert not any(r[0] == ssd and r[1] == 2021 for r in stored(clone.admin))
    assert consolidation.pending_keys(clone.reporting, ssd) == 1
    assert consolidation.pending_keys(clone.reporting, nord) == 0
    assert (
        scalar(clone.admin, "SELECT count(*) FROM reporting_dirty WHERE federation_id = :n", n=nord)
        == 0
    )
    # Every run ends after it starts, and the database says so.
    assert (
        scalar(clone.admin, "SELECT count(*) FROM reporting_runs WHERE finished_at < started_at")
        == 0
    )
    with pytest.raises(Exception, match="ends_after"):
        execute(
            clone.admin,
            "UPDATE reporting_runs SET finished_at = started_at - interval '1 second'"
            " WHERE id = :i",
            i=outcome.run_id,
        )
    other = consolidation.consolidate(clone.reporting)
    assert other.status == "done"
    assert {r for r in stored(clone.admin) if r[0] == ssd} == {
        r for r in reference(clone.admin) if r[0] == ssd
    }


@pytest.mark.no_db_rollback
def test_a_failed_run_says_what_it_means_in_french(clone):
    nord = scalar(clone.admin, "SELECT id FROM federations WHERE slug = 'nord'")
    execute(
        clone.admin,
        "INSERT INTO reporting_dirty (federation_id, year, attempts, last_error)"
        " VALUES (:n, 2021, 0, '')",
        n=nord,
    )

    def boom():
        raise RuntimeError("relation « reporting_values » SELECT failed")

    with pytest.raises(consolidation.ConsolidationFailed):
        consolidation.consolidate(clone.reporting, federation_id=nord, failure_hook=boom)
    error, detail = (
        clone.admin.connect()
        .execute(text("SELECT error, detail FROM reporting_runs ORDER BY id DESC LIMIT 1"))
        .one()
    )
    assert "repris automatiquement" in error and "SELECT" not in error
    assert "SELECT failed" in detail  # for the platform's administrators
    assert consolidation.consolidate(clone.reporting, federation_id=nord).status == "done"
