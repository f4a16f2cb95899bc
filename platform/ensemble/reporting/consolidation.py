"""Consolidation: network aggregates computed in PostgreSQL, set-based.

One statement per run aggregates every validated figure of the keys to
recompute — (federation, year) pairs — with GROUPING SETS for the three
territorial levels (federation, département, city). An incremental run
replaces, in one statement, only the cells of its keys that changed (new,
different or gone); a full run replaces every cell (TRUNCATE, INSERT … SELECT …
GROUP BY, index rebuilt) in one transaction. Nothing is aggregated in Python:
the cost is the GROUP BY plus writing its result (and, for a full run, building
the federation-and-year index of the new cells once). One row per key holds by
construction — one run at a time under an advisory lock, each writing GROUP BY
results — rather than by a unique index (see migration 0009).

Each run belongs to one federation (the nightly run of the whole platform
records one run per federation), and ends by publishing that federation's
closed campaigns whose inputs changed (`publication.py`), in the same
transaction.

It runs on the reporting role (reads every tenant; writes only the
consolidation and publication tables). The run's bookkeeping (attempt counters, progress) is
written on a separate autocommit connection so that it survives a crash of the
main transaction, while the results, the deletion of the consumed outbox rows
and the run's "done" are committed together: a worker killed at any point
leaves either everything or nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, Engine, text

from ensemble.kernel import clock
from ensemble.reporting.models import RunStatus

# Memory for the aggregation's hash tables (a million groups at national scale would
# otherwise spill to disk), and commits that need not wait for the disk: a lost
# commit loses the results and the outbox deletion together, so the work is redone.
WORK_MEM = "256MB"

# Only one consolidation at a time (transaction-scoped advisory lock).
LOCK_KEY = 746_174_001
MAX_ATTEMPTS = 3

# The rows a consolidation reads: validated figures, one row per centre and cell,
# the completeness marker (one '_declarations' row per validated declaration) and
# the staged cooperation figures. `scope` is a set of (federation_id, year).
BASE = """
    SELECT v.federation_id, v.year, v.indicator_code, v.breakdown_key,
           left(c.postcode, 2) AS departement, c.city, v.value
    FROM reporting_values v
    JOIN reporting_declarations d ON d.id = v.declaration_id AND d.status = 'validated'
    JOIN centres c ON c.id = v.centre_id
    {values_scope}
    UNION ALL
    SELECT d.federation_id, d.year, '_declarations', '', left(c.postcode, 2), c.city, 1
    FROM reporting_declarations d
    JOIN centres c ON c.id = d.centre_id
    WHERE d.status = 'validated' {declarations_scope}
    UNION ALL
    SELECT k.federation_id, k.year, k.code, '', left(c.postcode, 2), c.city, k.value
    FROM reporting_cooperation k
    JOIN centres c ON c.id = k.centre_id
    {cooperation_scope}
"""

GROUPED = """
    SELECT federation_id, year, indicator_code, breakdown_key,
           CASE WHEN GROUPING(departement) = 1 THEN '*' ELSE departement END AS departement,
           CASE WHEN GROUPING(city) = 1 THEN '*' ELSE city END AS city,
           sum(value) AS total, count(*) AS centres, max(value) AS max_centre
    FROM ({base}) base
    GROUP BY federation_id, year, indicator_code, breakdown_key,
             GROUPING SETS ((), (departement), (departement, city))
