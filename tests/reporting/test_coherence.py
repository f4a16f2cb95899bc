"""Coherence: a part above its total is refused whether or not the other parts are
filled, for a breakdown by sex and one by age, whatever the figures."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ensemble.reporting import operations as reporting
from ensemble.tenancy import context

figures = st.integers(min_value=0, max_value=5000).map(Decimal)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    code=st.sampled_from(["asf.personnes", "ct.personnes"]),
    total=figures,
    parts=st.lists(st.one_of(st.none(), figures), min_size=4, max_size=4),
)
def test_a_part_above_its_total_is_refused_whatever_the_others(
    demo, db_session, code, total, parts
):
    keys = reporting.BREAKDOWNS["sex" if code == "asf.personnes" else "age"]
    given_parts = dict(zip(keys, parts, strict=False))
    alma = demo.centre("alma")
    with context.using(context.system_context(centre_ids=[alma.id]), db_session):
        declaration = reporting.declaration_for(db_session, alma, 2024)
        reporting.set_values(
            db_session,
            declaration,
            {(code, ""): total} | {(code, key): value for key, value in given_parts.items()},
        )
        problems = [
            p.message
            for p in reporting.coherence_problems(db_session, declaration)
            if p.code == code
        ]
        above = [k for k, v in given_parts.items() if v is not None and v > total]
        for key in above:
            label = str(reporting.BREAKDOWN_LABELS[key]).lower()
            assert any("dépasse le total" in m and f"({label})" in m for m in problems), problems
        if above:
            assert reporting.submit(db_session, declaration), "submitted with a part above"
        else:
            assert not any("dépasse le total" in m for m in problems), problems
