"""The rules of statistical confidentiality, as numbers a federation may configure.

Primary rules, per published cell (a territory × an indicator × a breakdown key):

- at least `min_centres` contributing centres (default 3);
- a count of people is at least `threshold` (default 11), or zero;
- dominance, the (n, k) rule: the largest contributor at most `dominance_one` of the
  total (85 %), the two largest at most `dominance_two` (90 %).

Protection range: what a reader must not be able to narrow a hidden figure to.
A figure v is protected when every reader's feasible interval for it reaches
v − min(p, v) and v + p, with p = max(`protection_share` × v, `protection_people`)
for counts of people (20 % or 5 people, whichever is larger) and
`protection_share` × v otherwise; a zero is not protected (p = 0).

The same range gives the rule that a published cell must satisfy for readers who
know part of it (a centre knows its own figures; a centre that agreed to be named
is known to everyone): what is left unknown to that reader must not single out a
contributor within its protection range — at least two unknown contributors, and
the unknown rest beside the largest at least p of it (the « p % rule »).

Yes-or-no questions (« le centre mène-t-il une action … », 1 = oui, 0 = non),
published as a number of centres and read as a share of centres (« 84 % des
centres mènent … »), follow their own rules: their risk is not a dominant
contributor but a reader learning how the centres answered. Such a cell is kept
secret when it has fewer than `min_centres` centres, or when, for some reader,
what the reader does not know of it is all « oui » or all « non » (the unknown
total is 0 or the number of unknown centres): « 6/6 », « 100 % de 6 » and, for the
director who knows their own « non », « 83 % de 6 ». For a reader who knows one
centre, that is an unknown total of 0, 1, n − 1 or n among n unknown centres. A
share of centres is only ever the published count over the published number of
centres: it is published exactly when the count is, and secret otherwise.
A hidden count of « oui », zero included, is protected when no reader can pin it:
some other count, one centre more or less, stays possible (so no reader can tell
that its unknown centres all answered the same). The certificates ask for one
centre either way where the answers allow it (`protection` is 1), the LP for
the interval not to be a single count.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np


@dataclass(frozen=True)
class Rules:
    min_centres: int = 3
    threshold: int = 11
    dominance_one: float = 0.85
    dominance_two: float = 0.90
    protection_share: float = 0.20
    protection_people: float = 5.0

    @classmethod
    def from_config(cls, config) -> Rules:
        """Read the REPORTING_* settings of a Flask config (or any mapping)."""

        def number(key: str, default: float) -> float:
            return float(Decimal(str(config.get(key, default))))

        return cls(
            min_centres=int(config.get("REPORTING_MIN_CENTRES", cls.min_centres)),
            threshold=int(config.get("REPORTING_SUPPRESSION_THRESHOLD", cls.threshold)),
            dominance_one=number("REPORTING_DOMINANCE", cls.dominance_one),
            dominance_two=number("REPORTING_DOMINANCE_TWO", cls.dominance_two),
            protection_share=number("REPORTING_PROTECTION_SHARE", cls.protection_share),
            protection_people=number("REPORTING_PROTECTION_PEOPLE", cls.protection_people),
        )

    def fingerprint(self) -> str:
        """What a release records of the rules it was computed with."""
        return (
            f"c{self.min_centres}-t{self.threshold}-d{self.dominance_one:g}/{self.dominance_two:g}"
            f"-p{self.protection_share:g}/{self.protection_people:g}"
        )

    def protection(self, value, people, binary=False) -> np.ndarray:
        """p for each value (arrays or scalars): the half-width a reader must not go below
        (one centre for a count of « oui », zero included)."""
        value = np.asarray(value, dtype=float)
        people = np.asarray(people, dtype=bool)
        share = self.protection_share * value
        p = np.where(people, np.maximum(share, self.protection_people), share)
        return np.where(np.asarray(binary, dtype=bool), 1.0, np.where(value > EPSILON, p, 0.0))

    @staticmethod
    def unanimous(unknown_total, unknown_count) -> np.ndarray:
        """Yes-or-no questions: True where what one reader does not know is all « non »
        (0) or all « oui » (as many as the unknown centres)."""
        total = np.asarray(unknown_total, dtype=float)
        count = np.asarray(unknown_count)
        return (count >= 1) & ((total <= EPSILON) | (total >= count - EPSILON))

    def primary(self, total, centres, top1, top2, people) -> np.ndarray:
        """The reader-independent rules: True where the cell may not be published."""
        total = np.asarray(total, dtype=float)
        centres = np.asarray(centres)
        few = centres < self.min_centres
        small = np.asarray(people, dtype=bool) & (total > EPSILON) & (total < self.threshold)
        positive = total > EPSILON
        one = positive & (np.asarray(top1) > self.dominance_one * total + EPSILON)
        two_largest = np.asarray(top1) + np.asarray(top2)
        two = positive & (two_largest > self.dominance_two * total + EPSILON)
        return few | small | one | two

    def singles_out(self, unknown_total, unknown_count, largest, people) -> np.ndarray:
        """The p % rule for one reader: True where what the reader does not know of a
        published cell would let them bound its largest unknown contributor within
        its protection range (or name it exactly)."""
        unknown_total = np.asarray(unknown_total, dtype=float)
        unknown_count = np.asarray(unknown_count)
        largest = np.asarray(largest, dtype=float)
        alone = unknown_count == 1
        rest = unknown_total - largest
        narrow = (unknown_count >= 2) & (rest + EPSILON < self.protection(largest, people))
        return alone | narrow


# Figures carry two decimals; sums of them are compared with this tolerance.
EPSILON = 1e-6
