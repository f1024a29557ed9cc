"""docker-compose.yml stays correct without a Docker engine: it parses, names every service the README
promises, and its commands are ones this project really has."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SERVICES = {"postgres", "redis", "migrate", "api", "extract-worker", "ner-worker", "beat", "grafana", "flower"}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_names_every_service_the_readme_promises() -> None:
    services = compose()["services"]
    readme = (ROOT / "README.md").read_text()

    assert set(services) == SERVICES
    assert all(f"`{name}`" in readme for name in SERVICES)


def test_every_long_running_service_has_a_healthcheck() -> None:
    services = compose()["services"]

    assert all("healthcheck" in spec for name, spec in services.items() if name != "migrate")


def test_the_ner_worker_reserves_a_gpu_and_uses_it() -> None:
    ner = compose()["services"]["ner-worker"]

    devices = ner["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]
    assert ner["environment"]["CONTRACT_NER_DEVICE"] == "cuda"
    assert ner["command"] == ["contract-ner", "worker", "--queues", "ner"]


def test_app_services_start_after_migrations_and_share_settings() -> None:
    services = compose()["services"]

    for name in ("api", "extract-worker", "ner-worker", "beat"):
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
