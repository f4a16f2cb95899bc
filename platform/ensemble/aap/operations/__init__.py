"""Calls for projects and joint answers: publishing calls, leading an answer,
inviting partners, writing sections without lost updates, keeping their
history, commenting, budgeting and submitting. Flush, never commit.

Refusals raise `AapError` with a French message and the form field it is
about; a save from a stale version raises `SectionConflict` (or
`BudgetConflict`) carrying what the conflict page needs.

One module per part (calls, answers, sections, discussion, budget, submission,
notes); the rich-text rules (`ensemble.aap.richtext`), the diff and three-way
merge (`ensemble.aap.merging`) and the rights (`ensemble.aap.permissions`) live
beside them. Every public name is re-exported here, so callers write
`from ensemble.aap import operations as aap; aap.submit(…)`.
"""

from __future__ import annotations

from ensemble.aap.merging import DiffLine, block_lines, diff, merge3
from ensemble.aap.operations.answers import (
    answers_of,
    create_answer,
    invite_partner,
    leave,
    load_answer,
    partner_choices,
    remove_partner,
    respond,
)
from ensemble.aap.operations.attachments import (
    MissingAttachment,
    add_attachment,
    attachment_of,
    attachments,
    delete_attachment,
    missing_attachments,
)
from ensemble.aap.operations.budget import (
    add_budget_line,
    budget_lines,
    budget_of,
    delete_budget_line,
    own_party,
    update_budget_line,
)
from ensemble.aap.operations.calls import (
    CallListing,
    call_details,
    create_call,
    network_calls,
    update_call,
    withdraw_call,
)
from ensemble.aap.operations.common import (
    CERFA_SECTIONS,
    FUNDER_LABELS,
    MAX_AMOUNT,
    MAX_BODY,
    SILENT,
    AapError,
    BudgetConflict,
    SectionConflict,
    notify,
)
from ensemble.aap.operations.discussion import add_comment, comments, resolve_comment
from ensemble.aap.operations.mine import MySection, my_sections
from ensemble.aap.operations.notes import note_of, save_note
from ensemble.aap.operations.people import answer_link, mine_link, people_of, section_link
from ensemble.aap.operations.sections import (
    add_section,
    assign_writer,
    move_section,
    restore,
    save_section,
    set_section_due,
    set_section_limit,
    set_section_owner,
    set_section_status,
    version_body,
    versions,
    writer_choices,
)
from ensemble.aap.operations.submission import (
    Readiness,
    correct_outcome,
    readiness,
    record_outcome,
    submit,
)
from ensemble.aap.permissions import (
    active_parties,
    can_approve_section,
    can_assign_writer,
    can_write_section,
    is_lead_director,
    is_member,
    lead_party,
    party_for,
    takes_part,
    visible_parties,
)
from ensemble.aap.richtext import ALLOWED_TAGS, Block, Run, blocks, sanitize, text_lines

__all__ = [
    "MissingAttachment",
    "add_attachment",
    "attachment_of",
    "attachments",
    "delete_attachment",
    "missing_attachments",
    "ALLOWED_TAGS",
    "AapError",
    "Block",
    "BudgetConflict",
    "CERFA_SECTIONS",
    "CallListing",
    "DiffLine",
    "FUNDER_LABELS",
    "MAX_AMOUNT",
    "MAX_BODY",
    "MySection",
    "Readiness",
    "Run",
    "SILENT",
    "SectionConflict",
    "active_parties",
    "add_budget_line",
    "add_comment",
    "add_section",
    "answer_link",
    "answers_of",
    "assign_writer",
    "block_lines",
    "blocks",
    "budget_lines",
    "budget_of",
    "call_details",
    "can_approve_section",
    "can_assign_writer",
    "can_write_section",
    "comments",
    "correct_outcome",
    "create_answer",
    "create_call",
    "delete_budget_line",
    "diff",
    "invite_partner",
    "is_lead_director",
    "is_member",
    "lead_party",
    "leave",
    "load_answer",
    "merge3",
    "mine_link",
    "my_sections",
    "move_section",
    "network_calls",
    "note_of",
    "notify",
    "own_party",
    "partner_choices",
    "party_for",
    "people_of",
    "readiness",
    "record_outcome",
    "remove_partner",
    "resolve_comment",
    "respond",
    "restore",
    "sanitize",
    "save_note",
    "save_section",
    "section_link",
    "set_section_due",
    "set_section_limit",
    "set_section_owner",
    "set_section_status",
    "submit",
    "takes_part",
    "text_lines",
    "update_budget_line",
    "update_call",
    "version_body",
    "versions",
    "visible_parties",
    "withdraw_call",
    "writer_choices",
]
