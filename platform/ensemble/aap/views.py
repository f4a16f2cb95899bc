"""Pages of the calls for projects and joint answers, under /c/<centre>/aap/….

The centre named in the URL must take part in the answer (lead, partner or
invited), or the page is a 404; what the person may do follows from their
context (see operations.can_* and is_lead_director)."""

from __future__ import annotations

import functools
import io
import json

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from ensemble.aap import exports, forms, permissions
from ensemble.aap import operations as aap
from ensemble.aap.models import (
    AapAnswer,
    AapCall,
    AapComment,
    AapSection,
    AnswerStatus,
    SectionStatus,
)
from ensemble.extensions import db
from ensemble.kernel import clock
from ensemble.kernel.refusal import Refusal
from ensemble.kernel.views import act, attempt, page, require
from ensemble.network.models import Centre
from ensemble.sharing.models import PartyStatus
from ensemble.tenancy import context
from ensemble.tenancy.navigation import section as nav_section
from ensemble.tenancy.resolve import centre_or_404
from ensemble.tenancy.urls import object_arg

bp = Blueprint("aap", __name__, template_folder="templates")
object_arg("call_id", AapCall)
object_arg("answer_id", AapAnswer)
object_arg("section_id", AapSection)
nav_section("centre", _l("Appels à projets"), "aap.index", order=35)

HISTORY_PAGE = 50  # versions per page of a section's history
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"


def route(rule: str, methods: tuple[str, ...] = ("GET",)):
    """Register `view(centre, …)` under /c/<centre_slug>/aap."""

    def register(view):
        @functools.wraps(view)
        @login_required
        def wrapped(centre_slug: str, **kwargs):
            return view(centre_or_404(centre_slug), **kwargs)

        bp.add_url_rule(f"/c/<centre_slug>/aap{rule}", view.__name__, wrapped, methods=methods)
        return wrapped

    return register


def _url(name: str, centre: Centre, **values) -> str:
    return url_for(f"aap.{name}", centre_slug=centre.slug, **values)


def _answer_or_404(centre: Centre, answer_id: int) -> AapAnswer:
    answer = aap.load_answer(db.session, answer_id)
    if answer is None or not aap.takes_part(answer, centre):
        abort(404)
    return answer


def _section_or_404(answer: AapAnswer, section_id: int) -> AapSection:
    section = next((s for s in answer.sections if s.id == section_id), None)
    if section is None:
        abort(404)
    return section


def _user_id() -> int:
    return context.current().user_id


@bp.context_processor
def helpers():
    return {
        "status_labels": forms.STATUS_LABELS,
        "funder_labels": aap.FUNDER_LABELS,
        "answer_status_labels": {
            AnswerStatus.DRAFT: _("En cours de rédaction"),
            AnswerStatus.SUBMITTED: _("Déposée"),
            AnswerStatus.GRANTED: _("Accordée"),
            AnswerStatus.REFUSED: _("Refusée"),
        },
        "party_status_labels": {
            PartyStatus.INVITED: _("invité"),
            PartyStatus.ACTIVE: _("partenaire"),
            PartyStatus.DECLINED: _("a décliné"),
            PartyStatus.LEFT: _("ne participe plus"),
        },
        "body_hint": lambda: _(
            "Titres, paragraphes, listes, gras, italique et liens. Toute autre mise en forme "
            "est retirée à l’enregistrement."
        ),
        # Without JavaScript there is no toolbar: the textarea takes these few tags.
        # A plain string (Python's gettext), so the tags it names are escaped, not rendered.
        "body_tags_hint": lambda: _(
            'Balises acceptées : <h3>, <p>, <ul>, <ol>, <li>, <strong>, <em>, <a href="https://…">.'
        ),
        "rich_editor": _rich_editor_attributes,
        # Stored section bodies are sanitised (nh3) before storage: safe to render.
        "rich": lambda body: Markup(body or ""),  # noqa: S704
    }


