"""deploy/: the compose file a body can copy names the topology that tests/reliability/test_topology.py runs as
processes, and gives every regledger container the settings it needs."""

from __future__ import annotations

import yaml

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"


def test_the_compose_file_runs_two_web_and_two_worker_containers_behind_a_proxy_on_postgresql():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    web = [name for name, s in services.items() if s.get("command", [])[:2] == ["regledger", "serve"]]
    workers = [name for name, s in services.items() if s.get("command") == ["regledger", "worker"]]
    assert len(web) == 2 and len(workers) == 2
    assert services["db"]["image"].startswith("postgres:")
    for name in web + workers:
        settings = services[name]["environment"]
        assert (
            settings["REGLEDGER_DATABASE_URL"].startswith("postgresql://")
            and "@db:5432/" in settings["REGLEDGER_DATABASE_URL"]
        )
        assert settings["REGLEDGER_MASTER_KEY_FILE"] == "/run/secrets/master_key"
        assert "REGLEDGER_ISSUER_URL" in settings
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in web:
        assert "--workers" in services[name]["command"] and "ports" not in services[name]  # only the proxy is open
    proxy = (DEPLOY / "nginx.conf").read_text()
    assert all(f"server {name}:8000" in proxy for name in web)
    assert "X-Forwarded-For" in proxy and "8080:80" in services["proxy"]["ports"]


def test_the_image_installs_the_postgresql_driver_and_every_package():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "'.[postgres]'" in dockerfile
    for package in ("ledger", "credentials", "verifier"):
        assert f"COPY {package} ./{package}" in dockerfile
