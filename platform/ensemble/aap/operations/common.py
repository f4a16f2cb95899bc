"""What the operations on calls and answers share: limits, refusals and
conflicts, the Cerfa 12156 sections and funder labels, notifying (unless a
loader replays history) and the checks that an answer is open and led by you."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ensemble.aap.models import AapAnswer, AapBudgetLine, Funder
from ensemble.aap.permissions import is_lead_director
from ensemble.kernel.refusal import Refusal
from ensemble.notifications import operations as notifications
from ensemble.tenancy import context

MAX_BODY = 200_000  # characters of sanitised HTML per section
MAX_AMOUNT = Decimal("9999999999.99")


# Set in `session.info` by loaders replaying past events (the demo network): the
# invitations and comments they recreate were answered long ago, so nobody is
# notified or mailed about them.
SILENT = "aap.silent"


def notify(session: Session, recipients, title: str, **kwargs) -> int:
    """`notifications.notify`, unless the session replays history (SILENT)."""
    if session.info.get(SILENT):
        return 0
    return notifications.notify(session, recipients, title, **kwargs)


class AapError(Refusal):
    """A refusal to show the user, attached to a form field when there is one."""


@dataclass
class SectionConflict(Exception):
    """A save started from `base` while another save made `theirs_version`."""

    section_id: int
    base: int
    mine: str
    ancestor: str
    theirs: str
    theirs_version: int
    # Who saved the other version, and when: the conflict page names them.
    theirs_author: str = ""
    theirs_at: datetime | None = None


@dataclass
class BudgetConflict(Exception):
    """A budget line changed (or vanished) since the version the form showed."""

    line_id: int
    base: int
    current: AapBudgetLine | None


# --- Cerfa 12156 -------------------------------------------------------------

# The standard French subsidy form (Cerfa n° 12156), in its order.
CERFA_SECTIONS: tuple[tuple[str, object, object], ...] = (
    (
        "association",
        _l("Identification des associations (chef de file et partenaires)"),
        _l("Nom, numéro RNA ou SIRET, adresse, représentant légal de chaque structure."),
    ),
    (
        "administrations",
        _l("Relations avec l’administration"),
        _l("Agréments, reconnaissance d’utilité publique, conventions en cours."),
    ),
    (
        "ressources_humaines",
        _l("Ressources humaines"),
        _l("Bénévoles, salariés (en ETPT), volontaires mobilisés sur le projet."),
    ),
    ("besoins", _l("Projet : besoins et diagnostic"), _l("Constats, données du territoire.")),
    ("objectifs", _l("Projet : objectifs"), _l("Objectifs généraux et opérationnels.")),
    ("public", _l("Projet : public visé"), _l("Qui, combien, comment il est associé.")),
    ("actions", _l("Projet : actions"), _l("Description des actions, lieux, fréquence.")),
    (
        "partenariat",
        _l("Projet : partenariat"),
        _l("Rôle de chaque centre et des autres partenaires."),
    ),
    ("calendrier", _l("Projet : calendrier"), _l("Dates de début et de fin, étapes.")),
    ("evaluation", _l("Projet : évaluation"), _l("Indicateurs, méthodes, échéances.")),
    (
        "budget",
        _l("Budget du projet"),
        _l("Commentaires sur le budget : le tableau consolidé est calculé par la plateforme."),
    ),
)

FUNDER_LABELS = {
    Funder.CAF: _l("CAF"),
    Funder.DEPARTEMENT: _l("Département"),
    Funder.REGION: _l("Région"),
    Funder.CARSAT: _l("CARSAT"),
    Funder.ETAT: _l("État"),
    Funder.EUROPE: _l("Fonds européens"),
    Funder.COMMUNE: _l("Commune ou intercommunalité"),
    Funder.FONDATION: _l("Fondation"),
    Funder.OTHER: _l("Autre"),
}


def _require_open(answer: AapAnswer) -> None:
    if not answer.is_open:
        raise AapError(_l("La réponse a été déposée : elle ne se modifie plus."))


def _require_lead(answer: AapAnswer) -> None:
    if not is_lead_director(answer, context.current()):
        raise AapError(_l("Seule la direction du centre chef de file peut faire cela."))
