"""The kernel's bounded fields, base form, form-view helper and URL converters."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms import ValidationError

from ensemble.kernel import fields as f
from ensemble.kernel.forms import Form, Optional, Required
from ensemble.kernel.refusal import Refusal


class Sample(Form):
    class Meta:
        csrf = False

    amount = f.EurosField("Montant", [Required("Indiquez le montant.")])
    hours = f.HoursField("Heures", [Optional()], minimum=1, maximum=48)
    share = f.PercentField("Part", [Optional()], minimum=1, range_message="Entre 1 et 100 %.")
    people = f.CountField("Personnes", [Optional()])
    year = f.YearField("Année", [Optional()])
    day = f.DateField("Jour", [Optional()])
    typed_day = f.DateField("Jour tapé", [Optional()], picker=False)
    month = f.MonthField("Mois", [Optional()])
    at = f.TimeField("Heure", [Optional()])
    title = f.TextField("Titre", [Optional()], max_length=10)
    body = f.TextAreaField("Texte", [Optional()], max_length=100)
    email = f.EmailField("Courriel", [Optional()])
    row = f.IdField()

    def validate_title(self, field):
        if field.data == "boom":
            raise ValueError("« boom » n’est pas un titre.")  # a mistake the form survives


def _form(app, **values) -> Sample:
    data = {"amount": "10", **values}
    with app.test_request_context(method="POST", data=data):
        form = Sample(formdata=MultiDict(data))
        form.validate()
        return form


def _errors(form) -> dict[str, list[str]]:
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "1e30", "Indiquez un nombre"),
        ("amount", "   ", "Indiquez le montant."),
        (
            "amount",
            "10000000000",
            "Montant trop élevé : au plus 9\u202f999\u202f999\u202f999,99\u00a0€.",
        ),
        ("amount", "-5", "Le montant ne peut pas être négatif."),
        ("amount", "-0", "« −0 » n’est pas un nombre"),
        ("amount", "1,234", "Au plus 2 chiffres après la virgule."),
        ("amount", "١٢", "Indiquez un nombre"),
        ("hours", "49", "Durée trop longue : au plus 48,00\u00a0h."),
        ("share", "150", "Entre 1 et 100 %."),
        ("people", "999999999999", "Nombre trop grand : au plus 2\u202f147\u202f483\u202f647."),
        ("people", "9" * 400, "Nombre trop grand"),
        ("year", "99999999", "Une année entre 1900 et 2100."),
        ("day", "0001-01-01", "Une date entre le 01/01/1900 et le 31/12/2100."),
        ("typed_day", "1/1/26", "quatre chiffres"),
        ("month", "99999999-01", "Indiquez un mois valide"),
        ("at", "25:00", "Une heure entre 00:00 et 23:59."),
        ("title", "x" * 11, "10 caractères au plus."),
        ("email", "pas une adresse", "Cette adresse e-mail n’est pas valide."),
        ("row", "9223372036854775808", "Valeur invalide"),
        ("title", "boom", "« boom » n’est pas un titre."),
    ],
)
def test_each_field_refuses_with_a_french_message_saying_what_is_accepted(
    app, field, value, message
):
    form = _form(app, **{field: value})
    errors = _errors(form)
    assert list(errors) == [field], errors
    assert errors[field][0].startswith(message) or message in errors[field][0], errors
    assert len(errors[field]) == 1  # one clear message, not a range error on top


def test_values_read_the_french_way(app):
    form = _form(
        app,
        amount="1 234,56 €",
        hours="7,5 h",
        share="63 %",
        people="1\u202f488",
        day="2026-12-31",
        typed_day="31/12/2026",
        month="12/2026",
        at="14h30",
        title="  Atelier  ",
        body="ligne 1\x0bligne 2\x00",
        row="42",
    )
    assert not form.errors, _errors(form)
    assert form.amount.data == Decimal("1234.56")
    assert form.hours.data == Decimal("7.50")
    assert form.share.data == Decimal("63.00")
    assert form.people.data == 1488
    assert form.day.data == form.typed_day.data == date(2026, 12, 31)
    assert form.month.data == date(2026, 12, 1)
    assert form.title.data == "Atelier"
    assert form.body.data == "ligne 1\nligne 2"  # a vertical tab from Word is a newline
    assert form.row.data == 42


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.fixed_dictionaries(
        {
            name: st.text(max_size=40)
            for name in (
                "amount",
                "hours",
                "share",
                "people",
                "year",
                "day",
                "typed_day",
                "month",
                "at",
                "title",
                "email",
                "row",
            )
        }
    )
)
def test_no_value_makes_a_field_crash_and_accepted_values_fit_their_bounds(app, values):
    form = _form(app, **values)
    accepted = {name for name in values if not form[name].errors}
    if "amount" in accepted and form.amount.data is not None:
        assert 0 <= form.amount.data <= f.column_maximum(12, 2)
    if "people" in accepted and form.people.data is not None:
        assert 0 <= form.people.data <= f.INT4_MAX
    if "day" in accepted and form.day.data is not None:
        assert f.EARLIEST <= form.day.data <= f.LATEST
    if "title" in accepted and form.title.data is not None:
        assert len(form.title.data) <= 10 and "\x00" not in form.title.data


def test_every_form_of_the_platform_is_a_kernel_form_and_its_messages_never_crash(app):
    from flask_wtf import FlaskForm

    import ensemble.discovery  # noqa: F401 - every capability imported with the app

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    found = [c for c in subclasses(FlaskForm) if c.__module__.startswith("ensemble.")]
    assert len(found) > 40
    outside = [c.__qualname__ for c in found if not issubclass(c, Form)]
    assert not outside, f"forms that do not derive from ensemble.kernel.forms.Form: {outside}"
    from wtforms.fields.core import UnboundField
    from wtforms.validators import Length, NumberRange

    checked = 0
    with app.test_request_context():
        for form_class in found:
            for name in dir(form_class):
                unbound = getattr(form_class, name, None)
                if not isinstance(unbound, UnboundField):
                    continue
                given = unbound.kwargs.get("validators")
                if given is None and len(unbound.args) > 1:
                    given = unbound.args[1]
                for validator in given or []:
                    checked += 1
                    if isinstance(validator, Length | NumberRange) and validator.message:
                        # What WTForms does with such a message: it must not raise.
                        str(validator.message) % {"min": 1, "max": 2}
    assert checked > 50


def test_form_view_helper_rolls_back_what_the_refused_operation_flushed(app, demo, db_session):
    from ensemble.audit.models import AuditAction, AuditEntry
    from ensemble.audit.operations import record
    from ensemble.kernel.views import attempt
    from ensemble.tenancy import context

    centre = demo.centre("alma")
    with (
        app.test_request_context(method="POST", data={"amount": "10"}),
        context.using(demo.context_of("claire.vasseur@alma.demo"), db_session),
    ):
        count = select(func.count(AuditEntry.id)).where(AuditEntry.object_type == "walk-test")
        before = db_session.scalar(count)
        form = Sample()

        def write_then_refuse():
            record(db_session, AuditAction.READ, "walk-test", None, centre_id=centre.id)
            db_session.flush()
            raise Refusal("Montant refusé.", "amount")

        assert attempt(form, write_then_refuse) == (False, None)
        assert [str(e) for e in form.amount.errors] == ["Montant refusé."]
        assert db_session.scalar(count) == before

        form = Sample()
        assert attempt(form, lambda: (_ for _ in ()).throw(Refusal("Non.")))[0] is False
        assert form.form_errors == ["Non."]  # no field: the form's own error

        done, _ = attempt(
            Sample(),
            lambda: record(db_session, AuditAction.READ, "walk-test", None, centre_id=centre.id),
        )
        assert done and db_session.scalar(count) == before + 1


def test_check_raises_a_validation_error():
    from ensemble.kernel.forms import check

    check(True, "jamais")
    with pytest.raises(ValidationError):
        check(False, "Cette date est dans le futur.")


@pytest.mark.parametrize(
    "url",
    [
        "/c/alma/aap/appels/9223372036854775808/modifier",
        "/c/alma/aap/appels/0/modifier",
        "/c/alma/aap/appels/%D9%A1/modifier",
        "/c/alma/aap/appels/" + "9" * 40 + "/modifier",
        "/c/alma/equipe/99999999999999999999",
        "/agenda/flux/%D9%A1%D9%A2-" + "a" * 40 + ".ics",
        "/agenda/flux/" + "1" * 300 + ".ics",
        "/c/" + "a" * 300 + "/",
    ],
)
def test_urls_no_row_can_be_named_by_are_404(client, url):
    from conftest import sign_in

    sign_in(client, "claire.vasseur@alma.demo")
    assert client.get(url).status_code == 404


def test_the_largest_bigint_id_is_still_a_route(app):
    adapter = app.url_map.bind("localhost")
    endpoint, args = adapter.match("/c/alma/aap/appels/9223372036854775807/modifier")
    assert endpoint == "aap.edit_call" and args["call_id"] == 2**63 - 1


def test_wtforms_own_french_messages_take_the_typographic_apostrophe(app):
    """WTForms ships « N'est pas un choix valide. »; the interface writes ’."""
    from wtforms import SelectField

    class Choice(Form):
        place = SelectField(choices=["a"])

    with app.test_request_context("/", method="POST", headers={"Accept-Language": "fr"}):
        form = Choice(formdata=MultiDict({"place": "zzz"}), meta={"csrf": False})
        assert not form.validate()
        (message,) = form.errors["place"]
        assert "'" not in message and "\u2019" in message, message
