"""What federation reporting offers the other capabilities through the
foundation: the sectors of its indicator catalogue (ensemble.sharing.activity)."""

from __future__ import annotations

from ensemble.reporting.operations import SECTORS
from ensemble.sharing.activity import register_sectors

register_sectors(SECTORS)
