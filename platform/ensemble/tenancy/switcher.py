"""The places a person can work in: the landing page and the header switcher."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import aliased

from ensemble.db import SessionLike
from ensemble.extensions import db
from ensemble.network.models import Centre, Employer, Federation
from ensemble.people.models import Membership, Role
from ensemble.tenancy import navigation

ROLE_LABELS = {
    Role.DIRECTOR: _l("Direction"),
    Role.STAFF: _l("Équipe"),
    Role.HR_MANAGER: _l("Responsable RH"),
    Role.ANALYST: _l("Fédération"),
    Role.ADMIN: _l("Administration"),
}


@dataclass(frozen=True)
class Place:
    kind: str  # "centre", "employer", "federation", "admin"
    slug: str
    name: str
    roles: tuple
    detail: object
    tenant_id: int | None = None
    # A centre's employer (the HR data of the people who work there).
    employer_id: int | None = None

    @property
    def url(self) -> str:
        if self.kind == "centre":
            return url_for("home.centre_home", centre_slug=self.slug)
        if self.kind == "employer":
            return url_for("home.employer_home", employer_slug=self.slug)
        if self.kind == "federation":
            return url_for("home.federation_home", federation_slug=self.slug)
        return url_for("audit.admin_log")


KIND_ORDER = {"centre": 0, "employer": 1, "federation": 2, "admin": 3}


def places_for(session: SessionLike, user_id: int) -> list[Place]:
    """One query, whatever the size of the network."""
    return places_from_rows(place_rows(session, user_id))


def place_rows(session: SessionLike, user_id: int) -> list[dict]:
    """The person's memberships with the names of their places, as plain data
    (the signed-in identity is cached in Redis as JSON)."""
    centre_employer = aliased(Employer)
    rows = session.execute(
        select(
            Membership.role,
            Centre.id.label("centre_id"),
            Centre.slug.label("centre_slug"),
            Centre.name.label("centre_name"),
            Centre.city.label("centre_city"),
            centre_employer.name.label("centre_employer"),
            centre_employer.id.label("centre_employer_id"),
            Employer.id.label("employer_id"),
            Employer.slug.label("employer_slug"),
            Employer.name.label("employer_name"),
            Federation.id.label("federation_id"),
            Federation.slug.label("federation_slug"),
            Federation.name.label("federation_name"),
        )
        .outerjoin(Centre, Membership.centre_id == Centre.id)
        .outerjoin(centre_employer, Centre.employer_id == centre_employer.id)
        .outerjoin(Employer, Membership.employer_id == Employer.id)
        .outerjoin(Federation, Membership.federation_id == Federation.id)
        .where(Membership.user_id == user_id)
    ).all()
    return [{**row._asdict(), "role": Role(row.role).value} for row in rows]


def places_from_rows(rows: list[dict]) -> list[Place]:
    grouped: dict[tuple[str, str], dict] = {}
    for row in rows:
        if row["centre_slug"]:
            key, tenant_id = ("centre", row["centre_slug"]), row["centre_id"]
            name = row["centre_name"]
            detail = f"{row['centre_city']} · {row['centre_employer']}"
        elif row["employer_slug"]:
            key, tenant_id = ("employer", row["employer_slug"]), row["employer_id"]
            name, detail = row["employer_name"], _l("Employeur")
        elif row["federation_slug"]:
            key, tenant_id = ("federation", row["federation_slug"]), row["federation_id"]
            name, detail = row["federation_name"], _l("Fédération")
        else:
            key, tenant_id = ("admin", "admin"), None
            name, detail = _l("Administration de la plateforme"), ""
        entry = grouped.setdefault(
            key,
            {
                "name": name,
                "detail": detail,
                "roles": [],
                "tenant_id": tenant_id,
                # Rows cached before this key existed have none.
                "employer_id": row.get("centre_employer_id") if row["centre_slug"] else None,
            },
        )
        entry["roles"].append(ROLE_LABELS[Role(row["role"])])
    places = [
        Place(
            kind=k,
            slug=s,
            name=v["name"],
            roles=tuple(v["roles"]),
            detail=v["detail"],
            tenant_id=v["tenant_id"],
            employer_id=v["employer_id"],
        )
        for (k, s), v in grouped.items()
    ]
    return sorted(places, key=lambda p: (KIND_ORDER[p.kind], p.name))


def current_places() -> list[Place]:
    """The signed-in person's places, computed once per request."""
    if "places" not in g:
        authenticated = current_user and current_user.is_authenticated
        g.places = places_for(db.session, current_user.id) if authenticated else []
    return g.places


def current_place() -> Place | None:
    """The place named by the URL, if the person belongs to it."""
    args = request.view_args or {}
    for kind, arg in (
        ("centre", "centre_slug"),
        ("employer", "employer_slug"),
        ("federation", "federation_slug"),
    ):
        if arg in args:
            return next(
                (p for p in current_places() if p.kind == kind and p.slug == args[arg]), None
            )
    if request.endpoint == "audit.admin_log":
        return next((p for p in current_places() if p.kind == "admin"), None)
    return None


def init_app(app: Flask) -> None:
    @app.context_processor
    def inject_places():
        place = current_place()
        sections = []
        if place is not None and place.tenant_id is not None:
            sections = [
                (s.label, s.url(place.slug), s.endpoint)
                for s in navigation.sections_for(place.kind, place.tenant_id)
            ]
        return {"places": current_places(), "current_place": place, "tenant_sections": sections}
