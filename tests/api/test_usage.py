"""Usage and cost: one record per finished operation, priced from the table (the seed guide's by
default), in the operation's metadata and in the usage reports over HTTP and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.gates import MODEL, Gates
from tests.inprocess import InProcessClient, InProcessServer, explicit_settings
from tests.support import openreel_cli

CREATE = f"/v1beta/models/{MODEL}:predictLongRunning"


@pytest.fixture(scope="module")
def gates(tmp_path_factory: pytest.TempPathFactory) -> Gates:
    return Gates(tmp_path_factory.mktemp("gates"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, gates: Gates) -> Iterator[InProcessServer]:
    root = tmp_path_factory.mktemp("usage")
    settings = explicit_settings(root / "data", catalog_path=gates.write_catalog(root / "catalog.json"),
                                 public_url="https://openreel.test")
    with InProcessServer(settings) as app:
        yield app


def body(tag: str, seconds: int, samples: int = 1, audio: bool | None = None) -> dict[str, Any]:
    parameters: dict[str, Any] = {"durationSeconds": seconds, "resolution": "720p", "sampleCount": samples}
    if audio is not None:
        parameters["generateAudio"] = audio
    return {"instances": [{"prompt": f"{tag} flat test frames"}], "parameters": parameters}


def finish(server: InProcessServer, http: InProcessClient, gates: Gates, tag: str, **options: Any) -> dict[str, Any]:
    name = http.post(CREATE, json=body(tag, **options)).json()["name"]
    for sample in range(options.get("samples", 1)):
        gates.open(tag, sample)
    return server.wait_done(http, f"/v1beta/{name}")


def test_an_8_second_video_with_audio_costs_80_cents_as_in_the_seed_guide(
        server: InProcessServer, gates: Gates) -> None:
    http = server.client(server.create_key(project="guide"))
    done = finish(server, http, gates, "eight", seconds=8, audio=True)
    usage = done["metadata"]["usage"]
    assert usage["costUsd"] == 0.80
    assert (usage["videoSeconds"], usage["samples"], usage["audio"], usage["resolution"]) == (8, 1, True, "720p")
    assert usage["engine"] == "gated"
    assert done["metadata"]["usage"]["engineSeconds"] > 0  # it rendered 192 frames

    two = finish(server, http, gates, "twofour", seconds=4, samples=2, audio=False)
    assert two["metadata"]["usage"]["costUsd"] == 0.70  # two 4 s videos at $0.35
    report = http.get("/v1/usage").json()
    assert report["project"] == "guide" and report["total_cost_usd"] == 1.50
    assert [r["cost_usd"] for r in report["records"]] == [0.80, 0.70]
    assert report["records"][0]["videos"] == [done["response"]["generateVideoResponse"]["generatedSamples"][0]
                                              ["video"]["uri"]]  # a URL the receiver can fetch


def test_cancelled_and_failed_operations_are_recorded_and_cost_nothing(server: InProcessServer, gates: Gates) -> None:
    http = server.client(server.create_key(project="refunds"))
    name = http.post(CREATE, json=body("cancelme", seconds=8)).json()["name"]
    gates.wait_started("cancelme", 0)
    assert http.post(f"/v1beta/{name}:cancel").status_code == 200
    cancelled = server.wait_done(http, f"/v1beta/{name}")
    assert cancelled["metadata"]["usage"]["costUsd"] == 0 and cancelled["metadata"]["usage"]["samples"] == 0
    report = http.get("/v1/usage").json()
    assert [(r["state"], r["cost_usd"], r["videos"]) for r in report["records"]] == [("CANCELLED", 0, [])]
    assert report["total_cost_usd"] == 0


def test_usage_by_model_and_since(server: InProcessServer, gates: Gates) -> None:
    http = server.client(server.create_key(project="grouped"))
    finish(server, http, gates, "groupa", seconds=4, audio=True)
    finish(server, http, gates, "groupb", seconds=6, audio=False)
    report = http.get("/v1/usage", params={"by": "model"}).json()
    assert report["groups"] == [{"model": MODEL, "operations": 2, "videos": 2, "video_seconds": 10,
                                 "cost_usd": 0.975}]
    by_day = http.get("/v1/usage", params={"by": "day"}).json()["groups"]
    assert sum(group["cost_usd"] for group in by_day) == 0.975  # one day, or two across midnight
    assert http.get("/v1/usage", params={"since": "2999-01-01"}).json()["records"] == []
    assert len(http.get("/v1/usage", params={"since": "1d"}).json()["records"]) == 2


def test_a_bad_usage_query_is_a_400_naming_the_field(server: InProcessServer) -> None:
    http = server.client(server.create_key(project="badquery"))
    refused = http.get("/v1/usage", params={"since": "last tuesday"})
    assert refused.status_code == 400
    assert refused.json()["error"]["details"][0]["fieldViolations"][0]["field"] == "since"
    assert http.get("/v1/usage", params={"by": "colour"}).status_code == 400


def test_the_cli_prints_one_json_object_with_total_cost_and_records(tmp_path: Path) -> None:
    gates = Gates(tmp_path / "gates")
    settings = explicit_settings(tmp_path / "data", catalog_path=gates.write_catalog(tmp_path / "catalog.json"))
    with InProcessServer(settings) as server:
        http = server.client(server.create_key(project="cli-usage"))
        finish(server, http, gates, "clione", seconds=8, audio=True)
        finish(server, http, gates, "clitwo", seconds=4, audio=False)
    env = {"OPENREEL_DATA_DIR": str(tmp_path / "data")}
    done = openreel_cli("usage", "--project", "cli-usage", "--json", env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["total_cost_usd"] == 1.15 and len(report["records"]) == 2
    text = openreel_cli("usage", "--project", "cli-usage", "--by", "model", env=env)
    assert text.returncode == 0 and "$1.1500" in text.stdout
    bad = openreel_cli("usage", "--project", "cli-usage", "--since", "soon", env=env)
    assert bad.returncode == 2 and bad.stderr.startswith("error: INVALID_ARGUMENT: --since")
