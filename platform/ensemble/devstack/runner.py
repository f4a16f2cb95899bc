"""`python -m ensemble.devstack start`: the whole platform with the demo network.

With no DATABASE_URL it starts an embedded PostgreSQL, with no REDIS_URL an
embedded Redis, both keeping their data in .ensemble-data/ between runs. Then
it creates the roles, runs the migrations, loads the demo network, and starts
a Celery worker, Celery beat and the web server. Ctrl-C stops everything.

`python -m ensemble.devstack bootstrap`: only the roles and the database, as a
superuser, for deployments (the docker-compose `migrate` service) that run
`flask --app ensemble db upgrade` themselves afterwards.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ensemble.config import ROLES
from ensemble.devstack import bootstrap, embedded

ROOT = Path(__file__).resolve().parents[3]
DATA_DIR = Path(os.environ.get("ENSEMBLE_DATA_DIR", ROOT / ".ensemble-data"))


def prepare_environment(database: str = "ensemble") -> list:
    """Fill DATABASE_*/REDIS_URL from embedded servers where unset; returns what to stop."""
    started: list = []
    if not os.environ.get("DATABASE_URL"):
        admin_url = os.environ.get("DATABASE_ADMIN_URL")
        if not admin_url:
            pg = embedded.start_postgres(DATA_DIR / "postgres")
            started.append(pg)
            admin_url = pg.admin_url
        urls = bootstrap.bootstrap(admin_url, database)
        os.environ.update(urls.as_env())
    if not os.environ.get("REDIS_URL"):
        rd = embedded.start_redis(DATA_DIR / "redis")
        started.append(rd)
        os.environ["REDIS_URL"] = rd.url
    return started


def migrate_and_load_demo() -> None:
    from flask_migrate import upgrade

    from ensemble import create_app
    from tenants.demo import load

    app = create_app()
    with app.app_context():
        upgrade()
        summary = load()
    print(
        f"Réseau de démonstration chargé : {summary.centres} centres, {summary.people} personnes."
    )


def print_welcome(url: str) -> None:
    from tenants.demo import DEMO_PASSWORD, read_network

    people = read_network()["people"]
    print("\n" + "=" * 72)
    print(f"  Ensemble est prêt : {url}")
    print(f"  Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
    for person in people:
        jobs = " ; ".join(m.get("job", m["role"]) for m in person["memberships"][:1])
        print(f"    {person['email']:<40} {person['name']} — {jobs}")
    print("  Ctrl-C pour tout arrêter.")
    print("=" * 72 + "\n", flush=True)


def start(host: str, port: int) -> int:
    started = prepare_environment()
    children: list[subprocess.Popen] = []
    stopping = False

    def request_stop(signum, frame):  # noqa: ARG001
        nonlocal stopping
        stopping = True

    # Ctrl-C reaches every process of the terminal at once; we only note it and
    # stop the children in order below, instead of dying half-way.
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        migrate_and_load_demo()
        celery = [sys.executable, "-m", "celery", "-A", "workers"]
        children.append(
            subprocess.Popen(
                [*celery, "worker", "--loglevel=INFO", "--concurrency=2", "--pool=prefork"],
                cwd=ROOT,
            )
        )
        children.append(
            subprocess.Popen(
                [
                    *celery,
                    "beat",
                    "--loglevel=INFO",
                    f"--schedule={DATA_DIR / 'celerybeat-schedule'}",
                ],
                cwd=ROOT,
            )
        )
        children.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "flask",
                    "--app",
                    "ensemble",
                    "run",
                    "--host",
                    host,
                    "--port",
                    str(port),
                    "--no-reload",
                ],
                cwd=ROOT,
            )
        )
        print_welcome(f"http://{host}:{port}/")
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.3)
        if stopping:
            print("\nArrêt en cours…")
            return 0
        print("Un processus s’est arrêté ; arrêt de la plateforme.", file=sys.stderr)
        return 1
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        for server in reversed(started):
            server.stop()
        print("Plateforme arrêtée.")


def bootstrap_database(admin_url: str, database: str) -> int:
    """Create the roles and the database (idempotent); never prints a URL, they hold passwords."""
    bootstrap.bootstrap(admin_url, database)
    print(
        f"Base « {database} » prête ; rôles {ROLES.owner}, {ROLES.runtime}, "
        f"{ROLES.reporting}, {ROLES.rls_helper} à jour."
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ensemble.devstack")
    sub = parser.add_subparsers(dest="command", required=True)
    start_cmd = sub.add_parser("start", help="démarre la plateforme avec le réseau de démo")
    start_cmd.add_argument("--host", default="127.0.0.1")
    start_cmd.add_argument("--port", type=int, default=5000)
    boot_cmd = sub.add_parser(
        "bootstrap", help="crée les rôles et la base (en superutilisateur), sans migrer"
    )
    # From the environment by default: a password on a command line shows up in `ps`.
    boot_cmd.add_argument(
        "--admin-url",
        default=os.environ.get("DATABASE_ADMIN_URL"),
        help="URL d’un rôle superutilisateur (défaut : $DATABASE_ADMIN_URL)",
    )
    boot_cmd.add_argument("--database", default="ensemble", help="nom de la base (ensemble)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "start":
        return start(args.host, args.port)
    if args.command == "bootstrap":
        if not args.admin_url:
            parser.error("--admin-url ou DATABASE_ADMIN_URL est requis")
        return bootstrap_database(args.admin_url, args.database)
    return 2


if __name__ == "__main__":
    sys.exit(main())
