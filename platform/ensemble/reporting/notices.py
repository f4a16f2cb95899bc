"""Who a declaration waits for, told through the notifications foundation.

The centre and its federation may not read each other's people: the recipients
come from the foundation's definer functions (a centre's directors, a
federation's analysts), which answer only a caller whose scopes cover them.
Each notification names what it waits on (its subject), so handling it marks
it read for everyone who received it:

- ``reporting_declaration:<centre>:<year>``: the centre must declare (a
  reminder, a declaration returned with a question); ended when the centre
  submits;
- ``reporting_review:<declaration>``: the federation must review (submitted,
  a question answered); ended when it validates or returns the declaration.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ensemble.kernel import clock
from ensemble.kernel.refusal import Refusal
from ensemble.network.models import Centre, Federation
from ensemble.notifications import operations as notifications
from ensemble.reporting.models import Declaration, Status


def centre_subject(centre_id: int, year: int) -> str:
    return f"reporting_declaration:{centre_id}:{year}"


def review_subject(declaration_id: int) -> str:
    return f"reporting_review:{declaration_id}"


def centre_link(centre: Centre, declaration: Declaration | None = None) -> str:
    if declaration is None:
        return f"/c/{centre.slug}/declarations"
    return f"/c/{centre.slug}/declarations/{declaration.id}"


def federation_link(session: Session, declaration: Declaration) -> str:
    federation = session.get_one(Federation, declaration.federation_id)
    return f"/f/{federation.slug}/declarations/{declaration.id}"


def remind(session: Session, centre: Centre, year: int) -> int:
    """Remind the centre's directors that its declaration of `year` is awaited, at
    most once a day per centre (the day is in each notification's dedup key).
    Returns how many were reminded now: 0 when the centre already was today."""
    closed = session.scalar(
        text("SELECT app_campaign_closed(:f, :y)"), {"f": centre.federation_id, "y": year}
    )
    if closed:
        raise Refusal(_("La campagne %(year)d est close : plus rien à relancer.", year=year))
    received = session.scalar(
        select(Declaration.id).where(
            Declaration.centre_id == centre.id,
            Declaration.year == year,
            Declaration.status != Status.DRAFT,
        )
    )
    if received is not None:
        raise Refusal(_("La déclaration %(year)d de ce centre est déjà reçue.", year=year))
    directors = notifications.centre_directors(session, centre.id)
    if not directors:
        raise Refusal(_("Ce centre n’a aucune direction inscrite : personne à relancer."))
    return notifications.notify_people(
        session,
        directors,
        _("Déclaration %(year)d attendue par la fédération", year=year),
        body=_(
            "La fédération attend la déclaration %(year)d de %(centre)s.",
            year=year,
            centre=centre.name,
        ),
        link=centre_link(centre),
        centre_id=centre.id,
        dedup_key=f"reporting-remind:{centre.id}:{year}:{clock.today():%Y-%m-%d}",
        subject=centre_subject(centre.id, year),
    )


def returned(session: Session, declaration: Declaration, question: str) -> int:
    """The federation returned the declaration with a question: the centre's directors."""
    centre = session.get_one(Centre, declaration.centre_id)
    notifications.resolve(session, review_subject(declaration.id))
    return notifications.notify_people(
        session,
        notifications.centre_directors(session, centre.id),
        _("Déclaration %(year)d renvoyée avec une question", year=declaration.year),
        body=question[:300],
        link=centre_link(centre, declaration),
        centre_id=centre.id,
        subject=centre_subject(centre.id, declaration.year),
    )


def submitted(session: Session, declaration: Declaration) -> int:
    """The centre submitted: its wait ends, the federation's analysts review."""
    centre = session.get_one(Centre, declaration.centre_id)
    notifications.resolve(session, centre_subject(centre.id, declaration.year))
    return notifications.notify_people(
        session,
        notifications.federation_analysts(session, declaration.federation_id),
        _(
            "Déclaration %(year)d à examiner : %(centre)s",
            year=declaration.year,
            centre=centre.name,
        ),
        body=_(
            "%(centre)s a transmis sa déclaration %(year)d.",
            centre=centre.name,
            year=declaration.year,
        ),
        link=federation_link(session, declaration),
        centre_id=centre.id,
        subject=review_subject(declaration.id),
    )


def answered(session: Session, declaration: Declaration, body: str) -> int:
    """The centre answered the federation's question: its analysts."""
    centre = session.get_one(Centre, declaration.centre_id)
    return notifications.notify_people(
        session,
        notifications.federation_analysts(session, declaration.federation_id),
        _(
            "Réponse de %(centre)s sur sa déclaration %(year)d",
            centre=centre.name,
            year=declaration.year,
        ),
        body=body[:300],
        link=federation_link(session, declaration),
        centre_id=centre.id,
        subject=review_subject(declaration.id),
    )


def validated(session: Session, declaration: Declaration) -> None:
    """The federation validated: nothing waits on the review any more."""
    notifications.resolve(session, review_subject(declaration.id))
