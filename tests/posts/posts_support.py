"""Shared-posts test helpers: the people of the demo network and a builder for
the digital-transition officer's post, carried by Association Centre Social Alma
and put at the disposal of Fresnoy Mackellerie and Basse Masure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ensemble.posts import operations as posts
from ensemble.posts.models import Arrangement, SharedPost, ShareUnit
from ensemble.tenancy import context

ALMA_DIRECTOR = "claire.vasseur@alma.demo"
ALMA_STAFF = "ines.mercier@alma.demo"
FRESNOY_DIRECTOR = "thomas.lefebvre@fresnoy.demo"
BASSE_MASURE_DIRECTOR = "aicha.ouali@bassemasure.demo"
ECHO_DIRECTOR = "karim.haddou@echo.demo"
MONTREUIL_DIRECTOR = "fatou.diallo@montreuil.demo"
HR_MANAGER = "marion.delattre@rh.demo"
OFFICER = "hugo.carpentier@alma.demo"


@dataclass
class OfficerPost:
    post_id: int
    agreement_id: int
    slug_alma: str = "association-alma"


def build_officer_post(demo, session, *, title="Chargé·e de transition numérique (essai)"):
    alma_employer = demo.employer("association-alma")
    alma, fresnoy, basse_masure = (
        demo.centre("alma"),
        demo.centre("fresnoy-mackellerie"),
        demo.centre("basse-masure"),
    )
    officer = demo.user(OFFICER)
    with context.using(demo.context_of(ALMA_DIRECTOR), session):
        post = posts.create_post(
            session,
            alma_employer,
            title=title,
            arrangement=Arrangement.SECONDMENT,
            holder=officer,
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
            tasks="Ateliers numériques et permanences d’accès aux droits.",
            insurance="Responsabilité civile de l’employeur porteur.",
        )
        for partner, share, site in (
            (alma_employer, "40", alma),
            (fresnoy, "30", fresnoy),
            (basse_masure, "30", basse_masure),
        ):
            posts.add_allocation(
                session,
                post,
                partner,
                unit=ShareUnit.PERCENT,
                share=Decimal(share),
                starts_on=date(2026, 1, 1),
                ends_on=date(2026, 12, 31),
                site_centre_id=site.id,
            )
        posts.set_cost(
            session,
            post,
            valid_from=date(2026, 1, 1),
            gross_salary=Decimal("2450.00"),
            employer_charges=Decimal("1078.00"),
            travel_expenses=Decimal("86.40"),
            employment_aid=Decimal("0.00"),
        )
        session.flush()
        return OfficerPost(post.id, post.agreement_id)


def load_post(session, post_id: int) -> SharedPost:
    return session.get(SharedPost, post_id)
