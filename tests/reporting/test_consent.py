"""A centre's figures by name: visible to its federation only where the centre agreed.

In the demo, the Nord federation validated 2019–2021 for Alma (which agreed to be
shown by name) and for ECHO, Pile Sainte-Elisabeth… (which did not). Proven in
SQL through the runtime role (the policy on reporting_values and the view
reporting_shared_figures) and over HTTP (the page, its exports, the consent form).
"""

from __future__ import annotations

import contextlib
import io

from openpyxl import load_workbook
from sqlalchemy import select, text
from test_rls import refused, rows

from ensemble.reporting.models import Declaration, Status
from ensemble.tenancy import context
from reporting.support import ALMA_DIRECTOR, ECHO_DIRECTOR, NORD_ANALYST, SSD_ANALYST

from conftest import csrf_token, sign_in

YEAR = 2021
PAGE = "/f/nord/chiffres-des-centres"


def _values(session, centre_id: int, year: int = YEAR) -> int:
    return rows(
        session,
        "SELECT count(*) FROM reporting_values WHERE centre_id = :c AND year = :y",
        c=centre_id,
        y=year,
    )[0][0]


def _shared(session, centre_id: int, year: int = YEAR) -> int:
    return rows(
        session,
        "SELECT count(*) FROM reporting_shared_figures WHERE centre_id = :c AND year = :y",
        c=centre_id,
        y=year,
    )[0][0]


def _declaration_id(session, centre_id: int, year: int = YEAR) -> int:
    with context.using(context.system_context(is_admin=True), session):
        return session.scalar(
            select(Declaration.id).where(
                Declaration.centre_id == centre_id, Declaration.year == year
            )
        )


def test_the_analyst_reads_a_consenting_centres_figures_and_not_the_others(
    demo, db_session, as_user
):
    alma, echo = demo.centre("alma").id, demo.centre("echo").id
    with as_user(NORD_ANALYST):
        # Both declarations are validated and visible as declarations (completeness)...
        statuses = dict(
            rows(
                db_session,
                "SELECT centre_id, status FROM reporting_declarations WHERE year = :y",
                y=YEAR,
            )
        )
        assert statuses[alma] == statuses[echo] == "validated"
        # ...but only Alma's figures are readable, in the table and in the view.
        assert _values(db_session, alma) > 0 and _shared(db_session, alma) > 0
        assert _values(db_session, echo) == 0 and _shared(db_session, echo) == 0
        names = {r[0] for r in rows(db_session, "SELECT centre_name FROM reporting_shared_figures")}
        assert names == {"Centre Social Alma"}
    # The centre itself still reads its own figures.
    with as_user(ECHO_DIRECTOR):
        assert _values(db_session, echo) > 0


def test_an_analyst_of_another_federation_sees_nothing(demo, db_session, as_user):
    with as_user(SSD_ANALYST):
        assert _values(db_session, demo.centre("alma").id) == 0
        assert rows(db_session, "SELECT count(*) FROM reporting_shared_figures")[0][0] == 0


def test_figures_under_review_stay_readable_without_consent(demo, db_session, as_user):
    """The federation checks what was submitted, whether or not the centre agreed."""
    from decimal import Decimal

    from ensemble.reporting import operations as reporting

    echo = demo.centre("echo")
    with as_user(ECHO_DIRECTOR):
        declaration = reporting.declaration_for(db_session, echo, 2022)
        reporting.set_values(db_session, declaration, {("pe.enfants", ""): Decimal(90)})
        assert reporting.submit(db_session, declaration) == []
    with as_user(NORD_ANALYST):
        assert _values(db_session, echo.id, 2022) == 1
        assert _shared(db_session, echo.id, 2022) == 0  # not validated: not on the page
        # The year before is readable while 2022 is checked (the year-on-year check)...
        assert _values(db_session, echo.id, 2021) > 0
        assert reporting.previous_figures(db_session, declaration)
        assert _values(db_session, echo.id, 2020) == 0  # ...and no other year
        assert _shared(db_session, echo.id, 2021) == 0  # never on the page of named figures
        reporting.validate(db_session, declaration)
    with as_user(NORD_ANALYST):
        # Checked and validated: without consent, neither year is readable any more.
        assert _values(db_session, echo.id, 2021) == 0
        assert _values(db_session, echo.id, 2022) == 0