def _rich_editor_attributes() -> dict[str, str]:
    """The textarea attribute that turns on the formatting toolbar (rich-editor.js),
    carrying its button labels in the page's language."""
    labels = {
        "toolbar": _("Mise en forme"),
        "paragraph": _("Paragraphe"),
        "heading": _("Titre"),
        "subheading": _("Sous-titre"),
        "bold": _("Gras"),
        "italic": _("Italique"),
        "bullets": _("Liste à puces"),
        "numbers": _("Liste numérotée"),
        "link": _("Lien"),
        "unlink": _("Retirer le lien"),
        "link_prompt": _("Adresse du lien (https://…)"),
    }
    return {"data-rich-editor": json.dumps(labels, ensure_ascii=False)}


def _common(centre: Centre, answer: AapAnswer) -> dict:
    ctx = context.current()
    party = aap.party_for(answer, centre)
    return {
        "centre": centre,
        "answer": answer,
        "party": party,
        "is_lead": permissions.is_lead_director(answer, ctx),
        "is_director": permissions.is_director(centre, ctx),
        "days_left": (answer.call.deadline - clock.today()).days,
    }


# --- Calls ------------------------------------------------------------------------


@route("/")
def index(centre: Centre):
    return render_template(
        "aap/index.html",
        centre=centre,
        calls=aap.network_calls(db.session, centre, clock.today()),
        answers=aap.answers_of(db.session, centre),
        is_director=permissions.is_director(centre),
        start_form=forms.StartAnswerForm(),
    )


def _call_fields(form: forms.CallForm) -> dict:
    return {
        "funder": form.funder_value(),
        "title": form.title.data,
        "deadline": form.deadline.data,
        "link": form.link.data or "",
        "theme": form.theme.data or "",
        "envelope": form.envelope.data,
        "eligibility": form.eligibility.data or "",
    }


@route("/appels/nouveau", methods=("GET", "POST"))
def new_call(centre: Centre):
    require(permissions.is_director(centre))
    return _call_page(centre, None)


def _own_call_or_404(centre: Centre, call_id: int) -> AapCall:
    """A call this centre published, for its directors; anyone else gets 404."""
    call = db.session.get(AapCall, call_id)
    require(permissions.can_correct_call(call, centre))
    return call


@route("/appels/<int:call_id>/modifier", methods=("GET", "POST"))
def edit_call(centre: Centre, call_id: int):
    return _call_page(centre, _own_call_or_404(centre, call_id))


def _call_page(centre: Centre, call: AapCall | None):
    """Publishing a call (`call` None) or correcting one: the same form."""
    form = forms.CallForm(obj=call if call is not None and request.method == "GET" else None)
    if call is not None and request.method == "GET":
        form.funder.data = call.funder.value

    def save():
        if call is None:
            return aap.create_call(db.session, centre, created_by=_user_id(), **_call_fields(form))
        return aap.update_call(db.session, call, **_call_fields(form))

    done, _saved = attempt(form, save)
    if done:
        flash(
            _("L’appel est publié dans le réseau.") if call is None else _("L’appel est modifié."),
            "success",
        )
        return redirect(_url("index", centre))
    return page(
        "aap/call_new.html",
        centre=centre,
        form=form,
        call=call,
        withdraw_form=forms.WithdrawCallForm(),
    )


@route("/appels/<int:call_id>/retirer", methods=("POST",))
def withdraw_call(centre: Centre, call_id: int):
    call = _own_call_or_404(centre, call_id)
    edit_url = _url("edit_call", centre, call_id=call.id)
    return act(
        forms.WithdrawCallForm(),
        lambda: aap.withdraw_call(db.session, call),
        success=_("L’appel est retiré du réseau."),
        back=edit_url,
        next_url=_url("index", centre),
    )


@route("/reponses/nouvelle", methods=("POST",))
def start_answer(centre: Centre):
    require(permissions.can_start_answer(centre))
    form = forms.StartAnswerForm()
    choose = _("Choisissez un appel de la liste.")

    def start() -> AapAnswer:
        call = db.session.get(AapCall, form.call_id.data)
        if call is None or call.federation_id != centre.federation_id:
            raise Refusal(choose)
        return aap.create_answer(db.session, call, centre)

    return act(
        form,
        start,
        success=_("Votre centre est chef de file : invitez vos partenaires."),
        back=_url("index", centre),
        next_url=lambda answer: _url("answer", centre, answer_id=answer.id),
        refused=choose,
    )


