"""`python -m ensemble.devstack start`: the whole platform with the demo network.

With no DATABASE_URL it starts an embedded PostgreSQL, with no REDIS_URL an
embedded Redis, both keeping their data in .ensemble-data/ between runs. Then
it creates the roles, runs the migrations, loads the demo network, and starts
a Celery worker, Celery beat and the web server, restarting any of them that
dies (with a growing wait and a log line). PUBLIC_URL, unless set, is the
address actually served. Ctrl-C stops everything.

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
from dataclasses import dataclass
from pathlib import Path

from ensemble.config import ROLES
from ensemble.devstack import bootstrap, embedded

ROOT = Path(__file__).resolve().parents[3]
DATA_DIR = Path(os.environ.get("ENSEMBLE_DATA_DIR", ROOT / ".ensemble-data"))


def prepare_environment(database: str = "ensemble") -> list:
    """Fill DATABASE_*/REDIS_URL from embedded servers where unset; returns what to stop.

    A DATABASE_URL that names a superuser (or a role that bypasses row-level
    security) is the most common mistake; the web app, the worker and beat
    refuse it. For the demo only, such a URL is taken explicitly for what it is,
    an admin URL: the roles and the database are created from it and every
    process connects as the runtime role. It is never used to serve a request.
    """
    started: list = []
    admin_url = os.environ.get("DATABASE_ADMIN_URL")
    given = os.environ.get("DATABASE_URL")
    if given and _bypasses_rls(given):
        print(
            "DATABASE_URL désigne un rôle qui contourne la sécurité au niveau des lignes : "
            f"la démonstration l’utilise comme DATABASE_ADMIN_URL (base « {database} ») "
            f"et se connecte en {ROLES.runtime}.",
            flush=True,
        )
        admin_url, given = given, None
        for key in ("DATABASE_URL", "DATABASE_OWNER_URL", "DATABASE_REPORTING_URL"):
            os.environ.pop(key, None)
    if not given:
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


def _bypasses_rls(url: str) -> bool:
    from ensemble.tenancy import guard

    facts = guard.inspect(url)
    return facts.superuser or facts.bypassrls or bool(facts.bypass_by_membership)


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


def public_url(host: str, port: int) -> str:
    """The address the demo actually serves, as links should name it."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - naming it, not binding to it
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


@dataclass
class Child:
    """A process the runner keeps alive: restarted when it dies, with a backoff."""

    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    delay: float = 0.0
    restart_at: float | None = None


class Supervisor:
    """Starts children and restarts any that dies, waiting 1 s, then 2, 4… up to
    `max_delay` while it keeps dying; a child that ran `stable_after` seconds starts
    again from the shortest wait. One log line per death and per restart."""

    def __init__(
        self,
        children: list[Child],
        *,
        cwd: Path = ROOT,
        first_delay: float = 1.0,
        max_delay: float = 30.0,
        stable_after: float = 60.0,
        log=None,
    ):
        self.children = children
        self.cwd = cwd
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.stable_after = stable_after
        self.log = log or (lambda text: print(text, file=sys.stderr, flush=True))

    def start_all(self) -> None:
        for child in self.children:
            self._spawn(child)

    def _spawn(self, child: Child) -> None:
        child.process = subprocess.Popen(child.argv, cwd=self.cwd)
        child.started_at = time.monotonic()
        child.restart_at = None

    def tick(self) -> None:
        """Notice children that died and restart those whose wait is over."""
        now = time.monotonic()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restarts += 1
                    self.log(f"Redémarrage de « {child.name} » (redémarrage nº {child.restarts}).")
                    self._spawn(child)
                continue
            code = child.process.poll() if child.process else None
            if code is None:
                continue
            if now - child.started_at >= self.stable_after:
                child.delay = self.first_delay
            else:
                child.delay = min(max(child.delay * 2, self.first_delay), self.max_delay)
            child.restart_at = now + child.delay
            self.log(
                f"Le processus « {child.name} » s’est arrêté (code {code}) ; "
                f"redémarrage dans {child.delay:g} s."
            )

    def stop_all(self, timeout: float = 15) -> None:
        running = [c.process for c in self.children if c.process and c.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()


def platform_children(host: str, port: int) -> list[Child]:
    celery = [sys.executable, "-m", "celery", "-A", "workers"]
    return [
        Child(
            "worker",
            [*celery, "worker", "--loglevel=INFO", "--concurrency=2", "--pool=prefork"],
        ),
        Child(
            "beat",
            [*celery, "beat", "--loglevel=INFO", f"--schedule={DATA_DIR / 'celerybeat-schedule'}"],
        ),
        Child(
            "web",
            [
                sys.executable,
                "-m",
                "ensemble.devstack.webserver",
                "--host",
                host,
                "--port",
                str(port),
            ],
        ),
    ]


def start(host: str, port: int) -> int:
    # Links in mails and subscription URLs name the port actually served.
    os.environ.setdefault("PUBLIC_URL", public_url(host, port))
    started = prepare_environment()
    supervisor = Supervisor(platform_children(host, port))
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
        supervisor.start_all()
        print_welcome(os.environ["PUBLIC_URL"] + "/")
        while not stopping:
            supervisor.tick()
            time.sleep(0.3)
        print("\nArrêt en cours…")
        return 0
    finally:
        supervisor.stop_all()
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
