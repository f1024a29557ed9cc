"""docker-compose.yml stays correct without a Docker engine: it parses, names every service the README
promises, and its commands are ones this project really has."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SERVICES = {
    "postgres", "redis", "migrate", "api", "extract-worker", "ocr-worker", "ner-worker", "maintenance-worker", "beat",
    "dashboard-reader",
    "grafana", "flower",
}  # fmt: skip


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_names_every_service_the_readme_promises() -> None:
    services = compose()["services"]
    readme = (ROOT / "README.md").read_text()

    assert set(services) == SERVICES
    assert all(f"`{name}`" in readme for name in SERVICES)


def test_every_long_running_service_has_a_healthcheck() -> None:
    services = compose()["services"]

    assert all("healthcheck" in spec for name, spec in services.items() if name not in ("migrate", "dashboard-reader"))


def test_the_ner_worker_reserves_a_gpu_and_uses_it() -> None:
    ner = compose()["services"]["ner-worker"]

    devices = ner["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]
    assert ner["environment"]["CONTRACT_NER_DEVICE"] == "cuda"
    assert ner["command"] == ["contract-ner", "worker", "--queues", "ner"]


def test_app_services_start_after_migrations_and_share_settings() -> None:
    services = compose()["services"]

    for name in ("api", "extract-worker", "ocr-worker", "ner-worker", "maintenance-worker", "beat"):
        spec = services[name]
        assert spec["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert spec["environment"]["CONTRACT_NER_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert spec["environment"]["CONTRACT_NER_BROKER_URL"].startswith("redis://redis:6379")
    assert services["migrate"]["command"] == ["contract-ner", "migrate"]


def test_the_cli_commands_compose_runs_exist() -> None:
    from typer.main import get_command

    from cli.main import app

    commands = set(get_command(app).commands)  # type: ignore[attr-defined]
    used = {
        spec["command"][1] for spec in compose()["services"].values() if spec.get("command", [""])[0] == "contract-ner"
    }

    assert used <= commands


# --------------------------------------------------------------------------------------------------
# Exposure: passwords, ports, Grafana's rights

_VARIABLE = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?:(?P<op>:-|:\?)(?P<arg>[^}]*))?\}")


def interpolate(value: str, environment: dict[str, str]) -> str:
    """Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?error}` (the forms this file uses)."""

    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        if environment.get(name):
            return environment[name]
        if op == ":?":
            raise LookupError(f"{name}: {arg}")
        return arg if op == ":-" else ""

    return _VARIABLE.sub(substitute, value)


def published_ports(services: dict) -> list[tuple[str, str]]:
    return [(name, str(port)) for name, spec in services.items() for port in spec.get("ports", [])]


def test_no_password_has_a_default_and_compose_refuses_to_start_without_them() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    services = compose()["services"]
    secrets = [
        (name, key, value)
        for name, spec in services.items()
        for key, value in (spec.get("environment") or {}).items()
        if "PASSWORD" in key
    ]

    assert {key for _, key, _ in secrets} >= {"POSTGRES_PASSWORD", "GF_SECURITY_ADMIN_PASSWORD", "PGPASSWORD"}
    for name, key, value in secrets:
        assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]+\}", value), (name, key, value)
    database_url = services["api"]["environment"]["CONTRACT_NER_DATABASE_URL"]
    assert "${POSTGRES_PASSWORD:?" in database_url
    for required in ("POSTGRES_PASSWORD", "GRAFANA_ADMIN_PASSWORD", "GRAFANA_DB_PASSWORD"):
        environment = {
            "POSTGRES_PASSWORD": "p" * 20,
            "GRAFANA_ADMIN_PASSWORD": "a" * 20,
            "GRAFANA_DB_PASSWORD": "g" * 20,
        }
        del environment[required]
        with pytest.raises(LookupError, match=required):
            interpolate(text, environment)


def test_published_ports_listen_on_loopback_unless_configured() -> None:
    services = compose()["services"]
    ports = published_ports(services)

    assert {name for name, _ in ports} == {"api", "grafana", "flower"}  # never postgres or redis
    for name, port in ports:
        bind = port.rsplit(":", 2)[0]
        assert re.fullmatch(r"\$\{[A-Z]+_BIND:-127\.0\.0\.1\}", bind), (name, port)
        assert interpolate(port, {}).startswith("127.0.0.1:"), (name, port)
    assert interpolate(services["grafana"]["ports"][0], {"GRAFANA_BIND": "10.0.0.5"}) == "10.0.0.5:3000:3000"


def test_grafana_has_no_anonymous_viewers_no_sign_up_and_a_required_admin_password() -> None:
    grafana = compose()["services"]["grafana"]
    environment = grafana["environment"]

    assert environment["GF_AUTH_ANONYMOUS_ENABLED"] == "false"
    assert "GF_AUTH_ANONYMOUS_ORG_ROLE" not in environment
    assert environment["GF_USERS_ALLOW_SIGN_UP"] == "false"
    assert environment["GF_SECURITY_ADMIN_PASSWORD"].startswith("${GRAFANA_ADMIN_PASSWORD:?")


def test_grafanas_datasource_is_the_read_only_dashboard_login_never_the_owner() -> None:
    services = compose()["services"]
    grafana, reader = services["grafana"], services["dashboard-reader"]
    datasource = yaml.safe_load((ROOT / "ops/grafana/provisioning/datasources/postgres.yaml").read_text())
    (source,) = datasource["datasources"]
    owner = services["postgres"]["environment"]["POSTGRES_USER"]

    assert source["user"] == "${CONTRACT_NER_GRAFANA_DB_USER}"
    assert source["secureJsonData"]["password"] == "${CONTRACT_NER_GRAFANA_DB_PASSWORD}"
    grafana_user = interpolate(grafana["environment"]["CONTRACT_NER_GRAFANA_DB_USER"], {})
    assert grafana_user != owner
    # The login Grafana uses is the one the dashboard-reader service creates, with the same password.
    assert interpolate(reader["environment"]["GRAFANA_DB_USER"], {}) == grafana_user
    assert reader["environment"]["GRAFANA_DB_PASSWORD"] == grafana["environment"]["CONTRACT_NER_GRAFANA_DB_PASSWORD"]
    assert grafana["depends_on"] == {"dashboard-reader": {"condition": "service_completed_successfully"}}
    assert reader["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_the_dashboard_reader_service_runs_the_script_the_tests_run() -> None:
    reader = compose()["services"]["dashboard-reader"]
    (mount,) = reader["volumes"]
    source, target, mode = mount.split(":")
    script = reader["command"][reader["command"].index("--file") + 1]

    assert reader["command"][0] == "psql" and mode == "ro"
    assert script.startswith(target + "/")
    assert (ROOT / source / script.removeprefix(target + "/")).is_file()
    assert script.endswith("dashboard-reader.sql")
