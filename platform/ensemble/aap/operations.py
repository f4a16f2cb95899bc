"""Calls for projects and joint answers: publishing calls, leading an answer,
inviting partners, writing sections without lost updates, keeping their
history, commenting, budgeting and submitting. Flush, never commit.

Refusals raise `AapError` with a French message and the form field it is
about; a save from a stale version raises `SectionConflict` (or
`BudgetConflict`) carrying what the conflict page needs.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import nh3
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from ensemble.aap.budget import BudgetLineData, account_kind, consolidate
from ensemble.aap.models import (
    AapAnswer,
    AapBudgetLine,
    AapCall,
    AapCallLead,
    AapComment,
    AapNote,
    AapSection,
    AapSectionVersion,
    AnswerStatus,
    Funder,
    SectionStatus,
)
from ensemble.accounts.models import Membership, Role, User
from ensemble.db import utcnow
from ensemble.kernel.refusal import Refusal
from ensemble.network.models import Centre
from ensemble.notifications import operations as notifications
from ensemble.sharing import operations as sharing
from ensemble.sharing.models import (
    VISIBLE_STATUSES,
    Agreement,
    AgreementKind,
    AgreementParty,
    PartyStatus,
)
from ensemble.tenancy import context
from ensemble.tenancy.context import TenantContext

MAX_BODY = 200_000  # characters of sanitised HTML per section
MAX_AMOUNT = Decimal("9999999999.99")


# Set in `session.info` by loaders replaying past events (the demo network): the
# invitations and comments they recreate were answered long ago, so nobody is
# notified or mailed about them.
SILENT = "aap.silent"


def notify(session: Session, recipients, title: str, **kwargs) -> int:
    """`notifications.notify`, unless the session replays history (SILENT)."""
    if session.info.get(SILENT):
        return 0
    return notifications.notify(session, recipients, title, **kwargs)


class AapError(Refusal):
    """A refusal to show the user, attached to a form field when there is one."""


@dataclass
class SectionConflict(Exception):
    """A save started from `base` while another save made `theirs_version`."""

    section_id: int
    base: int
    mine: str
    ancestor: str
    theirs: str
    theirs_version: int


@dataclass
class BudgetConflict(Exception):
    """A budget line changed (or vanished) since the version the form showed."""

    line_id: int
    base: int
    current: AapBudgetLine | None


# --- Cerfa 12156 -------------------------------------------------------------

# The standard French subsidy form (Cerfa n° 12156), in its order.
CERFA_SECTIONS: tuple[tuple[str, object, object], ...] = (
    (
        "association",
        _l("Identification des associations (chef de file et partenaires)"),
        _l("Nom, numéro RNA ou SIRET, adresse, représentant légal de chaque structure."),
    ),
    (
        "administrations",
        _l("Relations avec l’administration"),
        _l("Agréments, reconnaissance d’utilité publique, conventions en cours."),
    ),
    (
        "ressources_humaines",
        _l("Ressources humaines"),
        _l("Bénévoles, salariés (en ETPT), volontaires mobilisés sur le projet."),
    ),
    ("besoins", _l("Projet : besoins et diagnostic"), _l("Constats, données du territoire.")),
    ("objectifs", _l("Projet : objectifs"), _l("Objectifs généraux et opérationnels.")),
    ("public", _l("Projet : public visé"), _l("Qui, combien, comment il est associé.")),
    ("actions", _l("Projet : actions"), _l("Description des actions, lieux, fréquence.")),
    (
        "partenariat",
        _l("Projet : partenariat"),
        _l("Rôle de chaque centre et des autres partenaires."),
    ),
    ("calendrier", _l("Projet : calendrier"), _l("Dates de début et de fin, étapes.")),
    ("evaluation", _l("Projet : évaluation"), _l("Indicateurs, méthodes, échéances.")),
    (
        "budget",
        _l("Budget du projet"),
        _l("Commentaires sur le budget : le tableau consolidé est calculé par la plateforme."),
    ),
)

FUNDER_LABELS = {
    Funder.CAF: _l("CAF"),
    Funder.DEPARTEMENT: _l("Département"),
    Funder.REGION: _l("Région"),
    Funder.CARSAT: _l("CARSAT"),
    Funder.ETAT: _l("État"),
    Funder.EUROPE: _l("Fonds européens"),
    Funder.COMMUNE: _l("Commune ou intercommunalité"),
    Funder.FONDATION: _l("Fondation"),
    Funder.OTHER: _l("Autre"),
}


# --- Rich text ---------------------------------------------------------------

ALLOWED_TAGS = {
    "h2",
    "h3",
    "h4",
    "p",
    "br",
    "ul",
    "ol",
    "li",
    "strong",
    "b",
    "em",
    "i",
    "a",
    "blockquote",
}


def sanitize(raw: str) -> str:
    """The only HTML that is ever stored: headings, paragraphs, lists, bold,
    italics and http(s)/mailto links, nothing else (no attributes but href)."""
    cleaned = nh3.clean(
        raw or "",
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    # One block per line: readable in the editor, and the unit of the three-way merge.
    cleaned = _BLOCK_END.sub(r"\1\n", cleaned)
    return cleaned.strip()


_BLOCK_END = re.compile(
    r"(</(?:h2|h3|h4|p|li|ul|ol|blockquote)>|<(?:ul|ol|blockquote)>|<br>)[ \t]*\n?"
)


_BLOCK = re.compile(r"</?(?:h[1-6]|p|li|ul|ol|blockquote)\b[^>]*>|<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")


def text_lines(body: str) -> list[str]:
    """The readable lines of a section's HTML, for diffs and plain-text views."""
    text = _TAG.sub("", _BLOCK.sub("\n", body or ""))
    return [line.strip() for line in html.unescape(text).split("\n") if line.strip()]