"""

KEY_MATCH = """
    r.federation_id = a.federation_id AND r.year = a.year
    AND r.indicator_code = a.indicator_code AND r.breakdown_key = a.breakdown_key
    AND r.departement = a.departement AND r.city = a.city"""

# An incremental run rewrites only the cells of its keys that changed: new or
# different cells are (re)inserted, cells that changed or no longer exist are
# deleted. All parts read the same snapshot, so the delete never sees the rows
# the insert adds. One row per key holds: the result of a GROUP BY is unique,
# and only the cells that are not left identical are replaced.
UPSERT = f"""
WITH result AS ({{grouped}}),
current AS (SELECT * FROM reporting_aggregates a WHERE {{aggregates_scope}}),
changed AS (
    SELECT r.* FROM result r
    WHERE NOT EXISTS (
        SELECT 1 FROM current a WHERE {KEY_MATCH}
          AND (a.total, a.centres, a.max_centre) = (r.total, r.centres, r.max_centre))
),
gone AS (
    SELECT a.* FROM current a WHERE NOT EXISTS (SELECT 1 FROM result r WHERE {KEY_MATCH})
),
deleted AS (
    DELETE FROM reporting_aggregates a
    WHERE {{aggregates_scope}}
      AND (EXISTS (SELECT 1 FROM changed r WHERE {KEY_MATCH})
           OR EXISTS (SELECT 1 FROM gone r WHERE {KEY_MATCH}))
),
inserted AS (
    INSERT INTO reporting_aggregates
        (federation_id, year, indicator_code, breakdown_key, departement, city,
         total, centres, max_centre, computed_at)
    SELECT c.*, now() FROM changed c
    RETURNING 1
)
SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM gone)
"""

# The keys of an incremental run, as two parallel arrays bound to the statement.
SCOPE = (
    "(SELECT * FROM unnest(CAST(:scope_f AS bigint[]), CAST(:scope_y AS smallint[]))"
    " AS s(federation_id, year))"
)


def _scoped(sql: str, full: bool) -> str:
    """Fill the scope clauses: everything, or the (federation, year) keys bound as
    :scope_f and :scope_y."""
    if full:
        return sql.format(
            values_scope="",
            declarations_scope="",
            cooperation_scope="",
            aggregates_scope="true",
        )
    keys = SCOPE
    return sql.format(
        values_scope=f"WHERE (v.federation_id, v.year) IN {keys}",
        declarations_scope=f"AND (d.federation_id, d.year) IN {keys}",
        cooperation_scope=f"WHERE (k.federation_id, k.year) IN {keys}",
        aggregates_scope=f"(a.federation_id, a.year) IN {keys}",
    )


def grouped_sql(full: bool = True) -> str:
    """The bare GROUP BY (what the benchmark compares a full run with)."""
    return _scoped(GROUPED.replace("{base}", BASE), full)


def insert_sql() -> str:
    """The full run's insert of every cell (the table was emptied in the same transaction)."""
    return (
        "INSERT INTO reporting_aggregates (federation_id, year, indicator_code, breakdown_key,"
        " departement, city, total, centres, max_centre, computed_at)"
        f" SELECT g.*, now() FROM ({grouped_sql(full=True)}) g"
    )


def upsert_sql(full: bool) -> str:
    return _scoped(UPSERT.replace("{grouped}", GROUPED.replace("{base}", BASE)), full)


@dataclass(frozen=True)
class Outcome:
    run_id: int | None  # the first run of this call (one per federation)
    status: str  # "done", "idle" (nothing to do), "busy" (another run holds the lock), "failed"
    keys: int = 0
    rows_written: int = 0
    rows_removed: int = 0
    run_ids: tuple[int, ...] = ()
    publications: tuple = ()  # publication.Result of each campaign published or refused


class ConsolidationFailed(RuntimeError):
    """Raised after recording the failure, so that Celery may retry."""

    def __init__(self, message: str, final: bool):
        super().__init__(message)
        self.final = final


# Seconds to wait inside the main transaction just before it commits; 0 in
# production. The fault tests set it to kill a worker mid-transaction.
PAUSE_SETTING = "REPORTING_PAUSE_BEFORE_COMMIT"

# What the federation reads when a run fails: what it means for them, never SQL.
RETRYING = (
    "Le calcul n’a pas abouti (erreur technique) ; il est repris automatiquement"
    " dans quelques instants."
)
GAVE_UP = (
    "Le calcul n’a pas abouti après trois essais (erreur technique) ; l’équipe de la"
    " plateforme est prévenue. Les chiffres publiés restent ceux d’avant."
)
INTERRUPTED = (
    "Calcul interrompu avant la fin (le serveur de calcul s’est arrêté) ; il est repris"
    " automatiquement."
)


