-- The login role Grafana's datasource connects as: a member of `contract_ner_dashboards`, which
-- migration 0009 allows to read the dashboard_* views and nothing else. Run by compose's one-shot
-- `dashboard-reader` service after the migrations, as the owner role; safe to run again (it resets
-- the password). The name and password come from the environment, never from this file:
--   GRAFANA_DB_USER (e.g. contract_ner_grafana), GRAFANA_DB_PASSWORD (required).
\set ON_ERROR_STOP on
\set reader_name ''
\set reader_password ''
\getenv reader_name GRAFANA_DB_USER
\getenv reader_password GRAFANA_DB_PASSWORD

SELECT :'reader_name' = '' OR length(:'reader_password') < 16 AS refused \gset
\if :refused
    DO $$ BEGIN RAISE EXCEPTION 'set GRAFANA_DB_USER and a GRAFANA_DB_PASSWORD of at least 16 characters'; END $$;
\endif

SELECT format('CREATE ROLE %I LOGIN', :'reader_name')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'reader_name') \gexec

-- No other right than the group's: not a superuser, cannot create roles or databases, inherits the group.
SELECT format(
    'ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD %L',
    :'reader_name', :'reader_password'
) \gexec
SELECT format('GRANT contract_ner_dashboards TO %I', :'reader_name') \gexec
