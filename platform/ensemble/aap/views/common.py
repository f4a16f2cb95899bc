"""What every AAP page shares: the blueprint, its URL arguments and navigation,
loading what the URL names, refusals shown on forms, and template helpers."""

from __future__ import annotations

import functools
import json

from flask import Blueprint, abort, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from markupsafe import Markup

from ensemble.aap import forms, permissions
from ensemble.aap import operations as aap
from ensemble.aap.models import AapAnswer, AapCall, AapSection, AnswerStatus
from ensemble.extensions import db
from ensemble.kernel import clock
from ensemble.network.models import Centre
from ensemble.sharing.models import AgreementParty, PartyStatus
from ensemble.tenancy import context
from ensemble.tenancy.navigation import section as nav_section
from ensemble.tenancy.resolve import centre_or_404
from ensemble.tenancy.urls import object_arg

# Rooted at the capability's folder, where its templates/ are.
bp = Blueprint("aap", "ensemble.aap", template_folder="templates")
object_arg("call_id", AapCall)
object_arg("answer_id", AapAnswer)
# The funder's decision concerns a submitted answer: its own argument, so that the
# route walks get a submitted sample and find its form.
object_arg("submitted_answer_id", AapAnswer)
object_arg("section_id", AapSection)
object_arg("party_id", AgreementParty)
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
    """The answer, for the lead and the partners that accepted: an invited centre
    gets a 404 on the dossier, its budget, history and exports."""
    answer = _invited_answer_or_404(centre, answer_id)
    if not aap.is_member(answer, centre):
        abort(404)
    return answer


def _invited_answer_or_404(centre: Centre, answer_id: int) -> AapAnswer:
    """The answer for its parties, invited ones included (its page shows them the
    invitation, and they accept or decline it)."""
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


@bp.app_template_filter("readable_text")
def readable_text(body: str) -> str:
    """A section's HTML as the text one reads, a paragraph per block: what a
    writer copies back from a kept draft."""
    return "\n\n".join(aap.text_lines(body))


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
        "days_left": (answer.terms.deadline - clock.today()).days,
    }