# --- An answer ----------------------------------------------------------------------


@route("/reponses/<int:answer_id>/")
def answer(centre: Centre, answer_id: int):
    item = _answer_or_404(centre, answer_id)
    invite_form = forms.InviteForm()
    invite_form.centre_id.choices = [SelectChoice("", _("— Choisir —"))] + [
        SelectChoice(str(c.id), c.name) for c in aap.partner_choices(db.session, item)
    ]
    budget = aap.budget_of(db.session, item)
    return render_template(
        "aap/answer.html",
        invite_form=invite_form,
        section_form=forms.NewSectionForm(),
        outcome_form=forms.OutcomeForm(),
        budget=budget,
        pending=[s for s in item.sections if s.status is not SectionStatus.APPROVED],
        **_common(centre, item),
    )


@route("/reponses/<int:answer_id>/partenaires/inviter", methods=("POST",))
def invite(centre: Centre, answer_id: int):
    item = _answer_or_404(centre, answer_id)
    require(permissions.is_lead_director(item, context.current()))
    form = forms.InviteForm()
    choices = aap.partner_choices(db.session, item)
    form.centre_id.choices = [SelectChoice(str(c.id), c.name) for c in choices]

    def invite_one() -> Centre:
        partner = next(c for c in choices if str(c.id) == form.centre_id.data)
        aap.invite_partner(db.session, item, partner)
        return partner

    return act(
        form,
        invite_one,
        success=lambda partner: _("%(name)s est invité.", name=partner.name),
        back=_url("answer", centre, answer_id=item.id),
        refused=_("Choisissez un centre de votre réseau."),
    )


@route("/reponses/<int:answer_id>/partenaires/retirer", methods=("POST",))
def remove(centre: Centre, answer_id: int):
    item = _answer_or_404(centre, answer_id)
    require(permissions.is_lead_director(item, context.current()))
    form = forms.PartyForm()
    return act(
        form,
        lambda: aap.remove_partner(db.session, item, form.party_id.data),
        success=lambda party: _("%(name)s ne participe plus à la réponse.", name=party.label),
        back=_url("answer", centre, answer_id=item.id),
    )


@route("/reponses/<int:answer_id>/participation", methods=("POST",))
def respond(centre: Centre, answer_id: int):
    item = _answer_or_404(centre, answer_id)
    form = forms.RespondForm()

    def decide() -> str:
        if form.decision.data == "leave":
            aap.leave(db.session, item, centre)
        else:
            aap.respond(db.session, item, centre, accept=form.decision.data == "accept")
        return form.decision.data

    answer_url = _url("answer", centre, answer_id=item.id)
    return act(
        form,
        decide,
        success=lambda decision: (
            _("Votre centre participe à la réponse.")
            if decision == "accept"
            else _("Votre centre ne participe plus à cette réponse.")
        ),
        back=answer_url,
        next_url=lambda decision: answer_url if decision == "accept" else _url("index", centre),
    )


@route("/reponses/<int:answer_id>/rubriques/nouvelle", methods=("POST",))
def new_section(centre: Centre, answer_id: int):
    item = _answer_or_404(centre, answer_id)
    require(permissions.is_lead_director(item, context.current()))
    form = forms.NewSectionForm()
    return act(
        form,
        lambda: aap.add_section(db.session, item, form.title.data),
        success=None,
        back=_url("answer", centre, answer_id=item.id),
        next_url=lambda added: _url("section", centre, answer_id=item.id, section_id=added.id),
        refused=_("Indiquez l’intitulé de la rubrique."),
    )