def consolidate(
    engine: Engine,
    *,
    full: bool = False,
    federation_id: int | None = None,
    nightly: bool = False,
    pause: float = 0.0,
    failure_hook=None,
    rules=None,
    publish: bool = True,
) -> Outcome:
    """Consolidate the pending keys (of one federation, or of all), or everything
    with `full` (one federation's, or the platform's), then publish the closed
    campaigns whose inputs changed. One run is recorded per federation. Idempotent."""
    from ensemble.reporting import publication
    from ensemble.reporting.disclosure.rules import Rules

    rules = rules or Rules()
    with (
        engine.connect() as main,
        engine.connect().execution_options(isolation_level="AUTOCOMMIT") as side,
    ):
        main.begin()
        main.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
        main.execute(text("SET LOCAL synchronous_commit = off"))
        if not main.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": LOCK_KEY}):
            main.rollback()
            return Outcome(None, "busy")
        claimed = _claim(side, federation_id)
        # Keys that failed before, cleared once this run recomputes them.
        failed = side.execute(
            text("SELECT id, federation_id, year FROM reporting_dirty WHERE failed_at IS NOT NULL")
        ).all()
        platform = full and federation_id is None
        # Per federation: the years to recompute, or everything (a full run).
        plan: dict[int, set[int] | None] = {}
        for _id, f, year, full_run in claimed:
            if full_run or plan.get(f, set()) is None:
                plan[f] = None
            else:
                plan.setdefault(f, set()).add(year)
        if full and federation_id is not None:
            plan[federation_id] = None
        if platform:
            plan = {f: None for (f,) in main.execute(text("SELECT id FROM federations"))}
        # Nothing to recompute, but what readers know may have changed (a centre
        # agreed to be named): publish again if a release is out of date.
        if (
            not plan
            and federation_id is not None
            and publish
            and publication.load(main, [federation_id], rules)
        ):
            plan = {federation_id: set()}
        if not plan:
            main.commit()  # only what `publication.load` cleared: a refusal notice gone stale
            return Outcome(None, "idle")

        def kind_of(years) -> str:
            if nightly:
                return "nightly"
            if years is None:
                return "full"
            return "incremental" if years else "publication"

        runs = {
            f: side.scalar(
                text(
                    "INSERT INTO reporting_runs (federation_id, kind, status, keys, steps_done,"
                    " steps_total, rows_written, error, detail, started_at)"
                    " VALUES (:f, :kind, 'running', :keys, 0, 3, 0, '', '', clock_timestamp())"
                    " RETURNING id"
                ),
                {"f": f, "kind": kind_of(years), "keys": 0 if years is None else len(years)},
            )
            for f, years in sorted(plan.items())
        }
        run_ids = tuple(runs.values())
        keys = _keys_of(main, plan)
        try:
            if failure_hook is not None:
                failure_hook()
            refresh_cooperation(main, None if platform else keys)
            _progress(side, run_ids, 1)
            if platform:
                # Everything is recomputed: replace the cells in this transaction,
                # without comparing them with the previous ones and without
                # inserting half a million entries one by one into the index: the
                # table is emptied and its index dropped, the cells are written,
                # the index is built once (see migration 0009). All of it is
                # rolled back if the worker dies before the commit.
                main.execute(text("SELECT reporting_aggregates_replace_begin()"))
                removed = 0  # every previous cell is replaced: the log counts the new ones
                written = main.execute(text(insert_sql())).rowcount
                main.execute(text("SELECT reporting_aggregates_replace_end()"))
            elif keys:
                scope = sorted(keys)
                params = {"scope_f": [f for f, _ in scope], "scope_y": [y for _, y in scope]}
                written, removed = main.execute(text(upsert_sql(False)), params).one()
            else:
                written = removed = 0
            _progress(side, run_ids, 2)
            _clear_outbox(main, plan, keys, [c[0] for c in claimed], failed)
            results = (
                publication.publish(main, sorted(plan), rules, run_ids=runs) if publish else []
            )
            refused = {r.federation_id: r for r in results if r.status == "refused"}
            for f, run_id in runs.items():
                reason = refused[f].reason if f in refused else ""
                main.execute(
                    text(
                        "UPDATE reporting_runs SET status = :status, steps_done = 3,"
                        " rows_written = :rows, error = :error, detail = :detail,"
                        " finished_at = clock_timestamp() WHERE id = :id"
                    ),
                    {
                        "status": "failed" if f in refused else "done",
                        "rows": written + removed if len(runs) == 1 else 0,
                        "error": reason,
                        "detail": refused[f].detail if f in refused else "",
                        "id": run_id,
                    },
                )
            if pause:
                time.sleep(pause)
            main.commit()
        except Exception as exc:
            main.rollback()
            final = _record_failure(side, run_ids, exc)
            raise ConsolidationFailed(str(exc), final) from exc
        return Outcome(
            run_ids[0], RunStatus.DONE.value, len(keys), written, removed, run_ids, tuple(results)
        )