def test_withdrawing_consent_hides_the_figures_and_giving_it_shows_them(demo, db_session, as_user):
    alma, echo = demo.centre("alma").id, demo.centre("echo").id
    with as_user(ALMA_DIRECTOR):
        # A validated declaration: the director may still change the consent.
        db_session.execute(
            Declaration.__table__.update()
            .where(Declaration.centre_id == alma, Declaration.year == YEAR)
            .values(share_centre_figures=False)
        )
    with as_user(NORD_ANALYST):
        assert _values(db_session, alma) == 0 and _shared(db_session, alma) == 0
        assert _values(db_session, alma, 2020) > 0  # another year's consent stands
    with as_user(ECHO_DIRECTOR):
        db_session.execute(
            Declaration.__table__.update()
            .where(Declaration.centre_id == echo, Declaration.year == YEAR)
            .values(share_centre_figures=True)
        )
    with as_user(NORD_ANALYST):
        # Consent alone shows nothing: the figures follow the release that names the
        # centre (found by the red team: three consenting centres, not yet named,
        # subtracted from the network total gave the only other centre exactly).
        assert _values(db_session, echo) == 0 and _shared(db_session, echo) == 0
    with _named_in_latest_release(demo, echo), as_user(NORD_ANALYST):
        assert _values(db_session, echo) > 0 and _shared(db_session, echo) > 0


@contextlib.contextmanager
def _named_in_latest_release(demo, centre_id: int):
    """What the next run does once disclosure control allows naming the centre,
    written by the workers' role (committed, then undone)."""
    from ensemble.extensions import db

    nord = demo.federation("nord").id
    latest = (
        "federation_id = :f AND year = :y AND number ="
        " (SELECT max(number) FROM reporting_releases WHERE federation_id = :f AND year = :y)"
    )
    params = {"c": centre_id, "f": nord, "y": YEAR}
    with db.engines["reporting"].begin() as conn:
        conn.execute(
            text(
                "UPDATE reporting_releases SET named_centre_ids = named_centre_ids || :c"
                f" WHERE {latest}"
            ),
            params,
        )
    try:
        yield
    finally:
        with db.engines["reporting"].begin() as conn:
            conn.execute(
                text(
                    "UPDATE reporting_releases SET named_centre_ids ="
                    f" array_remove(named_centre_ids, :c) WHERE {latest}"
                ),
                params,
            )


def test_a_director_changes_nothing_but_the_consent_once_the_declaration_left(
    demo, db_session, as_user
):
    alma = demo.centre("alma").id
    declaration_id = _declaration_id(db_session, alma)
    with as_user(ALMA_DIRECTOR):
        for change in ("status = 'draft'", "validated_at = NULL", "year = 2018"):
            assert refused(
                db_session,
                f"UPDATE reporting_declarations SET {change} WHERE id = :i",
                i=declaration_id,
            ), change
        # Nor may a draft be validated by its own centre.
        draft = rows(
            db_session,
            "INSERT INTO reporting_declarations (centre_id, federation_id, year, status,"
            " share_centre_figures) VALUES (:c, :f, 2030, 'draft', false) RETURNING id",
            c=alma,
            f=demo.centre("alma").federation_id,
        )[0][0]
        assert refused(
            db_session,
            "UPDATE reporting_declarations SET status = 'validated' WHERE id = :i",
            i=draft,
        )
        # Another centre's declaration: not even reachable.
        echo_id = _declaration_id(db_session, demo.centre("echo").id)
        assert (
            db_session.execute(
                Declaration.__table__.update()
                .where(Declaration.id == echo_id)
                .values(share_centre_figures=True)
            ).rowcount
            == 0
        )


# --- Over HTTP ------------------------------------------------------------------------


