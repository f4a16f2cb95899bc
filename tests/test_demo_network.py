"""The demo network loads idempotently and matches the brief."""

from __future__ import annotations

from sqlalchemy import func, select

from ensemble.network.models import Centre
from ensemble.people.models import Membership, User
from ensemble.tenancy import context
from tenants.demo import load_network, read_network


def _counts(session):
    return tuple(
        session.scalar(select(func.count()).select_from(m)) for m in (Centre, User, Membership)
    )


def test_loading_twice_changes_nothing(db_session):
    with context.using(context.system_context(is_admin=True), db_session):
        before = _counts(db_session)
        load_network(db_session, read_network())
        db_session.flush()
        assert _counts(db_session) == before


def test_the_roubaix_and_montreuil_centres_with_their_employers(demo):
    assert demo.centre("alma").address.startswith("177 rue de l")
    assert demo.centre("pile-sainte-elisabeth").employer_id == demo.employer("iciela").id
    assert demo.centre("assia-djebar").employer_id == demo.employer("iciela").id
    montreuil = demo.employer("ville-de-montreuil")
    for slug in ("grand-air", "esperanto", "lounes-matoub"):
        assert demo.centre(slug).employer_id == montreuil.id
    assert demo.centre("sfm-montreuil").employer_id != montreuil.id


def test_capability_loaders_are_idempotent(db_session):
    from tenants.demo import capability_loaders

    with context.using(context.system_context(is_admin=True), db_session):
        net = load_network(db_session, read_network())
    for module in capability_loaders():
        module.load(db_session, net)  # already loaded in the template: must change nothing
        db_session.flush()
        module.load(db_session, net)
        db_session.flush()


def test_every_role_has_a_demo_person():
    roles = {m["role"] for p in read_network()["people"] for m in p["memberships"]}
    assert roles == {"director", "staff", "hr_manager", "analyst", "admin"}