def _keys_of(main: Connection, plan: dict[int, set[int] | None]) -> set[tuple[int, int]]:
    """The (federation, year) keys of a plan: a federation's full run covers every year
    with a declaration, and the current one (cooperation figures)."""
    keys: set[tuple[int, int]] = set()
    whole = [f for f, years in plan.items() if years is None]
    if whole:
        years = {
            (f, y)
            for f, y in main.execute(
                text(
                    "SELECT DISTINCT federation_id, year FROM reporting_declarations"
                    " WHERE federation_id = ANY(:f)"
                ),
                {"f": whole},
            )
        }
        keys |= years | {(f, clock.today().year) for f in whole}
    for f, years in plan.items():
        if years is not None:
            keys |= {(f, y) for y in years}
    return keys


def _clear_outbox(main: Connection, plan, keys, claimed: list[int], failed) -> None:
    """The outbox rows this run consumed: those it claimed, and those that had failed
    before for a key it recomputed (they clear once recomputed). Rows added since the
    claim stay for the next run."""
    whole = {f for f, years in plan.items() if years is None}
    ids = list(claimed) + [
        i for i, f, y in failed if f in whole or (y is not None and (f, y) in keys)
    ]
    main.execute(text("DELETE FROM reporting_dirty WHERE id = ANY(:ids)"), {"ids": ids})


def _claim(side: Connection, federation_id: int | None) -> list[tuple[int, int, int, bool]]:
    """Count one more attempt on every pending key (committed at once: a crash
    still counts), and give up on keys that used all their attempts."""
    only = "" if federation_id is None else " AND federation_id = :f"
    side.execute(
        text(
            "UPDATE reporting_dirty SET failed_at = clock_timestamp(),"
            " last_error = CASE WHEN last_error = '' THEN 'tentatives épuisées'"
            " ELSE last_error END"
            f" WHERE failed_at IS NULL AND attempts >= :max{only}"
        ),
        {"max": MAX_ATTEMPTS, "f": federation_id},
    )
    rows = side.execute(
        text(
            "UPDATE reporting_dirty SET attempts = attempts + 1"
            f" WHERE failed_at IS NULL{only} RETURNING id, federation_id, year, full_run"
        ),
        {"f": federation_id},
    ).all()
    return [tuple(r) for r in rows]


def _progress(side: Connection, run_ids: tuple[int, ...], step: int) -> None:
    side.execute(
        text("UPDATE reporting_runs SET steps_done = :s WHERE id = ANY(:ids)"),
        {"s": step, "ids": list(run_ids)},
    )


