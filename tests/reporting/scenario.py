"""Federations built for a test in a database of its own (runs commit), and the
attacker run on what was really published there (every release, read back)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import text

from reporting.disclosure_oracle import attack

_ids = itertools.count(1)
BREAKDOWNS = {
    "": ("",),
    "sex": ("", "femmes", "hommes"),
    "age": ("", "0-17", "18-25", "26-59", "60+"),
}


class Scenario:
    """A federation of centres placed in (département, city), with validated
    declarations written directly (as if reviewed), in `clone`."""

    def __init__(self, clone, places: list[tuple[str, str]], employers: list[int] | None = None):
        self.clone = clone
        n = next(_ids)
        self.slug = f"scenario-{n}"
        with clone.admin.begin() as conn:
            self.federation_id = conn.execute(
                text(
                    "INSERT INTO federations (slug, name, territory) VALUES (:s, :n, 'Test')"
                    " RETURNING id"
                ),
                {"s": self.slug, "n": f"Fédération de test {n}"},
            ).scalar()
            employer_of: dict[int, int] = {}
            self.centres: list[int] = []
            for i, (dep, city) in enumerate(places):
                group = employers[i] if employers else i
                if group not in employer_of:
                    employer_of[group] = conn.execute(
                        text(
                            "INSERT INTO employers (slug, name, kind, city) VALUES"
                            " (:s, :n, 'association', :c) RETURNING id"
                        ),
                        {"s": f"{self.slug}-e{group}", "n": f"Association {n}-{group}", "c": city},
                    ).scalar()
                self.centres.append(
                    conn.execute(
                        text(
                            "INSERT INTO centres (slug, name, employer_id, federation_id, address,"
                            " postcode, city) VALUES (:s, :n, :e, :f, '', :p, :c) RETURNING id"
                        ),
                        {
                            "s": f"{self.slug}-c{i}",
                            "n": f"Centre social {n}-{i}",
                            "e": employer_of[group],
                            "f": self.federation_id,
                            "p": f"{dep}000",
                            "c": city,
                        },
                    ).scalar()
                )

    def declare(self, year: int, figures: dict[int, dict[tuple[str, str], float]], consent=()):
        """Validated declarations: centre index -> {(code, key): value}."""
        with self.clone.admin.begin() as conn:
            for index, values in figures.items():
                centre = self.centres[index]
                declaration = conn.execute(
                    text(
                        "INSERT INTO reporting_declarations (centre_id, federation_id, year,"
                        " status, share_centre_figures, submitted_at, validated_at) VALUES"
                        " (:c, :f, :y, 'validated', :share, now(), now()) RETURNING id"
                    ),
                    {"c": centre, "f": self.federation_id, "y": year, "share": index in consent},
                ).scalar()
                for (code, key), value in values.items():
                    conn.execute(
                        text(
                            "INSERT INTO reporting_values (declaration_id, centre_id,"
                            " federation_id, year, indicator_code, breakdown_key, value, comment)"
                            " VALUES (:d, :c, :f, :y, :code, :key, :v, '')"
                        ),
                        {
                            "d": declaration, "c": centre, "f": self.federation_id, "y": year,
                            "code": code, "key": key, "v": Decimal(str(value)),
                        },
                    )  # fmt: skip
            conn.execute(
                text(
                    "INSERT INTO reporting_dirty (federation_id, year, attempts, last_error)"
                    " VALUES (:f, :y, 0, '')"
                ),
                {"f": self.federation_id, "y": year},
            )

    def close(self, year: int) -> None:
        with self.clone.admin.begin() as conn:
            conn.execute(
                text("INSERT INTO reporting_campaigns (federation_id, year) VALUES (:f, :y)"),
                {"f": self.federation_id, "y": year},
            )
            conn.execute(
                text(
                    "INSERT INTO reporting_dirty (federation_id, year, attempts, last_error)"
                    " VALUES (:f, :y, 0, '')"
                ),
                {"f": self.federation_id, "y": year},
            )

    def consent(self, year: int, index: int, share: bool = True) -> None:
        with self.clone.admin.begin() as conn:
            conn.execute(
                text(
                    "UPDATE reporting_declarations SET share_centre_figures = :s"
                    " WHERE centre_id = :c AND year = :y"
                ),
                {"s": share, "c": self.centres[index], "y": year},
            )

    def run(self, **kwargs):
        from ensemble.reporting import consolidation

        return consolidation.consolidate(
            self.clone.reporting, federation_id=self.federation_id, **kwargs
        )

    def published(self, year: int, number: int | None = None) -> dict:
        """The cells of the current release (or of release `number`): key -> value or
        None (secret)."""
        with self.clone.admin.connect() as conn:
            release = conn.execute(
                text(
                    "SELECT id FROM reporting_releases WHERE federation_id = :f AND year = :y"
                    + (" AND number = :n" if number else "")
                    + " ORDER BY number DESC LIMIT 1"
                ),
                {"f": self.federation_id, "y": year, "n": number},
            ).scalar()
            if release is None:
                return {}
            return {
                (code, key, dep, city): (None if value is None else float(value))
                for code, key, dep, city, value in conn.execute(
                    text(
                        "SELECT indicator_code, breakdown_key, departement, city, value"
                        " FROM reporting_published WHERE release_id = :r"
                    ),
                    {"r": release},
                )
            }

    def releases(self, year: int) -> list[tuple[int, list[int]]]:
        with self.clone.admin.connect() as conn:
            return [
                (n, list(ids))
                for n, ids in conn.execute(
                    text(
                        "SELECT number, named_centre_ids FROM reporting_releases"
                        " WHERE federation_id = :f AND year = :y ORDER BY number"
                    ),
                    {"f": self.federation_id, "y": year},
                )
            ]

    def attack(self, year: int, readers=None) -> list:
        """The attacker on everything every release of the campaign published, for
        each reader (the analyst; each centre; each employer's centres). Known to
        all: the centres some release named (named figures are published through
        releases only)."""
        with self.clone.admin.connect() as conn:
            places = {
                c: (dep, city)
                for c, dep, city in conn.execute(
                    text(
                        "SELECT id, left(postcode, 2), city FROM centres WHERE federation_id = :f"
                    ),
                    {"f": self.federation_id},
                )
            }
            values = {
                (c, code, key): float(v)
                for c, code, key, v in conn.execute(
                    text(
                        "SELECT v.centre_id, v.indicator_code, v.breakdown_key, v.value"
                        " FROM reporting_values v JOIN reporting_declarations d"
                        " ON d.id = v.declaration_id AND d.status = 'validated'"
                        " WHERE d.federation_id = :f AND d.year = :y"
                    ),
                    {"f": self.federation_id, "y": year},
                )
            }
            declared = {c for c, _code, _key in values}
            published: dict = {}
            named: set[int] = set()
            for release, ids in conn.execute(
                text(
                    "SELECT id, named_centre_ids FROM reporting_releases"
                    " WHERE federation_id = :f AND year = :y"
                ),
                {"f": self.federation_id, "y": year},
            ):
                named |= set(ids or [])
                for code, key, dep, city, value in conn.execute(
                    text(
                        "SELECT indicator_code, breakdown_key, departement, city, value"
                        " FROM reporting_published WHERE release_id = :r AND NOT secret"
                    ),
                    {"r": release},
                ):
                    published[(code, key, dep, city)] = float(value)
            groups = [
                set(ids)
                for (ids,) in conn.execute(
                    text(
                        "SELECT array_agg(id) FROM centres WHERE federation_id = :f"
                        " GROUP BY employer_id HAVING count(*) > 1"
                    ),
                    {"f": self.federation_id},
                )
            ]
            # The catalogue's maximum bounds every figure (1 for a yes-or-no answer).
            measures = {
                code: (
                    BREAKDOWNS[breakdown],
                    people,
                    unit == "count",
                    None if high is None else max(float(high), top or 0.0),
                )  # fmt: skip
                for code, breakdown, people, unit, high, top in conn.execute(
                    text(
                        "SELECT i.code, i.breakdown, i.counts_people, i.unit, i.max_value,"
                        " (SELECT max(v.value)::float8 FROM reporting_values v"
                        "  JOIN reporting_declarations d ON d.id = v.declaration_id"
                        "  WHERE d.federation_id = :f AND d.year = :y"
                        "  AND v.indicator_code = i.code) FROM reporting_indicators i"
                        " WHERE first_year <= :y AND (last_year IS NULL OR last_year >= :y)"
                    ),
                    {"y": year, "f": self.federation_id},
                )
            }
        places = {c: p for c, p in places.items() if c in declared}
        everyone = [named] + [named | {c} for c in places] + [named | g for g in groups]
        found = []
        for known in readers if readers is not None else everyone:
            found += [
                (sorted(known), f)
                for f in attack(places, values, measures, published, known, readers=everyone)
            ]
        return found


def figures(pattern: dict[str, list[float]]) -> dict[int, dict[tuple[str, str], float]]:
    """{code: [value per centre]} -> centre index -> {(code, ''): value}."""
    out: dict[int, dict[tuple[str, str], float]] = defaultdict(dict)
    for code, values in pattern.items():
        for i, v in enumerate(values):
            if v is not None:
                out[i][(code, "")] = v
    return dict(out)
