#!/usr/bin/env python3
"""The two commands of the README, for a machine that has only Python 3.11+.

    python3 dev.py start   # the platform with the demo network
    python3 dev.py test    # the whole test suite
    python3 dev.py lint    # ruff, import-linter (the layering), mypy (CI runs it)

Each creates .venv/ and installs the project into it the first time (and again
when pyproject.toml changes), then runs the real command inside it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = VENV_BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_environment() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may be run by any python3
        sys.exit("Ensemble demande Python 3.11 ou plus récent.")
    stamp = VENV / ".installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        print("Création de l’environnement virtuel .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installation des dépendances (une seule fois) …", flush=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
    stamp.write_text(wanted)


def lint() -> int:
    """Every check CI runs before the tests, stopping at the first that fails."""
    python = str(PYTHON)
    checks = [
        ("ruff", [python, "-m", "ruff", "check", "."]),
        ("ruff format", [python, "-m", "ruff", "format", "--check", "."]),
        # The contracts in pyproject.toml: features apart, the foundation layered.
        ("import-linter", [str(VENV_BIN / "lint-imports")]),
        # Models, operations and the foundation (files listed in pyproject.toml).
        ("mypy", [python, "-m", "mypy"]),
    ]
    for name, args in checks:
        print(f"== {name}", flush=True)
        status = subprocess.call(args, cwd=ROOT)
        if status:
            return status
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("start", "test", "lint"):
        print(__doc__)
        return 2
    ensure_environment()
    command, rest = argv[0], argv[1:]
    if command == "start":
        args = [str(PYTHON), "-m", "ensemble.devstack", "start", *rest]
    elif command == "lint":
        return lint()
    else:
        args = [str(PYTHON), "-m", "pytest", *rest]
    child = subprocess.Popen(args, cwd=ROOT)
    while True:
        try:
            return child.wait()
        except KeyboardInterrupt:
            # Ctrl-C reached the child too; let it stop its servers cleanly.
            continue


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
