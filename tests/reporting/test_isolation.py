"""Reporting in SQL, through the runtime role: a centre sees its own declarations
only; a federation sees what its centres submitted, never a draft and never
another federation's; the consolidation tables are the workers' to write."""

from __future__ import annotations

from decimal import Decimal

from test_rls import refused, rows

from ensemble.reporting import operations as reporting
from ensemble.reporting.models import Declaration
from reporting.support import (
    ALMA_DIRECTOR,
    ALMA_STAFF,
    ECHO_DIRECTOR,
    GRAND_AIR_DIRECTOR,
    NORD_ANALYST,
    SSD_ANALYST,
)

ISOLATED_TABLES = {
    "reporting_indicators",
    "reporting_declarations",
    "reporting_values",
    "reporting_messages",
    "reporting_dirty",
    "reporting_runs",
    "reporting_aggregates",
    "reporting_cooperation",
    "reporting_campaigns",
    "reporting_releases",
    "reporting_published",
}
TENANT_TABLES = ("reporting_declarations", "reporting_values", "reporting_messages")


def _grand_air_submitted(demo, session, as_user) -> int:
    """A submitted 2024 declaration of Grand Air (Seine-Saint-Denis), with a question."""
    with as_user(GRAND_AIR_DIRECTOR):
        declaration = reporting.declaration_for(session, demo.centre("grand-air"), 2024)
        reporting.set_values(session, declaration, {("pe.enfants", ""): Decimal(40)})
        assert reporting.submit(session, declaration) == []
        declaration_id = declaration.id
    with as_user(SSD_ANALYST) as ctx:
        declaration = session.get(Declaration, declaration_id)
        reporting.post_message(
            session, declaration, ctx.user_id, reporting.Side.FEDERATION, "Combien d’enfants ?"
        )
    return declaration_id


def _centre_rows(session, table, centre_id):
    return rows(session, f"SELECT count(*) FROM {table} WHERE centre_id = :c", c=centre_id)[0][0]


def test_another_centre_and_another_federation_see_nothing(demo, db_session, as_user):
    _grand_air_submitted(demo, db_session, as_user)
    grand_air = demo.centre("grand-air").id
    for outsider in (ALMA_DIRECTOR, ECHO_DIRECTOR, NORD_ANALYST):
        with as_user(outsider):
            for table in TENANT_TABLES:
                assert _centre_rows(db_session, table, grand_air) == 0, (outsider, table)
    with as_user(SSD_ANALYST):
        for table in TENANT_TABLES:
            assert _centre_rows(db_session, table, grand_air) > 0, table
        # ...and none of Nord's (Alma's demo declarations).
        assert _centre_rows(db_session, "reporting_values", demo.centre("alma").id) == 0


def test_a_draft_stays_with_its_centre(demo, db_session, as_user):
    with as_user(GRAND_AIR_DIRECTOR):
        declaration = reporting.declaration_for(db_session, demo.centre("grand-air"), 2025)
        reporting.set_values(db_session, declaration, {("pe.enfants", ""): Decimal(5)})
        declaration_id = declaration.id
    with as_user(SSD_ANALYST):
        assert (
            rows(
                db_session, "SELECT id FROM reporting_declarations WHERE id = :i", i=declaration_id
            )
            == []
        )
        assert (
            rows(
                db_session,
                "SELECT id FROM reporting_values WHERE declaration_id = :i",
                i=declaration_id,
            )
            == []
        )


def test_writes_with_another_tenants_id_are_refused(demo, db_session, as_user):
    declaration_id = _grand_air_submitted(demo, db_session, as_user)
    grand_air = demo.centre("grand-air")
    with as_user(ALMA_DIRECTOR) as ctx:
        assert refused(
            db_session,
            "INSERT INTO reporting_declarations (centre_id, federation_id, year, status,"
            " share_centre_figures) VALUES (:c, :f, 2030, 'draft', false)",
            c=grand_air.id,
            f=grand_air.federation_id,
        )
        assert refused(
            db_session,
            "INSERT INTO reporting_values (declaration_id, centre_id, federation_id, year,"
            " indicator_code, breakdown_key, value, comment)"
            " VALUES (:d, :c, :f, 2024, 'pe.familles', '', 1, '')",
            d=declaration_id,
            c=grand_air.id,
            f=grand_air.federation_id,
        )
        assert refused(
            db_session,
            "INSERT INTO reporting_messages (declaration_id, centre_id, federation_id,"
            " author_user_id, side, body) VALUES (:d, :c, :f, :u, 'centre', 'x')",
            d=declaration_id,
            c=grand_air.id,
            f=grand_air.federation_id,
            u=ctx.user_id,
        )
        assert refused(
            db_session,
            "INSERT INTO reporting_dirty (federation_id, year, attempts, last_error)"
            " VALUES (:f, 2024, 0, '')",
            f=grand_air.federation_id,
        )
    # Staff of a centre read its declarations but do not write them.
    with as_user(ALMA_STAFF):
        alma = demo.centre("alma")
        assert _centre_rows(db_session, "reporting_declarations", alma.id) > 0
        assert refused(
            db_session,
            "INSERT INTO reporting_declarations (centre_id, federation_id, year, status,"
            " share_centre_figures) VALUES (:c, :f, 2030, 'draft', false)",
            c=alma.id,
            f=alma.federation_id,
        )