@dataclass(frozen=True)
class DiffLine:
    op: str  # "same", "added", "removed"
    text: str


def diff(old: str, new: str) -> list[DiffLine]:
    """A line-by-line diff of two section texts (difflib on their readable text)."""
    a, b = text_lines(old), text_lines(new)
    lines: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            lines += [DiffLine("same", t) for t in a[i1:i2]]
            continue
        lines += [DiffLine("removed", t) for t in a[i1:i2]]
        lines += [DiffLine("added", t) for t in b[j1:j2]]
    return lines


def block_lines(body: str) -> list[str]:
    """A sanitised text cut into its blocks, one per line (see `sanitize`)."""
    return [line for line in (body or "").split("\n") if line.strip()]


def merge3(ancestor: str, theirs: str, mine: str) -> str | None:
    """A three-way merge by blocks (paragraphs, headings, list items): both sides'
    changes applied when they touch different blocks of the common ancestor;
    None when they touch the same one (the person merges by hand)."""
    base = block_lines(ancestor)

    def changes(other: list[str]) -> list[tuple[int, int, tuple[str, ...]]]:
        matcher = difflib.SequenceMatcher(a=base, b=other, autojunk=False)
        return [
            (i1, i2, tuple(other[j1:j2]))
            for tag, i1, i2, j1, j2 in matcher.get_opcodes()
            if tag != "equal"
        ]

    ours, others = changes(block_lines(mine)), changes(block_lines(theirs))
    merged = list(dict.fromkeys(ours + others))  # the same change on both sides counts once
    merged.sort(key=lambda c: (c[0], c[1]))
    end, start = -1, -1
    for i1, i2, _ in merged:
        # Overlapping ranges, or two changes starting at one place: a real conflict.
        if i1 < end or i1 == start:
            return None
        end, start = max(end, i2), i1
    result = list(base)
    for i1, i2, replacement in reversed(merged):
        result[i1:i2] = replacement
    return "\n".join(result)


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    href: str | None = None


@dataclass
class Block:
    kind: str  # "p", "h2", "h3", "h4", "ul", "ol", "quote"
    runs: list[Run]


class _Blocks(HTMLParser):
    """Sanitised section HTML to blocks of formatted runs (for DOCX and PDF)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.lists: list[str] = []
        self.bold = self.italic = 0
        self.href: str | None = None
        self.current: Block | None = None
        self.quote = False

    def _open(self, kind: str) -> None:
        self._close()
        self.current = Block(kind, [])

    def _close(self) -> None:
        if self.current and "".join(r.text for r in self.current.runs).strip():
            self.blocks.append(self.current)
        self.current = None

    def handle_starttag(self, tag, attrs):
        if tag in ("h2", "h3", "h4"):
            self._open(tag)
        elif tag == "p":
            self._open("quote" if self.quote else "p")
        elif tag in ("ul", "ol"):
            self._close()
            self.lists.append(tag)
        elif tag == "li":
            self._open(self.lists[-1] if self.lists else "ul")
        elif tag == "blockquote":
            self._close()
            self.quote = True
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag == "a":
            self.href = dict(attrs).get("href")
        elif tag == "br" and self.current:
            self.current.runs.append(Run("\n"))

    def handle_endtag(self, tag):
        if tag in ("h2", "h3", "h4", "p", "li"):
            self._close()
        elif tag in ("ul", "ol") and self.lists:
            self._close()
            self.lists.pop()
        elif tag == "blockquote":
            self._close()
            self.quote = False
        elif tag in ("strong", "b"):
            self.bold = max(0, self.bold - 1)
        elif tag in ("em", "i"):
            self.italic = max(0, self.italic - 1)
        elif tag == "a":
            self.href = None

    def handle_data(self, data):
        if not data.strip() and self.current is None:
            return
        if self.current is None:
            self.current = Block("quote" if self.quote else "p", [])
        self.current.runs.append(Run(data, self.bold > 0, self.italic > 0, self.href))


def blocks(body: str) -> list[Block]:
    parser = _Blocks()
    parser.feed(body or "")
    parser.close()
    parser._close()
    return parser.blocks


# --- Rights ------------------------------------------------------------------


def is_lead_director(answer: AapAnswer, ctx: TenantContext) -> bool:
    return answer.lead_centre_id in ctx.director_centre_ids


def party_for(answer: AapAnswer, centre: Centre) -> AgreementParty | None:
    """The centre's party row on the answer, whatever its status."""
    return next((p for p in answer.agreement.parties if p.centre_id == centre.id), None)


