"""Network figures of joint answers: per centre and year, the answers it took
part in that were submitted, and those that were granted (won); the amount
granted is attributed to the lead (chef de file) alone, who receives it for the
project, so that the network's total counts it once (7 500 € between two centres
is 7 500 €, not 15 000 €).

Runs on the reporting role, which reads only the answers' lifecycle columns
(never a dossier)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ensemble.aap.models import AapAnswer, AnswerStatus
from ensemble.sharing.cooperation import CooperationFigure, cooperation_provider, network_label

network_label("joint_answers.submitted", _l("Réponses communes déposées (participations)"), "count")
network_label("joint_answers.won", _l("Réponses communes retenues (participations)"), "count")
network_label(
    "joint_answers.granted",
    _l("Montants accordés aux réponses communes retenues (comptés une fois, au chef de file)"),
    "euros",
)


@cooperation_provider("joint_answers")
def cooperation_figures(session: Session, year: int) -> list[CooperationFigure]:
    first = datetime(year, 1, 1, tzinfo=UTC)
    last = datetime(year + 1, 1, 1, tzinfo=UTC)
    rows = session.execute(
        select(
            AapAnswer.status,
            AapAnswer.lead_centre_id,
            AapAnswer.submitted_centre_ids,
            AapAnswer.granted_amount,
        ).where(AapAnswer.submitted_at >= first, AapAnswer.submitted_at < last)
    ).all()
    submitted: dict[int, int] = defaultdict(int)
    won: dict[int, int] = defaultdict(int)
    granted: dict[int, Decimal] = defaultdict(Decimal)
    for row in rows:
        for centre_id in row.submitted_centre_ids:
            submitted[centre_id] += 1
            if row.status == AnswerStatus.GRANTED:
                won[centre_id] += 1
        if row.status == AnswerStatus.GRANTED:
            granted[row.lead_centre_id] += row.granted_amount
    figures = []
    for centre_id in sorted(submitted):
        figures += [
            CooperationFigure(
                "joint_answers.submitted",
                "Réponses communes à des appels à projets déposées",
                "count",
                centre_id,
                Decimal(submitted[centre_id]),
            ),
            CooperationFigure(
                "joint_answers.won",
                "Réponses communes à des appels à projets retenues",
                "count",
                centre_id,
                Decimal(won[centre_id]),
            ),
            CooperationFigure(
                "joint_answers.granted",
                "Montant accordé aux réponses communes retenues qu’il porte (chef de file)",
                "euros",
                centre_id,
                granted[centre_id],
            ),
        ]
    return figures
