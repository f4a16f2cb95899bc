"""A section: writing it (with the conflict page when two saves cross), its
status, owner and writer, comment threads, history, diff and restore."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from wtforms.fields.choices import SelectChoice

from ensemble.aap import drafts, forms, permissions, presence
from ensemble.aap import operations as aap
from ensemble.aap.models import AapComment, SectionStatus
from ensemble.aap.views.common import (
    HISTORY_PAGE,
    _answer_or_404,
    _common,
    _section_or_404,
    _url,
    _user_id,
    bp,
    route,
)
from ensemble.extensions import db
from ensemble.kernel.refusal import Refusal
from ensemble.kernel.views import act, attempt, require
from ensemble.network.models import Centre
from ensemble.sharing.models import PartyStatus
from ensemble.tenancy import context
from ensemble.web import errors


def _owner_label(party) -> str:
    if party.status is PartyStatus.INVITED:
        return _("%(name)s (invité, pas encore partenaire)", name=party.centre.name)
    return party.centre.name


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
        SelectChoice(str(p.id), _owner_label(p)) for p in aap.visible_parties(item)
    ]
    owner_form.owner_party_id.data = str(target.owner_party_id)
    limit_form = forms.SectionLimitForm(
        formdata=None,
        limit_unit=target.limit_unit,
        limit_value=target.limit_value,
        due_on=target.due_on,
    )
    return render_template(
        "aap/section.html",
        section=target,
        form=form,
        settings_form=settings_form,
        writer_form=writer_form,
        owner_form=owner_form,
        limit_form=limit_form,
        # formdata=None: a refused section save posts a "body" too, which is not a comment.
        comment_form=extra.pop("comment_form", None) or forms.CommentForm(formdata=None),
        threads=aap.comments(db.session, target),
        can_write=aap.can_write_section(target, ctx),
        can_approve=aap.can_approve_section(target, ctx),
        can_assign=aap.can_assign_writer(target, ctx),
        draft=extra.pop("draft", None),
        refused=extra.pop("refused", False),
        draft_reasons=draft_reasons(),
        viewers=presence.others(target.id, _user_id()),
        presence_ping=presence.PING,
        **extra,
        **_common(centre, item),
    ), status


@route("/reponses/<int:answer_id>/rubriques/<int:section_id>/", methods=("GET", "POST"))
def section(centre: Centre, answer_id: int, section_id: int):
    if request.method == "POST":
        return _save(centre, answer_id, section_id)
    item = _answer_or_404(centre, answer_id)
    target = _section_or_404(item, section_id)
    form = forms.SectionForm()
    draft = drafts.kept(_user_id(), target.id)
    form.base_version.data = target.current_version
    # « Reprendre » puts the kept draft in the editor, from the current version.
    resume = draft is not None and request.args.get("brouillon") == "1"
    form.body.data = draft.body if resume and draft else target.body
    _here(centre, target.id)
    return _section_page(centre, item, target, form, draft=None if resume else draft)


def _here(centre: Centre, section_id: int) -> None:
    presence.seen(section_id, presence.Viewer(_user_id(), current_user.full_name, centre.name))


@route("/reponses/<int:answer_id>/rubriques/<int:section_id>/presence")
def presence_now(centre: Centre, answer_id: int, section_id: int):
    """Who else has the section open: the page pings it while it stays open."""
    item = _answer_or_404(centre, answer_id)
    target = _section_or_404(item, section_id)
    _here(centre, target.id)
    return render_template("aap/_presence.html", viewers=presence.others(target.id, _user_id()))


def _save(centre: Centre, answer_id: int, section_id: int):
    """A save; when it cannot apply, the writer's text comes back with the reason
    and is kept as their own draft: nothing typed is lost."""
    typed = request.form.get("body", "")
    base = request.form.get("base_version", "")
    base_version = int(base) if base.isascii() and base.isdigit() and len(base) < 10 else 0
    item = aap.load_answer(db.session, answer_id)
    target = next((s for s in item.sections if s.id == section_id), None) if item else None
    if item is None or target is None or not aap.is_member(item, centre):
        if not typed.strip():
            abort(404)
        # Not (or no longer) open to this person: their own text back, nothing else.
        drafts.keep(_user_id(), section_id, typed, drafts.Reason.GONE, base_version)
        return render_template("aap/text_kept.html", typed=aap.sanitize(typed)), 404
    if not permissions.can_write_section(target, context.current()):
        reason = drafts.Reason.SUBMITTED if not item.is_open else drafts.Reason.REASSIGNED
        return _kept(centre, item, target, typed, reason, base_version)
    form = forms.SectionForm()
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
        drafts.keep(_user_id(), target.id, typed, drafts.Reason.CONFLICT, conflict.base)
        return _conflict_page(centre, item, target, conflict)
    if done:
        drafts.drop(_user_id(), target.id)
        flash(_("Version %(number)d enregistrée.", number=number), "success")
        return redirect(_url("section", centre, answer_id=item.id, section_id=target.id))
    return _section_page(centre, item, target, form, status=422)


def _kept(centre, item, target, typed: str, reason: str, base_version: int):
    """The section as it now is, with the writer's text kept and the reason (409)."""
    draft = drafts.keep(_user_id(), target.id, typed, reason, base_version)
    form = forms.SectionForm(formdata=None)
    form.base_version.data = target.current_version
    form.body.data = target.body
    return _section_page(centre, item, target, form, status=409, draft=draft, refused=True)


