"""Joint answers: a submitted answer keeps the call as it was at submission.

The call's publisher may still correct its call (a moved deadline for the answers
being written, a new link…), but the dossier a lead submitted names the call, the
funder, the deadline and the envelope it was submitted under: `call_as_submitted`
is that copy, written once by the submission (the check ties it to the status) and
never changed afterwards (the trigger).

Revision ID: 0033_aap_call_as_submitted
Revises: 0032_caldav_kept_properties
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from ensemble.config import ROLES

revision = "0033_aap_call_as_submitted"
down_revision = "0032_caldav_kept_properties"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "aap_answers",
        sa.Column("call_as_submitted", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    # Answers submitted before this revision: the call as it reads now is all there is.
    op.execute("""
UPDATE aap_answers a SET call_as_submitted = jsonb_build_object(
    'funder', c.funder::text, 'title', c.title, 'link', c.link, 'theme', c.theme,
    'deadline', c.deadline::text, 'envelope', c.envelope::text, 'eligibility', c.eligibility)
FROM aap_calls c WHERE c.id = a.call_id AND a.status <> 'draft'
""")
    op.execute(
        "ALTER TABLE aap_answers ADD CONSTRAINT ck_aap_answers_call_as_submitted"
        " CHECK ((status = 'draft') = (call_as_submitted IS NULL))"
    )
    op.execute(f"GRANT UPDATE (call_as_submitted) ON aap_answers TO {ROLES.runtime}")
    op.execute("""
CREATE FUNCTION aap_call_as_submitted_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- The funder holds the dossier as submitted, under the call as it was then.
    IF OLD.call_as_submitted IS NOT NULL
       AND NEW.call_as_submitted IS DISTINCT FROM OLD.call_as_submitted
    THEN
        RAISE EXCEPTION 'permission denied: a submitted answer keeps its call as submitted'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER aap_call_as_submitted_guard
BEFORE UPDATE ON aap_answers
FOR EACH ROW EXECUTE FUNCTION aap_call_as_submitted_guard();
""")


def downgrade():
    op.execute("DROP TRIGGER aap_call_as_submitted_guard ON aap_answers")
    op.execute("DROP FUNCTION aap_call_as_submitted_guard()")
    op.execute(f"REVOKE UPDATE (call_as_submitted) ON aap_answers FROM {ROLES.runtime}")
    op.execute("ALTER TABLE aap_answers DROP CONSTRAINT ck_aap_answers_call_as_submitted")
    op.drop_column("aap_answers", "call_as_submitted")
