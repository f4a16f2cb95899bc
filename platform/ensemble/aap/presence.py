"""Who else has a section open now, so two people know before their saves cross.

Each viewer of a section is a member of a Redis sorted set per section, scored by
the instant their presence ends (`TTL` after their last page view or ping); a
hash beside it holds the names as shown (partners cannot read each other's
accounts). Reading drops the expired members first. Both keys expire on their
own once nobody looks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ensemble import redis_store
from ensemble.kernel import clock

TTL = 60  # seconds without a ping before a viewer is no longer shown
PING = 20  # seconds between the page's pings (see aap-section.js)


@dataclass(frozen=True)
class Viewer:
    user_id: int
    name: str
    centre: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.centre})"


def _keys(section_id: int) -> tuple[str, str]:
    return (
        redis_store.key("aap", "presence", section_id),
        redis_store.key("aap", "presence", section_id, "names"),
    )


def seen(section_id: int, viewer: Viewer) -> None:
    """`viewer` has the section open now."""
    until, names = _keys(section_id)
    now = clock.utcnow().timestamp()
    pipe = redis_store.current().pipeline()
    pipe.zadd(until, {str(viewer.user_id): now + TTL})
    pipe.hset(names, str(viewer.user_id), json.dumps([viewer.name, viewer.centre]))
    pipe.expire(until, TTL * 2)
    pipe.expire(names, TTL * 2)
    pipe.execute()


def others(section_id: int, user_id: int) -> list[Viewer]:
    """The people other than `user_id` who have the section open now, by name."""
    until, names = _keys(section_id)
    client = redis_store.current()
    now = clock.utcnow().timestamp()
    client.zremrangebyscore(until, "-inf", now)
    present = [m for m in client.zrangebyscore(until, now, "+inf") if m != str(user_id)]
    if not present:
        return []
    viewers = []
    for member, raw in zip(present, client.hmget(names, present), strict=True):
        if raw:
            name, centre = json.loads(raw)
            viewers.append(Viewer(int(member), name, centre))
    return sorted(viewers, key=lambda v: v.name)