@route("/reponses/<int:answer_id>/rubriques/<int:section_id>/deplacer", methods=("POST",))
def move(centre: Centre, answer_id: int, section_id: int):
    item = _answer_or_404(centre, answer_id)
    target = _section_or_404(item, section_id)
    require(permissions.is_lead_director(item, context.current()))
    form = forms.MoveForm()
    return act(
        form,
        lambda: aap.move_section(db.session, target, -1 if form.direction.data == "up" else 1),
        success=None,
        back=_url("answer", centre, answer_id=item.id) + "#rubriques",
    )


@route("/reponses/<int:answer_id>/deposer", methods=("POST",))
def submit(centre: Centre, answer_id: int):
    item = _answer_or_404(centre, answer_id)
    require(permissions.is_lead_director(item, context.current()))
    return act(
        forms.SubmitForm(),
        lambda: aap.submit(db.session, item, _user_id()),
        success=_("La réponse est déposée : le dossier est figé."),
        back=_url("answer", centre, answer_id=item.id),
    )


@route("/reponses/<int:answer_id>/resultat", methods=("POST",))
def outcome(centre: Centre, answer_id: int):
    item = _answer_or_404(centre, answer_id)
    require(permissions.is_lead_director(item, context.current()))
    form = forms.OutcomeForm()
    return act(
        form,
        lambda: aap.record_outcome(
            db.session,
            item,
            granted=form.outcome.data == "granted",
            amount=form.amount.data,
            on=form.decided_on.data,
        ),
        success=_("La décision du financeur est enregistrée."),
        back=_url("answer", centre, answer_id=item.id),
        refused=_("Indiquez la décision et sa date."),
    )


# --- Sections -------------------------------------------------------------------------


def _section_page(centre, item, target, form, status=200, **extra):
    ctx = context.current()
    settings_form = forms.SectionSettingsForm(status=target.status.value)
    writer_form = forms.WriterForm()
    writer_form.writer_user_id.choices = [SelectChoice("", _("— Personne —"))]
    if aap.can_assign_writer(target, ctx):
        writer_form.writer_user_id.choices += [
            SelectChoice(str(u.id), u.full_name) for u in aap.writer_choices(db.session, target)
        ]
    writer_form.writer_user_id.data = str(target.writer_user_id or "")
    owner_form = forms.OwnerForm()
    owner_form.owner_party_id.choices = [
        SelectChoice(str(p.id), p.centre.name) for p in aap.active_parties(item)
    ]
    owner_form.owner_party_id.data = str(target.owner_party_id)
    return render_template(
        "aap/section.html",
        section=target,
        form=form,
        settings_form=settings_form,
        writer_form=writer_form,
        owner_form=owner_form,
        comment_form=extra.pop("comment_form", None) or forms.CommentForm(),
        threads=aap.comments(db.session, target),
        can_write=aap.can_write_section(target, ctx),
        can_approve=aap.can_approve_section(target, ctx),
        can_assign=aap.can_assign_writer(target, ctx),
        **extra,
        **_common(centre, item),
    ), status


@route("/reponses/<int:answer_id>/rubriques/<int:section_id>/", methods=("GET", "POST"))
def section(centre: Centre, answer_id: int, section_id: int):
    item = _answer_or_404(centre, answer_id)
    target = _section_or_404(item, section_id)
    form = forms.SectionForm()
    if request.method == "GET":
        form.base_version.data = target.current_version
        form.body.data = target.body
        return _section_page(centre, item, target, form)
    require(permissions.can_write_section(target, context.current()))
    try:
        done, number = attempt(
            form,
            lambda: aap.save_section(
                db.session,
                target,
                base_version=form.base_version.data,
                body=form.body.data or "",
                author_id=_user_id(),
            ),
        )
    except aap.SectionConflict as conflict:
        return _conflict_page(centre, item, target, conflict)
    if done:
        flash(_("Version %(number)d enregistrée.", number=number), "success")
        return redirect(_url("section", centre, answer_id=item.id, section_id=target.id))
    return _section_page(centre, item, target, form, status=422)


