"""French names of the objects the audit log talks about. Capabilities add theirs
with `object_label`, next to their models; an unknown type shows its table name."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

OBJECT_LABELS: dict[str, object] = {
    "users": _l("Compte"),
    "memberships": _l("Rattachement à une structure"),
    "centres": _l("Centre"),
    "agreements": _l("Accord de partage"),
    "agreement_parties": _l("Partie à un accord"),
}


def object_label(table: str, label: object) -> None:
    OBJECT_LABELS[table] = label


def label_for(table: str) -> object:
    return OBJECT_LABELS.get(table, table)


def sentence(action_label: object, table: str, who: str | None) -> str:
    """An audit line as a sentence: « Création : événement d’agenda, par Hugo
    Carpentier. » (issue 13: no internal id, no « · »-separated codes)."""
    label = str(label_for(table))
    label = label[:1].lower() + label[1:] if label[1:2].islower() else label
    if who:
        return _(
            "%(action)s : %(object)s, par %(who)s.", action=action_label, object=label, who=who
        )
    return _("%(action)s : %(object)s, par la plateforme.", action=action_label, object=label)