def test_the_analysts_page_and_exports_name_consenting_centres_only(app, demo, db_session):
    analyst = app.test_client()
    sign_in(analyst, NORD_ANALYST)
    dashboard = analyst.get("/f/nord/tableau-de-bord").get_data(as_text=True)
    assert "/f/nord/chiffres-des-centres" in dashboard
    page = analyst.get(f"{PAGE}?annee={YEAR}&secteur=petite_enfance").get_data(as_text=True)
    assert "Centre Social Alma" in page
    assert "Centre Social ECHO" not in page and "Pile Sainte-Elisabeth" not in page
    # Alma's own 2021 figure (children welcomed), by name.
    assert "Enfants accueillis en halte-garderie" in page
    one = analyst.get(f"{PAGE}?annee={YEAR}&indicateur=pe.enfants").get_data(as_text=True)
    assert "Enfants accueillis en halte-garderie" in one
    assert "Familles accueillies en halte-garderie" not in one.split("<table")[-1]

    csv = analyst.get(f"{PAGE}.csv?annee={YEAR}&secteur=petite_enfance")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.get_data().decode("utf-8-sig")
    assert "Centre Social Alma" in text and "ECHO" not in text
    xlsx = analyst.get(f"{PAGE}.xlsx?annee={YEAR}&secteur=petite_enfance")
    cells = [
        c
        for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True)
        for c in row
        if c is not None
    ]
    assert "Centre Social Alma" in cells and not any("ECHO" in str(c) for c in cells)

    # A validated declaration without consent: its review page shows no figure.
    echo_id = _declaration_id(db_session, demo.centre("echo").id)
    review = analyst.get(f"/f/nord/declarations/{echo_id}").get_data(as_text=True)
    assert "n’a pas accepté" in review and "Chiffres déclarés" not in review

    # Bad filters are ignored, never a 500.
    for query in (
        "annee=abc",
        "annee=1999",
        "secteur=<x>",
        "indicateur=inconnu",
        "secteur=finances&indicateur=pe.enfants",
    ):
        assert analyst.get(f"{PAGE}?{query}").status_code == 200


def test_the_director_withdraws_consent_and_the_page_forgets_the_centre(app, demo, db_session):
    alma_id = demo.centre("alma").id
    declaration_id = _declaration_id(db_session, alma_id)
    director = app.test_client()
    sign_in(director, ALMA_DIRECTOR)
    url = f"/c/alma/declarations/{declaration_id}"
    page = director.get(url).get_data(as_text=True)
    assert "Enregistrer mon choix" in page  # validated, the choice stays the centre's
    token = csrf_token(director, url)
    response = director.post(f"{url}/accord", data={"csrf_token": token})  # box unticked
    assert response.status_code == 302
    assert "Accord retiré" in director.get(url).get_data(as_text=True)

    analyst = app.test_client()
    sign_in(analyst, NORD_ANALYST)
    page = analyst.get(f"{PAGE}?annee={YEAR}").get_data(as_text=True)
    assert "Centre Social Alma" not in page and "Aucun centre n’a donné son accord" in page
    assert "Centre Social Alma" in analyst.get(f"{PAGE}?annee=2020").get_data(as_text=True)

    response = director.post(f"{url}/accord", data={"csrf_token": token, "share": "y"})
    assert response.status_code == 302
    assert "Centre Social Alma" in analyst.get(f"{PAGE}?annee={YEAR}").get_data(as_text=True)
    with context.using(context.system_context(is_admin=True), db_session):
        db_session.expire_all()
        assert db_session.get(Declaration, declaration_id).status is Status.VALIDATED


def test_another_federations_analyst_gets_nothing_over_http(app, demo):
    outsider = app.test_client()
    sign_in(outsider, SSD_ANALYST)
    for url in (PAGE, f"{PAGE}.csv", f"{PAGE}.xlsx"):
        assert outsider.get(url).status_code == 404, url
    own = outsider.get("/f/seine-saint-denis/chiffres-des-centres").get_data(as_text=True)
    assert "Centre Social Alma" not in own and "Aucun centre" in own


def test_consent_says_the_figures_wait_for_the_next_publication(app, demo, db_session):
    """Found by the red team: « la fédération voit vos chiffres » was said at once,
    while the figures wait for a release that may name the centre."""
    echo_id = demo.centre("echo").id
    declaration_id = _declaration_id(db_session, echo_id)
    director = app.test_client()
    sign_in(director, ECHO_DIRECTOR)
    url = f"/c/echo/declarations/{declaration_id}"
    token = csrf_token(director, url)
    response = director.post(f"{url}/accord", data={"csrf_token": token, "share": "y"})
    assert response.status_code == 302
    page = director.get(url).get_data(as_text=True)
    assert "seront nommés à la prochaine publication" in page
    assert "la fédération voit vos chiffres" not in page
    analyst = app.test_client()
    sign_in(analyst, NORD_ANALYST)
    page = analyst.get(f"{PAGE}?annee={YEAR}").get_data(as_text=True)
    assert '<th scope="row">Centre Social ECHO</th>' not in page
    assert "nommé à la prochaine publication" in page