def _conflict_page(centre, item, target, conflict: aap.SectionConflict):
    """Theirs, mine and the common ancestor; the form starts from their version,
    so sending it (mine, theirs or a merge) is a normal save."""
    merged = aap.merge3(conflict.ancestor, conflict.theirs, conflict.mine)
    form = forms.SectionForm(formdata=None)
    form.base_version.data = conflict.theirs_version
    form.body.data = merged if merged is not None else conflict.mine
    return render_template(
        "aap/conflict.html",
        section=target,
        conflict=conflict,
        merged=merged,
        form=form,
        theirs_diff=aap.diff(conflict.ancestor, conflict.theirs),
        mine_diff=aap.diff(conflict.ancestor, conflict.mine),
        **_common(centre, item),
    ), 409


@route("/reponses/<int:answer_id>/rubriques/<int:section_id>/etat", methods=("POST",))
def section_status(centre: Centre, answer_id: int, section_id: int):
    item = _answer_or_404(centre, answer_id)
    target = _section_or_404(item, section_id)
    require(permissions.can_write_section(target, context.current()))
    form = forms.SectionSettingsForm()
    return act(
        form,
        lambda: aap.set_section_status(db.session, target, SectionStatus(form.status.data)),
        success=_("État de la rubrique enregistré."),
        back=_url("section", centre, answer_id=item.id, section_id=target.id),
    )


@route("/reponses/<int:answer_id>/rubriques/<int:section_id>/redacteur", methods=("POST",))
def writer(centre: Centre, answer_id: int, section_id: int):
    item = _answer_or_404(centre, answer_id)
    target = _section_or_404(item, section_id)
    require(permissions.can_assign_writer(target, context.current()))
    form = forms.WriterForm()
    form.writer_user_id.choices = [SelectChoice("", "")] + [
        SelectChoice(str(u.id), u.full_name) for u in aap.writer_choices(db.session, target)
    ]
    return act(
        form,
        lambda: aap.assign_writer(
            db.session, target, int(form.writer_user_id.data) if form.writer_user_id.data else None
        ),
        success=_("Rédaction attribuée."),
        back=_url("section", centre, answer_id=item.id, section_id=target.id),
    )


@route("/reponses/<int:answer_id>/rubriques/<int:section_id>/responsable", methods=("POST",))
def owner(centre: Centre, answer_id: int, section_id: int):
    item = _answer_or_404(centre, answer_id)
    target = _section_or_404(item, section_id)
    require(permissions.is_lead_director(item, context.current()))
    form = forms.OwnerForm()
    form.owner_party_id.choices = [
        SelectChoice(str(p.id), p.centre.name) for p in aap.active_parties(item)
    ]
    return act(
        form,
        lambda: aap.set_section_owner(db.session, target, int(form.owner_party_id.data)),
        success=_("Centre responsable enregistré."),
        back=_url("section", centre, answer_id=item.id, section_id=target.id),
    )


@route("/reponses/<int:answer_id>/rubriques/<int:section_id>/commentaires", methods=("POST",))
def comment(centre: Centre, answer_id: int, section_id: int):
    item = _answer_or_404(centre, answer_id)
    target = _section_or_404(item, section_id)
    require(item.is_open)
    form = forms.CommentForm()
    done, _comment = attempt(
        form,
        lambda: aap.add_comment(
            db.session,
            target,
            author=current_user,
            body=form.body.data,
            parent_id=form.parent_id.data,
        ),
    )
    if done:
        flash(_("Commentaire publié."), "success")
        return redirect(
            _url("section", centre, answer_id=item.id, section_id=target.id) + "#commentaires"
        )
    page_form = forms.SectionForm(formdata=None)
    page_form.base_version.data = target.current_version
    page_form.body.data = target.body
    return _section_page(centre, item, target, page_form, status=422, comment_form=form)