def takes_part(answer: AapAnswer, centre: Centre) -> bool:
    party = party_for(answer, centre)
    return party is not None and party.status in VISIBLE_STATUSES


def active_parties(answer: AapAnswer) -> list[AgreementParty]:
    return [p for p in answer.agreement.parties if p.status is PartyStatus.ACTIVE]


def visible_parties(answer: AapAnswer) -> list[AgreementParty]:
    return [p for p in answer.agreement.parties if p.status in VISIBLE_STATUSES]


def lead_party(answer: AapAnswer) -> AgreementParty:
    return next(p for p in answer.agreement.parties if p.is_owner)


def can_write_section(section: AapSection, ctx: TenantContext) -> bool:
    """The owner party's people (active), and the lead's directors."""
    answer = section.answer
    if not answer.is_open:
        return False
    party = section.owner_party
    return is_lead_director(answer, ctx) or (
        party.status is PartyStatus.ACTIVE and party.centre_id in ctx.centre_ids
    )


def can_approve_section(section: AapSection, ctx: TenantContext) -> bool:
    """Approving is for directors: the owner party's or the lead's."""
    return section.answer.is_open and (
        is_lead_director(section.answer, ctx)
        or section.owner_party.centre_id in ctx.director_centre_ids
    )


def can_assign_writer(section: AapSection, ctx: TenantContext) -> bool:
    """The owner party's directors pick the writer among their own people."""
    return section.answer.is_open and section.owner_party.centre_id in ctx.director_centre_ids


def _require_open(answer: AapAnswer) -> None:
    if not answer.is_open:
        raise AapError(_l("La réponse a été déposée : elle ne se modifie plus."))


def _require_lead(answer: AapAnswer) -> None:
    if not is_lead_director(answer, context.current()):
        raise AapError(_l("Seule la direction du centre chef de file peut faire cela."))


# --- Calls -------------------------------------------------------------------


def create_call(
    session: Session, centre: Centre, *, created_by: int | None = None, **details: object
) -> AapCall:
    """Publish a call to the network of `centre` (its federation); `details` are
    those of `call_details`."""
    call = AapCall(
        federation_id=centre.federation_id,
        centre_id=centre.id,
        created_by_user_id=created_by,
        **call_details(**details),
    )
    session.add(call)
    session.flush()
    return call


def update_call(session: Session, call: AapCall, **details: object) -> AapCall:
    """Correct a call its centre published (a moved deadline, a new link…).
    The answers already started follow it: they read the call, not a copy."""
    for name, value in call_details(**details).items():
        setattr(call, name, value)
    session.flush()
    return call


def withdraw_call(session: Session, call: AapCall) -> None:
    """Remove a call published by mistake; once centres answer it, it stays."""
    answered = session.scalar(select(func.count()).where(AapAnswer.call_id == call.id))
    if answered:
        raise AapError(
            _l("Des centres y répondent déjà : l’appel ne peut plus être retiré, modifiez-le.")
        )
    session.delete(call)
    session.flush()


def call_details(
    *,
    funder: Funder,
    title: str,
    deadline: date,
    link: str = "",
    theme: str = "",
    envelope: Decimal | None = None,
    eligibility: str = "",
) -> dict[str, object]:
    """The columns of a call, checked and trimmed."""
    link = (link or "").strip()
    if link and not re.match(r"^https?://", link):
        raise AapError(_l("Le lien doit commencer par http:// ou https://."), "link")
    if envelope is not None and not Decimal(0) <= envelope <= MAX_AMOUNT:
        raise AapError(_l("L’enveloppe doit être un montant positif."), "envelope")
    return {
        "funder": funder,
        "title": title.strip(),
        "link": link,
        "theme": (theme or "").strip(),
        "deadline": deadline,
        "envelope": envelope,
        "eligibility": (eligibility or "").strip(),
    }


@dataclass(frozen=True)
class CallListing:
    call: AapCall
    leads: list[Centre]


def network_calls(session: Session, centre: Centre, today: date) -> list[CallListing]:
    """The open calls of the centre's network, soonest deadline first, each with the
    centres already positioned as lead (titles, deadlines and leads only)."""
    calls = list(
        session.scalars(
            select(AapCall)
            .where(AapCall.federation_id == centre.federation_id, AapCall.deadline >= today)
            .order_by(AapCall.deadline, AapCall.id)
        )
    )
    leads: dict[int, list[Centre]] = {}
    if calls:
        for lead in session.scalars(
            select(AapCallLead)
            .where(AapCallLead.call_id.in_([c.id for c in calls]))
            .options(selectinload(AapCallLead.centre))
            .order_by(AapCallLead.id)
        ):
            leads.setdefault(lead.call_id, []).append(lead.centre)
    return [CallListing(c, leads.get(c.id, [])) for c in calls]


# --- Answers and parties -----------------------------------------------------


