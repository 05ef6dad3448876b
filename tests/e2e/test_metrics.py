"""/metrics after a mixed workload: every count, histogram and gauge is what was done.

The workload, on the gated test engine (its jobs run when the test opens their gates):
three successes (one with a webhook its receiver first answers with a 500), one job the engine
refuses (failed), one whose only video the stand-in safety
filter withholds (filtered), one cancelled while running, two invalid requests, one unknown key,
one quota refusal, and at the end one job running and one queued behind it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.gates import MODEL, Gates, gated_body
from tests.inprocess import InProcessClient, InProcessServer, explicit_settings
from tests.prometheus_samples import Samples, parse_samples, value
from tests.webhook_receiver import WebhookReceiver

CREATE = f"/v1beta/models/{MODEL}:predictLongRunning"


def scrape(http: InProcessClient) -> Samples:
    response = http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return parse_samples(response.text)


def counted(samples: Samples, name: str, label: str) -> dict[str, float]:
    """{label value: count} of the family's series that counted something."""
    return {dict(labels)[label]: v for (sample, labels), v in samples.items() if sample == name and v}


def body(tag: str, prompt: str | None = None) -> dict[str, Any]:
    created = gated_body(tag)
    if prompt is not None:
        created["instances"] = [{"prompt": f"{tag} {prompt}"}]
    return created


@pytest.fixture(scope="module")
def workload(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[InProcessServer, Gates, dict[str, Any]]]:
    root = tmp_path_factory.mktemp("metrics")
    gates = Gates(root / "gates")
    settings = explicit_settings(root / "data", catalog_path=gates.write_catalog(root / "catalog.json"),
                                 webhook_allowlist="127.0.0.1", webhook_retry_seconds=[0.2, 0.2])
    receiver = WebhookReceiver(statuses=[500])
    with InProcessServer(settings) as app:
        alpha = app.client(app.create_key(project="alpha"))
        done: dict[str, Any] = {}
        for tag in ("ok1", "ok2", "ok3"):
            gates.open(tag, 0)
            created = body(tag)
            if tag == "ok1":
                created["webhookConfig"] = {"uris": [receiver.url]}
            name = alpha.post(CREATE, json=created).json()["name"]
            done[tag] = app.wait_done(alpha, f"/v1beta/{name}")
        receiver.wait_for("video.generated", count=2)  # refused once, then delivered
        for tag, prompt in (("refused", "refuse"), ("withheld", "withhold")):
            name = alpha.post(CREATE, json=body(tag, prompt)).json()["name"]
            done[tag] = app.wait_done(alpha, f"/v1beta/{name}")
        name = alpha.post(CREATE, json=body("cancelled")).json()["name"]
        gates.wait_started("cancelled", 0)
        assert alpha.post(f"/v1beta/{name}:cancel").status_code == 200
        done["cancelled"] = app.wait_done(alpha, f"/v1beta/{name}")

        bad_duration = {"instances": [{"prompt": "x"}], "parameters": {"durationSeconds": 5}}
        assert alpha.post(CREATE, json=bad_duration).status_code == 400
        assert alpha.post(CREATE, json={"instances": [{}]}).status_code == 400
        assert app.client("ork_not-a-key").post(CREATE, json=body("nokey")).status_code == 401

        beta = app.client(app.create_key(project="beta", tier="free"))  # 1 concurrent, 2 per minute
        beta.post(CREATE, json=body("blocking"))
        gates.wait_started("blocking", 0)  # the one worker is busy with it from now on
        assert beta.post(CREATE, json=body("refused-by-quota")).status_code == 429
        done["queued"] = alpha.post(CREATE, json=body("queued")).json()
        yield app, gates, done
        gates.open("blocking", 0)
        gates.open("queued", 0)
    receiver.close()


def test_outcomes_are_counted_by_model_engine_project_and_state(workload: Any) -> None:
    app, _, done = workload
    samples = scrape(app.client())
    labels = {"model": MODEL, "engine": "gated", "project": "alpha"}
    assert [done[t]["done"] for t in ("ok1", "refused", "withheld", "cancelled")] == [True] * 4
    assert value(samples, "openreel_operations_total", **labels, state="succeeded") == 3
    assert value(samples, "openreel_operations_total", **labels, state="failed") == 1
    assert value(samples, "openreel_operations_total", **labels, state="filtered") == 1
    assert value(samples, "openreel_operations_total", **labels, state="cancelled") == 1
    assert value(samples, "openreel_operations_submitted_total", **labels) == 7
    assert value(samples, "openreel_operations_submitted_total", **{**labels, "project": "beta"}) == 1
    assert value(samples, "openreel_samples_filtered_total", model=MODEL) == 1
    assert value(samples, "openreel_videos_delivered_total", model=MODEL) == 3


