"""Finds each capability's `models` and `tasks` modules, so adding a capability
folder needs no edit to a shared list (blueprints stay listed by hand in
create_app, where a reader looks for the routes)."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from pathlib import Path

# The folder of the `ensemble` package, read from here rather than by importing
# the package: that would make this foundation module depend on the app factory.
PACKAGE_DIR = str(Path(__file__).resolve().parent)


def capability_modules(role: str) -> list[str]:
    """`ensemble.<capability>.<role>` for every capability that has one."""
    names = []
    for info in pkgutil.iter_modules([PACKAGE_DIR]):
        if not info.ispkg:
            continue
        name = f"ensemble.{info.name}.{role}"
        if importlib.util.find_spec(name) is not None:
            names.append(name)
    return sorted(names)


def import_all(role: str) -> None:
    for name in capability_modules(role):
        importlib.import_module(name)
