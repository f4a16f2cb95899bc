"""Loads the demo network (demo_network.toml). Idempotent: run it again and
it updates names and adds what is missing, never duplicating a row and never
resetting a password someone changed.

It runs through the runtime role like the app, under a platform-admin context:
the directory tables accept writes from admins only.
"""

from __future__ import annotations

import importlib
import pkgutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ensemble.accounts.operations import hash_password
from ensemble.extensions import db
from ensemble.network.models import Centre, Employer, EmployerKind, Federation
from ensemble.people.models import Credential, Membership, Role, User
from ensemble.tenancy import context

DEMO_FILE = Path(__file__).with_name("demo_network.toml")
DEMO_PASSWORD = "ensemble-demo"  # noqa: S105 - documented demo credential


@dataclass
class DemoNetwork:
    """What the directory loader created, by slug and e-mail, for capability loaders."""

    federations: dict[str, Federation] = field(default_factory=dict)
    employers: dict[str, Employer] = field(default_factory=dict)
    centres: dict[str, Centre] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)


@dataclass(frozen=True)
class Summary:
    federations: int
    employers: int
    centres: int
    people: int


def read_network(path: Path = DEMO_FILE) -> dict:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _upsert(session: Session, model, key: dict, values: dict):
    obj = session.scalar(select(model).filter_by(**key))
    if obj is None:
        obj = model(**key, **values)
        session.add(obj)
    else:
        for name, value in values.items():
            setattr(obj, name, value)
    session.flush()
    return obj


def load_network(session: Session, network: dict) -> DemoNetwork:
    """The directory and the people. Flushes, never commits."""
    federations = {
        f["slug"]: _upsert(
            session,
            Federation,
            {"slug": f["slug"]},
            {"name": f["name"], "territory": f.get("territory", "")},
        )
        for f in network["federations"]
    }
    employers = {
        e["slug"]: _upsert(
            session,
            Employer,
            {"slug": e["slug"]},
            {
                "name": e["name"],
                "kind": EmployerKind(e["kind"]),
                "city": e.get("city", ""),
                "address": e.get("address", ""),
                "postcode": e.get("postcode", ""),
                "siret": e.get("siret", ""),
            },
        )
        for e in network["employers"]
    }
    centres = {
        c["slug"]: _upsert(
            session,
            Centre,
            {"slug": c["slug"]},
            {
                "name": c["name"],
                "employer_id": employers[c["employer"]].id,
                "federation_id": federations[c["federation"]].id,
                "address": c.get("address", ""),
                "postcode": c.get("postcode", ""),
                "city": c.get("city", ""),
            },
        )
        for c in network["centres"]
    }
    password_hash = hash_password(DEMO_PASSWORD)  # one hash: argon2 is slow on purpose
    users: dict[str, User] = {}
    for person in network["people"]:
        email = person["email"].lower()
        user = session.scalar(select(User).where(func.lower(User.email) == email))
        if user is None:
            user = User(email=email, full_name=person["name"], locale="fr")
            session.add(user)
            session.flush()
            # Only for a new account: an existing password is never reset, and
            # admins cannot (and need not) read credential rows.
            session.add(Credential(user_id=user.id, password_hash=password_hash))
        else:
            user.full_name = person["name"]
        users[email] = user
        for m in person["memberships"]:
            scope = {
                "centre_id": centres[m["centre"]].id if "centre" in m else None,
                "employer_id": employers[m["employer"]].id if "employer" in m else None,
                "federation_id": federations[m["federation"]].id if "federation" in m else None,
            }
            _upsert(
                session,
                Membership,
                {"user_id": user.id, "role": Role(m["role"]), **scope},
                {"job_title": m.get("job", "")},
            )
    return DemoNetwork(federations, employers, centres, users)


def capability_loaders() -> list:
    import tenants.demo_data as package

    modules = [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
    ]
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 50), m.__name__))


def load(path: Path = DEMO_FILE) -> Summary:
    """Load the directory, then each capability's demo data; commit (CLI entry point)."""
    with context.using(context.system_context(is_admin=True), db.session):
        net = load_network(db.session, read_network(path))
        db.session.flush()
    modules = capability_loaders()
    for module in modules:
        module.load(db.session, net)
        db.session.flush()
    db.session.commit()
    # Work the platform's workers would do on committed data (consolidation…).
    for module in modules:
        if hasattr(module, "after_commit"):
            module.after_commit()
    return Summary(len(net.federations), len(net.employers), len(net.centres), len(net.users))
