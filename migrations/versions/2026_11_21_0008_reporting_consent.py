"""Federation reporting: a centre's figures by name, only where the centre agreed.

Revision ID: 0008_reporting_consent
Revises: 0007_reporting
Create Date: 2026-11-21

The federation reads a centre's figures while it checks them (submitted or
returned declarations), with the same centre's validated figures of the year
before, for the year-on-year check. Otherwise, once a declaration is validated,
the federation reads its figures only if the centre agreed
(`share_centre_figures`); without it the centre appears in the network's
aggregates only. This is enforced by the policy on `reporting_values`, not only
by the pages.

The centre's director may give or withdraw that consent at any time, also after
validation: a policy lets directors update their declarations whatever their
status, and a trigger limits such an update, once the declaration has left the
centre's hands, to the consent column.

`reporting_shared_figures` is what the federation's page of named figures reads:
validated figures of consenting centres only, with the centre's name and place.
It runs with the reader's rights (security_invoker), so the policies above
apply beneath its own filter.
"""

from alembic import op

from ensemble.config import ROLES

revision = "0008_reporting_consent"
down_revision = "0007_reporting"
branch_labels = None
depends_on = None

ADMIN = "app_is_admin()"
CENTRE = "centre_id = ANY(app_ids('app.centre_ids'))"
DIRECTOR = "centre_id = ANY(app_ids('app.director_centre_ids'))"
FEDERATION = "federation_id = ANY(app_ids('app.federation_ids'))"

OLD_VALUES_READ = (
    f"{ADMIN} OR {CENTRE} OR ({FEDERATION} AND EXISTS (SELECT 1 FROM reporting_declarations d"
    " WHERE d.id = declaration_id AND d.status <> 'draft'))"
)
# Under review (submitted, returned): the federation checks the figures, against
# the same centre's validated figures of the year before (the year-on-year check).
# Otherwise, validated figures by name only with the centre's consent.
VALUES_READ = (
    f"{ADMIN} OR {CENTRE} OR ({FEDERATION} AND EXISTS (SELECT 1 FROM reporting_declarations d"
    " WHERE d.id = declaration_id AND (d.status IN ('submitted', 'returned')"
    " OR (d.status = 'validated' AND (d.share_centre_figures OR EXISTS ("
    "SELECT 1 FROM reporting_declarations n WHERE n.centre_id = d.centre_id"
    " AND n.year = d.year + 1 AND n.status IN ('submitted', 'returned')))))))"
)

GUARD = f"""
CREATE FUNCTION reporting_declarations_consent_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- The centre side (neither the federation nor the platform admin) may take
    -- its declaration as far as "submitted"; once the declaration is out of its
    -- hands (submitted, validated) it may change the consent and nothing else.
    IF current_user = '{ROLES.runtime}'
       AND NOT app_is_admin()
       AND NOT (OLD.federation_id = ANY(app_ids('app.federation_ids')))
       AND ((OLD.status IN ('submitted', 'validated')
             AND (NEW.id, NEW.centre_id, NEW.federation_id, NEW.year, NEW.status,
                  NEW.submitted_at, NEW.validated_at, NEW.created_at)
                 IS DISTINCT FROM
                 (OLD.id, OLD.centre_id, OLD.federation_id, OLD.year, OLD.status,
                  OLD.submitted_at, OLD.validated_at, OLD.created_at))
            OR (OLD.status IN ('draft', 'returned')
                AND NEW.status NOT IN ('draft', 'returned', 'submitted')))
    THEN
        RAISE EXCEPTION 'permission denied: the centre may submit its declaration; once it'
                        ' is out of the centre''s hands, only the consent may change'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER reporting_declarations_consent_only
BEFORE UPDATE ON reporting_declarations
FOR EACH ROW EXECUTE FUNCTION reporting_declarations_consent_only();
"""

VIEW = """
CREATE VIEW reporting_shared_figures WITH (security_invoker = true, security_barrier = true) AS
SELECT v.federation_id, v.year, v.centre_id, c.name AS centre_name, c.city,
       left(c.postcode, 2) AS departement, v.indicator_code, v.breakdown_key, v.value
FROM reporting_values v
JOIN reporting_declarations d ON d.id = v.declaration_id
JOIN centres c ON c.id = v.centre_id
WHERE d.status = 'validated' AND d.share_centre_figures
"""


def _values_read(using: str) -> None:
    op.execute("DROP POLICY reporting_values_read ON reporting_values")
    op.execute(
        "CREATE POLICY reporting_values_read ON reporting_values FOR SELECT TO PUBLIC"
        f" USING ({using})"
    )


def upgrade():
    _values_read(VALUES_READ)
    op.execute(
        "CREATE POLICY reporting_declarations_consent ON reporting_declarations FOR UPDATE"
        f" TO PUBLIC USING ({DIRECTOR}) WITH CHECK ({DIRECTOR})"
    )
    op.execute(GUARD)
    op.execute(VIEW)
    op.execute(f"GRANT SELECT ON reporting_shared_figures TO {ROLES.runtime}")


def downgrade():
    op.execute("DROP VIEW reporting_shared_figures")
    op.execute("DROP TRIGGER reporting_declarations_consent_only ON reporting_declarations")
    op.execute("DROP FUNCTION reporting_declarations_consent_only()")
    op.execute("DROP POLICY reporting_declarations_consent ON reporting_declarations")
    _values_read(OLD_VALUES_READ)
