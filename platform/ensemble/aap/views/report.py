"""The grant's financial report (compte rendu financier, Cerfa nº 15059*02) of a
granted answer: the lead's page (what it covers, the figures of every party, the
signature), each party's own part, and the downloads (PDF, DOCX, ODT)."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, request, send_file
from flask_babel import gettext as _

from ensemble.aap import forms, permissions, report_exports
from ensemble.aap import operations as aap
from ensemble.aap.models import AapAnswer, AapFinancialReport, AnswerStatus
from ensemble.aap.views.common import DOCX, ODT, _answer_or_404, _common, _url, _user_id, route
from ensemble.extensions import db
from ensemble.kernel import clock
from ensemble.kernel.views import act, attempt, page, require
from ensemble.network.models import Centre
from ensemble.sharing.models import PartyStatus
from ensemble.tenancy import context
from ensemble.tenancy.urls import object_arg

# A granted answer: its own argument, so that the route walks get a granted sample.
object_arg("granted_answer_id", AapAnswer)


def _granted_or_404(centre: Centre, answer_id: int) -> AapAnswer:
    item = _answer_or_404(centre, answer_id)
    if item.status is not AnswerStatus.GRANTED:
        abort(404)
    return item


def _report_or_404(item: AapAnswer) -> AapFinancialReport:
    report = aap.report_of(db.session, item)
    if report is None:
        abort(404)
    return report


def _fills_a_part(item: AapAnswer, centre: Centre) -> bool:
    party = aap.party_for(item, centre)
    return (
        party is not None
        and party.status is PartyStatus.ACTIVE
        and centre.id in context.current().director_centre_ids
    )


def _settings_form(item: AapAnswer, report: AapFinancialReport | None):
    if report is not None:
        return forms.ReportSettingsForm(obj=report)
    start, end = aap.default_period(item)
    return forms.ReportSettingsForm(
        data={
            "period_start": start,
            "period_end": end,
            "hourly_rate": aap.SMIC_HOURLY_GROSS,
            "gap_threshold": aap.GAP_THRESHOLD_PERCENT,
        }
    )


def _report_page(centre: Centre, item: AapAnswer, report, settings_form, sign_form):
    names = {p.id: p.label for p in item.agreement.parties}
    figures = parts = missing = None
    if report is not None:
        figures = aap.figures_of(db.session, item, report)
        parts = aap.parts_of(db.session, report)
        missing = aap.missing_for_signature(db.session, item, report)
    return page(
        "aap/report.html",
        report=report,
        figures=figures,
        parts=parts,
        missing=missing,
        names=names,
        parties=aap.active_parties(item),
        attachments=aap.attachments(db.session, item),
        settings_form=settings_form,
        sign_form=sign_form,
        fills_a_part=_fills_a_part(item, centre),
        **_common(centre, item),
    )


@route("/reponses/<int:granted_answer_id>/compte-rendu", methods=("GET", "POST"))
def report(centre: Centre, granted_answer_id: int):
    """The lead starts the report and says what it covers; every member reads it."""
    item = _granted_or_404(centre, granted_answer_id)
    current = aap.report_of(db.session, item)
    form = _settings_form(item, current)
    if request.method == "POST":
        require(permissions.is_lead_director(item, context.current()))

    def save():
        settings = {
            "period_start": form.period_start.data,
            "period_end": form.period_end.data,
            "hourly_rate": form.hourly_rate.data,
            "gap_threshold": form.gap_threshold.data,
        }
        if current is None:
            started = aap.start_report(db.session, item, **settings)
            if form.summary.data:
                aap.update_report(db.session, item, started, summary=form.summary.data, **settings)
            return started
        return aap.update_report(
            db.session, item, current, summary=form.summary.data or "", **settings
        )

    done, _saved = attempt(form, save)
    if done:
        flash(
            _("Compte rendu financier commencé.")
            if current is None
            else _("Compte rendu financier enregistré."),
            "success",
        )
        return redirect(_url("report", centre, granted_answer_id=item.id))
    sign_form = forms.SignReportForm(data={"signed_on": clock.today()})
    return _report_page(centre, item, current, form, sign_form)


@route("/reponses/<int:granted_answer_id>/compte-rendu/signer", methods=("POST",))
def sign_report(centre: Centre, granted_answer_id: int):
    item = _granted_or_404(centre, granted_answer_id)
    current = _report_or_404(item)
    require(permissions.is_lead_director(item, context.current()))
    form = forms.SignReportForm()
    done, _signed = attempt(
        form,
        lambda: aap.sign_report(
            db.session,
            item,
            current,
            name=form.name.data or "",
            quality=form.quality.data or "",
            on=form.signed_on.data,
            user_id=_user_id(),
        ),
    )
    if done:
        flash(
            _("Compte rendu financier signé : téléchargez-le pour l’envoyer au financeur."),
            "success",
        )
        return redirect(_url("report", centre, granted_answer_id=item.id))
    return _report_page(centre, item, current, _settings_form(item, current), form)


# --- A party's part ---------------------------------------------------------------------


def _part_page(centre, item, current, real_form=None, comment_form=None):
    party = aap.party_for(item, centre)
    assert party is not None  # _fills_a_part said so
    figures = aap.figures_of(db.session, item, current)
    part = aap.parts_of(db.session, current).get(party.id)
    own = figures.lines_of(party.id)
    if real_form is None:
        real_form = forms.RealAmountForm()
        raw = request.args.get("ligne", "")
        editing = next(
            (line for line in own if raw.isdigit() and line.budget_line_id == int(raw)), None
        )
        if editing is not None:
            real_form = forms.RealAmountForm(
                data={
                    "budget_line_id": editing.budget_line_id,
                    "amount": None if editing.computed else editing.real,
                    "explanation": editing.explanation,
                }
            )
    editing_line = next(
        (
            line
            for line in own
            if real_form.budget_line_id.data == line.budget_line_id
            and line.budget_line_id is not None
        ),
        None,
    )
    return page(
        "aap/report_part.html",
        report=current,
        part=part,
        lines=own,
        totals=figures.by_party.get(party.id),
        editing=editing_line,
        real_form=real_form,
        comment_form=comment_form
        or forms.PartCommentForm(data={"comment": part.comment if part else ""}),
        refresh_form=forms.RefreshPartForm(),
        **_common(centre, item),
    )


def _part_context(centre: Centre, answer_id: int):
    item = _granted_or_404(centre, answer_id)
    current = _report_or_404(item)
    require(_fills_a_part(item, centre))
    return item, current


@route("/reponses/<int:granted_answer_id>/compte-rendu/part", methods=("GET", "POST"))
def report_part(centre: Centre, granted_answer_id: int):
    """The party's real amounts, line by line, with the explanation of their gaps."""
    item, current = _part_context(centre, granted_answer_id)
    form = forms.RealAmountForm() if request.method == "POST" else None
    if form is not None:
        done, _line = attempt(
            form,
            lambda: aap.enter_real(
                db.session,
                item,
                current,
                centre,
                amount=form.amount.data,
                explanation=form.explanation.data or "",
                budget_line_id=form.budget_line_id.data,
                account=form.account.data or "",
                label=form.label.data or "",
            ),
        )
        if done:
            flash(_("Montant réel enregistré."), "success")
            return redirect(_url("report_part", centre, granted_answer_id=item.id))
    return _part_page(centre, item, current, real_form=form)


