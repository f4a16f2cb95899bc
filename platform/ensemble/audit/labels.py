"""French names of the objects the audit log talks about. Capabilities add theirs
with `object_label`, next to their models; an unknown type shows its table name."""

from __future__ import annotations

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
