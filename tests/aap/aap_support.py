"""Joint-answer test helpers: the people of the demo network and a builder for
the "Bien Vieillir" answer led by ECHO with Fresnoy Mackellerie and Basse
Masure as partners (both accepted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ensemble.aap import operations as aap
from ensemble.aap.models import AapAnswer, Funder
from ensemble.tenancy import context

ECHO_DIRECTOR = "karim.haddou@echo.demo"
ECHO_STAFF = "lea.dumont@echo.demo"
FRESNOY_DIRECTOR = "thomas.lefebvre@fresnoy.demo"
BASSE_MASURE_DIRECTOR = "aicha.ouali@bassemasure.demo"
ALMA_DIRECTOR = "claire.vasseur@alma.demo"
MONTREUIL_DIRECTOR = "fatou.diallo@montreuil.demo"


@dataclass
class JointAnswer:
    answer_id: int
    agreement_id: int
    call_id: int
    fresnoy_party_id: int
    basse_masure_party_id: int


def build_answer(demo, session, *, deadline=date(2027, 3, 31), accept=True) -> JointAnswer:
    echo, fresnoy, basse_masure = (
        demo.centre("echo"),
        demo.centre("fresnoy-mackellerie"),
        demo.centre("basse-masure"),
    )
    with context.using(demo.context_of(ECHO_DIRECTOR), session):
        call = aap.create_call(
            session,
            echo,
            funder=Funder.DEPARTEMENT,
            title="Bien vieillir dans son quartier (essai)",
            deadline=deadline,
            link="https://lenord.fr/aap-bien-vieillir",
            theme="Vieillissement",
            envelope=Decimal("150000.00"),
        )
        answer = aap.create_answer(session, call, echo)
        fresnoy_party = aap.invite_partner(session, answer, fresnoy)
        basse_party = aap.invite_partner(session, answer, basse_masure)
        ids = (answer.id, answer.agreement_id, call.id, fresnoy_party.id, basse_party.id)
    if accept:
        for email, centre in ((FRESNOY_DIRECTOR, fresnoy), (BASSE_MASURE_DIRECTOR, basse_masure)):
            with context.using(demo.context_of(email), session):
                aap.respond(session, load(session, ids[0]), centre, accept=True)
    session.flush()
    session.expire_all()
    return JointAnswer(*ids)


def load(session, answer_id: int) -> AapAnswer | None:
    return aap.load_answer(session, answer_id)
