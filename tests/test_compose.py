"""docker-compose.yml and the Dockerfile, checked without Docker (there is none here).

What can be checked without running containers: the services and their order,
that every command names an entry point that exists in this repository, that
the URLs given to the services agree with the passwords `migrate` sets, and
that each process gets the settings production requires.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import shlex
import sys
from pathlib import Path

import psycopg
import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from ensemble.config import REQUIRED_IN_PRODUCTION, ROLES
from ensemble.devstack import bootstrap, runner

from conftest import ROOT, TEST_DB

COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
APP_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING = ("web", "worker", "beat")
REQUIRED_VAR = re.compile(r"\$\{(\w+):?\?")

# --- Reading the file the way Compose does ----------------------------------

_VARIABLE = re.compile(r"\$(?:(\$)|\{(\w+)(?:(:?[-?])([^}]*))?\}|(\w+))")


def interpolate(value, env: dict[str, str]):
    """Compose's variable substitution: $$, $VAR, ${VAR}, ${VAR:-default},
    ${VAR-default}, ${VAR:?error}, ${VAR?error}; applied to every string value."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match) -> str:
        escaped, name, operator, argument, bare = match.groups()
        if escaped:
            return "$"
        name = name or bare
        current = env.get(name)
        unset = current is None or (current == "" and operator and operator.startswith(":"))
        if operator in (":-", "-"):
            return argument if unset else current
        if operator in (":?", "?"):
            if unset:
                raise KeyError(f"{name}: {argument}")
            return current
        return current or ""

    return _VARIABLE.sub(substitute, value)


def load_compose(env: dict[str, str]) -> dict:
    return interpolate(yaml.safe_load(COMPOSE.read_text(encoding="utf-8")), env)