def test_consolidation_tables_are_read_only_at_runtime(demo, db_session, as_user):
    nord = demo.federation("nord").id
    for email in (NORD_ANALYST, ALMA_DIRECTOR):
        with as_user(email):
            for table in ("reporting_aggregates", "reporting_runs", "reporting_cooperation"):
                assert refused(db_session, f"DELETE FROM {table}"), table
            assert refused(
                db_session,
                "INSERT INTO reporting_cooperation (centre_id, federation_id, year, code, label,"
                " unit, value) VALUES (1, 1, 2021, 'x', 'x', 'count', 1)",
            )
            assert refused(
                db_session,
                "INSERT INTO reporting_aggregates (federation_id, year, indicator_code,"
                " breakdown_key, departement, city, total, centres, max_centre, computed_at)"
                " VALUES (:f, 2021, 'x', '', '*', '*', 1, 1, 1, now())",
                f=nord,
            )
            assert refused(db_session, "UPDATE reporting_indicators SET label = 'x'")
    # Staging of per-centre cooperation figures: nobody reads it at runtime.
    with as_user(NORD_ANALYST):
        assert rows(db_session, "SELECT * FROM reporting_cooperation") == []
    # Runs are shown to federation analysts, not to centres.
    with as_user(ALMA_DIRECTOR):
        assert rows(db_session, "SELECT * FROM reporting_runs") == []


def test_raw_aggregates_are_the_workers_and_publications_stay_in_their_network(
    demo, db_session, as_user
):
    nord = demo.federation("nord").id
    # The raw (unsuppressed) cells: no analyst reads them, not even her own network's.
    for email in (SSD_ANALYST, NORD_ANALYST, ALMA_DIRECTOR):
        with as_user(email):
            assert rows(db_session, "SELECT * FROM reporting_aggregates") == [], email
    # What was published: the network's members read it, another network does not.
    for table in ("reporting_releases", "reporting_published", "reporting_campaigns"):
        with as_user(NORD_ANALYST):
            assert (
                rows(db_session, f"SELECT count(*) FROM {table} WHERE federation_id = :f", f=nord)[
                    0
                ][0]
                > 0
            ), table
        with as_user(ALMA_DIRECTOR):
            assert (
                rows(db_session, f"SELECT count(*) FROM {table} WHERE federation_id = :f", f=nord)[
                    0
                ][0]
                > 0
            ), table
        with as_user(SSD_ANALYST):
            assert (
                rows(db_session, f"SELECT * FROM {table} WHERE federation_id = :f", f=nord) == []
            ), table
    with as_user(SSD_ANALYST):
        # Nor her pending work.
        assert (
            rows(db_session, "SELECT * FROM reporting_dirty WHERE federation_id = :f", f=nord) == []
        )


def test_publications_are_written_by_the_workers_only(demo, db_session, as_user):
    nord = demo.federation("nord").id
    for email in (NORD_ANALYST, ALMA_DIRECTOR):
        with as_user(email):
            for table in ("reporting_releases", "reporting_published"):
                assert refused(db_session, f"DELETE FROM {table}"), table
            assert refused(
                db_session,
                "INSERT INTO reporting_releases (federation_id, year, number, centres,"
                " named_centre_ids, fingerprint, secret_cells, audited_cells, certified_cells,"
                " linear_programs, readers) VALUES (:f, 2030, 1, 1, '{}', '', 0, 0, 0, 0, 0)",
                f=nord,
            )
            assert refused(db_session, "UPDATE reporting_campaigns SET refused_reason = 'x'")


def test_the_catalogue_is_public_reference_data(db_session, as_user):
    with as_user(GRAND_AIR_DIRECTOR):
        codes = {r[0] for r in rows(db_session, "SELECT code FROM reporting_indicators")}
    assert {"pe.enfants", "fi.produits", "th.numerique"} <= codes
