"""The project budget in the association chart of accounts (plan comptable des
associations, règlement ANC 2018-06), consolidated from every party's lines.

Pure functions on plain values, so property tests can check them: the
consolidated totals are the sums of the parties' lines, exactly (Decimal).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

CHARGE = "charge"
INCOME = "income"

# Two-digit account classes the Cerfa budget uses, with their French headings.
ACCOUNT_CLASSES: dict[str, tuple[str, str]] = {
    "60": (CHARGE, "60 – Achats"),
    "61": (CHARGE, "61 – Services extérieurs"),
    "62": (CHARGE, "62 – Autres services extérieurs"),
    "63": (CHARGE, "63 – Impôts et taxes"),
    "64": (CHARGE, "64 – Charges de personnel"),
    "65": (CHARGE, "65 – Autres charges de gestion courante"),
    "66": (CHARGE, "66 – Charges financières"),
    "67": (CHARGE, "67 – Charges exceptionnelles"),
    "68": (CHARGE, "68 – Dotations aux amortissements"),
    "86": (CHARGE, "86 – Emplois des contributions volontaires en nature"),
    "70": (INCOME, "70 – Ventes de produits finis, prestations de services"),
    "71": (INCOME, "71 – Production stockée"),
    "72": (INCOME, "72 – Production immobilisée"),
    "73": (INCOME, "73 – Dotations et produits de tarification"),
    "74": (INCOME, "74 – Subventions d’exploitation"),
    "75": (INCOME, "75 – Autres produits de gestion courante"),
    "87": (INCOME, "87 – Contributions volontaires en nature"),
}
SUBSIDY = "74"
VOLUNTARY = ("86", "87")
ZERO = Decimal("0.00")


def account_choices(current: str = "") -> list[tuple[str, str]]:
    """The chart's classes for the account select, charges then income (the Cerfa's
    order); a line's finer account (641…) stays offered when it is edited."""
    codes = sorted(ACCOUNT_CLASSES, key=_class_order)
    choices = [(code, ACCOUNT_CLASSES[code][1]) for code in codes]
    if current and current not in ACCOUNT_CLASSES and account_kind(current) is not None:
        choices.insert(
            codes.index(current[:2]) + 1,
            (current, f"{current} ({ACCOUNT_CLASSES[current[:2]][1]})"),
        )
    return choices


def account_kind(account: str) -> str | None:
    """CHARGE, INCOME, or None for an account outside the Cerfa budget."""
    if not (account.isdigit() and 2 <= len(account) <= 6):
        return None
    entry = ACCOUNT_CLASSES.get(account[:2])
    return entry[0] if entry else None


@dataclass(frozen=True)
class BudgetLineData:
    party_id: int
    account: str
    label: str
    funder: str
    amount: Decimal


@dataclass
class PartyTotals:
    party_id: int
    charges: Decimal = ZERO
    income: Decimal = ZERO

    @property
    def difference(self) -> Decimal:
        """Income minus charges: where an imbalance comes from."""
        return self.income - self.charges


@dataclass
class ClassTotals:
    code: str
    label: str
    kind: str
    total: Decimal = ZERO
    by_party: dict[int, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class CoFinancing:
    funder: str
    amount: Decimal
    share: Decimal  # of the total income excluding voluntary contributions, 0–100


@dataclass
class Budget:
    lines: list[BudgetLineData]
    party_order: list[int]
    classes: list[ClassTotals]
    parties: dict[int, PartyTotals]
    cofinancing: list[CoFinancing]
    total_charges: Decimal
    total_income: Decimal

    @property
    def difference(self) -> Decimal:
        return self.total_income - self.total_charges

    @property
    def balanced(self) -> bool:
        return self.difference == 0

    def charge_classes(self) -> list[ClassTotals]:
        return [c for c in self.classes if c.kind == CHARGE]

    def income_classes(self) -> list[ClassTotals]:
        return [c for c in self.classes if c.kind == INCOME]


def consolidate(lines: list[BudgetLineData], party_order: list[int] | None = None) -> Budget:
    """Totals by account class and party, the co-financing table by funder (74),
    and the balance (charges 60–68 + 86 against income 70–75 + 87)."""
    order = list(party_order or [])
    for line in lines:
        if line.party_id not in order:
            order.append(line.party_id)
    parties = {pid: PartyTotals(pid) for pid in order}
    classes: dict[str, ClassTotals] = {}
    funders: dict[str, Decimal] = defaultdict(lambda: ZERO)
    total_charges = total_income = ZERO
    for line in lines:
        code = line.account[:2]
        kind, label = ACCOUNT_CLASSES[code]
        cls = classes.setdefault(code, ClassTotals(code, label, kind))
        cls.total += line.amount
        cls.by_party[line.party_id] = cls.by_party.get(line.party_id, ZERO) + line.amount
        if kind == CHARGE:
            parties[line.party_id].charges += line.amount
            total_charges += line.amount
        else:
            parties[line.party_id].income += line.amount
            total_income += line.amount
        if code == SUBSIDY:
            funders[line.funder.strip()] += line.amount
    financed = total_income - (classes["87"].total if "87" in classes else ZERO)
    cofinancing = [
        CoFinancing(
            funder,
            amount,
            (amount * 100 / financed).quantize(Decimal("0.1")) if financed else ZERO,
        )
        for funder, amount in sorted(funders.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return Budget(
        lines=lines,
        party_order=order,
        classes=[classes[c] for c in sorted(classes, key=_class_order)],
        parties=parties,
        cofinancing=cofinancing,
        total_charges=total_charges,
        total_income=total_income,
    )


def _class_order(code: str) -> tuple[int, str]:
    # Charges first (60–68 then 86), then income (70–75 then 87), as on the Cerfa.
    return (0 if ACCOUNT_CLASSES[code][0] == CHARGE else 1, code)
