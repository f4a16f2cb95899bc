"""Demo HR data: invented staff for Association Centre Social Alma and Association
Iciela (a dozen each, every kind of contract, some due dates soon), trainings,
private documents, and the shared toolbox of the HR manager who serves both.

Dates are relative to the day the demo is loaded, so there is always something
due soon. Idempotent: a person is found again by employer, name and start date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ensemble.hr import operations, rules
from ensemble.hr.models import (
    Category,
    ContractType,
    DocumentKind,
    EmployerDocument,
    HealthFollowUp,
    StaffMember,
    ToolboxDocument,
)
from ensemble.kernel import clock
from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext

ORDER = 40
HR_MANAGER = "marion.delattre@rh.demo"

CDI, CDD, CDDI = ContractType.CDI, ContractType.CDD, ContractType.CDDI
APPRENTICE, AIDED = ContractType.APPRENTICESHIP, ContractType.ASSISTED


@dataclass(frozen=True)
class Person:
    last: str
    first: str
    job: str
    contract: ContractType
    started_days_ago: int
    fte: str
    centres: tuple[str, ...]
    alisfa: str
    weighting: int | None = None
    ends_in_days: int | None = None
    category: Category = Category.EMPLOYEE
    follow_up: HealthFollowUp = HealthFollowUp.STANDARD
    visit_days_ago: int | None = None
    review_days_ago: int | None = None


ALMA = (
    Person(
        "Hennebert",
        "Sabine",
        "Directrice adjointe",
        CDI,
        4200,
        "1",
        ("alma",),
        "Directeur",
        620,
        category=Category.EXECUTIVE,
        visit_days_ago=1700,
        review_days_ago=1440,
    ),
    Person(
        "Ouadah",
        "Karim",
        "Animateur jeunesse",
        CDI,
        2600,
        "1",
        ("alma",),
        "Animateur",
        330,
        visit_days_ago=1790,
        review_days_ago=1420,
    ),
    Person(
        "Delannoy",
        "Agathe",
        "Éducatrice de jeunes enfants",
        CDI,
        45,
        "1",
        ("alma",),
        "Éducateur de jeunes enfants",
        400,
    ),
    Person(
        "Lecomte",
        "Bastien",
        "Animateur périscolaire",
        CDD,
        70,
        "0,6",
        ("alma",),
        "Animateur",
        ends_in_days=20,
    ),
    Person(
        "Mabille",
        "Chloé",
        "Secrétaire d’accueil",
        CDI,
        900,
        "0,8",
        ("alma",),
        "Accueillant",
        180,
        visit_days_ago=860,
        review_days_ago=400,
    ),
    Person(
        "Traoré",
        "Moussa",
        "Médiateur social",
        AIDED,
        200,
        "0,8",
        ("alma",),
        "Médiateur",
        ends_in_days=165,
    ),
    Person(
        "Vercruysse",
        "Léa",
        "Apprentie BPJEPS",
        APPRENTICE,
        30,
        "1",
        ("alma",),
        "Animateur",
        ends_in_days=700,
    ),
    Person(
        "Benhamou",
        "Rachid",
        "Agent d’entretien",
        CDDI,
        120,
        "0,7",
        ("alma",),
        "Personnel de service",
        ends_in_days=245,
        follow_up=HealthFollowUp.REINFORCED,
        visit_days_ago=118,
    ),
    Person(
        "Dufour",
        "Anne-Sophie",
        "Comptable",
        CDI,
        3000,
        "0,5",
        ("alma",),
        "Comptable",
        390,
        category=Category.SUPERVISOR,
        visit_days_ago=1810,
        review_days_ago=1450,
    ),
    Person(
        "Kaci",
        "Nadia",
        "Auxiliaire petite enfance",
        CDI,
        730,
        "1",
        ("alma",),
        "Auxiliaire petite enfance",
        210,
        visit_days_ago=700,
        review_days_ago=None,
    ),
    Person(
        "Pruvost",
        "Théo",
        "Animateur multimédia",
        CDD,
        10,
        "1",
        ("alma",),
        "Animateur",
        ends_in_days=172,
    ),
    Person(
        "Ghesquière",
        "Martine",
        "Écrivaine publique",
        CDI,
        5200,
        "0,6",
        ("alma",),
        "Intervenant technique",
        290,
        visit_days_ago=600,
        review_days_ago=1200,
    ),
)
ICIELA = (
    Person(
        "Lambin",
        "Céline",
        "Coordinatrice famille",
        CDI,
        3300,
        "1",
        ("pile-sainte-elisabeth", "assia-djebar"),
        "Coordinateur",
        480,
        category=Category.SUPERVISOR,
        visit_days_ago=1500,
        review_days_ago=1455,
    ),
    Person(
        "Diallo", "Ousmane", "Animateur jeunesse", CDI, 50, "1", ("assia-djebar",), "Animateur", 330
    ),
    Person(
        "Verstraete",
        "Julie",
        "Référente accueil",
        CDI,
        1500,
        "0,8",
        ("pile-sainte-elisabeth",),
        "Accueillant",
        200,
        visit_days_ago=1200,
        review_days_ago=1430,
    ),
    Person(
        "Bouchard",
        "Yannick",
        "Agent d’entretien",
        CDDI,
        300,
        "0,6",
        ("assia-djebar",),
        "Personnel de service",
        ends_in_days=25,
    ),
    Person(
        "El Amrani",
        "Samira",
        "Conseillère ESF",
        CDI,
        2100,
        "1",
        ("pile-sainte-elisabeth",),
        "Conseiller en économie sociale familiale",
        420,
        visit_days_ago=1760,
        review_days_ago=600,
    ),
    Person(
        "Wattiez",
        "Hugo",
        "Animateur sportif",
        CDD,
        15,
        "0,5",
        ("assia-djebar",),
        "Animateur",
        ends_in_days=75,
    ),
    Person(
        "Nowak",
        "Elise",
        "Directrice",
        CDI,
        6000,
        "1",
        ("pile-sainte-elisabeth", "assia-djebar"),
        "Directeur",
        700,
        category=Category.EXECUTIVE,
        visit_days_ago=400,
        review_days_ago=1300,
    ),
    Person(
        "Semmar",
        "Lina",
        "Apprentie CPJEPS",
        APPRENTICE,
        20,
        "1",
        ("pile-sainte-elisabeth",),
        "Animateur",
        ends_in_days=710,
        follow_up=HealthFollowUp.NIGHT_OR_MINOR,
    ),
    Person(
        "Carlier",
        "Thierry",
        "Chauffeur accompagnateur",
        AIDED,
        330,
        "0,7",
        ("assia-djebar",),
        "Intervenant technique",
        ends_in_days=35,
    ),
    Person(
        "Boutry",
        "Margaux",
        "Animatrice petite enfance",
        CDI,
        800,
        "0,8",
        ("pile-sainte-elisabeth",),
        "Animateur",
        250,
        visit_days_ago=790,
    ),
    Person(
        "Haddad",
        "Sofiane",
        "Médiateur numérique",
        CDD,
        100,
        "1",
        ("pile-sainte-elisabeth", "assia-djebar"),
        "Médiateur",
        ends_in_days=80,
    ),
    Person(
        "Leroy",
        "Bernadette",
        "Secrétaire comptable",
        CDI,
        4400,
        "0,5",
        ("assia-djebar",),
        "Secrétaire",
        260,
        category=Category.SUPERVISOR,
        visit_days_ago=1820,
        review_days_ago=1400,
    ),
)
REGISTERS = {"association-alma": ALMA, "iciela": ICIELA}

TRAININGS = {
    ("association-alma", "Ouadah"): ("Sauveteur secouriste du travail (SST)", 700, True, 730),
    ("association-alma", "Benhamou"): ("Habilitation électrique B0", 690, True, 1095),
    ("association-alma", "Mabille"): ("Accueil des publics en difficulté", 300, False, None),
    ("iciela", "Lambin"): ("Sauveteur secouriste du travail (SST)", 710, True, 730),
    ("iciela", "Verstraete"): ("Gestion des situations de tension", 500, False, None),
    ("iciela", "Nowak"): ("Management d’équipe", 900, False, None),
}

TOOLBOX = (
    (
        "Liste d’accueil d’un nouveau salarié",
        DocumentKind.CHECKLIST,
        "accueil-nouveau-salarie.txt",
        "Avant l’arrivée : poste, badge, planning.\n"
        "Le premier jour : visite des locaux, présentation de l’équipe,"
        " remise du livret d’accueil.\nSous 3 mois : visite d’information et de"
        " prévention.\nSous un an : premier entretien de parcours professionnel.\n",
    ),
    (
        "Guide de l’entretien de parcours professionnel",
        DocumentKind.GUIDE,
        "guide-entretien-parcours.txt",
        "1. Compétences mobilisées et leur évolution.\n2. Besoins de formation.\n3. Souhaits"
        " d’évolution.\n"
        "4. Compte personnel de formation et conseil en évolution professionnelle.\n",
    ),
    (
        "Modèle d’avenant de temps de travail",
        DocumentKind.TEMPLATE,
        "modele-avenant.txt",
        "Entre l’association … et M./Mme …, il est convenu de modifier la durée du travail…\n",
    ),
)
PRIVATE = {
    "association-alma": ("Règlement intérieur de l’association Alma", "reglement-alma.txt"),
    "iciela": ("Accord d’entreprise Iciela sur le temps de travail", "accord-iciela.txt"),
}


def _hr_context(net, employer_id: int) -> TenantContext:
    manager = net.users[HR_MANAGER]
    return TenantContext(
        user_id=manager.id,
        employer_ids=frozenset({employer_id}),
        network_ids=frozenset(f.id for f in net.federations.values()),
    )


def _days(today: date, days: int | None) -> date | None:
    return None if days is None else today - timedelta(days=days)


def _load_person(session: Session, net, employer_id: int, person: Person, today: date) -> None:
    start = today - timedelta(days=person.started_days_ago)
    # Long-serving people had their état des lieux on time, the last one at the
    # latest multiple of 8 years of presence.
    last_career_review, cycle = None, rules.add_years(start, rules.CAREER_REVIEW_YEARS)
    while cycle <= today:
        last_career_review, cycle = cycle, rules.add_years(cycle, rules.CAREER_REVIEW_YEARS)
    data = operations.StaffData(
        last_name=person.last,
        first_name=person.first,
        job_title=person.job,
        contract_type=person.contract,
        category=person.category,
        start_date=start,
        end_date=None if person.ends_in_days is None else today + timedelta(person.ends_in_days),
        fte=Decimal(person.fte.replace(",", ".")),
        alisfa_job=person.alisfa,
        alisfa_weighting=person.weighting,
        health_follow_up=person.follow_up,
        last_health_visit_on=_days(today, person.visit_days_ago),
        last_review_on=_days(today, person.review_days_ago),
        last_career_review_on=last_career_review,
        centre_ids=[net.centres[slug].id for slug in person.centres],
    )
    existing = session.scalar(
        select(StaffMember).filter_by(
            employer_id=employer_id, last_name=person.last, first_name=person.first
        )
    )
    if existing is None:
        operations.create_staff_member(session, employer_id, data, today)
    else:
        operations.update_staff_member(session, existing, data, today)


def _load_trainings(session: Session, employer_slug: str, employer_id: int, today: date) -> None:
    for (slug, last_name), (title, days_ago, mandatory, valid_days) in TRAININGS.items():
        if slug != employer_slug:
            continue
        member = session.scalar(
            select(StaffMember).filter_by(employer_id=employer_id, last_name=last_name)
        )
        if any(t.title == title for t in member.trainings):
            continue
        completed = today - timedelta(days=days_ago)
        operations.add_training(
            session,
            member,
            title=title,
            completed_on=completed,
            hours=Decimal(14),
            mandatory=mandatory,
            valid_until=None if valid_days is None else completed + timedelta(days=valid_days),
            today=today,
        )


def load(session: Session, net) -> None:
    """Registers, trainings and private documents of both employers; the shared toolbox."""
    today = clock.today()
    for slug, people in REGISTERS.items():
        employer_id = net.employers[slug].id
        with context.using(_hr_context(net, employer_id), session):
            for person in people:
                _load_person(session, net, employer_id, person, today)
            _load_trainings(session, slug, employer_id, today)
            title, filename = PRIVATE[slug]
            if (
                session.scalar(
                    select(EmployerDocument.id).filter_by(employer_id=employer_id, title=title)
                )
                is None
            ):
                operations.add_document(
                    session,
                    employer_id,
                    title=title,
                    kind=DocumentKind.OTHER,
                    filename=filename,
                    content_type="text/plain",
                    content=f"{title}\n\n(document de démonstration)\n".encode(),
                )
            session.flush()
    employer_ids = [net.employers[slug].id for slug in REGISTERS]
    manager = net.users[HR_MANAGER]
    both = TenantContext(user_id=manager.id, employer_ids=frozenset(employer_ids))
    with context.using(both, session):
        for title, kind, filename, text in TOOLBOX:
            if (
                session.scalar(
                    select(ToolboxDocument.id).filter_by(author_id=manager.id, title=title)
                )
                is None
            ):
                operations.share_toolbox_document(
                    session,
                    employer_ids,
                    title=title,
                    kind=kind,
                    description="",
                    filename=filename,
                    content_type="text/plain; charset=utf-8",
                    content=text.encode(),
                )
        session.flush()