def _record_failure(side: Connection, run_ids: tuple[int, ...], exc: Exception) -> bool:
    """Mark the runs failed (a French reason; the technical one apart); keys out of
    attempts are marked failed too. Returns True when no pending key is left to retry."""
    detail = f"{type(exc).__name__}: {exc}"[:2000]
    side.execute(
        text(
            "UPDATE reporting_dirty SET last_error = :e,"
            " failed_at = CASE WHEN attempts >= :max THEN clock_timestamp() END"
            " WHERE failed_at IS NULL"
        ),
        {"e": detail, "max": MAX_ATTEMPTS},
    )
    pending = side.scalar(text("SELECT count(*) FROM reporting_dirty WHERE failed_at IS NULL"))
    side.execute(
        text(
            "UPDATE reporting_runs SET status = 'failed', error = :e, detail = :d,"
            " finished_at = greatest(clock_timestamp(), started_at) WHERE id = ANY(:ids)"
        ),
        {"e": GAVE_UP if pending == 0 else RETRYING, "d": detail, "ids": list(run_ids)},
    )
    return pending == 0


def close_interrupted_runs(engine: Engine) -> int:
    """Runs still "running" while nobody holds the lock died with their worker:
    mark them failed (their work is still pending and will be redone)."""
    with engine.connect() as conn, conn.begin():
        if not conn.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": LOCK_KEY}):
            return 0
        return conn.execute(
            text(
                "UPDATE reporting_runs SET status = 'failed',"
                " finished_at = greatest(clock_timestamp(), started_at), error = :e"
                " WHERE status = 'running'"
            ),
            {"e": INTERRUPTED},
        ).rowcount


def pending_keys(engine: Engine, federation_id: int | None = None) -> int:
    only = "" if federation_id is None else " AND federation_id = :f"
    with engine.connect() as conn:
        return conn.scalar(
            text(f"SELECT count(*) FROM reporting_dirty WHERE failed_at IS NULL{only}"),
            {"f": federation_id},
        )


def pending_federations(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return [
            f
            for (f,) in conn.execute(
                text(
                    "SELECT DISTINCT federation_id FROM reporting_dirty WHERE failed_at IS NULL"
                    " ORDER BY federation_id"
                )
            )
        ]


def stale_federations(engine: Engine, rules=None) -> list[int]:
    """Federations with a closed campaign whose release is out of date (a centre agreed
    to be named since, or the rules changed) and not already refused as it is."""
    from ensemble.reporting import publication
    from ensemble.reporting.disclosure.rules import Rules

    with engine.connect() as conn:
        return sorted({s.federation_id for s in publication.load(conn, None, rules or Rules())})


def refresh_cooperation(conn: Connection, keys: set[tuple[int, int]] | None = None) -> int:
    """Stage the cooperation figures of the (federation, year) `keys` (all with
    None) from the providers (shared posts…).

    Providers return one figure per centre and year; a shared post's FTE comes
    as each centre's agreed share, so the network sum counts the post once."""
    from sqlalchemy.orm import Session

    from ensemble.sharing.cooperation import figures_for_year

    # Campaign years: those with a declaration, and the current one.
    eligible = {
        y for (y,) in conn.execute(text("SELECT DISTINCT year FROM reporting_declarations"))
    } | {clock.today().year}
    years = sorted(eligible if keys is None else eligible & {y for _, y in keys})
    session = Session(bind=conn)
    rows = []
    federation_of = dict(conn.execute(text("SELECT id, federation_id FROM centres")).all())
    for year in years:
        for figure in figures_for_year(session, year):
            federation_id = federation_of.get(figure.centre_id)
            if federation_id is not None and (keys is None or (federation_id, year) in keys):
                rows.append(
                    {
                        "c": figure.centre_id,
                        "f": federation_id,
                        "y": year,
                        "code": figure.code,
                        "label": figure.label[:200],
                        "unit": figure.unit,
                        "v": Decimal(figure.value),
                    }
                )
    if keys is None:
        conn.execute(text("DELETE FROM reporting_cooperation"))
    else:
        conn.execute(
            text(f"DELETE FROM reporting_cooperation WHERE (federation_id, year) IN {SCOPE}"),
            {"scope_f": [f for f, _ in sorted(keys)], "scope_y": [y for _, y in sorted(keys)]},
        )
    if rows:
        conn.execute(
            text(
                "INSERT INTO reporting_cooperation"
                " (centre_id, federation_id, year, code, label, unit, value)"
                " VALUES (:c, :f, :y, :code, :label, :unit, :v)"
            ),
            rows,
        )
    return len(rows)
