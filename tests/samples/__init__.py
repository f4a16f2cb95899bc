"""Sample rows for the route walks (test_isolation_http, test_bad_input).

Each capability adds a module here with `@sample(Model)` factories:
`factory(demo, session, kind, slug, owner_email) -> id` returns the id of a
`Model` row that belongs to the tenant `slug` (of `kind`: "centre", "employer",
"federation") and that `owner_email`, a member of that tenant, may open.
`@sample(Model, arg="name")` serves only the URL argument `name` (a row of the
same model in another state, such as a submitted answer).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

FACTORIES: dict[type | str, Callable] = {}


def sample(model: type, arg: str | None = None) -> Callable[[Callable], Callable]:
    def register(factory: Callable) -> Callable:
        FACTORIES[arg or model] = factory
        return factory

    return register


def load_all() -> dict[type | str, Callable]:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    return FACTORIES
