"""What each URL argument names, so the route walker test can prove that every
route is closed to other tenants.

Tenant arguments (`centre_slug`, `employer_slug`, `federation_slug`) name the
tenant; object arguments (`<int:…_id>`) name a row and are declared here with
their model. A route with an argument declared nowhere fails the test suite.
"""

from __future__ import annotations

TENANT_ARGS = {
    "centre_slug": "centre",
    "employer_slug": "employer",
    "federation_slug": "federation",
}

# Arguments that are neither tenants nor objects (signed tokens).
OPAQUE_ARGS = {"token"}

OBJECT_ARGS: dict[str, type] = {}


def object_arg(name: str, model: type) -> None:
    """Declare that URL argument `name` is the id of a `model` row."""
    existing = OBJECT_ARGS.get(name)
    if existing is not None and existing is not model:
        raise ValueError(f"URL argument {name!r} already names {existing.__name__}")
    OBJECT_ARGS[name] = model
