"""The words for due items, shared by the HR pages and the due-date notices."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ensemble.hr.models import DueKind

DUE_LABELS = {
    DueKind.TRIAL_PERIOD_END: _l("Fin de période d’essai"),
    DueKind.CONTRACT_END: _l("Fin de contrat"),
    DueKind.HEALTH_VISIT: _l("Visite de médecine du travail"),
    DueKind.PROFESSIONAL_REVIEW: _l("Entretien de parcours professionnel"),
    DueKind.CAREER_REVIEW: _l("État des lieux récapitulatif"),
    DueKind.TRAINING_RENEWAL: _l("Formation à renouveler"),
    DueKind.TRAINING_GAP: _l("Formation non obligatoire à proposer avant l’état des lieux"),
}