@bp.errorhandler(CSRFError)
def expired_form(error):  # noqa: ARG001
    """A section saved from a page open past its token or its session: the text
    comes back (and is kept as the writer's draft when they are still signed in)."""
    typed = request.form.get("body", "")
    if request.endpoint != "aap.section" or not typed.strip():
        return errors.csrf_page()
    section_id = (request.view_args or {}).get("section_id")
    if current_user.is_authenticated and isinstance(section_id, int):
        drafts.keep(current_user.id, section_id, typed, drafts.Reason.EXPIRED, 0)
    return render_template(
        "aap/text_kept.html",
        typed=aap.sanitize(typed),
        reason=draft_reasons()[drafts.Reason.EXPIRED],
    ), 400


def draft_reasons() -> dict[str, str]:
    return {
        drafts.Reason.REASSIGNED: _(
            # True of a section taken away while one wrote and of one never given
            # (a partner posting to another centre's section): no « pendant que… ».
            "Cette rubrique est confiée à un autre centre ou à une autre personne : votre "
            "texte n’a pas été enregistré dans le dossier."
        ),
        drafts.Reason.SUBMITTED: _(
            "La réponse a été déposée pendant que vous écriviez : le dossier est figé et "
            "votre texte n’y a pas été enregistré."
        ),
        drafts.Reason.CONFLICT: _(
            "Quelqu’un a enregistré cette rubrique pendant que vous écriviez : votre texte "
            "n’a pas encore été enregistré."
        ),
        drafts.Reason.EXPIRED: _(
            "La page était ouverte depuis trop longtemps (session ou jeton expiré) : votre "
            "texte n’a pas été enregistré."
        ),
        drafts.Reason.GONE: _("Cette rubrique ne vous est plus ouverte."),
    }


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


@route("/reponses/<int:answer_id>/rubriques/<int:section_id>/limite", methods=("POST",))
def section_limit(centre: Centre, answer_id: int, section_id: int):
    """The lead records the length limit the call sets for the section."""
    item = _answer_or_404(centre, answer_id)
    target = _section_or_404(item, section_id)
    require(permissions.is_lead_director(item, context.current()))
    form = forms.SectionLimitForm()

    def settle() -> None:
        aap.set_section_limit(db.session, target, form.limit_unit.data or "", form.limit_value.data)
        aap.set_section_due(db.session, target, form.due_on.data)

    return act(
        form,
        settle,
        success=_("Limite et échéance de la rubrique enregistrées."),
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
        SelectChoice(str(p.id), _owner_label(p)) for p in aap.visible_parties(item)
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