@route("/reponses/<int:answer_id>/rubriques/<int:section_id>/resoudre", methods=("POST",))
def resolve(centre: Centre, answer_id: int, section_id: int):
    item = _answer_or_404(centre, answer_id)
    target = _section_or_404(item, section_id)
    require(item.is_open)
    form = forms.ResolveForm()

    def resolve_one():
        found = db.session.get(AapComment, form.comment_id.data)
        if found is None or found.section_id != target.id:
            raise Refusal(_("Ce commentaire n’existe pas."))
        return aap.resolve_comment(db.session, found, _user_id())

    return act(
        form,
        resolve_one,
        success=None,
        back=_url("section", centre, answer_id=item.id, section_id=target.id) + "#commentaires",
    )


def _version_arg(name: str, latest: int) -> int | None:
    raw = request.args.get(name, "")
    if raw.isascii() and raw.isdigit() and len(raw) < 10 and 0 <= int(raw) <= latest:
        return int(raw)
    return None


@route("/reponses/<int:answer_id>/rubriques/<int:section_id>/historique")
def history(centre: Centre, answer_id: int, section_id: int):
    item = _answer_or_404(centre, answer_id)
    target = _section_or_404(item, section_id)
    latest = target.current_version
    old, new = _version_arg("de", latest), _version_arg("a", latest)
    lines, versions, page = None, [], 1
    if old is not None and new is not None:
        # The comparison alone: the list of versions is one click away.
        lines = aap.diff(
            aap.version_body(db.session, target.id, old),
            aap.version_body(db.session, target.id, new),
        )
    else:
        raw = request.args.get("page", "1")
        ok = raw.isascii() and raw.isdigit() and 0 < len(raw) < 6 and int(raw) > 0
        page = int(raw) if ok else 1
        versions = aap.versions(
            db.session, target, limit=HISTORY_PAGE, offset=(page - 1) * HISTORY_PAGE
        )
    return render_template(
        "aap/history.html",
        section=target,
        versions=versions,
        page=page,
        more=latest > page * HISTORY_PAGE,
        latest=latest,
        old=old if old is not None else max(latest - 1, 0),
        new=new if new is not None else latest,
        lines=lines,
        restore_form=forms.RestoreForm(),
        can_write=aap.can_write_section(target, context.current()),
        **_common(centre, item),
    )


@route("/reponses/<int:answer_id>/rubriques/<int:section_id>/restaurer", methods=("POST",))
def restore(centre: Centre, answer_id: int, section_id: int):
    item = _answer_or_404(centre, answer_id)
    target = _section_or_404(item, section_id)
    require(permissions.can_write_section(target, context.current()))
    form = forms.RestoreForm()
    choose = _("Choisissez une version de la liste.")

    def restore_one() -> int:
        if not 1 <= form.version.data <= target.current_version:
            raise Refusal(choose)
        try:
            return aap.restore(db.session, target, form.version.data, _user_id())
        except aap.SectionConflict:
            raise Refusal(_("La rubrique vient d’être modifiée : recommencez.")) from None

    history_url = _url("history", centre, answer_id=item.id, section_id=target.id)
    return act(
        form,
        restore_one,
        success=lambda number: _(
            "Version %(old)d restaurée comme version %(number)d.",
            old=form.version.data,
            number=number,
        ),
        back=history_url,
        next_url=_url("section", centre, answer_id=item.id, section_id=target.id),
        refused=choose,
    )


# --- Budget ---------------------------------------------------------------------------


def _own_lines(item: AapAnswer, centre: Centre, lines):
    party = aap.party_for(item, centre)
    return [line for line in lines if party is not None and line.party_id == party.id]


