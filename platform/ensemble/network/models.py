"""The network directory: federations, employers and the centres (tenants)."""

from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ensemble.db import Id, Model, id_column


class EmployerKind(enum.StrEnum):
    ASSOCIATION = "association"
    CITY = "city"


class Federation(Model):
    __tablename__ = "federations"

    id: Mapped[int] = id_column()
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    territory: Mapped[str] = mapped_column(String(200), default="")

    centres: Mapped[list[Centre]] = relationship(back_populates="federation")


class Employer(Model):
    """The legal entity that signs contracts; HR data belongs to it."""

    __tablename__ = "employers"

    id: Mapped[int] = id_column()
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[EmployerKind] = mapped_column(
        Enum(EmployerKind, name="employer_kind", values_callable=lambda e: [m.value for m in e])
    )
    city: Mapped[str] = mapped_column(String(120), default="")
    # Legal identity, printed on the documents exchanged between employers and sent to
    # funders (cost statements, attestations). Empty when not known.
    # Optional: « SIRET non renseigné » is printed when unknown (every writer may omit them).
    address: Mapped[str] = mapped_column(String(200), default="", server_default="")
    postcode: Mapped[str] = mapped_column(String(10), default="", server_default="")
    siret: Mapped[str] = mapped_column(String(14), default="", server_default="")

    centres: Mapped[list[Centre]] = relationship(back_populates="employer")

    __table_args__ = (CheckConstraint("siret ~ '^([0-9]{14})?$'", name="siret"),)


class Centre(Model):
    """A centre social: the tenant."""

    __tablename__ = "centres"

    id: Mapped[int] = id_column()
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    employer_id: Mapped[int] = mapped_column(Id, ForeignKey("employers.id"), index=True)
    federation_id: Mapped[int] = mapped_column(Id, ForeignKey("federations.id"), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(120), default="")

    employer: Mapped[Employer] = relationship(back_populates="centres")
    federation: Mapped[Federation] = relationship(back_populates="centres")

    @property
    def departement(self) -> str:
        return self.postcode[:2] if self.postcode else ""
