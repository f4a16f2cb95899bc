"""Comparing and merging section texts: a line diff of two versions, and the
three-way merge by blocks that lets two saves from the same version both
through when they touch different paragraphs."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from ensemble.aap.richtext import text_lines


@dataclass(frozen=True)
class DiffLine:
    op: str  # "same", "added", "removed", or "changed" (a paragraph edited inside)
    text: str
    # For a changed paragraph: its words, each ("same" | "added" | "removed", text).
    words: tuple[tuple[str, str], ...] = ()


_WORDS = re.compile(r"\S+\s*|\s+")


def word_diff(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """The words of a paragraph edited inside: what stayed, what went, what came."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    parts: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            parts.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            parts.append(("removed", "".join(a[i1:i2])))
        if j2 > j1:
            parts.append(("added", "".join(b[j1:j2])))
    return tuple(parts)


def _similar(old: str, new: str) -> bool:
    """Edited rather than replaced: at least half of the words kept."""
    return difflib.SequenceMatcher(a=old.split(), b=new.split(), autojunk=False).ratio() >= 0.5


def diff(old: str, new: str) -> list[DiffLine]:
    """A diff of two section texts by paragraph (difflib on their readable text); a
    paragraph edited inside is one "changed" line carrying its word diff."""
    a, b = text_lines(old), text_lines(new)
    lines: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            lines += [DiffLine("same", t) for t in a[i1:i2]]
            continue
        removed, added = a[i1:i2], b[j1:j2]
        while removed and added and _similar(removed[0], added[0]):
            before, after = removed.pop(0), added.pop(0)
            lines.append(DiffLine("changed", after, word_diff(before, after)))
        lines += [DiffLine("removed", t) for t in removed]
        lines += [DiffLine("added", t) for t in added]
    return lines


def block_lines(body: str) -> list[str]:
    """A sanitised text cut into its blocks, one per line (see `sanitize`)."""
    return [line for line in (body or "").split("\n") if line.strip()]


def merge3(ancestor: str, theirs: str, mine: str) -> str | None:
    """A three-way merge by blocks (paragraphs, headings, list items): both sides'
    changes applied when they touch different blocks of the common ancestor;
    None when they touch the same one (the person merges by hand)."""
    base = block_lines(ancestor)

    def changes(other: list[str]) -> list[tuple[int, int, tuple[str, ...]]]:
        matcher = difflib.SequenceMatcher(a=base, b=other, autojunk=False)
        return [
            (i1, i2, tuple(other[j1:j2]))
            for tag, i1, i2, j1, j2 in matcher.get_opcodes()
            if tag != "equal"
        ]

    ours, others = changes(block_lines(mine)), changes(block_lines(theirs))
    merged = list(dict.fromkeys(ours + others))  # the same change on both sides counts once
    merged.sort(key=lambda c: (c[0], c[1]))
    end, start = -1, -1
    for i1, i2, _ in merged:
        # Overlapping ranges, or two changes starting at one place: a real conflict.
        if i1 < end or i1 == start:
            return None
        end, start = max(end, i2), i1
    result = list(base)
    for i1, i2, replacement in reversed(merged):
        result[i1:i2] = replacement
    return "\n".join(result)
