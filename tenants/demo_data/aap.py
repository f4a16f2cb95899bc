"""Demo calls for projects and joint answers in the Nord network.

- « Bien vieillir dans son quartier » (Département du Nord), due in three weeks:
  ECHO leads, the five other Roubaix centres are partners; several sections are
  written and the budget is entered by three of them (balanced).
- « Familles et parentalité » (CAF du Nord): Alma led it with Fresnoy
  Mackellerie, submitted and granted this year — it feeds the network figures.
- « Numérique et accès aux droits » (Région): open, no lead yet.

Each step acts as the demo person who would do it, so versions and comments
carry real authors. Idempotent: a call already there is left as it is."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ensemble.aap import operations as aap
from ensemble.aap.models import AapCall, Funder, SectionStatus
from ensemble.kernel import clock
from ensemble.tenancy import context
from ensemble.tenancy.scopes import context_for_user
from tenants.demo import DemoNetwork

ORDER = 60

AGEING = "Bien vieillir dans son quartier"
FAMILIES = "Familles et parentalité"
DIGITAL = "Numérique et accès aux droits"

ECHO = "karim.haddou@echo.demo"
ECHO_COORDINATOR = "lea.dumont@echo.demo"
ALMA = "claire.vasseur@alma.demo"
FRESNOY = "thomas.lefebvre@fresnoy.demo"
BASSE_MASURE = "aicha.ouali@bassemasure.demo"
ICIELA = "sophie.lambrecht@iciela.demo"


def _as(session: Session, net: DemoNetwork, email: str):
    return context.using(context_for_user(session, net.users[email].id), session)


def _existing(session: Session, net: DemoNetwork, title: str) -> AapCall | None:
    with context.using(context.system_context(is_admin=True), session):
        return session.scalar(
            select(AapCall).where(
                AapCall.title == title, AapCall.federation_id == net.federations["nord"].id
            )
        )


def load(session: Session, net: DemoNetwork) -> None:
    # Past events replayed: no one is notified or mailed about them.
    session.info[aap.SILENT] = True
    try:
        _load(session, net)
    finally:
        session.info.pop(aap.SILENT, None)


def _load(session: Session, net: DemoNetwork) -> None:
    today = clock.today()
    if _existing(session, net, DIGITAL) is None:
        with _as(session, net, ALMA):
            aap.create_call(
                session,
                net.centres["alma"],
                funder=Funder.REGION,
                title=DIGITAL,
                deadline=today + timedelta(days=45),
                link="https://www.hautsdefrance.fr/",
                theme="Inclusion numérique",
                envelope=Decimal("80000.00"),
                eligibility="Associations agréées « espace de vie sociale » ou centres sociaux.",
                created_by=net.users[ALMA].id,
            )
    if _existing(session, net, AGEING) is None:
        _ageing(session, net, today)
    if _existing(session, net, FAMILIES) is None:
        _families(session, net, today)


def _write(session, net, email, answer_id, code, body, status=None):
    with _as(session, net, email) as ctx:
        answer = aap.load_answer(session, answer_id)
        section = next(s for s in answer.sections if s.code == code)
        aap.save_section(
            session,
            section,
            base_version=section.current_version,
            body=body,
            author_id=ctx.user_id,
        )
        if status is not None:
            aap.set_section_status(session, section, status)
        session.flush()


def _ageing(session: Session, net: DemoNetwork, today: date) -> None:
    echo = net.centres["echo"]
    partners = {
        FRESNOY: net.centres["fresnoy-mackellerie"],
        BASSE_MASURE: net.centres["basse-masure"],
        ALMA: net.centres["alma"],
        ICIELA: net.centres["pile-sainte-elisabeth"],
    }
    with _as(session, net, ECHO) as ctx:
        call = aap.create_call(
            session,
            echo,
            funder=Funder.DEPARTEMENT,
            title=AGEING,
            deadline=today + timedelta(days=20),
            link="https://lenord.fr/",
            theme="Vieillissement, lien social",
            envelope=Decimal("150000.00"),
            eligibility="Projets portés à plusieurs structures d’un même territoire.",
            created_by=ctx.user_id,
        )
        answer = aap.create_answer(session, call, echo)
        for centre in [*partners.values(), net.centres["assia-djebar"]]:
            aap.invite_partner(session, answer, centre)
        answer_id = answer.id
        session.flush()
    for email, centre in partners.items():
        with _as(session, net, email):
            aap.respond(session, aap.load_answer(session, answer_id), centre, accept=True)
            session.flush()
    with _as(session, net, ECHO):
        answer = aap.load_answer(session, answer_id)
        parties = {p.centre_id: p.id for p in answer.agreement.parties}
        by_code = {s.code: s for s in answer.sections}
        aap.set_section_owner(session, by_code["actions"], parties[partners[FRESNOY].id])
        aap.set_section_owner(session, by_code["public"], parties[partners[BASSE_MASURE].id])
        aap.assign_writer(session, by_code["besoins"], net.users[ECHO_COORDINATOR].id)
        session.flush()
    _write(
        session,
        net,
        ECHO_COORDINATOR,
        answer_id,
        "besoins",
        "<h2>Constat</h2><p>Dans les quartiers Alma, Pile et Fresnoy, près d’une personne de "
        "plus de 75 ans sur deux vit seule. Les permanences des centres sociaux voient "
        "arriver des aînés <strong>isolés</strong>, souvent après une hospitalisation.</p>"
        "<ul><li>Isolement après le décès du conjoint</li><li>Difficultés d’accès aux droits en "
        "ligne</li><li>Peu de lieux de rencontre accessibles à pied</li></ul>",
        SectionStatus.TO_REVIEW,
    )
    _write(
        session,
        net,
        ECHO,
        answer_id,
        "objectifs",
        "<p>Rompre l’isolement des aînés de six quartiers de Roubaix en leur proposant, près de "
        "chez eux, des activités régulières et un accompagnement vers leurs droits.</p>",
        SectionStatus.APPROVED,
    )
    _write(
        session,
        net,
        FRESNOY,
        answer_id,
        "actions",
        "<h3>Ateliers mémoire et gym douce</h3><p>Chaque semaine dans chacun des six centres.</p>"
        "<h3>Visites de convivialité</h3><p>Des bénévoles formés rendent visite aux aînés qui ne "
        "se déplacent plus.</p>",
    )
    with _as(session, net, BASSE_MASURE):
        aap.add_comment(
            session,
            next(s for s in aap.load_answer(session, answer_id).sections if s.code == "actions"),
            author=net.users[BASSE_MASURE],
            body="Pouvons-nous ajouter les repas partagés du jeudi à Basse Masure ?",
        )
        session.flush()

    lines = {
        ECHO: (
            echo,
            [
                ("641", "Coordination (0,5 ETP)", "", "21000.00"),
                ("606", "Petit matériel d’ateliers", "", "2500.00"),
                ("74", "Subvention sollicitée", "Département du Nord", "30000.00"),
                ("86", "Bénévolat valorisé", "", "4000.00"),
                ("87", "Bénévolat valorisé", "", "4000.00"),
            ],
        ),
        FRESNOY: (
            partners[FRESNOY],
            [
                ("641", "Animation des ateliers", "", "9000.00"),
                ("74", "Subvention", "CAF du Nord", "3000.00"),
            ],
        ),
        BASSE_MASURE: (
            partners[BASSE_MASURE],
            [
                ("625", "Déplacements des bénévoles", "", "1500.00"),
                ("70", "Participation aux repas", "", "1000.00"),
            ],
        ),
    }
    for email, (centre, rows) in lines.items():
        with _as(session, net, email) as ctx:
            answer = aap.load_answer(session, answer_id)
            for account, label, funder, amount in rows:
                aap.add_budget_line(
                    session,
                    answer,
                    centre,
                    account=account,
                    label=label,
                    funder=funder,
                    amount=Decimal(amount),
                    user_id=ctx.user_id,
                )
            session.flush()


def _families(session: Session, net: DemoNetwork, today: date) -> None:
    alma, fresnoy = net.centres["alma"], net.centres["fresnoy-mackellerie"]
    # Replayed history: published and answered before its deadline, submitted the day
    # before it (the platform refuses a call, an answer or a submission after it).
    submitted_on = today - timedelta(days=61)
    with _as(session, net, ALMA) as ctx, clock.frozen(submitted_on):
        call = aap.create_call(
            session,
            alma,
            funder=Funder.CAF,
            title=FAMILIES,
            deadline=today - timedelta(days=60),
            theme="Parentalité",
            created_by=ctx.user_id,
        )
        answer = aap.create_answer(session, call, alma)
        aap.invite_partner(session, answer, fresnoy)
        answer_id = answer.id
        session.flush()
    with _as(session, net, FRESNOY) as ctx:
        answer = aap.load_answer(session, answer_id)
        aap.respond(session, answer, fresnoy, accept=True)
        session.flush()
        aap.add_budget_line(
            session,
            answer,
            fresnoy,
            account="641",
            label="Animatrice famille",
            amount=Decimal("8000.00"),
            user_id=ctx.user_id,
        )
        session.flush()
    with _as(session, net, ALMA) as ctx:
        answer = aap.load_answer(session, answer_id)
        aap.add_budget_line(
            session,
            answer,
            alma,
            account="74",
            label="Subvention",
            funder="CAF du Nord",
            amount=Decimal("8000.00"),
            user_id=ctx.user_id,
        )
        _write_all(session, answer)
        with clock.frozen(submitted_on):
            aap.submit(session, answer, ctx.user_id, despite_unapproved=True)
        # Replayed history: it was submitted two months ago, decided ten days ago.
        assert answer.submitted_at is not None
        answer.submitted_at -= today - submitted_on
        aap.record_outcome(
            session, answer, granted=True, amount=Decimal("7500.00"), on=today - timedelta(days=10)
        )
        session.flush()


def _write_all(session: Session, answer) -> None:
    author = context.current().user_id
    for section in answer.sections:
        aap.save_section(
            session,
            section,
            base_version=section.current_version,
            body=f"<p>{section.title} : voir le dossier déposé.</p>",
            author_id=author,
        )