def test_refusals_and_errors_are_counted_by_class(workload: Any) -> None:
    app, _, _ = workload
    samples = scrape(app.client())

    assert counted(samples, "openreel_requests_rejected_total", "reason") == {
        "invalid_argument": 2, "unauthenticated": 1, "resource_exhausted": 1}
    # The refused prompt is the engine's error, the receiver's 500 the webhook's; a cancel is the
    # caller's choice, not an error.
    assert counted(samples, "openreel_errors_total", "category") == {
        "invalid_argument": 2, "unauthenticated": 1, "quota": 1, "engine": 1, "webhook": 1}
    # Series exist from the start at 0, so that rate() sees a process's first one.
    assert {"safety", "storage", "deadline", "worker_lost"} <= {
        dict(labels)["category"] for name, labels in samples if name == "openreel_errors_total"}


def test_webhook_deliveries_are_counted_by_outcome(workload: Any) -> None:
    app, _, _ = workload
    samples = scrape(app.client())
    assert counted(samples, "openreel_webhook_deliveries_total", "outcome") == {"retrying": 1, "delivered": 1}
    assert ("openreel_webhook_deliveries_total", frozenset({("outcome", "gave_up")})) in samples  # at 0


def test_latency_histograms_count_each_stage_of_each_run(workload: Any) -> None:
    app, _, done = workload
    samples = scrape(app.client())

    def count(stage: str) -> float:
        return value(samples, "openreel_operation_seconds_count", stage=stage, model=MODEL)

    # Claimed: the three successes, the refused, the withheld and the cancelled one.
    assert count("queue") == 6
    # Published runs: the successes and the withheld one (which encoded and stored nothing).
    assert (count("generate"), count("encode"), count("upload"), count("total")) == (4, 3, 3, 4)
    inf = value(samples, "openreel_operation_seconds_bucket", stage="total", model=MODEL, le="+Inf")
    assert inf == count("total")
    # The end-to-end sum covers each success's whole life, as the operations themselves report it.
    lives = [done[t]["metadata"]["usage"]["queueSeconds"] + done[t]["metadata"]["usage"]["engineSeconds"]
             for t in ("ok1", "ok2", "ok3", "withheld")]
    assert value(samples, "openreel_operation_seconds_sum", stage="total", model=MODEL) == pytest.approx(
        sum(lives), abs=0.05)
    assert value(samples, "openreel_operation_seconds_sum", stage="generate", model=MODEL) <= sum(lives)


def test_cost_is_what_the_usage_records_charge(workload: Any) -> None:
    app, _, done = workload
    samples = scrape(app.client())
    charged = sum(done[t]["metadata"]["usage"]["costUsd"] for t in ("ok1", "ok2", "ok3", "refused", "withheld",
                                                                   "cancelled"))
    assert charged > 0
    assert value(samples, "openreel_cost_usd_total", model=MODEL) == pytest.approx(charged)
    assert value(samples, "openreel_video_cost_usd_count", model=MODEL) == 3
    assert value(samples, "openreel_video_cost_usd_sum", model=MODEL) == pytest.approx(charged)


def test_queue_workers_and_quota_gauges_show_the_state_now(workload: Any) -> None:
    app, _, done = workload
    samples = scrape(app.client())
    assert value(samples, "openreel_shared_state_up") == 1
    assert value(samples, "openreel_queue_depth") == 1
    assert value(samples, "openreel_queued_operations", model=MODEL) == 1
    assert value(samples, "openreel_queue_oldest_age_seconds") > 0
    workers = {state: value(samples, "openreel_workers", state=state) for state in ("busy", "idle")}
    assert workers == {"busy": 1, "idle": 0}
    ratio = {limit: value(samples, "openreel_quota_utilization_ratio", project="beta", limit=limit)
             for limit in ("concurrent", "requests_per_minute", "requests_per_day")}
    assert ratio == {"concurrent": 1.0, "requests_per_minute": 0.5, "requests_per_day": 0.1}
    assert done["queued"]["name"]


def test_metrics_need_no_key_and_answer_while_the_database_is_away(tmp_path: Path) -> None:
    settings = explicit_settings(tmp_path / "data", workers=0)
    with InProcessServer(settings) as app:
        database = tmp_path / "data" / "openreel.db"
        app.runtime.store.engine.dispose()
        for journal in (database.with_name("openreel.db-wal"), database.with_name("openreel.db-shm")):
            journal.unlink(missing_ok=True)
        database.write_bytes(os.urandom(database.stat().st_size))  # no longer a database
        samples = scrape(app.client())
        assert value(samples, "openreel_shared_state_up") == 0
        assert ("openreel_workers", frozenset({("state", "idle")})) in samples
