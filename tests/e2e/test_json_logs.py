"""Structured logs, as a log pipeline reads them: a real server with OPENREEL_LOG_FORMAT=json writes
one JSON object per line, every line carries the request id, the operation and the project, the
worker writes a line when it claims, finishes or loses an operation, and canary secrets (API keys
sent three ways, a webhook secret, a presigned URL's signature) appear nowhere."""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from openreel.observability.logs import json_formatter, log_context
from tests.gates import MODEL, Gates, gated_body
from tests.support import LiveServer

CREATE = f"/v1beta/models/{MODEL}:predictLongRunning"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[dict[str, Any]], str, dict[str, str]]]:
    root = tmp_path_factory.mktemp("jsonlogs")
    gates = Gates(root / "gates")
    server = LiveServer(root / "data", catalog_path=gates.write_catalog(root / "catalog.json"), log_format="json")
    server.start(log_level="info")
    key = server.create_key(project="logged")
    names: dict[str, str] = {}
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            gates.open("finished", 0)
            created = http.post(CREATE, json=gated_body("finished"), params={"key": key},
                                headers={"X-Request-Id": "req-canary-0001"})
            assert created.headers["x-request-id"] == "req-canary-0001"
            names["finished"] = created.json()["name"]
            with server.client(key) as polling:
                server.wait_done(polling, f"/v1beta/{names['finished']}")
                names["cancelled"] = polling.post(CREATE, json=gated_body("cancelled")).json()["name"]
                gates.wait_started("cancelled", 0)
                polling.post(f"/v1beta/{names['cancelled']}:cancel")
                server.wait_done(polling, f"/v1beta/{names['cancelled']}")
            # The worker learns of the cancel at its next heartbeat: wait for that, not for shutdown.
            deadline = time.monotonic() + 30
            while f'"{names["cancelled"]}: lost:' not in server.log_path.read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert http.get("/v1beta/operations", headers={"Authorization": f"Bearer {key}"}).status_code == 200
            unknown = "ork_" + secrets.token_urlsafe(24)
            refused = http.get("/v1beta/operations", headers={"x-goog-api-key": unknown})
            assert refused.status_code == 401 and len(refused.headers["x-request-id"]) == 32
    finally:
        server.stop()
    text = server.log_path.read_text()
    assert key not in text and unknown not in text and key[10:] not in text
    yield [json.loads(line) for line in text.splitlines() if line.strip()], key, names


def test_every_line_is_json_with_the_context_fields(run: Any) -> None:
    lines, _, _ = run
    assert len(lines) > 10
    for line in lines:
        assert {"timestamp", "level", "logger", "event", "request_id", "operation", "project"} <= line.keys(), line
    # Filled in where there is one: every request's lines name it, every job's its operation.
    assert all(x["request_id"] for x in lines if x["logger"] == "uvicorn.access")
    assert all(x["operation"] and x["project"] for x in lines if x["logger"] == "openreel.worker.worker")


def test_a_requests_lines_carry_its_id_operation_and_project(run: Any) -> None:
    lines, _, names = run
    [access] = [x for x in lines if x["request_id"] == "req-canary-0001"]  # the create's access line
    assert access["logger"] == "uvicorn.access" and "POST" in access["event"] and "key=REDACTED" in access["event"]
    assert (access["operation"], access["project"]) == (names["finished"], "logged")
    polls = [x for x in lines if x["logger"] == "uvicorn.access" and names["finished"] in x["event"]]
    assert polls and all(x["operation"] == names["finished"] and x["request_id"] for x in polls)
    refused = [x for x in lines if x["logger"] == "uvicorn.access" and " 401" in x["event"]]
    assert refused and refused[0]["project"] is None and refused[0]["request_id"]


def test_the_worker_logs_each_claim_finish_and_loss(run: Any) -> None:
    lines, _, names = run
    worker = [x for x in lines if x["logger"].startswith("openreel.worker")]

    def about(name: str, words: str) -> list[dict[str, Any]]:
        return [x for x in worker if x["operation"] == name and words in x["event"]]

    for name in names.values():
        [claimed] = about(name, "claimed by")
        assert claimed["project"] == "logged" and claimed["attempt"] == 1
    [finished] = about(names["finished"], "finished: succeeded with 1 video")
    assert finished["level"] == "info"
    [lost] = about(names["cancelled"], "lost:")
    assert lost["level"] == "warning" and "cancel" in lost["event"]


def test_webhook_secrets_and_presigned_signatures_are_redacted(tmp_path: Path) -> None:
    secret = "whsec_" + secrets.token_urlsafe(32)
    signature = secrets.token_hex(32)
    path = tmp_path / "out.log"
    handler = logging.FileHandler(path)
    handler.setFormatter(json_formatter())
    logger = logging.getLogger("openreel.test.canary")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        with log_context(request_id="r1", operation="models/x/operations/1", project="p"):
            logger.info("rotated to %s", secret)
            logger.info("sent to https://hooks.example/in?token=%s and a SAS URL ...v.mp4?sv=2020&sig=%s", signature,
                        signature)
            logger.info("redirect to https://b.s3.amazonaws.com/v?X-Amz-Credential=AKIAX%%2F1&X-Amz-Signature=%s",
                        signature)
            try:
                raise RuntimeError(f"sending with {secret}")
            except RuntimeError:
                logger.exception("failed")
    finally:
        logger.removeHandler(handler)
        handler.close()
    text = path.read_text()
    assert secret not in text and signature not in text and "AKIAX" not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert [x["event"] for x in lines[:3]] == [
        "rotated to whsec_REDACTED",
        "sent to https://hooks.example/in?token=REDACTED and a SAS URL ...v.mp4?sv=2020&sig=REDACTED",
        "redirect to https://b.s3.amazonaws.com/v?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED"]
    assert lines[3]["exception"].count("whsec_REDACTED") >= 1
    assert all(x["request_id"] == "r1" and x["project"] == "p" for x in lines)
