"""Request ids: the caller's X-Request-Id (when it is a sane token) or a new one comes back on every
answer, refusals and unexpected errors included, and is on the request's log lines."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from openreel.observability.logs import json_formatter
from tests.inprocess import InProcessServer, explicit_settings


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    server = InProcessServer(explicit_settings(tmp_path_factory.mktemp("ids") / "data", workers=0))

    @server.app.get("/test-only/boom")
    def boom() -> None:  # a bug in a route, as a route would have it
        raise RuntimeError("a bug that prints ork_secretkey123")

    with server:
        yield server


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(json_formatter())
    logger = logging.getLogger("openreel")
    logger.addHandler(handler)
    try:
        yield out
    finally:
        logger.removeHandler(handler)


def test_a_callers_id_comes_back_and_a_missing_or_insane_one_is_replaced(app: InProcessServer) -> None:
    http = app.client()
    assert http.get("/healthz", headers={"X-Request-Id": "job-42.retry:1"}).headers["x-request-id"] == "job-42.retry:1"
    made = http.get("/healthz").headers["x-request-id"]
    assert len(made) == 32 and made != http.get("/healthz").headers["x-request-id"]
    for insane in (b"a b", b"x" * 129, "new\u00e9line".encode()):
        answer = http.get("/healthz", headers={"X-Request-Id": insane})
        assert len(answer.headers["x-request-id"]) == 32 and answer.headers["x-request-id"].encode() != insane


def test_a_refusal_carries_the_id(app: InProcessServer) -> None:
    refused = app.client("ork_unknown").get("/v1beta/operations", headers={"X-Request-Id": "refused-1"})
    assert refused.status_code == 401 and refused.headers["x-request-id"] == "refused-1"


def test_an_unexpected_error_is_a_500_envelope_with_the_id_on_it_and_on_its_log_line(
        app: InProcessServer, log_lines: io.StringIO) -> None:
    answer = app.client(app.create_key()).get("/test-only/boom", headers={"X-Request-Id": "bug-7"})
    assert answer.status_code == 500 and answer.headers["x-request-id"] == "bug-7"
    assert answer.json()["error"] == {"code": 500, "message": "Internal error encountered.", "status": "INTERNAL",
                                      "details": []}
    [line] = [json.loads(x) for x in log_lines.getvalue().splitlines() if "unhandled error" in x]
    assert line["request_id"] == "bug-7" and "RuntimeError" in line["exception"]
    assert "ork_secretkey123" not in log_lines.getvalue()
