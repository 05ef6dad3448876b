"""`openreel stats` against a live server that ran a known workload: the figures it prints are
what was done. Plus the quantile arithmetic against hand-computed values, and a server that is
not there or not openreel."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from openreel.cli.stats import histogram_quantile
from tests.cli.lines import assert_one_line_error
from tests.client.canned_server import Answer, canned_server
from tests.gates import MODEL, Gates, gated_body
from tests.support import LiveServer, free_port, openreel_cli

CREATE = f"/v1beta/models/{MODEL}:predictLongRunning"


@dataclass(frozen=True)
class Workload:
    server: LiveServer
    finished: list[dict[str, Any]]  # the operations, done


@pytest.fixture(scope="module")
def workload(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workload]:
    """Two successes, one the engine fails (its prompt says "refuse"), one request refused as invalid."""
    data = tmp_path_factory.mktemp("stats")
    gates = Gates(data / "gates")
    server = LiveServer(data, catalog_path=gates.write_catalog(data / "catalog.json"))
    key = server.create_key(project="stats")
    server.start()
    try:
        with server.client(key) as http:
            refused = http.post(CREATE, json={**gated_body("statsbad"), "parameters": {"durationSeconds": 5}})
            assert refused.status_code == 400
            names = [http.post(CREATE, json=body).json()["name"]
                     for body in (gated_body("statsone"), gated_body("statstwo"), gated_body("statsno refuse"))]
            for tag in ("statsone", "statstwo"):
                gates.open(tag, 0)
            yield Workload(server, [server.wait_done(http, f"/v1beta/{name}") for name in names])
    finally:
        server.stop()


def stats_json(server: LiveServer, *args: str) -> dict[str, Any]:
    done = openreel_cli("stats", "--server", server.url, "--json", *args)
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_json_figures_are_what_the_workload_did(workload: Workload) -> None:
    report = stats_json(workload.server)
    assert [("error" in op, op["metadata"]["state"]) for op in workload.finished] == [
        (False, "SUCCEEDED"), (False, "SUCCEEDED"), (True, "FAILED")]
    assert report["operations"] == {"submitted": 3, "succeeded": 2, "failed": 1, "cancelled": 0, "filtered": 0}
    assert report["success_rate"] == pytest.approx(2 / 3)
    costs = [op["metadata"]["usage"]["costUsd"] for op in workload.finished]
    assert report["cost_usd"] == {"total": pytest.approx(sum(costs)), "per_video": pytest.approx(costs[0])}
    assert costs[0] == costs[1] > 0 and costs[2] == 0
    assert report["videos"] == {"delivered": 2, "seconds": 8, "filtered": 0}
    assert report["errors"] == {"engine": 1, "invalid_argument": 1}
    total = report["latency_seconds"]["total"]
    assert total["count"] == 2 and 0 < total["p50"] <= total["p95"] <= total["p99"]
    assert report["latency_seconds"]["queue"]["count"] == 3  # the failed one waited in the queue too
    assert report["queue"] == {"depth": 0, "oldest_age_seconds": 0}
    assert report["workers"] == {"busy": 0, "idle": 1}


def test_model_narrows_the_figures_and_an_unknown_model_is_not_found(workload: Workload) -> None:
    assert stats_json(workload.server, "--model", MODEL)["operations"]["succeeded"] == 2
    missing = openreel_cli("stats", "--server", workload.server.url, "--model", "no-such-model")
    assert assert_one_line_error(missing, 4).startswith("error: NOT_FOUND: model 'no-such-model'")


def test_the_table_shows_the_headline_figures(workload: Workload) -> None:
    done = openreel_cli("stats", "--server", workload.server.url, env={"COLUMNS": "160"})
    assert done.returncode == 0, done.stderr
    per_video = workload.finished[0]["metadata"]["usage"]["costUsd"]
    for figure in ("66.7% (2 of 3; cancelled ones not counted)", f"${per_video:.4f}", "P50", "P99",
                   "invalid_argument", "engine", "0 busy, 1 idle"):
        assert figure in done.stdout, done.stdout


def test_an_unreachable_server_is_one_line_and_exit_8() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    line = assert_one_line_error(openreel_cli("stats", "--server", url), 8)
    assert line.startswith(f"error: UNAVAILABLE: cannot reach the server at {url}")


def test_a_server_without_openreel_metrics_is_one_line_and_exit_8() -> None:
    with canned_server(Answer("<!DOCTYPE html><html><body>It works!</body></html>", content_type="text/html")) as s:
        line = assert_one_line_error(openreel_cli("stats", "--server", s.url), 8)
    assert line.startswith(f"error: UNAVAILABLE: {s.url} does not answer like an openreel server: ")


# Cumulative counts 2, 6, 8, 10 at bounds 1, 2, 4, +Inf: ten observations.
BUCKETS = [(1.0, 2.0), (2.0, 6.0), (4.0, 8.0), (math.inf, 10.0)]


@pytest.mark.parametrize(("q", "expected"), [
    (0.1, 0.5),  # rank 1 of the first bucket's 2, interpolated from 0: 0 + 1 * 1/2
    (0.5, 1.75),  # rank 5 is the 3rd of the (1, 2] bucket's 4: 1 + 1 * 3/4
    (0.8, 4.0),  # rank 8 is the last of the (2, 4] bucket's 2: its upper bound
    (0.95, 4.0),  # rank 9.5 falls in +Inf: the highest finite bound
    (1.0, 4.0),
])
def test_histogram_quantile_interpolates_within_the_bucket_as_prometheus_does(q: float, expected: float) -> None:
    assert histogram_quantile(q, BUCKETS) == pytest.approx(expected)
    assert histogram_quantile(q, list(reversed(BUCKETS))) == pytest.approx(expected)  # order does not matter


def test_histogram_quantile_edge_cases() -> None:
    assert histogram_quantile(0.5, [(1.0, 0.0), (math.inf, 0.0)]) is None  # no observation: n/a
    assert histogram_quantile(0.5, []) is None
    assert histogram_quantile(0.5, [(1.0, 3.0)]) is None  # no +Inf bucket: Prometheus says NaN
    assert histogram_quantile(0.5, [(0.0, 4.0), (1.0, 4.0), (math.inf, 4.0)]) == 0.0  # a first bound <= 0 is itself
    assert histogram_quantile(0.5, [(0.5, 0.0), (1.0, 2.0), (math.inf, 2.0)]) == pytest.approx(0.75)
    with pytest.raises(ValueError):
        histogram_quantile(0, BUCKETS)
