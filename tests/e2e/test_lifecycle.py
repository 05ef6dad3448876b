"""Operations outlive the process: queued work resumes after a restart, work that was running
when the server died is retried, attempts are bounded, and deadlines end runaway generations."""

from __future__ import annotations

import time

from tests.support import STATIC_PROMPT, LiveServer, decode_mp4

GEMINI = "/v1beta/models/veo-3.0-generate-001:predictLongRunning"


def _submit(live: LiveServer, key: str, prompt: str = STATIC_PROMPT, **parameters: object) -> str:
    body = {"instances": [{"prompt": prompt}],
            "parameters": {"durationSeconds": 4, "resolution": "720p", **parameters}}
    response = live.client(key).post(GEMINI, json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["name"])


def _wait_state(live: LiveServer, key: str, name: str, states: set[str], timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = live.client(key).get(f"/v1beta/{name}").json()
        if body["metadata"]["state"] in states:
            return body
        time.sleep(0.2)
    raise TimeoutError(f"{name} never reached {states}")


def test_queued_operations_resume_after_a_restart(fresh_server: LiveServer) -> None:
    key = fresh_server.create_key()
    fresh_server.start(workers=0)
    names = [_submit(fresh_server, key) for _ in range(2)]
    fresh_server.stop()

    fresh_server.start(workers=1)
    for name in names:
        done = fresh_server.wait_done(fresh_server.client(key), f"/v1beta/{name}")
        assert "response" in done


def test_running_operation_is_retried_after_the_server_is_killed(fresh_server: LiveServer) -> None:
    key = fresh_server.create_key()
    fresh_server.start(lease_seconds=2, heartbeat_seconds=0.5)
    # A panning 1080p clip renders long enough to be caught mid-run.
    name = _submit(fresh_server, key, prompt="mountains at golden hour, slow pan left to right",
                   durationSeconds=8, resolution="1080p")
    _wait_state(fresh_server, key, name, {"RUNNING"})
    fresh_server.stop(kill=True)

    fresh_server.start(lease_seconds=2, heartbeat_seconds=0.5)
    done = fresh_server.wait_done(fresh_server.client(key), f"/v1beta/{name}", timeout=600)
    assert "response" in done, done
    assert done["metadata"]["attempt"] == 2
    uri = done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    file_id = uri.split("files/")[1].split(":")[0]
    data = fresh_server.client(key).get(f"/v1beta/files/{file_id}:download", params={"alt": "media"}).content
    assert decode_mp4(data).frame_count == 192


def test_operation_fails_with_aborted_once_attempts_are_used_up(fresh_server: LiveServer) -> None:
    key = fresh_server.create_key()
    fresh_server.start(lease_seconds=2, heartbeat_seconds=0.5, max_attempts=1)
    name = _submit(fresh_server, key, prompt="mountains at golden hour, slow pan left to right",
                   durationSeconds=8, resolution="1080p")
    _wait_state(fresh_server, key, name, {"RUNNING"})
    fresh_server.stop(kill=True)

    fresh_server.start(lease_seconds=2, heartbeat_seconds=0.5, max_attempts=1)
    done = fresh_server.wait_done(fresh_server.client(key), f"/v1beta/{name}")
    assert done["error"]["code"] == 10  # gRPC ABORTED
    assert "stopped responding" in done["error"]["message"]


def test_generation_over_its_deadline_fails_with_deadline_exceeded(fresh_server: LiveServer) -> None:
    key = fresh_server.create_key()
    fresh_server.start(generation_timeout_seconds=0.5)
    name = _submit(fresh_server, key, prompt="a city skyline, slow pan", durationSeconds=8, resolution="1080p")
    done = fresh_server.wait_done(fresh_server.client(key), f"/v1beta/{name}")
    assert done["error"]["code"] == 4  # gRPC DEADLINE_EXCEEDED
    assert "deadline" in done["error"]["message"]
    assert not list((fresh_server.data_dir / "videos").rglob("*.mp4"))


def test_cancelling_a_running_operation_stops_it_and_keeps_no_video(fresh_server: LiveServer) -> None:
    key = fresh_server.create_key()
    fresh_server.start(heartbeat_seconds=0.3)
    name = _submit(fresh_server, key, prompt="mountains at golden hour, slow pan left to right",
                   durationSeconds=8, resolution="1080p")
    _wait_state(fresh_server, key, name, {"RUNNING"})
    op_id = name.rsplit("/", 1)[1]
    assert fresh_server.client(key).post(f"/v1beta/operations/{op_id}:cancel").status_code == 200
    done = fresh_server.client(key).get(f"/v1beta/{name}").json()
    assert done["done"] and done["error"]["code"] == 1
    time.sleep(2)  # the worker notices at its next heartbeat and discards what it wrote
    assert fresh_server.client(key).get(f"/v1beta/{name}").json()["metadata"]["state"] == "CANCELLED"
    assert not list((fresh_server.data_dir / "videos").rglob("*.mp4"))


def test_graceful_shutdown_hands_running_work_back_at_once(fresh_server: LiveServer) -> None:
    key = fresh_server.create_key()
    fresh_server.start(lease_seconds=600)  # a lease that would hold the work for ten minutes
    name = _submit(fresh_server, key, prompt="mountains at golden hour, slow pan left to right",
                   durationSeconds=8, resolution="1080p")
    _wait_state(fresh_server, key, name, {"RUNNING"})
    fresh_server.stop()  # SIGTERM: a rolling restart

    fresh_server.start(workers=0, lease_seconds=600)
    released = fresh_server.client(key).get(f"/v1beta/{name}").json()
    assert released["metadata"]["state"] == "QUEUED" and released["metadata"]["attempt"] == 0
    fresh_server.stop()
    fresh_server.start(lease_seconds=600)
    done = fresh_server.wait_done(fresh_server.client(key), f"/v1beta/{name}", timeout=300)
    assert "response" in done and done["metadata"]["attempt"] == 1
