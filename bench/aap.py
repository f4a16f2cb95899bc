"""Benchmark: a section of a joint answer with 500 saved versions.

Prints, measured in one run: the median time to open the section, to open its
history (newest 50 of the 500 versions, paged), and to diff two distant
versions (1 and 500),
and the ratios history / section and diff / section (goal: at most 3× each).

    DATABASE_ADMIN_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/0 python bench/aap.py

The versions are saved through the operations (conditional update plus a
version row each), as the lead's director would, on the demo answer « Bien
vieillir dans son quartier ». The database `ensemble_bench_aap` is dropped at
the end.
"""

from __future__ import annotations

import random
import re
import statistics
import sys
import time
from pathlib import Path

import psycopg
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))
from network import bench_app  # noqa: E402

from ensemble.devstack.bootstrap import _libpq  # noqa: E402

DATABASE = "ensemble_bench_aap"
VERSIONS = 500
PARAGRAPHS = 40
RUNS = 15
LEAD = "karim.haddou@echo.demo"
WORDS = [
    "aînés",
    "isolement",
    "quartier",
    "atelier",
    "mémoire",
    "visite",
    "convivialité",
    "bénévoles",
    "transport",
    "repas",
    "partagé",
    "accès",
    "aux",
    "droits",
    "numérique",
    "tablette",
    "permanence",
    "famille",
    "voisinage",
    "santé",
    "prévention",
    "marche",
    "gym",
    "douce",
    "lien",
    "social",
    "Roubaix",
    "centre",
    "social",
]


def _text(rng: random.Random, paragraphs: list[str], version: int) -> str:
    """Each version rewrites one paragraph and sometimes adds one: like real editing."""
    index = rng.randrange(len(paragraphs))
    paragraphs[index] = " ".join(rng.choice(WORDS) for _ in range(rng.randint(25, 60)))
    if version % 25 == 0:
        paragraphs.insert(index, f"Étape {version} : " + " ".join(rng.sample(WORDS, 12)))
    return "".join(f"<p>{p}.</p>" for p in paragraphs)


def generate(app) -> tuple[int, int]:
    """500 versions of the « besoins » section of the demo answer; (answer, section) ids."""
    from sqlalchemy import select

    from ensemble.aap import operations as aap
    from ensemble.aap.models import AapAnswer, AapCall
    from ensemble.extensions import db
    from ensemble.people.models import User
    from ensemble.tenancy import context
    from ensemble.tenancy.scopes import context_for_user

    rng = random.Random(2026)
    with app.app_context():
        with context.using(context.system_context(is_admin=True), db.session):
            user_id = db.session.scalar(select(User.id).where(User.email == LEAD))
        ctx = context_for_user(db.session, user_id)
        db.session.rollback()
        with context.using(ctx, db.session):
            answer_id = db.session.scalar(
                select(AapAnswer.id)
                .join(AapCall, AapCall.id == AapAnswer.call_id)
                .where(AapCall.title == "Bien vieillir dans son quartier")
            )
            answer = aap.load_answer(db.session, answer_id)
            section = next(s for s in answer.sections if s.code == "besoins")
            section_id = section.id
            paragraphs = [" ".join(rng.sample(WORDS, 20)) for _ in range(PARAGRAPHS)]
            for version in range(VERSIONS - section.current_version):
                aap.save_section(
                    db.session,
                    section,
                    base_version=section.current_version,
                    body=_text(rng, paragraphs, version),
                    author_id=user_id,
                )
                if version % 50 == 0:
                    db.session.commit()
            db.session.commit()
    return answer_id, section_id


def measure(app, answer_id: int, section_id: int) -> dict:
    from ensemble.extensions import db

    client = app.test_client()
    page = client.get("/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    signed = client.post(
        "/connexion", data={"email": LEAD, "password": "ensemble-demo", "csrf_token": token}
    )
    assert signed.status_code == 302, signed.status_code
    base = f"/c/echo/aap/reponses/{answer_id}/rubriques/{section_id}/"
    views = {
        "section": base,
        "history": base + "historique",
        "diff": base + f"historique?de=1&a={VERSIONS}",
    }
    with app.app_context():
        engine = db.engine
    current: list[str] = []

    def count(conn, cursor, statement, *args):  # noqa: ARG001
        if "set_config(" not in statement:
            current.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    statements, sizes = {}, {}
    for name, url in views.items():  # warm up, count statements, check the page
        current.clear()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        statements[name] = len(current)
        sizes[name] = len(response.data)
    event.remove(engine, "before_cursor_execute", count)
    history = client.get(views["history"]).get_data(as_text=True)
    assert history.count('name="version"') == 49, "a page of 50 versions, the last not restorable"
    oldest = client.get(views["history"] + "?page=10").get_data(as_text=True)
    assert 'name="version" value="1"' in oldest, "the tenth page reaches version 1"
    assert "diff-added" in client.get(views["diff"]).get_data(as_text=True)
    timings: dict[str, list[float]] = {name: [] for name in views}
    for _ in range(RUNS):
        for name, url in views.items():
            started = time.perf_counter()
            client.get(url)
            timings[name].append(time.perf_counter() - started)
    return {
        "statements": statements,
        "sizes": sizes,
        "median": {k: statistics.median(v) for k, v in timings.items()},
    }


def main() -> int:
    started = time.perf_counter()
    with bench_app(DATABASE, LOGIN_FAILURE_LIMIT_PER_IP="10000 per hour") as (urls, app):
        answer_id, section_id = generate(app)
        with psycopg.connect(_libpq(urls.admin)) as conn:
            versions, size = conn.execute(
                "SELECT count(*), avg(octet_length(body))::int FROM aap_section_versions"
                " WHERE section_id = %s",
                (section_id,),
            ).fetchone()
        print(f"section {section_id}: {versions} versions, {size} bytes each on average")
        print(f"set-up: {time.perf_counter() - started:.1f} s")
        result = measure(app, answer_id, section_id)
        med = result["median"]
        print(f"statements per page: {result['statements']}")
        print(f"page sizes (bytes): {result['sizes']}")
        print(
            f"median over {RUNS} runs: section {med['section'] * 1000:.1f} ms,"
            f" history {med['history'] * 1000:.1f} ms,"
            f" diff 1→{VERSIONS} {med['diff'] * 1000:.1f} ms"
        )
        ok = True
        for name in ("history", "diff"):
            ratio = med[name] / med["section"]
            ok = ok and ratio <= 3
            verdict = "OK" if ratio <= 3 else "TOO SLOW"
            print(f"ratio {name} / section: {ratio:.2f}× (goal ≤ 3×): {verdict}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
