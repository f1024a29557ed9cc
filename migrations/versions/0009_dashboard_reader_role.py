"""dashboard reader role (Postgres only): `contract_ner_dashboards` may read the dashboard_* views, nothing else

Grafana runs whatever SQL a dashboard editor types, so its datasource must not be the application's owner
role: this revision creates the NOLOGIN group role `contract_ner_dashboards` (roles are cluster-wide, so
it is created only when missing) with USAGE on the schema and SELECT on every `dashboard_*` view in it.
The views run with their owner's rights on the pipeline's tables, so the role reads the aggregates and
never a document, its text, entities, cards, keys or sessions. The login role Grafana connects as is a
member of this one, created by compose's `dashboard-reader` service from `ops/postgres/dashboard-reader.sql`
with a password from the environment.

A later revision that drops and recreates a `dashboard_*` view must grant SELECT on it to
`contract_ner_dashboards` again (tests/test_dashboard_reader.py checks every such view).

On SQLite (the embedded default has neither roles nor the views) this revision does nothing.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 11:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "contract_ner_dashboards"

# Another database of the same cluster (or a concurrent migration) may have created it first.
CREATE_ROLE = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN
        CREATE ROLE {ROLE} NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object THEN
    NULL;
END
$$
"""

GRANT_VIEWS = f"""
DO $$
DECLARE
    view_name name;
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO {ROLE}', current_schema());
    FOR view_name IN
        SELECT viewname FROM pg_views WHERE schemaname = current_schema() AND viewname LIKE 'dashboard\\_%'
    LOOP
        EXECUTE format('GRANT SELECT ON %I TO {ROLE}', view_name);
    END LOOP;
END
$$
"""

REVOKE_VIEWS = f"""
DO $$
DECLARE
    view_name name;
BEGIN
    FOR view_name IN
        SELECT viewname FROM pg_views WHERE schemaname = current_schema() AND viewname LIKE 'dashboard\\_%'
    LOOP
        EXECUTE format('REVOKE SELECT ON %I FROM {ROLE}', view_name);
    END LOOP;
    EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM {ROLE}', current_schema());
END
$$
"""

# The role stays while another database of the cluster still grants it something.
DROP_ROLE = f"""
DO $$
BEGIN
    DROP ROLE IF EXISTS {ROLE};
EXCEPTION WHEN dependent_objects_still_exist THEN
    RAISE NOTICE '{ROLE} is still used elsewhere in this cluster: kept';
END
$$
"""


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgres():
        return
    op.execute(CREATE_ROLE)
    op.execute(GRANT_VIEWS)


def downgrade() -> None:
    if not _postgres():
        return
    op.execute(REVOKE_VIEWS)
    op.execute(DROP_ROLE)
