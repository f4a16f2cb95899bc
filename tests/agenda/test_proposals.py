"""Proposals are bookable: « Proposer un autre créneau » runs the booking's
clash and travel rules before anything is sent, and the pages offer only the
actions that can still succeed (« Accepter », « Retenir le créneau proposé »)."""

from __future__ import annotations

from datetime import datetime

import pytest
from posts.posts_support import FRESNOY_DIRECTOR, OFFICER
from sqlalchemy import func, select

from ensemble.agenda import operations as agenda
from ensemble.agenda.models import Busy, Calendar, Category, Request, RequestStatus
from ensemble.notifications.models import Notification

from conftest import sign_in

CFG = agenda.Settings(travel_minutes=20, share_policy="warn", horizon_days=60)


def _book(session, setup, centre, start, end):
    return agenda.book(
        session,
        session.get(Calendar, setup.calendar_id),
        centre_id=centre,
        category=Category.WORKSHOP,
        title="Séance du mardi",
        starts_local=start,
        ends_local=end,
        config=CFG,
    ).event


def _ask(session, setup, demo, as_user, start, end) -> int:
    with as_user(FRESNOY_DIRECTOR):
        return agenda.ask(
            session,
            session.get(Calendar, setup.calendar_id),
            demo.centre("fresnoy-mackellerie"),
            title="Atelier tablettes",
            category=Category.WORKSHOP,
            starts_local=start,
            ends_local=end,
        ).id


def test_a_proposal_over_the_persons_own_session_is_refused_and_nothing_sent(
    db_session, setup, as_user, demo
):
    request_id = _ask(
        db_session, setup, demo, as_user, datetime(2029, 2, 2, 9), datetime(2029, 2, 2, 11)
    )
    with as_user(OFFICER):
        _book(db_session, setup, setup.alma, datetime(2029, 2, 2, 14), datetime(2029, 2, 2, 16))
        request = db_session.get(Request, request_id)
        notes = db_session.scalar(select(func.count(Notification.id)))
        busy = db_session.scalar(select(func.count(Busy.id)))
        with pytest.raises(agenda.AgendaError, match="ne peut pas être proposé"):
            agenda.propose(db_session, request, datetime(2029, 2, 2, 15), datetime(2029, 2, 2, 17))
        assert request.status is RequestStatus.PENDING
        assert request.proposed_starts_local is None
        assert db_session.scalar(select(func.count(Notification.id))) == notes
        assert db_session.scalar(select(func.count(Busy.id))) == busy


def test_a_proposal_keeps_the_travel_time_to_another_centre(db_session, setup, as_user, demo):
    request_id = _ask(
        db_session, setup, demo, as_user, datetime(2029, 2, 3, 9), datetime(2029, 2, 3, 11)
    )
    with as_user(OFFICER):
        _book(db_session, setup, setup.alma, datetime(2029, 2, 3, 13), datetime(2029, 2, 3, 14))
        request = db_session.get(Request, request_id)
        with pytest.raises(agenda.AgendaError, match="trajet"):
            agenda.propose(
                db_session, request, datetime(2029, 2, 3, 14, 10), datetime(2029, 2, 3, 15)
            )
        agenda.propose(db_session, request, datetime(2029, 2, 3, 14, 20), datetime(2029, 2, 3, 15))
        assert request.status is RequestStatus.PROPOSED


def test_accept_is_not_offered_on_a_clashing_slot(client, db_session, setup, as_user, demo):
    clashing = _ask(
        db_session, setup, demo, as_user, datetime(2029, 2, 4, 9), datetime(2029, 2, 4, 11)
    )
    with as_user(OFFICER):
        _book(db_session, setup, setup.alma, datetime(2029, 2, 4, 10), datetime(2029, 2, 4, 12))
    sign_in(client, OFFICER)
    page = client.get(f"/c/fresnoy-mackellerie/agenda/demandes/{clashing}").get_data(as_text=True)
    assert "ne peut pas être accepté tel quel" in page
    assert "Accepter la demande" not in page
    assert 'value="accepter"' not in page
    assert "Proposer ce créneau" in page


def test_retain_is_not_offered_once_the_proposal_is_taken(client, db_session, setup, as_user, demo):
    proposed = _ask(
        db_session, setup, demo, as_user, datetime(2029, 2, 5, 9), datetime(2029, 2, 5, 11)
    )
    with as_user(OFFICER):
        agenda.propose(
            db_session,
            db_session.get(Request, proposed),
            datetime(2029, 2, 5, 14),
            datetime(2029, 2, 5, 16),
        )
        # Taken since by another booking: the proposal can no longer be retained.
        _book(db_session, setup, setup.alma, datetime(2029, 2, 5, 15), datetime(2029, 2, 5, 16))
    sign_in(client, FRESNOY_DIRECTOR)
    page = client.get(f"/c/fresnoy-mackellerie/agenda/demandes/{proposed}").get_data(as_text=True)
    assert "n’est plus libre" in page
    assert "Retenir le créneau proposé" not in page
    with as_user(FRESNOY_DIRECTOR):
        item = db_session.get(Request, proposed)
        assert agenda.proposal_refusal(db_session, item, config=CFG)
        with pytest.raises(agenda.Clash):
            agenda.take_proposal(db_session, item, config=CFG)
