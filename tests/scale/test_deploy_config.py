"""The compose file describes the layout the scale tests start (Docker itself can't run here):
the same endpoints file and lock store, every variable Rasa's files need, only nginx published,
the data stores and the action servers on the internal network only.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from bench.lock_race import OUR_LOCK_STORE, PROD_ENDPOINTS
from scripts.stack import ROOT

DEPLOY = ROOT / "deploy"
VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    return loaded


def _command(service: dict[str, Any]) -> str:
    return " ".join(service["command"])


def test_rasa_runs_the_endpoints_file_of_the_tests_with_our_lock_store(
    compose: dict[str, Any],
) -> None:
    rasa = compose["services"]["rasa"]
    assert _command(rasa).startswith(".venv-rasa/bin/python -m bot.server run ")
    assert "--endpoints bot/endpoints.prod.yml" in _command(rasa)
    assert "--auth-token" in _command(rasa)
    assert rasa["deploy"]["replicas"] >= 2
    assert OUR_LOCK_STORE in PROD_ENDPOINTS.read_text()
    assert (ROOT / "bot" / "lock_store.py").is_file()


@pytest.mark.parametrize("path", ["bot/endpoints.prod.yml", "bot/credentials.yml"])
def test_every_variable_of_rasas_files_is_set(compose: dict[str, Any], path: str) -> None:
    environment = compose["services"]["rasa"]["environment"]
    lines = (ROOT / path).read_text().splitlines()
    needed = {
        v for line in lines if not line.lstrip().startswith("#") for v in VARIABLE.findall(line)
    }
    assert needed, path
    assert needed <= set(environment), sorted(needed - set(environment))


def test_processes_match_the_stack(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert "-m actions.server" in _command(services["actions"])
    assert services["actions"]["deploy"]["replicas"] >= 2
    backend = _command(services["backend"])
    assert "backend.main:create_app --factory" in backend
    assert int(backend.split("--workers ")[1].split()[0]) >= 2
    assert services["backend"]["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")


def _expanded(value: str) -> str:
    """``value`` with each ``${VAR…}`` as a URL-safe stand-in (``${VAR:?…}`` holds a ``?``)."""
    return re.sub(r"\$\{([A-Z0-9_]+)[^}]*\}", lambda found: f"x{found.group(1).lower()}", value)


@pytest.mark.parametrize(
    ("service", "variable"),
    [("rasa", "SLACK_DEDUPE_REDIS_URL"), ("backend", "LOGIN_THROTTLE_REDIS_URL")],
)
def test_every_replica_shares_its_redis_store(
    compose: dict[str, Any], service: str, variable: str
) -> None:
    # Unset, each replica would keep the Slack deliveries (or the failed logins) to itself.
    settings = compose["services"][service]
    environment = settings["environment"]
    url = urlsplit(_expanded(environment[variable]))
    assert (url.scheme, url.hostname, url.port) == ("redis", "redis", 6379)
    assert url.password == "xredis_password"
    database = url.path.lstrip("/")
    assert database.isdigit() and database != environment["REDIS_LOCK_DB"]
    assert settings["depends_on"]["redis"] == {"condition": "service_healthy"}
    assert settings["deploy"]["replicas"] >= 2


def test_the_shared_stores_use_their_own_redis_databases(compose: dict[str, Any]) -> None:
    environment = compose["services"]["rasa"]["environment"]
    databases = [
        environment["REDIS_LOCK_DB"],
        *(
            urlsplit(_expanded(environment[name])).path.lstrip("/")
            for name in ("SLACK_DEDUPE_REDIS_URL", "LOGIN_THROTTLE_REDIS_URL")
        ),
    ]
    assert len(set(databases)) == len(databases)


def test_only_the_load_balancer_is_published(compose: dict[str, Any]) -> None:
    services = compose["services"]
    published = sorted(name for name, s in services.items() if s.get("ports"))
    assert published == ["nginx"]
    assert compose["networks"]["private"]["internal"] is True
    for name in ("postgres", "redis", "actions"):
        assert services[name]["networks"] == ["private"], name


def test_dependencies_and_upstreams_name_real_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        assert set(service.get("depends_on", {})) <= set(services), name
    nginx = (DEPLOY / "nginx.conf").read_text()
    upstreams = re.findall(r"server (\w+):\d+;", nginx)
    assert set(upstreams) == {"backend", "rasa", "actions"}
    # Rasa's REST channel trusts the sender id: only the backend's gateway may use it.
    assert "location /webhooks/rest/ {\n            return 404;" in nginx
    for mounted in ("./nginx.conf", "./postgres-init.sql"):
        assert (DEPLOY / mounted).is_file()


def test_the_image_uses_the_repository_scripts() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for step in ("scripts/venv.sh app requirements/app.txt",
                 "scripts/venv.sh rasa requirements/rasa.txt", "scripts/train.sh"):  # fmt: skip
        assert step in dockerfile
    assert Path(ROOT / "requirements" / "app.txt").is_file()