def create_answer(
    session: Session, call: AapCall, lead: Centre, *, title: str | None = None
) -> AapAnswer:
    """`lead` positions itself as chef de file on `call`: a new agreement it owns,
    the answer, its line in the network list and the Cerfa sections."""
    if call.federation_id != lead.federation_id:
        raise AapError(_l("Cet appel n’est pas publié dans votre réseau."))
    agreement = sharing.create_agreement(
        session, AgreementKind.JOINT_ANSWER, (title or call.title).strip()[:300], owner=lead
    )
    answer = AapAnswer(
        agreement=agreement,
        call_id=call.id,
        lead_centre_id=lead.id,
        status=AnswerStatus.DRAFT,
        submitted_centre_ids=[],
    )
    session.add(answer)
    session.add(
        AapCallLead(
            call_id=call.id,
            federation_id=call.federation_id,
            centre_id=lead.id,
            agreement_id=agreement.id,
        )
    )
    session.flush()
    owner = next(p for p in agreement.parties if p.is_owner)
    for position, (code, section_title, guidance) in enumerate(CERFA_SECTIONS, start=1):
        session.add(
            AapSection(
                answer_id=answer.id,
                agreement_id=agreement.id,
                position=position,
                code=code,
                title=str(section_title),
                guidance=str(guidance),
                owner_party_id=owner.id,
                status=SectionStatus.TO_WRITE,
                current_version=0,
                body="",
            )
        )
    session.flush()
    return answer


def answers_of(session: Session, centre: Centre) -> list[AapAnswer]:
    """The answers `centre` takes part in (lead, partner or invited)."""
    parties = select(AgreementParty.agreement_id).where(
        AgreementParty.centre_id == centre.id, AgreementParty.status.in_(VISIBLE_STATUSES)
    )
    return list(
        session.scalars(
            select(AapAnswer)
            .join(AapCall, AapCall.id == AapAnswer.call_id)
            .where(AapAnswer.agreement_id.in_(parties))
            .options(
                selectinload(AapAnswer.agreement)
                .selectinload(Agreement.parties)
                .selectinload(AgreementParty.centre),
                selectinload(AapAnswer.call),
                selectinload(AapAnswer.lead_centre),
            )
            .order_by(AapCall.deadline, AapAnswer.id)
        )
    )


def load_answer(session: Session, answer_id: int) -> AapAnswer | None:
    """The answer under RLS (None when not visible), with parties and sections."""
    return session.scalar(
        select(AapAnswer)
        .where(AapAnswer.id == answer_id)
        .options(
            selectinload(AapAnswer.agreement)
            .selectinload(Agreement.parties)
            .selectinload(AgreementParty.centre),
            selectinload(AapAnswer.call),
            selectinload(AapAnswer.lead_centre),
            selectinload(AapAnswer.sections).selectinload(AapSection.writer),
        )
    )


def partner_choices(session: Session, answer: AapAnswer) -> list[Centre]:
    """Centres of the lead's network not already taking part."""
    taken = {p.centre_id for p in visible_parties(answer)}
    return [
        c
        for c in session.scalars(
            select(Centre)
            .where(Centre.federation_id == answer.lead_centre.federation_id)
            .order_by(Centre.name)
        )
        if c.id not in taken
    ]


def invite_partner(session: Session, answer: AapAnswer, centre: Centre) -> AgreementParty:
    """The lead invites a centre of its network (again, if it had left or declined)."""
    _require_lead(answer)
    _require_open(answer)
    if centre.federation_id != answer.lead_centre.federation_id:
        raise AapError(_l("Ce centre ne fait pas partie de votre réseau."), "centre_id")
    party = party_for(answer, centre)
    if party is not None and party.status in VISIBLE_STATUSES:
        raise AapError(_l("Ce centre participe déjà à la réponse."), "centre_id")
    if party is None:
        party = sharing.invite(session, answer.agreement, centre)
    else:
        party.status = PartyStatus.INVITED
        party.status_changed_at = utcnow()
        session.flush()
    _notify_directors(
        session,
        [centre],
        f"Invitation à une réponse commune : « {answer.title} »",
        body=(
            f"{answer.lead_centre.name} vous invite à répondre avec lui à l’appel à projets "
            f"« {answer.call.title} » (date limite : {answer.call.deadline:%d/%m/%Y})."
        ),
        answer=answer,
    )
    return party


def respond(session: Session, answer: AapAnswer, centre: Centre, *, accept: bool) -> None:
    """The invited centre's director accepts or declines."""
    party = party_for(answer, centre)
    if party is None or party.status is not PartyStatus.INVITED:
        raise AapError(_l("Aucune invitation en attente pour ce centre."))
    if centre.id not in context.current().director_centre_ids:
        raise AapError(_l("Seule la direction du centre peut répondre à l’invitation."))
    sharing.set_status(session, party, PartyStatus.ACTIVE if accept else PartyStatus.DECLINED)


