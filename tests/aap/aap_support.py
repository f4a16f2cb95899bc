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


def fill_answer(demo, db_session, joint_answer) -> None:
    """Every section written (a heading, a paragraph, a two-item list), and three budget
    lines: ECHO 20 000 € of salaries and 14 000 € from the Département, Basse Masure
    5 000 € from the CARSAT."""
    with context.using(demo.context_of(ECHO_DIRECTOR), db_session) as ctx:
        answer = load(db_session, joint_answer.answer_id)
        for section in answer.sections:
            aap.save_section(
                db_session,
                section,
                base_version=0,
                body=f"<h2>{section.title}</h2><p>Contenu : « {section.code} » ; prêt !</p>"
                "<ul><li>Premier point</li><li>Second point</li></ul>",
                author_id=ctx.user_id,
            )
        echo = demo.centre("echo")
        aap.add_budget_line(
            db_session, answer, echo, account="641", label="Salaires", amount=Decimal("20000")
        )
        aap.add_budget_line(
            db_session,
            answer,
            echo,
            account="74",
            label="Subvention",
            funder="Département du Nord",
            amount=Decimal("14000"),
        )
    with context.using(demo.context_of(BASSE_MASURE_DIRECTOR), db_session):
        answer = load(db_session, joint_answer.answer_id)
        aap.add_budget_line(
            db_session,
            answer,
            demo.centre("basse-masure"),
            account="74",
            label="Subvention",
            funder="CARSAT Nord-Picardie",
            amount=Decimal("5000"),
        )


def submit_filled(demo, session, joint_answer) -> None:
    """`fill_answer`, Fresnoy's 1 000 € of family contributions so the budget balances,
    a comment to resolve, then the lead submits."""
    fill_answer(demo, session, joint_answer)
    with context.using(demo.context_of(FRESNOY_DIRECTOR), session) as ctx:
        answer = load(session, joint_answer.answer_id)
        aap.add_budget_line(
            session,
            answer,
            demo.centre("fresnoy-mackellerie"),
            account="70",
            label="Participation des familles",
            amount=Decimal("1000"),
        )
        aap.add_comment(
            session, answer.sections[0], author=demo.user(FRESNOY_DIRECTOR), body="À relire."
        )
    with context.using(demo.context_of(ECHO_DIRECTOR), session) as ctx:
        aap.submit(
            session, load(session, joint_answer.answer_id), ctx.user_id, despite_unapproved=True
        )
    session.flush()
    session.expire_all()
