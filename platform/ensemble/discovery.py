"""Finds each capability's `models` and `tasks` modules, so adding a capability
folder needs no edit to a shared list (blueprints stay listed by hand in
create_app, where a reader looks for the routes)."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

import ensemble


def capability_modules(role: str) -> list[str]:
    """`ensemble.<capability>.<role>` for every capability that has one."""
    names = []
    for info in pkgutil.iter_modules(ensemble.__path__):
        if not info.ispkg:
            continue
        name = f"ensemble.{info.name}.{role}"
        if importlib.util.find_spec(name) is not None:
            names.append(name)
    return sorted(names)


def import_all(role: str) -> None:
    for name in capability_modules(role):
        importlib.import_module(name)