@route("/reponses/<int:granted_answer_id>/compte-rendu/commentaires", methods=("POST",))
def report_comment(centre: Centre, granted_answer_id: int):
    item, current = _part_context(centre, granted_answer_id)
    form = forms.PartCommentForm()
    done, _part = attempt(
        form,
        lambda: aap.save_part_comment(db.session, item, current, centre, form.comment.data or ""),
    )
    if done:
        flash(_("Commentaires enregistrés."), "success")
        return redirect(_url("report_part", centre, granted_answer_id=item.id))
    return _part_page(centre, item, current, comment_form=form)


@route("/reponses/<int:granted_answer_id>/compte-rendu/actualiser", methods=("POST",))
def report_refresh(centre: Centre, granted_answer_id: int):
    """Read the centre's funded sessions again and value the shared post's time."""
    item, current = _part_context(centre, granted_answer_id)
    return act(
        forms.RefreshPartForm(),
        lambda: aap.refresh_part(db.session, item, current, centre),
        success=_("Chiffres de vos actions actualisés."),
        back=_url("report_part", centre, granted_answer_id=item.id),
    )


@route("/reponses/<int:granted_answer_id>/compte-rendu/supprimer", methods=("POST",))
def report_delete_real(centre: Centre, granted_answer_id: int):
    item, current = _part_context(centre, granted_answer_id)
    form = forms.DeleteRealForm()
    return act(
        form,
        lambda: aap.delete_real(db.session, item, current, centre, form.line_id.data),
        success=_("Ligne supprimée."),
        back=_url("report_part", centre, granted_answer_id=item.id),
    )


# --- Downloads ---------------------------------------------------------------------------


def _download(centre: Centre, answer_id: int, fmt: str, mimetype: str):
    item = _granted_or_404(centre, answer_id)
    current = _report_or_404(item)
    content = report_exports.render_report(report_exports.report_data(item, current), fmt)
    return send_file(
        io.BytesIO(content),
        mimetype=mimetype,
        as_attachment=True,
        download_name=f"compte-rendu-financier-{item.id}.{fmt}",
    )


@route("/reponses/<int:granted_answer_id>/compte-rendu.pdf")
def report_pdf(centre: Centre, granted_answer_id: int):
    return _download(centre, granted_answer_id, "pdf", "application/pdf")


@route("/reponses/<int:granted_answer_id>/compte-rendu.docx")
def report_docx(centre: Centre, granted_answer_id: int):
    return _download(centre, granted_answer_id, "docx", DOCX)


@route("/reponses/<int:granted_answer_id>/compte-rendu.odt")
def report_odt(centre: Centre, granted_answer_id: int):
    return _download(centre, granted_answer_id, "odt", ODT)
