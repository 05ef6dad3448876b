"""API keys never reach a log line: a real server with uvicorn's access log on is called on every
route family with canary keys in the header, the ?key= query and a Bearer token (good keys, bad
keys, 4xx answers), and then its whole output is searched for the keys."""

from __future__ import annotations

import io
import logging
import re
import secrets
from collections.abc import Iterator

import httpx
import pytest

from openreel.observability.log_redaction import REDACTED, install_log_redaction, redact
from tests.support import STATIC_PROMPT, LiveServer

MODEL = "veo-3.0-generate-001"
VERTEX_MODEL = f"/v1beta1/projects/canary/locations/us-central1/publishers/google/models/{MODEL}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("secrets"), max_request_bytes=1_000_000)
    live.start(log_level="info")
    yield live
    live.stop()


def _as_header(key: str) -> dict[str, object]:
    return {"headers": {"x-goog-api-key": key}}


def _as_query(key: str) -> dict[str, object]:
    return {"params": {"key": key}}


def _as_bearer(key: str) -> dict[str, object]:
    return {"headers": {"Authorization": f"Bearer {key}"}}


def _visit_every_route(http: httpx.Client, key: str, op_name: str, file_id: str) -> list[int]:
    """One call per route family, the key sent three ways; returns every status seen."""
    op_id = op_name.rsplit("/", 1)[-1]
    seen = []
    for how in (_as_header, _as_query, _as_bearer):
        auth = how(key)
        calls = [
            ("GET", "/healthz", {}),  # a public route, which still logs its query string
            ("GET", "/v1beta/models", {}),
            ("GET", f"/v1beta/models/{MODEL}", {}),
            ("GET", f"/v1beta/{op_name}", {}),
            ("GET", "/v1beta/operations", {}),
            ("GET", f"/v1beta/operations/{op_id}", {}),
            ("GET", f"/v1beta/operations/{op_id}:stream", {}),
            ("GET", f"/v1beta/files/{file_id}", {}),
            ("GET", f"/v1beta/files/{file_id}:download", {"params": {"alt": "media"}}),
            ("GET", f"/v1beta/files/{file_id}:thumbnail", {}),
            ("POST", f"/v1beta/operations/{op_id}:cancel", {}),
            ("GET", "/v1beta1/publishers/google/models", {}),
            ("GET", "/v1beta1/projects/canary/locations/us-central1/operations", {}),
            ("POST", f"{VERTEX_MODEL}:fetchPredictOperation", {"json": {"operationName": "nope"}}),  # 400
            ("POST", f"/v1beta/models/{MODEL}:predictLongRunning", {"json": {"instances": []}}),  # 400
            ("POST", f"/v1beta/models/{MODEL}:predictLongRunning", {"content": b"x" * 1_100_000}),  # 413
            ("GET", "/v1beta/operations/doesnotexist", {}),  # 404
            ("GET", "/v9/models", {}),  # 404 for the version
            ("GET", "/no/such/route", {}),
        ]
        for method, path, extra in calls:
            kwargs = {**extra, **auth}
            if "params" in extra and "params" in auth:
                kwargs["params"] = {**extra["params"], **auth["params"]}  # type: ignore[dict-item]
            seen.append(http.request(method, path, **kwargs).status_code)  # type: ignore[arg-type]
    return seen


def test_no_key_reaches_the_server_log(server: LiveServer) -> None:
    good = server.create_key(project="canary")
    # Keys the server does not know: one shaped like ours, one not (it is only ever in ?key=).
    unknown = "ork_" + secrets.token_urlsafe(24)
    foreign = "canary-" + secrets.token_hex(16)
    with httpx.Client(base_url=server.url, timeout=120) as http:
        created = http.post(f"/v1beta/models/{MODEL}:predictLongRunning", params={"key": good},
                            json={"instances": [{"prompt": STATIC_PROMPT}],
                                  "parameters": {"durationSeconds": 4, "resolution": "720p"}})
        assert created.status_code == 200, created.text
        op_name = created.json()["name"]
        with server.client(good) as polling:
            done = server.wait_done(polling, f"/v1beta/{op_name}")
        file_id = done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"] \
            .split("files/")[1].split(":")[0]
        vertex = http.post(f"{VERTEX_MODEL}:predictLongRunning", headers={"Authorization": f"Bearer {good}"},
                           json={"instances": [{"prompt": STATIC_PROMPT}], "parameters": {"durationSeconds": 4}})
        assert vertex.status_code == 200, vertex.text

        statuses = _visit_every_route(http, good, op_name, file_id)
        assert {200, 400, 404, 413} <= set(statuses), statuses
        bad_statuses = _visit_every_route(http, unknown, op_name, file_id)
        assert 401 in bad_statuses
        assert http.get("/v1beta/models", params={"key": foreign}).status_code == 401
        assert http.delete(f"/v1beta/{op_name}", params={"key": good}).status_code == 200
    server.stop()  # flushes everything the server wrote

    log = server.log_path.read_text()
    # The access log was on, so the test saw the lines it is about ...
    assert '"GET /v1beta/models?key=REDACTED HTTP/1.1" 200' in log
    # httpx up to 0.28 sends the colon as %3A, 0.29 as it is.
    assert re.search(r'(:|%3A)stream\?key=REDACTED HTTP/1.1" 200', log)
    # ... and no key is in any of them.
    for canary in (good, unknown, foreign):
        assert canary not in log
    assert good[10:] not in log  # not even the part after the prefix `keys list` shows


def test_redaction_covers_messages_arguments_and_tracebacks() -> None:
    key = "ork_" + secrets.token_urlsafe(24)
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    # Its own logger, level and handler: whatever other tests did to logging does not matter here.
    logger = logging.getLogger("openreel.test_secrets")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        install_log_redaction(("openreel.test_secrets",))
        logger.warning("GET /v1beta/models?alt=json&key=%s", key)
        logger.warning("calling %s?key=%s now", "https://example.test/x", "AIzaNotAnOpenreelKey")
        logger.warning(f"template with the key in it: ?key={key} (%s)", "and an argument")
        logger.warning("retrying %s", httpx.URL(f"https://example.test/v1beta/files/x?key={key}"))
        try:
            raise RuntimeError(f"upstream refused Authorization: Bearer {key}")
        except RuntimeError:
            logger.exception("upstream call failed")
    finally:
        logger.removeHandler(handler)
    text = out.getvalue()
    assert key not in text and "AIzaNotAnOpenreelKey" not in text
    lines = text.splitlines()
    # Every record is printed (none is lost to a broken template), each with its secret redacted.
    assert "GET /v1beta/models?alt=json&key=REDACTED" in lines
    assert "calling https://example.test/x?key=REDACTED now" in lines
    assert "template with the key in it: ?key=REDACTED (and an argument)" in lines
    assert "retrying https://example.test/v1beta/files/x?key=REDACTED" in lines
    assert "Bearer REDACTED" in text and "Traceback" in text
    # Text that merely resembles a key survives.
    assert redact("work_dir=/tmp/x?alt=media") == "work_dir=/tmp/x?alt=media"
    assert redact(f"x-goog-api-key: {key}") == f"x-goog-api-key: {REDACTED}"
