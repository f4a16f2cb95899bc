"""The grant's financial report (compte rendu financier, Cerfa nº 15059*02) as
plain values: the budget planned against the real one, per party and per
account, and the gaps that must be explained.

Pure functions on plain values, so property tests can check them: every total
is the exact sum (Decimal, to the cent) of the lines it totals, and the
volunteers' hours are valued once and written twice, in 86 (emplois) and in 87
(contributions), so the two always balance.

Where the real amounts come from:

- a party enters the real amount of each of its budget lines, and any charge
  or income it did not plan (`RealEntry`);
- the shared post's time at the party's funded sessions, valued at its real
  cost (`PartFigures.post_cost`), is the real amount of the party's first
  budget line on the post's account (621 when the post is put at its disposal,
  641 when its own employer carries it), or a line of its own;
- the volunteers' hours at the report's hourly rate are the real amount of the
  party's first 86 and first 87 lines, or two lines of their own.

A line whose real amount is computed is not typed in: only its explanation is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ensemble.aap.budget import ACCOUNT_CLASSES, CHARGE, INCOME, ZERO

CENT = Decimal("0.01")
BUDGET, ENTERED, POST, VOLUNTEERS = "budget", "entered", "post", "volunteers"


@dataclass(frozen=True)
class PlannedLine:
    line_id: int
    party_id: int
    account: str
    label: str
    amount: Decimal


@dataclass(frozen=True)
class RealEntry:
    entry_id: int
    party_id: int
    budget_line_id: int | None
    account: str
    label: str
    amount: Decimal
    explanation: str = ""


@dataclass(frozen=True)
class PartFigures:
    party_id: int
    volunteer_hours: Decimal = ZERO
    post_account: str = ""  # "621", "641" or "" (no post)
    post_title: str = ""
    post_cost: Decimal = ZERO


def volunteer_value(hours: Decimal, rate: Decimal) -> Decimal:
    """Volunteers' hours at the hourly rate, rounded once to the cent."""
    return (hours * rate).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class ReportLine:
    party_id: int
    account: str
    label: str
    planned: Decimal
    real: Decimal
    origin: str  # BUDGET (entered against a planned line), ENTERED, POST, VOLUNTEERS
    budget_line_id: int | None = None
    entry_id: int | None = None
    explanation: str = ""
    computed: bool = False  # its real amount is computed, not typed in

    @property
    def kind(self) -> str:
        return ACCOUNT_CLASSES[self.account[:2]][0]

    @property
    def gap(self) -> Decimal:
        return self.real - self.planned

    @property
    def gap_percent(self) -> Decimal | None:
        """The gap as a share of the planned amount (None for a line not planned)."""
        if self.planned == 0:
            return None
        return (self.gap * 100 / self.planned).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def beyond(self, threshold: Decimal) -> bool:
        """Whether the gap exceeds `threshold` % of the planned amount (any real amount
        on a line that was not planned does)."""
        if self.gap == 0:
            return False
        if self.planned == 0:
            return True
        return abs(self.gap) * 100 > threshold * self.planned


@dataclass
class Totals:
    charges_planned: Decimal = ZERO
    charges_real: Decimal = ZERO
    income_planned: Decimal = ZERO
    income_real: Decimal = ZERO

    def add(self, line: ReportLine) -> None:
        if line.kind == CHARGE:
            self.charges_planned += line.planned
            self.charges_real += line.real
        else:
            self.income_planned += line.planned
            self.income_real += line.real

    @property
    def result_real(self) -> Decimal:
        """Income minus charges, as carried out (excédent when positive)."""
        return self.income_real - self.charges_real


@dataclass
class Report:
    lines: list[ReportLine]
    party_order: list[int]
    threshold: Decimal
    by_party: dict[int, Totals] = field(default_factory=dict)
    totals: Totals = field(default_factory=Totals)

    def lines_of(self, party_id: int) -> list[ReportLine]:
        return [line for line in self.lines if line.party_id == party_id]

    def class_real(self, code: str) -> Decimal:
        return sum((line.real for line in self.lines if line.account[:2] == code), ZERO)

    def class_planned(self, code: str) -> Decimal:
        return sum((line.planned for line in self.lines if line.account[:2] == code), ZERO)

    def unexplained(self) -> list[ReportLine]:
        """Lines whose gap exceeds the threshold and that no one has explained yet."""
        return [
            line
            for line in self.lines
            if line.beyond(self.threshold) and not line.explanation.strip()
        ]

    @property
    def in_kind_balanced(self) -> bool:
        return self.class_real("86") == self.class_real("87")


