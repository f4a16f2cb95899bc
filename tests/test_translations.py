"""The English catalogue covers every string and its compiled file is current."""

from __future__ import annotations

import subprocess
import sys

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from conftest import ROOT

CATALOG = ROOT / "platform/ensemble/translations/en/LC_MESSAGES"


def _source_messages(tmp_path) -> set[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}


def _key(message) -> str | tuple[str, ...]:
    """A message's id: its text, or (singular, plural) for an ngettext entry."""
    return message.id if isinstance(message.id, str) else tuple(message.id)


def _translated(message) -> bool:
    strings = [message.string] if isinstance(message.string, str) else list(message.string)
    return bool(strings) and all(strings)


def test_every_string_has_an_english_translation(tmp_path):
    with (CATALOG / "messages.po").open("rb") as fh:
        # A plural entry counts only when every one of its forms is translated.
        po = {
            (_key(m)[0] if not isinstance(m.id, str) else m.id): _translated(m)
            for m in read_po(fh)
            if m.id
        }
    missing = sorted(m for m in _source_messages(tmp_path) if not po.get(m))
    assert not missing, f"untranslated (see translations/README.md): {missing}"


def _forms(message) -> str | tuple[str, ...]:
    return message.string if isinstance(message.string, str) else tuple(message.string)


def test_compiled_catalogue_matches_the_po_file():
    with (CATALOG / "messages.po").open("rb") as fh:
        po = {_key(m): _forms(m) for m in read_po(fh) if m.id and _translated(m)}
    with (CATALOG / "messages.mo").open("rb") as fh:
        mo = {_key(m): _forms(m) for m in read_mo(fh) if m.id}
    assert mo == po, "run: pybabel compile -d platform/ensemble/translations"
