"""What federation reporting offers the other capabilities through the
foundation (ensemble.sharing.activity): the sectors and the catalogue of a
campaign, and a way to put figures pre-filled elsewhere into a centre's draft
declaration, which the centre then submits as any other."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy.orm import Session

from ensemble.network.models import Centre
from ensemble.reporting import operations as reporting
from ensemble.sharing import activity

activity.register_sectors(reporting.SECTORS)


@activity.catalogue_reader
def campaign_catalogue(session: Session, year: int) -> list[activity.CatalogueLine]:
    return [
        activity.CatalogueLine(
            code=i.code,
            sector=i.sector,
            label=i.label,
            unit=i.unit,
            breakdown=i.breakdown,
            breakdown_keys=reporting.BREAKDOWNS[i.breakdown],
        )
        for i in reporting.catalogue(session, year)
    ]


@activity.declaration_writer
def put_into_declaration(
    session: Session,
    centre_id: int,
    year: int,
    figures: Mapping[tuple[str, str], Decimal],
    comments: Mapping[str, str],
) -> None:
    declaration = reporting.declaration_for(session, session.get_one(Centre, centre_id), year)
    kept = {v.indicator_code: v.comment for v in declaration.values if v.breakdown_key == ""}
    reporting.set_values(session, declaration, figures, {**kept, **comments})