@route("/reponses/<int:answer_id>/budget", methods=("GET", "POST"))
def budget(centre: Centre, answer_id: int):
    item = _answer_or_404(centre, answer_id)
    can_edit = permissions.can_edit_budget(item, centre)
    lines = aap.budget_lines(db.session, item)
    own = _own_lines(item, centre, lines)
    form = forms.BudgetLineForm()
    status, conflict = 200, None
    if request.method == "GET":
        raw = request.args.get("ligne", "")
        editing = next((line for line in own if raw.isdigit() and line.id == int(raw)), None)
        if editing is not None:
            form = forms.BudgetLineForm(obj=editing)
            form.line_id.data = editing.id
            form.version.data = str(editing.version)
    else:
        require(can_edit)

        def save_line():
            fields = {
                "account": form.account.data,
                "label": form.label.data,
                "funder": form.funder.data or "",
                "amount": form.amount.data,
                "user_id": _user_id(),
            }
            if form.line_id.data is None:
                return aap.add_budget_line(db.session, item, centre, **fields)
            if form.line_id.data not in {line.id for line in own}:
                raise aap.AapError(_l("Cette ligne n’est pas celle de votre centre."))
            base = form.base_version()
            if base is None:
                raise aap.AapError(_l("Version invalide : rechargez la page."), "amount")
            return aap.update_budget_line(
                db.session, item, form.line_id.data, base_version=base, **fields
            )

        try:
            done, _line = attempt(form, save_line)
        except aap.BudgetConflict as error:
            done, conflict, status = False, error, 409
        if done:
            flash(_("Ligne de budget enregistrée."), "success")
            return redirect(_url("budget", centre, answer_id=item.id))
        if status == 200:
            status = 422
        lines = aap.budget_lines(db.session, item)
        own = _own_lines(item, centre, lines)
    return render_template(
        "aap/budget.html",
        form=form,
        budget=aap.budget_of(db.session, item),
        own_lines=own,
        conflict=conflict,
        can_edit=can_edit,
        **_common(centre, item),
    ), status


@route("/reponses/<int:answer_id>/budget/supprimer", methods=("POST",))
def delete_line(centre: Centre, answer_id: int):
    item = _answer_or_404(centre, answer_id)
    require(permissions.can_delete_lines(item, centre))
    form = forms.DeleteLineForm()

    def delete_one():
        own = {line.id for line in _own_lines(item, centre, aap.budget_lines(db.session, item))}
        if form.line_id.data not in own:
            raise aap.AapError(_l("Cette ligne n’est pas celle de votre centre."))
        try:
            aap.delete_budget_line(db.session, item, form.line_id.data, form.version.data)
        except aap.BudgetConflict:
            raise Refusal(
                _("La ligne a été modifiée entre-temps : vérifiez-la avant de la supprimer.")
            ) from None
        return True

    return act(
        form,
        delete_one,
        success=_("Ligne supprimée."),
        back=_url("budget", centre, answer_id=item.id),
    )


# --- Notes and exports ------------------------------------------------------------------


@route("/reponses/<int:answer_id>/notes", methods=("GET", "POST"))
def notes(centre: Centre, answer_id: int):
    item = _answer_or_404(centre, answer_id)
    note = aap.note_of(db.session, item, centre)
    form = forms.NoteForm(obj=note)
    done, _note = attempt(
        form, lambda: aap.save_note(db.session, item, centre, form.body.data or "")
    )
    if done:
        flash(_("Notes enregistrées."), "success")
        return redirect(_url("notes", centre, answer_id=item.id))
    return page("aap/notes.html", form=form, **_common(centre, item))


def _dossier(item: AapAnswer) -> exports.Dossier:
    return exports.dossier_of(item, aap.budget_of(db.session, item))


def _dossier_download(item: AapAnswer, render, mimetype: str, extension: str):
    """The assembled dossier as a file: `render` is one of the exports."""
    return send_file(
        io.BytesIO(render(_dossier(item))),
        mimetype=mimetype,
        as_attachment=True,
        download_name=f"reponse-{item.id}.{extension}",
    )


@route("/reponses/<int:answer_id>/dossier.docx")
def export_docx(centre: Centre, answer_id: int):
    return _dossier_download(_answer_or_404(centre, answer_id), exports.dossier_docx, DOCX, "docx")


@route("/reponses/<int:answer_id>/dossier.odt")
def export_odt(centre: Centre, answer_id: int):
    return _dossier_download(_answer_or_404(centre, answer_id), exports.dossier_odt, ODT, "odt")


@route("/reponses/<int:answer_id>/dossier.pdf")
def export_pdf(centre: Centre, answer_id: int):
    return _dossier_download(
        _answer_or_404(centre, answer_id), exports.dossier_pdf, "application/pdf", "pdf"
    )
