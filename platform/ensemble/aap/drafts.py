"""The writer's own drafts, kept on the server when a save cannot apply (the
section was handed to another centre, the answer was submitted, another save
came first, the form's token expired): nothing typed is lost.

A draft is one person's text for one section, in Redis under a key naming both
(no one else's request can read it), for `TTL` days; the section page offers it
back, and the next save of that section that goes through drops it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime

from ensemble import redis_store
from ensemble.aap.richtext import sanitize
from ensemble.kernel import clock

TTL = 30 * 24 * 3600  # seconds: a month to come back to it


class Reason:
    """Why a save could not apply (the words are in the views)."""

    REASSIGNED = "reassigned"
    SUBMITTED = "submitted"
    CONFLICT = "conflict"
    EXPIRED = "expired"
    GONE = "gone"  # the answer or section is no longer open to the person


@dataclass(frozen=True)
class Draft:
    body: str
    reason: str
    base_version: int
    saved_at: str  # ISO 8601, UTC

    @property
    def saved(self) -> datetime:
        return datetime.fromisoformat(self.saved_at)


def _key(user_id: int, section_id: int) -> str:
    return redis_store.key("aap", "draft", user_id, section_id)


def keep(user_id: int, section_id: int, body: str, reason: str, base_version: int) -> Draft:
    """Keep `body` (sanitised as a save would) as the person's draft of the section."""
    draft = Draft(sanitize(body or ""), reason, base_version, clock.utcnow().isoformat())
    redis_store.current().set(_key(user_id, section_id), json.dumps(asdict(draft)), ex=TTL)
    return draft


def kept(user_id: int, section_id: int) -> Draft | None:
    raw = redis_store.current().get(_key(user_id, section_id))
    if not raw:
        return None
    try:
        return Draft(**json.loads(raw))
    except (TypeError, ValueError):
        return None


def drop(user_id: int, section_id: int) -> None:
    redis_store.current().delete(_key(user_id, section_id))
