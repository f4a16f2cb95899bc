"""Actions in a real browser. An animator of Alma records a session's
attendance on a 360 px phone: ticks the registered children, types the
numbers, loses the connection while saving, comes back and finds what she
typed, and saves. Then Alma's director reviews the pre-filled declaration,
corrects a figure with its reason and carries the figures over. Screenshots
in tests/artifacts/."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.no_db_rollback]

PASSWORD = "ensemble-demo"
ALMA_DIRECTOR = "claire.vasseur@alma.demo"
ALMA_STAFF = "ines.mercier@alma.demo"
SMALL_PHONE = {"width": 360, "height": 740}


def _action_with_a_past_session(live_server) -> tuple[int, int]:
    """What the director did beforehand: Kassoumaï, weekly from 13 days ago,
    three children registered. Committed to the live server's database."""
    from ensemble.activity import operations as activity
    from ensemble.extensions import db
    from ensemble.kernel import clock
    from ensemble.network.models import Centre
    from ensemble.people.models import User
    from ensemble.tenancy import context
    from ensemble.tenancy.scopes import context_for_user

    with live_server.app.app_context():
        with context.using(context.system_context(is_admin=True), db.session):
            alma = db.session.query(Centre).filter_by(slug="alma").one()
            director = db.session.query(User).filter_by(email=ALMA_DIRECTOR).one()
        with context.using(context_for_user(db.session, director.id), db.session):
            action = activity.save_action(
                db.session,
                alma,
                name="Kassoumaï (parcours navigateur)",
                sector="parentalite",
                public="Parents et enfants de 0 à 5 ans",
                place="Espace Kassoumaï",
                indicators={"people": "pa.enfants", "days": "pa.jours_accueil"},
            )
            sessions = activity.plan_sessions(
                db.session,
                action,
                first_day=clock.today() - timedelta(days=13),
                start=time(9),
                end=time(12),
                count=2,
            ).sessions
            for name in ("Lina B.", "Noé D.", "Sacha M."):
                activity.register_participant(
                    db.session, action, display_name=name, consent=True, birth_year=2022
                )
            ids = (action.id, sessions[0].id)
        db.session.commit()
        return ids


def _fits(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page is {scroll}px wide on a {width}px screen"


def test_an_animator_records_attendance_on_a_phone_and_the_director_reviews(
    phone_page, live_server
):
    ui, page = phone_page, phone_page.page
    page.set_viewport_size(SMALL_PHONE)
    _action_id, session_id = _action_with_a_past_session(live_server)

    ui.visit("/connexion")
    ui.sign_in(ALMA_STAFF, PASSWORD)
    ui.check_a11y()
    ui.visit("/c/alma/actions/")
    _fits(page, 360)
    ui.screenshot("activity-01-phone-to-record")
    page.locator(f"a[href$='/seances/{session_id}/presences']").first.click()
    ui.check_a11y()
    _fits(page, 360)
    expect(page.get_by_role("heading", level=1)).to_have_text("Présences")

    # Large targets: each person is a whole row to tap.
    row = page.locator("label.attendance-person").first
    assert row.bounding_box()["height"] >= 44
    page.get_by_label("Lina B.").check()
    page.get_by_label("Noé D.").check()
    expect(page.locator(".attendance-ticked")).to_have_text("(2 cochées)")
    page.get_by_label("Nombre de participants").fill("5")
    page.locator("summary", has_text="Répartition").click()
    page.get_by_label("Femmes").fill("3")
    page.get_by_label("Hommes").fill("2")
    page.get_by_label("Bénévoles présents").fill("1")
    page.get_by_label("Heures de bénévolat (toutes et tous ensemble)").fill("3")
    ui.screenshot("activity-02-phone-typed")

    # The connection drops as she saves: the request never reaches the app
    # (what a phone gets from a gateway when the network goes).
    def gateway_down(route):
        if route.request.method == "POST":
            route.fulfill(
                status=503,
                content_type="text/html; charset=utf-8",
                body="<!doctype html><html lang='fr'><title>Indisponible</title>"
                "<main><h1>Réseau indisponible</h1></main></html>",
            )
        else:
            route.continue_()

    attendance = f"**/c/alma/seances/{session_id}/presences"
    page.route(attendance, gateway_down)
    page.get_by_role("button", name="Enregistrer les présences").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Réseau indisponible")
    page.unroute(attendance)

    # Back online, the page again: what she typed is there, and says so.
    ui.visit(f"/c/alma/seances/{session_id}/presences")
    expect(page.locator(".attendance-restored")).to_be_visible()
    expect(page.get_by_label("Lina B.")).to_be_checked()
    expect(page.get_by_label("Sacha M.")).not_to_be_checked()
    expect(page.get_by_label("Nombre de participants")).to_have_value("5")
    expect(page.get_by_label("Femmes")).to_be_visible()  # its section opened again
    expect(page.get_by_label("Femmes")).to_have_value("3")
    ui.screenshot("activity-03-phone-restored")
    page.get_by_role("button", name="Enregistrer les présences").click()
    ui.check_a11y()
    expect(page.locator(".flash-success")).to_contain_text("Présences enregistrées.")
    _fits(page, 360)

    # Saved: the draft is gone, the page shows what the server holds.
    ui.visit(f"/c/alma/seances/{session_id}/presences")
    expect(page.locator(".attendance-restored")).to_be_hidden()
    expect(page.get_by_label("Nombre de participants")).to_have_value("5")
    ui.screenshot("activity-04-phone-recorded")

    # --- The director reviews the declaration pre-filled from that attendance.
    from ensemble.kernel import clock

    year = clock.today().year
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("button", name="Se déconnecter").click()
    ui.check_a11y()
    ui.visit("/connexion")
    ui.sign_in(ALMA_DIRECTOR, PASSWORD)
    ui.check_a11y()
    ui.visit(f"/c/alma/actions/declaration?annee={year}")
    page.get_by_role("button", name="Recalculer maintenant").click()
    ui.check_a11y()
    row = page.locator("tr", has_text="Enfants accompagnés (parentalité)").first
    expect(row).to_contain_text("1 séance")
    expect(row.locator("td.num")).to_have_text("2")
    row.get_by_label("Chiffre corrigé — Enfants accompagnés (parentalité)").fill("3")
    row.get_by_label("Raison de la correction — Enfants accompagnés (parentalité)").fill(
        "Un enfant venu sans être inscrit"
    )
    row.get_by_role("button", name="Corriger").click()
    ui.check_a11y()
    expect(page.locator(".flash-success")).to_contain_text("La correction est enregistrée")
    ui.screenshot("activity-05-director-review")
    page.get_by_role("button", name=f"Reporter dans la déclaration {year}").click()
    ui.check_a11y()
    expect(page.locator(".flash-success")).to_contain_text("reportés dans la déclaration")
    ui.screenshot("activity-06-carried-over")
