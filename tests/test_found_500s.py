"""Each request issue 17 found ending in a 500, replayed: now a French refusal (422 on
the form, or 404 for a URL no row can be named by), and nothing written.

« Requests that end in a 500 » and « More 500s that ordinary users hit » (the
convention.docx one is the documents helper's)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from sqlalchemy import func, select
from test_isolation_http import SIDES, _url

from ensemble.tenancy import context

from conftest import csrf_token, sign_in

OWNER = SIDES["centre"]["owner"]  # Fresnoy's director: the samples are his
FRESNOY = "fresnoy-mackellerie"


def url_of(app, demo, db_session, endpoint: str, kind: str = "centre") -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    return _url(rule, kind, SIDES[kind]["slug"], demo, db_session)


@pytest.fixture
def owner(client):
    assert sign_in(client, OWNER).status_code == 302
    return client


def post_form(client, url: str, **fields):
    """GET the form page, keep what its first form shows, change `fields`, POST it back."""
    from lxml import html as lxml_html

    page = lxml_html.fromstring(client.get(url).get_data(as_text=True))
    form = next(
        f
        for f in page.iter("form")
        if (f.get("method") or "").lower() == "post" and f.get("action") in (None, "", url)
    )
    data = {}
    for element in form.iter("input", "select", "textarea"):
        name = element.get("name")
        if not name or element.get("type") in ("submit", "checkbox", "radio", "file"):
            continue
        if element.tag == "select":
            options = [o for o in element.iter("option")]
            chosen = [o for o in options if o.get("selected") is not None] or options[:1]
            data[name] = chosen[0].get("value", "") if chosen else ""
        elif element.tag == "textarea":
            data[name] = element.text or ""
        else:
            data[name] = element.get("value") or ""
    data.update(csrf_token=csrf_token(client, url), **fields)
    return client.post(url, data=data)


def count(db_session, demo, model, email=OWNER) -> int:
    with context.using(demo.context_of(email), db_session):
        return db_session.scalar(select(func.count()).select_from(model))


def refused(response, *messages: str) -> None:
    assert response.status_code == 422, response.status_code
    page = response.get_data(as_text=True)
    for message in messages:
        assert message in page, (message, re.findall(r'class="error"[^>]*>([^<]+)', page))


POST = {
    "title": "Médiateur numérique",
    "arrangement": "secondment",
    "holder_email": "hugo.carpentier@alma.demo",
    "weekly_hours": "35",
    "starts_on": "2026-01-01",
    "drift_threshold_percent": "10",
}


# --- « Requests that end in a 500 » -------------------------------------------------


@pytest.mark.parametrize("field", ["weekly_hours", "drift_threshold_percent"])
def test_1e30_in_a_post_s_hours_or_drift_threshold(app, demo, db_session, owner, field):
    from ensemble.posts.models import SharedPost

    before = count(db_session, demo, SharedPost)
    url = f"/c/{FRESNOY}/postes/nouveau"
    response = owner.post(url, data={**POST, field: "1e30", "csrf_token": csrf_token(owner, url)})
    refused(response, "Indiquez un nombre, par exemple 1\u202f234,56.")
    assert count(db_session, demo, SharedPost) == before


def test_1e30_in_a_time_entry(app, demo, db_session, owner):
    from ensemble.posts.models import TimeEntry

    url = url_of(app, demo, db_session, "posts.centre_time")
    before = count(db_session, demo, TimeEntry)
    refused(post_form(owner, url, hours="1e30", work_date="2026-03-02"), "Indiquez un nombre")
    assert count(db_session, demo, TimeEntry) == before


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1e30", "Indiquez un nombre, par exemple 1\u202f234,56."),
        ("   ", "Indiquez le montant."),  # « a budget amount made only of spaces »
        ("99999999999", "Montant trop élevé : au plus 9\u202f999\u202f999\u202f999,99\u00a0€."),
    ],
)
def test_budget_amounts(app, demo, db_session, owner, amount, message):
    from ensemble.aap.models import AapBudgetLine

    url = url_of(app, demo, db_session, "aap.budget")
    before = count(db_session, demo, AapBudgetLine)
    response = post_form(owner, url, account="641", label="Salaires", amount=amount)
    refused(response, message)
    assert count(db_session, demo, AapBudgetLine) == before


def test_1e30_as_a_call_s_envelope(app, demo, db_session, owner):
    from ensemble.aap.models import AapCall

    url = f"/c/{FRESNOY}/aap/appels/nouveau"
    before = count(db_session, demo, AapCall)
    response = post_form(
        owner, url, funder="caf", title="Appel", deadline="2027-06-30", envelope="1e30"
    )
    refused(response, "Indiquez un nombre")
    assert count(db_session, demo, AapCall) == before


def test_a_count_of_999999999999(app, demo, db_session, owner):
    from ensemble.agenda.models import Event
    from ensemble.posts.models import PostAllocation

    url = url_of(app, demo, db_session, "posts.centre_allocation")
    before = count(db_session, demo, PostAllocation)
    response = post_form(owner, url, share="999999999999", unit="percent", starts_on="2026-01-01")
    refused(response, "Valeur trop élevée : au plus 99\u202f999,99.")
    assert count(db_session, demo, PostAllocation) == before

    url = url_of(app, demo, db_session, "agenda.new_event")
    events = count(db_session, demo, Event)
    response = post_form(
        owner,
        url,
        title="Atelier",
        day="2030-03-04",
        start="09:00",
        end="10:00",
        repeat="WEEKLY",
        count="999999999999",
    )
    refused(response, "Entre 1 et 500 fois.")
    assert count(db_session, demo, Event) == events


def test_a_year_99999999(app, demo, db_session, owner):
    from ensemble.reporting.models import Declaration

    url = f"/c/{FRESNOY}/declarations"
    before = count(db_session, demo, Declaration)
    response = owner.post(url, data={"year": "99999999", "csrf_token": csrf_token(owner, url)})
    # The years are a list of the open campaigns: anything else is not one of them.
    refused(response, "Choisissez une année dans la liste.")
    assert count(db_session, demo, Declaration) == before
    url = f"/c/{FRESNOY}/aap/appels/nouveau"
    response = post_form(owner, url, funder="caf", title="Appel", deadline="99999999-06-30")
    refused(response, "Indiquez une date valide")


def test_an_id_above_the_bigint_range_in_a_url(owner):
    assert owner.get("/c/alma/aap/appels/9223372036854775808/modifier").status_code == 404
    assert owner.get(f"/c/{FRESNOY}/aap/appels/9223372036854775808/modifier").status_code == 404
    url = f"/c/{FRESNOY}/postes/99999999999999999999/"
    assert owner.get(url).status_code == 404


def test_a_date_0001_01_01_for_an_occurrence(app, demo, db_session, owner):
    from ensemble.agenda.models import Event

    url = url_of(app, demo, db_session, "agenda.occurrence")
    before = count(db_session, demo, Event)
    refused(post_form(owner, url, day="0001-01-01"), "Une date entre le 01/01/1900")
    response = post_form(owner, url, occurrence="0001-01-01T09:00")
    assert response.status_code in (404, 422)
    assert count(db_session, demo, Event) == before


@pytest.mark.parametrize(
    "token", ["%D9%A1%D9%A2-" + "a" * 40, "1-" + "é" * 40, "١٢٣-" + "0" * 40, "1-" + "a" * 400]
)
def test_a_non_ascii_token_in_a_feed_url(client, token):
    assert client.get(f"/agenda/flux/{token}.ics").status_code == 404


def test_a_vertical_tab_later_breaks_no_docx_export(app, demo, db_session, owner):
    url = url_of(app, demo, db_session, "aap.section")
    response = post_form(owner, url, body="<p>Un paragraphe\x0bcollé de Word\x0c.</p>")
    assert response.status_code == 302
    docx = owner.get(url_of(app, demo, db_session, "aap.export_docx"))
    assert docx.status_code == 200
    document = zipfile.ZipFile(io.BytesIO(docx.data)).read("word/document.xml").decode()
    assert "collé de Word" in document and "\x0b" not in document


def test_an_alisfa_weighting_of_400_digits(app, demo, db_session, client):
    from ensemble.hr.models import StaffMember

    assert sign_in(client, SIDES["employer"]["owner"]).status_code == 302
    url = url_of(app, demo, db_session, "hr.edit_staff", "employer")
    response = post_form(client, url, alisfa_weighting="9" * 400)
    refused(response, "Entre 0 et 10 000 points.")
    member_id = int(url.rstrip("/").split("/")[-2])
    email = SIDES["employer"]["owner"]
    with context.using(demo.context_of(email), db_session):
        from ensemble.hr import operations

        employer = demo.employer(SIDES["employer"]["slug"])
        with operations.employer_scope(db_session, employer.id):
            assert db_session.get(StaffMember, member_id).alisfa_weighting is None


# --- « More 500s that ordinary users hit » --------------------------------------------


@pytest.mark.parametrize("drift", ["0", "150", "-5"])
def test_a_drift_tolerance_outside_1_to_100(demo, db_session, owner, drift):
    from ensemble.posts.models import SharedPost

    before = count(db_session, demo, SharedPost)
    url = f"/c/{FRESNOY}/postes/nouveau"
    response = owner.post(
        url, data={**POST, "drift_threshold_percent": drift, "csrf_token": csrf_token(owner, url)}
    )
    refused(response, "Entre 1 et 100 %.")
    assert count(db_session, demo, SharedPost) == before


def test_a_training_dated_in_the_future(app, demo, db_session, client, frozen_clock):
    from datetime import date

    from ensemble.hr.models import TrainingRecord as Training

    frozen_clock(date(2026, 12, 3))
    email = SIDES["employer"]["owner"]
    assert sign_in(client, email).status_code == 302
    url = url_of(app, demo, db_session, "hr.add_training", "employer")
    page = url.rsplit("/", 1)[0]
    response = client.post(
        url,
        data={
            "title": "Sauveteur secouriste du travail",
            "completed_on": "04/12/2026",
            "csrf_token": csrf_token(client, page),
        },
    )
    refused(response, "Cette date est dans le futur.")
    employer = demo.employer(SIDES["employer"]["slug"])
    from ensemble.hr import operations

    with (
        context.using(demo.context_of(email), db_session),
        operations.employer_scope(db_session, employer.id),
    ):
        assert db_session.scalar(select(func.count()).select_from(Training)) == 0


# --- Unbounded work ---------------------------------------------------------------------


def test_a_secondly_rule_is_refused_in_french_and_writes_nothing(app, demo, db_session, owner):
    from ensemble.agenda.models import Busy, Event

    url = url_of(app, demo, db_session, "agenda.new_event")
    before = count(db_session, demo, Event), count(db_session, demo, Busy)
    response = post_form(
        owner,
        url,
        title="Atelier",
        day="2030-03-04",
        start="09:00",
        end="10:00",
        repeat="CUSTOM",
        rrule="FREQ=SECONDLY;COUNT=999999999",
    )
    refused(response, "au plus une fois par jour")
    assert (count(db_session, demo, Event), count(db_session, demo, Busy)) == before


def test_a_body_above_the_limit_is_a_french_413(app, owner):
    url = f"/c/{FRESNOY}/aap/appels/nouveau"
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = owner.post(url, data={"eligibility": big, "csrf_token": csrf_token(owner, url)})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Envoi trop volumineux" in page and "12\u00a0Mo" in page
