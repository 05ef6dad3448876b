"""The sample deployments in deploy/ are what docs/deploy.md says: the Kubernetes manifests pass
the Kubernetes API's own schema (kubernetes-validate, offline; no cluster exists here), and every
`openreel` command line in them, in docker-compose.yml and in the systemd units is one our CLI
accepts, with the settings scale-out needs."""

from __future__ import annotations

import configparser
import copy
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from openreel.cli.main import app
from tests.support import import_or_require

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
KUBERNETES_VERSION = "1.30"


def _parses(argv: list[str]) -> Any:
    """The click context our CLI builds for `argv` (its options checked; a bad one raises a usage
    error). Typer carries its own copy of click, so groups are told apart by what they can do."""
    assert argv[0].endswith("openreel"), argv
    command: Any = typer.main.get_command(app)
    args, ctx = argv[1:], None
    while True:
        ctx = command.make_context(command.name or "openreel", list(args), parent=ctx)
        if not hasattr(command, "resolve_command"):
            return ctx
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
        name, command, args = command.resolve_command(ctx, rest)
        assert command is not None, name


def _manifests() -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all((DEPLOY / "kubernetes/openreel.yaml").read_text()) if doc]


def test_the_kubernetes_manifests_pass_the_api_schema() -> None:
    validator = import_or_require("kubernetes_validate", "kubernetes-validate is not installed")
    docs = _manifests()
    for doc in docs:
        validator.validate(doc, KUBERNETES_VERSION, strict=True)
    # The check can fail: a misspelt field is refused.
    broken = copy.deepcopy(next(d for d in docs if d["kind"] == "Deployment"))
    broken["spec"]["template"]["spec"]["containers"][0]["resource"] = {}
    with pytest.raises(validator.ValidationError):
        validator.validate(broken, KUBERNETES_VERSION, strict=True)


def test_the_kubernetes_api_pods_are_replicas_and_the_workers_request_gpus() -> None:
    deployments = {d["metadata"]["name"]: d for d in _manifests() if d["kind"] == "Deployment"}
    api = deployments["openreel-api"]["spec"]
    assert api["replicas"] >= 2
    serve = _parses(api["template"]["spec"]["containers"][0]["command"])
    assert serve.params["workers"] == 0
    worker = deployments["openreel-worker-wan"]["spec"]["template"]["spec"]
    container = worker["containers"][0]
    assert container["resources"]["requests"]["nvidia.com/gpu"] == 1
    assert _parses(container["command"]).params["models"] == "wan2.1-t2v-1.3b"
    assert worker["terminationGracePeriodSeconds"] >= 60  # room to drain on SIGTERM


def test_docker_compose_runs_the_whole_scale_out_deployment() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "minio", "api-1", "api-2", "worker-gpu0", "flower"} <= set(services)
    assert services["redis"]["command"][1:] == ["--appendonly", "yes", "--appendfsync", "everysec"]
    env = services["api-1"]["environment"]
    assert env["OPENREEL_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["OPENREEL_QUEUE_URL"] == "redis://redis:6379/0"
    assert f"--broker={env['OPENREEL_QUEUE_URL']}" in services["flower"]["command"]
    # The same settings, and its metrics port open beyond the container (docs/monitoring.md).
    assert services["worker-gpu0"]["environment"] == {**env, "OPENREEL_HOST": "0.0.0.0"}
    for name in ("api-1", "api-2"):
        assert _parses(services[name]["command"]).params["workers"] == 0
    worker = _parses(services["worker-gpu0"]["command"])
    assert worker.params["concurrency"] == 1 and worker.params["models"] and worker.params["metrics_port"] == 9101
    devices = services["worker-gpu0"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]
    _parses(services["migrate"]["command"])


@pytest.mark.parametrize(("unit", "instance"), [("openreel-api@.service", "8001"), ("openreel-worker@.service", "0")])
def test_the_systemd_units_start_our_commands(unit: str, instance: str) -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read_string((DEPLOY / "systemd" / unit).read_text())
    service = parser["Service"]
    assert service["KillSignal"] == "SIGTERM" and service["Restart"] == "always"
    for key in ("ExecStartPre", "ExecStart"):
        if key in service:
            _parses(service[key].replace("%i", instance).split())
    assert parser["Install"]["WantedBy"] == "multi-user.target"