def leave(session: Session, answer: AapAnswer, centre: Centre) -> None:
    """A partner's director withdraws its centre: it loses access at once."""
    party = party_for(answer, centre)
    if party is None or party.is_owner or party.status not in VISIBLE_STATUSES:
        raise AapError(_l("Le centre chef de file ne peut pas quitter sa propre réponse."))
    if centre.id not in context.current().director_centre_ids:
        raise AapError(_l("Seule la direction du centre peut quitter la réponse."))
    _hand_back_sections(session, answer, party)
    sharing.set_status(session, party, PartyStatus.LEFT)


def remove_partner(session: Session, answer: AapAnswer, party_id: int) -> AgreementParty:
    """The lead removes a partner: it loses access at once (its sections go back
    to the lead; its budget lines no longer count)."""
    _require_lead(answer)
    party = next((p for p in answer.agreement.parties if p.id == party_id), None)
    if party is None or party.is_owner or party.status not in VISIBLE_STATUSES:
        raise AapError(_l("Ce centre ne participe pas à la réponse."), "party_id")
    _hand_back_sections(session, answer, party)
    sharing.set_status(session, party, PartyStatus.LEFT)
    return party


def _hand_back_sections(session: Session, answer: AapAnswer, party: AgreementParty) -> None:
    lead = lead_party(answer)
    session.execute(
        update(AapSection)
        .where(AapSection.answer_id == answer.id, AapSection.owner_party_id == party.id)
        .values(owner_party_id=lead.id, writer_user_id=None)
        .execution_options(synchronize_session="fetch")
    )


# --- Sections ----------------------------------------------------------------


def add_section(session: Session, answer: AapAnswer, title: str) -> AapSection:
    _require_lead(answer)
    _require_open(answer)
    position = (
        session.scalar(
            select(func.max(AapSection.position)).where(AapSection.answer_id == answer.id)
        )
        or 0
    )
    section = AapSection(
        answer_id=answer.id,
        agreement_id=answer.agreement_id,
        position=position + 1,
        code="",
        title=title.strip(),
        guidance="",
        owner_party_id=lead_party(answer).id,
        status=SectionStatus.TO_WRITE,
        current_version=0,
        body="",
    )
    session.add(section)
    session.flush()
    return section


def move_section(session: Session, section: AapSection, step: int) -> None:
    """Swap the section with its neighbour above (-1) or below (+1)."""
    answer = section.answer
    _require_lead(answer)
    _require_open(answer)
    ordered = sorted(answer.sections, key=lambda s: (s.position, s.id))
    index = ordered.index(section)
    other_index = index + (1 if step > 0 else -1)
    if not 0 <= other_index < len(ordered):
        return
    # Positions are renumbered 1..n so that duplicates can never stall a move.
    ordered[index], ordered[other_index] = ordered[other_index], ordered[index]
    for position, s in enumerate(ordered, start=1):
        s.position = position
    session.flush()


def set_section_owner(session: Session, section: AapSection, party_id: int) -> None:
    answer = section.answer
    _require_lead(answer)
    _require_open(answer)
    party = next((p for p in active_parties(answer) if p.id == party_id), None)
    if party is None:
        raise AapError(_l("Choisissez un centre qui participe à la réponse."), "owner_party_id")
    if party.id != section.owner_party_id:
        section.owner_party_id = party.id
        section.writer_user_id = None
        session.flush()
        session.refresh(section, ["owner_party"])


def writer_choices(session: Session, section: AapSection) -> list[User]:
    """The people of the owner party's centre (its directors see them)."""
    return list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.centre_id == section.owner_party.centre_id,
                Membership.role.in_((Role.DIRECTOR, Role.STAFF)),
                User.is_active_account.is_(True),
            )
            .distinct()
            .order_by(User.full_name)
        )
    )


def assign_writer(session: Session, section: AapSection, user_id: int | None) -> None:
    if not can_assign_writer(section, context.current()):
        raise AapError(_l("Seule la direction du centre responsable désigne le rédacteur."))
    if user_id is not None and user_id not in {u.id for u in writer_choices(session, section)}:
        raise AapError(_l("Choisissez une personne du centre responsable."), "writer_user_id")
    section.writer_user_id = user_id
    session.flush()
    if user_id is not None:
        user = session.get(User, user_id)
        notify(
            session,
            [(user.id, user.email)],
            f"Rubrique à rédiger : « {section.title} »",
            body=f"Vous rédigez cette rubrique de la réponse « {section.answer.title} ».",
            link=section_link(section.owner_party.centre, section),
            centre_id=section.owner_party.centre_id,
        )


def set_section_status(session: Session, section: AapSection, status: SectionStatus) -> None:
    ctx = context.current()
    if status is SectionStatus.APPROVED and not can_approve_section(section, ctx):
        raise AapError(_l("Seule une direction peut approuver une rubrique."), "status")
    if not can_write_section(section, ctx):
        raise AapError(_l("Vous ne pouvez pas modifier cette rubrique."), "status")
    section.status = status
    section.updated_at = utcnow()
    session.flush()


