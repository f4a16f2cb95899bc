"""Joint answers: an invited centre is not yet a partner, and a submitted answer
keeps its parties.

Until it accepts, an invited centre reads the answer (call, lead, deadline) and
the sections it is asked to write, not the dossier: versions, comments, budget
lines and notes are read and written by the active parties and the lead only
(`aap_is_member`; `app_is_agreement_party` counts 'invited' parties, as the
shared posts need). Once the answer is submitted, a trigger refuses any change
to its parties (no one leaves, no one is removed, no one joins).

Revision ID: 0020_aap_members_and_freeze
Revises: 0018_agenda_reminders
Create Date: 2026-12-04
"""

from alembic import op

from ensemble.config import ROLES
from ensemble.tenancy import rls

revision = "0020_aap_members_and_freeze"
down_revision = "0018_agenda_reminders"
branch_labels = None
depends_on = None

MEMBER = "(aap_is_member(agreement_id) OR app_owns_agreement(agreement_id))"
OLD_PARTY = "(app_is_agreement_party(agreement_id) OR app_owns_agreement(agreement_id))"
OPEN = "aap_is_open(agreement_id)"
OWN_CENTRE = "centre_id = ANY(app_ids('app.centre_ids'))"
RUNTIME_ONLY = f"current_user = '{ROLES.runtime}' AND NOT app_is_admin()"


def _policies(party: str, *, invited_sections: bool) -> None:
    """(Re)create the dossier's policies with `party` as the readers' condition."""
    sections_read = f"{party} OR aap_is_asked_party(owner_party_id)" if invited_sections else party
    replaced = {
        ("aap_sections", "read", "SELECT"): (sections_read, None),
        ("aap_sections", "update", "UPDATE"): (f"{party} AND {OPEN}", f"{party} AND {OPEN}"),
        ("aap_section_versions", "read", "SELECT"): (party, None),
        ("aap_section_versions", "insert", "INSERT"): (
            None,
            f"{party} AND {OPEN} AND author_user_id = app_user_id()",
        ),
        ("aap_comments", "read", "SELECT"): (party, None),
        ("aap_comments", "insert", "INSERT"): (
            None,
            f"{party} AND {OPEN} AND author_user_id = app_user_id()",
        ),
        ("aap_comments", "update", "UPDATE"): (f"{party} AND {OPEN}", f"{party} AND {OPEN}"),
        ("aap_comments", "delete", "DELETE"): (
            f"{party} AND {OPEN} AND author_user_id = app_user_id()",
            None,
        ),
        ("aap_budget_lines", "read", "SELECT"): (party, None),
    }
    own_notes = f"{OWN_CENTRE} AND {party}"
    for command in ("SELECT", "INSERT", "UPDATE", "DELETE"):
        replaced[("aap_notes", command.lower(), command)] = (
            None if command == "INSERT" else own_notes,
            own_notes if command in ("INSERT", "UPDATE") else None,
        )
    for (table, name, command), (using, check) in replaced.items():
        op.execute(f"DROP POLICY {table}_{name} ON {table}")
        rls.policy(table, f"{table}_{name}", command, using=using, check=check)


def upgrade():
    rls.definer_function(
        "aap_is_member(p_agreement_id bigint) RETURNS boolean",
        "SELECT EXISTS (SELECT 1 FROM agreement_parties p"
        " WHERE p.agreement_id = p_agreement_id AND p.status = 'active'"
        " AND (p.centre_id = ANY(app_ids('app.centre_ids'))"
        " OR p.employer_id = ANY(app_ids('app.employer_ids'))))",
    )
    # An invited centre reads the sections the lead asks it to write.
    rls.definer_function(
        "aap_is_asked_party(p_party_id bigint) RETURNS boolean",
        "SELECT EXISTS (SELECT 1 FROM agreement_parties p"
        " WHERE p.id = p_party_id AND p.status = 'invited'"
        " AND p.centre_id = ANY(app_ids('app.centre_ids')))",
    )
    rls.definer_function(
        "aap_is_submitted(p_agreement_id bigint) RETURNS boolean",
        "SELECT EXISTS (SELECT 1 FROM aap_answers a"
        " WHERE a.agreement_id = p_agreement_id AND a.status <> 'draft')",
    )
    _policies(MEMBER, invited_sections=True)
    op.execute(f"""
CREATE FUNCTION aap_submitted_parties_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- The funder holds the dossier as submitted: its parties stay as they were.
    IF {RUNTIME_ONLY}
       AND aap_is_submitted(COALESCE(NEW.agreement_id, OLD.agreement_id))
    THEN
        RAISE EXCEPTION 'permission denied: a submitted joint answer keeps its parties'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN COALESCE(NEW, OLD);
END
$$;
CREATE TRIGGER aap_submitted_parties_guard
BEFORE INSERT OR UPDATE OR DELETE ON agreement_parties
FOR EACH ROW EXECUTE FUNCTION aap_submitted_parties_guard();
""")


def downgrade():
    op.execute("DROP TRIGGER aap_submitted_parties_guard ON agreement_parties")
    op.execute("DROP FUNCTION aap_submitted_parties_guard()")
    _policies(OLD_PARTY, invited_sections=False)
    op.execute("DROP FUNCTION aap_is_submitted(bigint)")
    op.execute("DROP FUNCTION aap_is_asked_party(bigint)")
    op.execute("DROP FUNCTION aap_is_member(bigint)")
