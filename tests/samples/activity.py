"""Samples for the route walk: an action of the tenant's centre with weekly
sessions, the first of which has taken place, and one registered participant,
so the owner opens every page of the actions and an outsider none."""

from datetime import date, time, timedelta

from ensemble.activity import operations as activity
from ensemble.activity import prefill
from ensemble.activity.models import Action, ActionSession
from ensemble.kernel import clock
from ensemble.tenancy import context

from samples import sample


def _action(demo, session, slug, owner_email) -> Action:
    cache = session.info.setdefault("sample_activity", {})
    if slug not in cache:
        centre = demo.centre(slug)
        action = activity.save_action(
            session,
            centre,
            name=f"Action d’exemple {len(cache) + 1}",
            sector="parentalite",
            public="Familles",
            place="Salle polyvalente",
            indicators={"people": "pa.enfants", "days": "pa.jours_accueil"},
        )
        activity.plan_sessions(
            session,
            action,
            first_day=clock.today() - timedelta(days=7),
            start=time(9),
            end=time(11),
            count=3,
        )
        awa = activity.register_participant(session, action, display_name="Awa D.", consent=True)
        # Last year's session, recorded and pre-filled: the review page has lines.
        last_year = clock.today().year - 1
        held = activity.plan_sessions(
            session, action, first_day=date(last_year, 6, 1), start=time(9), end=time(11), count=1
        ).sessions[0]
        activity.record_attendance(session, held, activity.Attendance(present_ids=(awa.id,)))
        prefill.refresh(session, [centre.id], last_year)
        cache[slug] = action.id
    return session.get(Action, cache[slug])


@sample(Action)
def action(demo, session, kind, slug, owner_email):  # noqa: ARG001
    with context.using(demo.context_of(owner_email), session):
        return _action(demo, session, slug, owner_email).id


@sample(ActionSession)
def action_session(demo, session, kind, slug, owner_email):  # noqa: ARG001
    with context.using(demo.context_of(owner_email), session):
        return activity.sessions_of(session, _action(demo, session, slug, owner_email))[0].id