def _class_order(account: str) -> tuple[int, str]:
    return (0 if ACCOUNT_CLASSES[account[:2]][0] == CHARGE else 1, account)


def assemble(
    planned: Sequence[PlannedLine],
    entries: Sequence[RealEntry],
    parts: Sequence[PartFigures],
    *,
    hourly_rate: Decimal,
    threshold: Decimal,
    party_order: Sequence[int] = (),
) -> Report:
    """The report's lines, party by party in `party_order` (then any other), charges
    then income in the chart's order, and their totals."""
    order = list(party_order)
    for party_id in (
        [p.party_id for p in planned] + [e.party_id for e in entries] + [p.party_id for p in parts]
    ):
        if party_id not in order:
            order.append(party_id)
    against = {e.budget_line_id: e for e in entries if e.budget_line_id is not None}
    figures = {p.party_id: p for p in parts}
    lines: list[ReportLine] = []
    for party_id in order:
        own = sorted(
            (p for p in planned if p.party_id == party_id), key=lambda p: _class_order(p.account)
        )
        part = figures.get(party_id, PartFigures(party_id))
        computed: dict[str, tuple[Decimal, str, str]] = {}
        if part.post_account and (
            part.post_cost or any(p.account.startswith(part.post_account) for p in own)
        ):
            computed[part.post_account] = (
                part.post_cost,
                POST,
                f"Poste mutualisé : {part.post_title}" if part.post_title else "Poste mutualisé",
            )
        value = volunteer_value(part.volunteer_hours, hourly_rate)
        if value or any(p.account[:2] in ("86", "87") for p in own):
            computed["86"] = (value, VOLUNTEERS, "Bénévolat valorisé")
            computed["87"] = (value, VOLUNTEERS, "Bénévolat")
        taken: set[str] = set()
        party_lines: list[ReportLine] = []
        for line in own:
            entry = against.get(line.line_id)
            prefix = next(
                (c for c in computed if c not in taken and line.account.startswith(c)), None
            )
            explanation = entry.explanation if entry else ""
            if prefix is not None:
                taken.add(prefix)
                amount, origin, _label = computed[prefix]
                party_lines.append(
                    ReportLine(
                        party_id,
                        line.account,
                        line.label,
                        line.amount,
                        amount,
                        origin,
                        line.line_id,
                        entry.entry_id if entry else None,
                        explanation,
                        True,
                    )
                )
            else:
                party_lines.append(
                    ReportLine(
                        party_id,
                        line.account,
                        line.label,
                        line.amount,
                        entry.amount if entry else ZERO,
                        BUDGET,
                        line.line_id,
                        entry.entry_id if entry else None,
                        explanation,
                    )
                )
        for prefix, (amount, origin, label) in computed.items():
            if prefix not in taken:
                party_lines.append(
                    ReportLine(party_id, prefix, label, ZERO, amount, origin, computed=True)
                )
        for entry in entries:
            if entry.party_id == party_id and entry.budget_line_id is None:
                party_lines.append(
                    ReportLine(
                        party_id,
                        entry.account,
                        entry.label,
                        ZERO,
                        entry.amount,
                        ENTERED,
                        None,
                        entry.entry_id,
                        entry.explanation,
                    )
                )
        party_lines.sort(key=lambda item: _class_order(item.account))
        lines += party_lines
    report = Report(lines, order, threshold)
    for party_id in order:
        report.by_party[party_id] = Totals()
    for item in lines:
        report.by_party[item.party_id].add(item)
        report.totals.add(item)
    return report


__all__ = [
    "BUDGET",
    "CHARGE",
    "ENTERED",
    "INCOME",
    "POST",
    "VOLUNTEERS",
    "PartFigures",
    "PlannedLine",
    "RealEntry",
    "Report",
    "ReportLine",
    "Totals",
    "assemble",
    "volunteer_value",
]