def save_section(
    session: Session, section: AapSection, *, base_version: int, body: str, author_id: int
) -> int:
    """Save a new text of `section` from the version the writer started with.

    The conditional UPDATE (… WHERE current_version = :base) lets exactly one of
    several saves from the same version through: the others find the row changed
    (PostgreSQL re-checks the condition once the first commits) and get a
    `SectionConflict` with both texts and their common ancestor. Returns the new
    version number."""
    if not can_write_section(section, context.current()):
        raise AapError(_l("Vous ne pouvez pas modifier cette rubrique."), "body")
    return _write_version(session, section, base_version, sanitize(body), author_id)


def _write_version(
    session: Session,
    section: AapSection,
    base_version: int,
    clean: str,
    author_id: int,
    restored_from: int | None = None,
) -> int:
    if len(clean) > MAX_BODY:
        raise AapError(_l("Le texte est trop long."), "body")
    new_version = base_version + 1
    result = session.execute(
        update(AapSection)
        .where(AapSection.id == section.id, AapSection.current_version == base_version)
        .values(current_version=new_version, body=clean, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.expire(section, ["current_version", "body", "updated_at"])
        theirs = session.execute(
            select(AapSection.current_version, AapSection.body).where(AapSection.id == section.id)
        ).one()
        raise SectionConflict(
            section_id=section.id,
            base=base_version,
            mine=clean,
            ancestor=version_body(session, section.id, base_version),
            theirs=theirs.body,
            theirs_version=theirs.current_version,
        )
    session.add(
        AapSectionVersion(
            section_id=section.id,
            agreement_id=section.agreement_id,
            number=new_version,
            body=clean,
            author_user_id=author_id,
            author_name=_name_of(session, author_id),
            restored_from=restored_from,
        )
    )
    if section.status is SectionStatus.TO_WRITE:
        section.status = SectionStatus.IN_PROGRESS
    session.flush()
    session.expire(section, ["current_version", "body", "updated_at"])
    return new_version


def _name_of(session: Session, user_id: int) -> str:
    name = session.scalar(select(User.full_name).where(User.id == user_id))
    return name or ""


def version_body(session: Session, section_id: int, number: int) -> str:
    """The text of version `number` (version 0 is the empty starting text)."""
    if number == 0:
        return ""
    body = session.scalar(
        select(AapSectionVersion.body).where(
            AapSectionVersion.section_id == section_id, AapSectionVersion.number == number
        )
    )
    if body is None:
        raise AapError(_l("Cette version n’existe pas."), "version")
    return body


def versions(
    session: Session, section: AapSection, *, limit: int | None = None, offset: int = 0
) -> list[AapSectionVersion]:
    """The history, newest first, without the texts (they stay unloaded)."""
    query = (
        select(AapSectionVersion)
        .where(AapSectionVersion.section_id == section.id)
        .order_by(AapSectionVersion.number.desc())
        .offset(offset)
    )
    return list(session.scalars(query if limit is None else query.limit(limit)))


def restore(session: Session, section: AapSection, number: int, author_id: int) -> int:
    """An old version becomes the newest (a new version; the history is kept)."""
    if not can_write_section(section, context.current()):
        raise AapError(_l("Vous ne pouvez pas modifier cette rubrique."), "version")
    old = version_body(session, section.id, number)
    return _write_version(
        session, section, section.current_version, old, author_id, restored_from=number
    )


# --- Comments ----------------------------------------------------------------


def comments(session: Session, section: AapSection) -> list[tuple[AapComment, list[AapComment]]]:
    """Threads: each first comment with its replies, oldest first."""
    rows = list(
        session.scalars(
            select(AapComment).where(AapComment.section_id == section.id).order_by(AapComment.id)
        )
    )
    replies: dict[int, list[AapComment]] = {}
    for c in rows:
        if c.parent_id:
            replies.setdefault(c.parent_id, []).append(c)
    return [(c, replies.get(c.id, [])) for c in rows if c.parent_id is None]


def add_comment(
    session: Session,
    section: AapSection,
    *,
    author: User,
    body: str,
    parent_id: int | None = None,
) -> AapComment:
    """Comment (or reply to a thread) and notify the people concerned: the section's
    writer, the thread's participants, and the owner party's directors."""
    _require_open(section.answer)
    body = (body or "").strip()
    if not body:
        raise AapError(_l("Le commentaire est vide."), "body")
    parent = None
    if parent_id is not None:
        parent = session.get(AapComment, parent_id)
        if parent is None or parent.section_id != section.id or parent.parent_id is not None:
            raise AapError(_l("Ce fil de discussion n’existe pas."), "parent_id")
    comment = AapComment(
        section_id=section.id,
        agreement_id=section.agreement_id,
        parent_id=parent.id if parent else None,
        author_user_id=author.id,
        author_name=author.full_name,
        body=body[:5000],
    )
    session.add(comment)
    session.flush()

    concerned: set[int] = set()
    if section.writer_user_id:
        concerned.add(section.writer_user_id)
    if parent is not None:
        concerned.add(parent.author_user_id)
        concerned.update(
            session.scalars(
                select(AapComment.author_user_id).where(AapComment.parent_id == parent.id)
            )
        )
    people = people_of(session, [section.owner_party.centre_id], directors_only=True)
    people += _people_by_id(session, section, concerned)
    seen: set[int] = set()
    recipients = []
    for user_id, email, centre in people:
        if user_id == author.id or user_id in seen:
            continue
        seen.add(user_id)
        recipients.append((user_id, email, centre))
    for user_id, email, centre in recipients:
        notify(
            session,
            [(user_id, email)],
            f"Commentaire sur « {section.title} »",
            body=f"{author.full_name} : {body[:300]}",
            link=section_link(centre, section),
            centre_id=centre.id,
        )
    return comment


def resolve_comment(session: Session, comment: AapComment, user_id: int) -> None:
    if comment.parent_id is not None:
        raise AapError(_l("On résout un fil depuis son premier commentaire."), "comment_id")
    comment.resolved_at = None if comment.resolved_at else utcnow()
    comment.resolved_by_user_id = user_id if comment.resolved_at else None
    session.flush()


# --- People to notify --------------------------------------------------------


def people_of(
    session: Session, centre_ids: Iterable[int], *, directors_only: bool
) -> list[tuple[int, str, Centre]]:
    """(user id, e-mail, centre) of the people of the given centres. Trusted code:
    reads the partner centres' memberships as those centres would."""
    centre_ids = list(centre_ids)
    if not centre_ids:
        return []
    ctx = context.system_context(centre_ids=centre_ids)
    with context.using(ctx, session):
        roles = (Role.DIRECTOR,) if directors_only else (Role.DIRECTOR, Role.STAFF)
        rows = session.execute(
            select(User.id, User.email, Membership.centre_id)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.centre_id.in_(centre_ids),
                Membership.role.in_(roles),
                User.is_active_account.is_(True),
            )
            .order_by(User.id)
        ).all()
        centres = {
            c.id: c for c in session.scalars(select(Centre).where(Centre.id.in_(centre_ids)))
        }
    return [(r.id, r.email, centres[r.centre_id]) for r in rows]


def _people_by_id(
    session: Session, section: AapSection, user_ids: set[int]
) -> list[tuple[int, str, Centre]]:
    """Those of `user_ids` who still belong to a party centre of the answer."""
    if not user_ids:
        return []
    party_centres = [p.centre_id for p in visible_parties(section.answer)]
    return [p for p in people_of(session, party_centres, directors_only=False) if p[0] in user_ids]


def _notify_directors(
    session: Session, centres: list[Centre], title: str, *, body: str, answer: AapAnswer
) -> int:
    sent = 0
    for user_id, email, centre in people_of(session, [c.id for c in centres], directors_only=True):
        sent += notify(
            session,
            [(user_id, email)],
            title,
            body=body,
            link=answer_link(centre, answer),
            centre_id=centre.id,
        )
    return sent


def answer_link(centre: Centre, answer: AapAnswer) -> str:
    return f"/c/{centre.slug}/aap/reponses/{answer.id}"


def section_link(centre: Centre, section: AapSection) -> str:
    return f"/c/{centre.slug}/aap/reponses/{section.answer_id}/rubriques/{section.id}"


# --- Budget ------------------------------------------------------------------


def _check_line(account: str, label: str, funder: str, amount: Decimal) -> None:
    if account_kind(account) is None:
        raise AapError(
            _l(
                "Compte inconnu : utilisez le plan comptable associatif "
                "(60 à 68, 86 en charges ; 70 à 75, 87 en produits)."
            ),
            "account",
        )
    if not label.strip():
        raise AapError(_l("Indiquez l’intitulé de la ligne."), "label")
    if account.startswith("74") and not funder.strip():
        raise AapError(_l("Une subvention (compte 74) doit nommer son financeur."), "funder")
    if not Decimal(0) <= amount <= MAX_AMOUNT:
        raise AapError(_l("Le montant doit être positif."), "amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise AapError(_l("Le montant s’écrit au centime près."), "amount")


def own_party(answer: AapAnswer, ctx: TenantContext, centre: Centre) -> AgreementParty:
    """The active party the person writes budget lines for (the centre in the URL)."""
    party = party_for(answer, centre)
    if party is None or party.status is not PartyStatus.ACTIVE or centre.id not in ctx.centre_ids:
        raise AapError(_l("Votre centre doit avoir accepté l’invitation pour saisir son budget."))
    return party


def add_budget_line(
    session: Session,
    answer: AapAnswer,
    centre: Centre,
    *,
    account: str,
    label: str,
    amount: Decimal,
    funder: str = "",
    user_id: int | None = None,
) -> AapBudgetLine:
    _require_open(answer)
    party = own_party(answer, context.current(), centre)
    account, funder = account.strip(), (funder or "").strip()
    _check_line(account, label, funder, amount)
    line = AapBudgetLine(
        answer_id=answer.id,
        agreement_id=answer.agreement_id,
        party_id=party.id,
        centre_id=centre.id,
        account=account,
        label=label.strip()[:200],
        funder=funder[:200] if account.startswith("74") else "",
        amount=amount,
        version=1,
        updated_by_user_id=user_id,
    )
    session.add(line)
    session.flush()
    return line


def update_budget_line(
    session: Session,
    answer: AapAnswer,
    line_id: int,
    *,
    base_version: int,
    account: str,
    label: str,
    amount: Decimal,
    funder: str = "",
    user_id: int | None = None,
) -> int:
    """Change a line from the version the form showed; a stale version is a
    `BudgetConflict` (never a silent overwrite). Returns the new version."""
    _require_open(answer)
    account, funder = account.strip(), (funder or "").strip()
    _check_line(account, label, funder, amount)
    result = session.execute(
        update(AapBudgetLine)
        .where(
            AapBudgetLine.id == line_id,
            AapBudgetLine.answer_id == answer.id,
            AapBudgetLine.version == base_version,
        )
        .values(
            account=account,
            label=label.strip()[:200],
            funder=funder[:200] if account.startswith("74") else "",
            amount=amount,
            version=base_version + 1,
            updated_by_user_id=user_id,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise BudgetConflict(line_id, base_version, _current_line(session, answer, line_id))
    return base_version + 1


def delete_budget_line(
    session: Session, answer: AapAnswer, line_id: int, base_version: int
) -> None:
    _require_open(answer)
    result = session.execute(
        AapBudgetLine.__table__.delete().where(
            AapBudgetLine.id == line_id,
            AapBudgetLine.answer_id == answer.id,
            AapBudgetLine.version == base_version,
        )
    )
    if result.rowcount != 1:
        raise BudgetConflict(line_id, base_version, _current_line(session, answer, line_id))


def _current_line(session: Session, answer: AapAnswer, line_id: int) -> AapBudgetLine | None:
    line = session.get(AapBudgetLine, line_id, populate_existing=True)
    return line if line is not None and line.answer_id == answer.id else None


def budget_lines(session: Session, answer: AapAnswer) -> list[AapBudgetLine]:
    return list(
        session.scalars(
            select(AapBudgetLine)
            .where(AapBudgetLine.answer_id == answer.id)
            .order_by(AapBudgetLine.account, AapBudgetLine.id)
        )
    )


def budget_of(session: Session, answer: AapAnswer):
    """The consolidated budget of the active parties' lines."""
    parties = {p.id: p for p in active_parties(answer)}
    order = [p.id for p in sorted(parties.values(), key=lambda p: (not p.is_owner, p.id))]
    lines = [
        BudgetLineData(line.party_id, line.account, line.label, line.funder, line.amount)
        for line in budget_lines(session, answer)
        if line.party_id in parties
    ]
    return consolidate(lines, order)


# --- Submission and outcome --------------------------------------------------


def submit(session: Session, answer: AapAnswer, user_id: int) -> None:
    """The lead submits: refused while the budget is empty or unbalanced; the
    dossier is frozen afterwards (policies refuse every write to it)."""
    _require_lead(answer)
    _require_open(answer)
    budget = budget_of(session, answer)
    if not budget.lines:
        raise AapError(_l("Le budget est vide : chaque centre saisit ses lignes avant le dépôt."))
    if not budget.balanced:
        raise AapError(
            _l(
                "Le budget n’est pas équilibré : les charges et les produits diffèrent de "
                "%(difference)s €.",
                difference=f"{budget.difference:,.2f}".replace(",", "\u202f").replace(".", ","),
            )
        )
    answer.status = AnswerStatus.SUBMITTED
    answer.submitted_at = utcnow()
    answer.submitted_by_user_id = user_id
    answer.submitted_centre_ids = sorted(p.centre_id for p in active_parties(answer))
    session.flush()
    _notify_directors(
        session,
        [p.centre for p in active_parties(answer) if not p.is_owner],
        f"Réponse déposée : « {answer.title} »",
        body=f"{answer.lead_centre.name} a déposé la réponse commune auprès du financeur.",
        answer=answer,
    )


def record_outcome(
    session: Session, answer: AapAnswer, *, granted: bool, amount: Decimal | None, on: date
) -> None:
    _require_lead(answer)
    if answer.status is AnswerStatus.DRAFT:
        raise AapError(_l("La réponse n’a pas encore été déposée."))
    if granted and (amount is None or not Decimal("0.01") <= amount <= MAX_AMOUNT):
        raise AapError(_l("Indiquez le montant accordé."), "amount")
    answer.status = AnswerStatus.GRANTED if granted else AnswerStatus.REFUSED
    answer.granted_amount = amount if granted else None
    answer.outcome_on = on
    session.flush()


# --- Private notes -----------------------------------------------------------


def note_of(session: Session, answer: AapAnswer, centre: Centre) -> AapNote | None:
    return session.scalar(
        select(AapNote).where(AapNote.answer_id == answer.id, AapNote.centre_id == centre.id)
    )


def save_note(session: Session, answer: AapAnswer, centre: Centre, body: str) -> AapNote:
    note = note_of(session, answer, centre)
    if note is None:
        note = AapNote(answer_id=answer.id, agreement_id=answer.agreement_id, centre_id=centre.id)
        session.add(note)
    note.body = (body or "").strip()[:20000]
    note.updated_at = utcnow()
    session.flush()
    return note
