"""No lost update, with real concurrency: several writers on their own
connections save the same section from the same version at the same moment.
Exactly one save applies; every other gets the conflict (with the winner's
text and the common ancestor), and nothing is silently overwritten."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from aap.aap_support import ECHO_DIRECTOR, ECHO_STAFF, build_answer, load
from ensemble.aap import operations as aap
from ensemble.aap.models import AapSection
from ensemble.tenancy import context

from conftest import (
    NAMESPACE,
    TEST_CONFIG,
    Demo,
    RequestIsolatedClient,
    clone_database,
    csrf_token,
    sign_in,
)

pytestmark = pytest.mark.no_db_rollback
WRITERS = 8


class RaceSession(Session):
    """A plain session that writes the tenant context at each transaction start."""


context.install(RaceSession)


@pytest.fixture(scope="module")
def race_urls(servers, template_database):
    return clone_database(servers, "aap_race")


@pytest.fixture(scope="module")
def race_engine(race_urls):
    engine = create_engine(race_urls.runtime, pool_size=WRITERS + 2, max_overflow=0)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def race_app(app, servers, race_urls):
    """The whole web app on the race database: requests on their own connections."""
    from ensemble import create_app
    from ensemble.extensions import db

    namespace = f"{NAMESPACE}-aap-race"
    web = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": race_urls.runtime,
            "SQLALCHEMY_BINDS": {"reporting": race_urls.reporting},
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": WRITERS + 2, "max_overflow": 0},
            "DATABASE_OWNER_URL": race_urls.owner,
            "REDIS_URL": servers["redis_url"],
            "REDIS_NAMESPACE": namespace,
            "CELERY_QUEUE": namespace,
        }
    )
    web.test_client_class = RequestIsolatedClient
    # create_app makes its Celery app the process default; give it back to the tests' app.
    app.extensions["celery"].set_default()
    yield web
    with web.app_context():
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def race_answer(app, race_engine):
    with app.app_context(), RaceSession(race_engine) as session:
        answer = build_answer(Demo(session), session)
        session.commit()
        demo = Demo(session)
        return answer, demo.context_of(ECHO_DIRECTOR), demo.context_of(ECHO_STAFF)


def _race(app, engine, ctxs, work):
    """Run `work(session, index)` in WRITERS threads released together; each
    commits on success. Returns the results (or exceptions) by index."""
    barrier = threading.Barrier(WRITERS)
    results: list[object] = [None] * WRITERS

    def run(index: int) -> None:
        ctx = ctxs[index % len(ctxs)]
        with app.app_context(), context.using(ctx), RaceSession(engine) as session:
            try:
                prepared = work(session, index, None)
                barrier.wait(timeout=30)
                results[index] = work(session, index, prepared)
                session.commit()
            except Exception as exc:  # the conflict, or a failure to report
                session.rollback()
                results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_concurrent_saves_from_one_version_exactly_one_applies(app, race_engine, race_answer):
    built, lead, staff = race_answer

    def work(session, index, prepared):
        if prepared is None:
            answer = load(session, built.answer_id)
            return next(s for s in answer.sections if s.code == "besoins").id
        section = session.get(AapSection, prepared)
        return aap.save_section(
            session,
            section,
            base_version=0,
            body=f"<p>Texte de la personne {index}</p>",
            author_id=context.current().user_id,
        )

    results = _race(app, race_engine, [lead, staff], work)
    winners = [i for i, r in enumerate(results) if r == 1]
    conflicts = [r for r in results if isinstance(r, aap.SectionConflict)]
    assert len(winners) == 1, results
    assert len(conflicts) == WRITERS - 1, results
    winner_text = f"<p>Texte de la personne {winners[0]}</p>"
    for conflict in conflicts:
        assert conflict.theirs == winner_text and conflict.theirs_version == 1
        assert conflict.ancestor == "" and conflict.base == 0
    # Every loser still holds its own text: nothing lost, it goes to the conflict page.
    assert sorted(c.mine for c in conflicts) == sorted(
        f"<p>Texte de la personne {i}</p>" for i in range(WRITERS) if i != winners[0]
    )
    with app.app_context(), RaceSession(race_engine) as session, context.using(lead):
        section_id = conflicts[0].section_id
        row = session.execute(
            select(AapSection.current_version, AapSection.body).where(AapSection.id == section_id)
        ).one()
        assert tuple(row) == (1, winner_text)
        assert (
            session.execute(
                text("SELECT count(*) FROM aap_section_versions WHERE section_id = :s"),
                {"s": section_id},
            ).scalar()
            == 1
        )


def test_concurrent_budget_edits_from_one_version_exactly_one_applies(
    app, race_engine, race_answer
):
    built, lead, staff = race_answer
    with app.app_context(), RaceSession(race_engine) as session, context.using(lead):
        demo = Demo(session)
        line = aap.add_budget_line(
            session,
            load(session, built.answer_id),
            demo.centre("echo"),
            account="641",
            label="Salaires",
            amount=Decimal("1000.00"),
        )
        line_id = line.id
        session.commit()

    def work(session, index, prepared):
        if prepared is None:
            return load(session, built.answer_id).id
        return aap.update_budget_line(
            session,
            load(session, prepared),
            line_id,
            base_version=1,
            account="641",
            label="Salaires",
            amount=Decimal(1000 + index),
        )

    results = _race(app, race_engine, [lead, staff], work)
    assert results.count(2) == 1, results
    assert sum(isinstance(r, aap.BudgetConflict) for r in results) == WRITERS - 1, results


def test_concurrent_http_saves_exactly_one_applies_the_others_get_the_conflict_page(
    race_app, race_engine, race_answer
):
    built, lead, _staff = race_answer
    with race_app.app_context(), RaceSession(race_engine) as session, context.using(lead):
        answer = load(session, built.answer_id)
        section_id = next(s.id for s in answer.sections if s.code == "objectifs")
    url = f"/c/echo/aap/reponses/{built.answer_id}/rubriques/{section_id}/"
    clients = []
    for index in range(WRITERS):
        client = race_app.test_client()
        assert sign_in(client, (ECHO_DIRECTOR, ECHO_STAFF)[index % 2]).status_code == 302
        clients.append((client, csrf_token(client, url)))
    barrier = threading.Barrier(WRITERS)
    statuses: list[object] = [None] * WRITERS

    def post(index: int) -> None:
        client, token = clients[index]
        barrier.wait(timeout=30)
        try:
            response = client.post(
                url,
                data={
                    "csrf_token": token,
                    "base_version": "0",
                    "body": f"<p>Objectif rédigé par la requête {index}</p>",
                },
            )
            statuses[index] = (response.status_code, response.get_data(as_text=True))
        except Exception as exc:  # reported below
            statuses[index] = exc

    threads = [threading.Thread(target=post, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    codes = [s[0] if isinstance(s, tuple) else s for s in statuses]
    assert codes.count(302) == 1 and codes.count(409) == WRITERS - 1, codes
    winner = codes.index(302)
    for index, (code, page) in enumerate(s for s in statuses):
        if code == 409:
            # The conflict page holds the winner's text and the loser's own.
            assert f"Objectif rédigé par la requête {winner}" in page
            assert f"Objectif rédigé par la requête {index}" in page
    with race_app.app_context(), RaceSession(race_engine) as session, context.using(lead):
        assert (
            session.execute(
                text("SELECT count(*) FROM aap_section_versions WHERE section_id = :s"),
                {"s": section_id},
            ).scalar()
            == 1
        )
