"""The demo network's granted Bien Vieillir answer: its financial report is ready
for the lead to sign, with figures read from real sessions, attendance and the
shared post's issued statements."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from aap.aap_support import ECHO_DIRECTOR
from ensemble.aap import operations as aap
from ensemble.aap.models import AapAnswer, AapCall
from tenants.demo_data.grant_report import TITLE


def _answer(db_session):
    call_id = db_session.scalar(select(AapCall.id).where(AapCall.title == TITLE))
    answer_id = db_session.scalar(select(AapAnswer.id).where(AapAnswer.call_id == call_id))
    return aap.load_answer(db_session, answer_id)


def test_the_demo_report_can_be_produced_end_to_end(demo, db_session, as_user):
    with as_user(ECHO_DIRECTOR) as ctx:
        answer = _answer(db_session)
        report = aap.report_of(db_session, answer)
        assert report is not None and not report.is_signed
        assert aap.missing_for_signature(db_session, answer, report) == []
        parts = aap.parts_of(db_session, report)
        by_name = {a["name"]: a for part in parts.values() for a in part.actions}
        workshops, cafe = by_name["Ateliers numériques des aînés"], by_name["Café des aînés"]
        assert (workshops["sessions"], cafe["sessions"]) == (16, 20)
        assert cafe["participations"] == sum(5 + n % 3 + 3 for n in range(20))
        fresnoy = next(p for p in parts.values() if p.post_hours)
        assert fresnoy.post_hours == 32 and fresnoy.post_cost > 0
        assert fresnoy.post_unvalued_hours == 0  # every month's statement is issued
        figures = aap.figures_of(db_session, answer, report)
        assert figures.class_real("86") == figures.class_real("87") > 0
        aap.sign_report(
            db_session,
            answer,
            report,
            name="Martine Leroy",
            quality="Présidente",
            on=date.today(),
            user_id=ctx.user_id,
        )
        assert report.is_signed