def environment(service: dict) -> dict[str, str]:
    """The variables the file itself gives a container. Keys without a value only
    pass the host's value through when it has one, so they are left out."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {key: str(value) for key, value in env.items() if value is not None}


def dockerfile_cmd() -> list[str]:
    lines = DOCKERFILE.read_text(encoding="utf-8").splitlines()
    cmd = [line for line in lines if line.startswith("CMD ")]
    assert len(cmd) == 1
    return json.loads(cmd[0].removeprefix("CMD "))


def commands(service: dict) -> list[list[str]]:
    """Each program the service runs, as argv lists; `sh -c "a && b"` gives two."""
    command = service.get("command") or dockerfile_cmd()
    argv = shlex.split(command) if isinstance(command, str) else [str(a) for a in command]
    if argv[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in argv[2].split("&&")]
    return [argv]


SECRET_ONLY = {"SECRET_KEY": "test-secret-key"}
EVERYTHING_SET = {
    "SECRET_KEY": "test-secret-key",
    "POSTGRES_PASSWORD": "pg-6f1c",
    "ENSEMBLE_OWNER_PASSWORD": "owner-93ab",
    "ENSEMBLE_APP_PASSWORD": "app-2d4e",
    "ENSEMBLE_REPORTING_PASSWORD": "reporting-71c0",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return load_compose(SECRET_ONLY)


# --- Services and their order -------------------------------------------------


def test_the_six_services_exist(compose):
    assert set(compose["services"]) == {"postgres", "redis", *APP_SERVICES}
    assert compose["services"]["postgres"]["image"].split(":")[1].split(".")[0] == "16"
    assert compose["services"]["redis"]["image"].split(":")[1].split(".")[0] == "7"
    for name in APP_SERVICES:
        assert compose["services"][name]["build"] == ".", name


def test_migrate_runs_once_after_postgres_and_the_rest_wait_for_it(compose):
    services = compose["services"]
    migrate = services["migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in LONG_RUNNING:
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name


def test_postgres_redis_and_web_have_healthchecks(compose, app):
    services = compose["services"]
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert services["redis"]["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]
    web_check = " ".join(services["web"]["healthcheck"]["test"])
    match = re.search(r"urllib\.request\.urlopen\('http://127\.0\.0\.1:8000(/[\w/]*)'", web_check)
    assert match, web_check
    assert match.group(1) in {rule.rule for rule in app.url_map.iter_rules()}


def test_secret_key_is_the_one_setting_without_a_default():
    # Deliberate (see the comment at the top of docker-compose.yml).
    assert REQUIRED_VAR.findall(COMPOSE.read_text(encoding="utf-8")) == ["SECRET_KEY"]
    with pytest.raises(KeyError, match="SECRET_KEY"):
        load_compose({})


# --- Entry points -------------------------------------------------------------


def defines(module: str, name: str) -> bool:
    """Whether `module`'s source binds `name` at top level, without importing it
    (ensemble.wsgi builds an app as it is imported)."""
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, module
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    bound: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound.update(alias.asname or alias.name for alias in node.names)
    return name in bound


def check_gunicorn(argv: list[str], app) -> None:
    from gunicorn.config import Config

    # gunicorn's own parser: rejects unknown options and finds the app argument.
    args = Config().parser().parse_args(argv[1:])
    assert args.bind == ["0.0.0.0:8000"]
    (target,) = args.args
    module, attribute = target.split(":")
    assert defines(module, attribute), target


def check_celery(argv: list[str], app) -> None:
    from celery.bin.celery import celery

    option = argv.index("-A") if "-A" in argv else argv.index("--app")
    package = argv[option + 1]
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations, f"{package} is not a package"
    assert defines(package, "celery"), package
    assert argv[option + 2] in ("worker", "beat")
    assert argv[option + 2] in celery.commands


def check_flask(argv: list[str], app) -> None:
    from flask.cli import cli

    assert argv[1:3] == ["--app", "ensemble"]
    # `--help` on the last word: click resolves every group and command on the
    # way (app commands and plugins such as Flask-Migrate's `db`) and runs nothing.
    saved_path = sys.path[:]
    try:
        result = CliRunner().invoke(cli, [*argv[1:], "--help"])
    finally:
        sys.path[:] = saved_path  # flask's --app loader prepends the working directory
        app.extensions["celery"].set_default()  # the app built by --app made its own default
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def check_python_module(argv: list[str], app) -> None:
    assert argv[1] == "-m"
    assert argv[2] == "ensemble.devstack", argv
    assert importlib.util.find_spec("ensemble.devstack.__main__") is not None
    args = runner.build_parser().parse_args(argv[3:])
    assert args.command == "bootstrap"


ENTRY_POINTS = {
    "gunicorn": check_gunicorn,
    "celery": check_celery,
    "flask": check_flask,
    "python": check_python_module,
}


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_command_names_a_real_entry_point(compose, app, service):
    for argv in commands(compose["services"][service]):
        assert argv[0] in ENTRY_POINTS, argv
        ENTRY_POINTS[argv[0]](argv, app)


def test_each_process_runs_what_its_name_says(compose):
    services = compose["services"]
    assert [argv[:1] for argv in commands(services["web"])] == [["gunicorn"]]
    assert commands(services["worker"])[0][3] == "worker"
    assert commands(services["beat"])[0][3] == "beat"
    migrate = commands(services["migrate"])
    assert migrate[0][:4] == ["python", "-m", "ensemble.devstack", "bootstrap"]
    assert migrate[1] == ["flask", "--app", "ensemble", "db", "upgrade"]


def test_the_image_default_command_is_the_web_server(app):
    check_gunicorn(dockerfile_cmd(), app)


# --- Configuration ------------------------------------------------------------


@pytest.mark.parametrize("service", APP_SERVICES)
def test_production_settings_are_all_given(compose, service):
    env = environment(compose["services"][service])
    assert env["ENSEMBLE_ENV"] == "production"
    for key in REQUIRED_IN_PRODUCTION:
        assert env.get(key), f"{service} lacks {key}"


def test_only_migrate_gets_the_superuser_and_owner(compose):
    for name in LONG_RUNNING:
        env = environment(compose["services"][name])
        assert "DATABASE_ADMIN_URL" not in env
        assert "DATABASE_OWNER_URL" not in env
        assert make_url(env["DATABASE_URL"]).username == ROLES.runtime


@pytest.mark.parametrize("host_env", [SECRET_ONLY, EVERYTHING_SET], ids=["defaults", "set"])
def test_urls_agree_with_the_passwords_migrate_sets(host_env, monkeypatch):
    """The bootstrap sets each role's password from ENSEMBLE_<ROLE>_PASSWORD; the
    URLs handed to the services must carry the same ones, and name real hosts."""
    services = load_compose(host_env)["services"]
    migrate = environment(services["migrate"])
    admin = make_url(migrate["DATABASE_ADMIN_URL"])
    assert admin.password == environment(services["postgres"])["POSTGRES_PASSWORD"]

    bootstrap_argv = commands(services["migrate"])[0]
    database = runner.build_parser().parse_args(bootstrap_argv[3:]).database
    for role in (ROLES.owner, ROLES.runtime, ROLES.reporting):
        monkeypatch.setenv(f"{role.upper()}_PASSWORD", migrate[f"{role.upper()}_PASSWORD"])
    expected = bootstrap.urls_for(str(admin), database)

    assert make_url(migrate["DATABASE_OWNER_URL"]) == make_url(expected.owner)
    for name in APP_SERVICES:
        env = environment(services[name])
        assert make_url(env["DATABASE_URL"]) == make_url(expected.runtime), name
        assert make_url(env["DATABASE_REPORTING_URL"]) == make_url(expected.reporting), name
        redis_host = re.match(r"redis://([\w-]+)[:/]", env["REDIS_URL"]).group(1)
        assert redis_host in services, name
    assert admin.host in services


# --- The bootstrap command itself ----------------------------------------------


@pytest.mark.no_db_rollback
def test_bootstrap_command_creates_the_database_and_prints_no_url(servers, capsys, monkeypatch):
    name = f"{TEST_DB}_compose_bootstrap"
    monkeypatch.setenv("DATABASE_ADMIN_URL", servers["admin_url"])
    assert runner.main(["bootstrap", "--database", name]) == 0
    out = capsys.readouterr()
    assert "://" not in out.out + out.err
    assert name in out.out

    admin = bootstrap._libpq(servers["admin_url"])
    with psycopg.connect(admin) as conn:
        owner = conn.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
    assert owner == (ROLES.owner,)


def test_bootstrap_command_needs_an_admin_url(monkeypatch, capsys):
    monkeypatch.delenv("DATABASE_ADMIN_URL", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        runner.main(["bootstrap"])
    assert exit_info.value.code == 2
    assert "DATABASE_ADMIN_URL" in capsys.readouterr().err


def test_dockerfile_runs_python_3_11_or_later_as_a_non_root_user():
    text = DOCKERFILE.read_text(encoding="utf-8")
    base = re.search(r"^FROM\s+python:(\d+)\.(\d+)", text, re.MULTILINE)
    assert base, "the base image should be python:X.Y"
    assert (int(base.group(1)), int(base.group(2))) >= (3, 11)
    users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert users and users[-1] not in ("root", "0"), users
