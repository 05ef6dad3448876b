"""`openreel` against a live server, as a user runs it: progress, parallel prompts, operations
commands, and an exit code per kind of error. Also the server-sent-events stream itself."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.gates import MODEL, Gates, gated_body
from tests.support import STATIC_PROMPT, LiveServer, decode_mp4, openreel_cli


@pytest.fixture(scope="module")
def gates(tmp_path_factory: pytest.TempPathFactory) -> Gates:
    return Gates(tmp_path_factory.mktemp("gates"))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, gates: Gates) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    data = tmp_path_factory.mktemp("cli")
    server = LiveServer(data, catalog_path=gates.write_catalog(data / "catalog.json"))
    key = server.create_key(project="cli")
    server.start()
    yield server, {"OPENREEL_BASE_URL": server.url, "OPENREEL_API_KEY": key}
    server.stop()


def _submit(server: LiveServer, key: str, prompt: str = STATIC_PROMPT, duration: int = 4) -> str:
    body = {"instances": [{"prompt": prompt}], "parameters": {"durationSeconds": duration, "resolution": "720p"}}
    return str(server.client(key).post("/v1beta/models/veo-3.0-generate-001:predictLongRunning", json=body).json()["name"])


def test_models_lists_the_catalog(live: tuple[LiveServer, dict[str, str]]) -> None:
    done = openreel_cli("models", env=live[1])
    assert done.returncode == 0, done.stderr
    assert "veo-3.1-generate-preview\tprocedural" in done.stdout
    lines = done.stdout.splitlines()
    veo2 = lines.index(next(line for line in lines if line.startswith("veo-2.0-generate-001\t")))
    assert lines[veo2 + 1] == ("    5-8 s · 720p, 1080p · 16:9, 9:16 · text, image, last frame, extension, "
                               "asset references, style references · silent · 1-4 samples")
    procedural = lines.index(next(line for line in lines if line.startswith("procedural\t")))
    assert lines[procedural + 1].startswith("    4-60 s · 720p, 1080p, 4k · ")  # long videos
    # An open-weight model whose license restricts use says so (its weights are not on this machine).
    ltx2 = lines.index(next(line for line in lines if line.startswith("ltx-2\tdiffusers")))
    assert any(line.startswith("    license: LTX-2 Community License") for line in lines[ltx2:ltx2 + 4])


def test_generate_on_the_server_shows_progress_and_writes_the_clip(
        live: tuple[LiveServer, dict[str, str]], tmp_path: Path) -> None:
    out = tmp_path / "remote.mp4"
    done = openreel_cli("generate", STATIC_PROMPT, "-o", str(out), "--duration", "4", "--resolution", "720p",
                        "--audio", env=live[1])
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}" in done.stdout
    assert "  rendered: desert, day, static" in done.stdout.splitlines()  # the operation's metadata.concepts
    assert "100%" in done.stderr  # the progress bar reached the end
    assert decode_mp4(out.read_bytes()).audio_codec == "aac"


def test_prompts_file_without_a_prompt_runs_in_parallel_with_templated_names(
        live: tuple[LiveServer, dict[str, str]], tmp_path: Path) -> None:
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("a quiet desert at noon, static shot\n\nsnow over a forest, static shot\nclouds at dawn\n")
    done = openreel_cli("generate", "--prompts-file", str(prompts), "--parallel", "2",
                        "--output-template", str(tmp_path / "{index:02d}-{slug}.mp4"), "--duration", "4",
                        "--resolution", "720p", env=live[1])
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in tmp_path.glob("*.mp4"))
    assert names == ["00-a-quiet-desert-at-noon-static-shot.mp4", "01-snow-over-a-forest-static-shot.mp4",
                     "02-clouds-at-dawn.mp4"]


def test_operations_list_get_wait_and_cancel(live: tuple[LiveServer, dict[str, str]], gates: Gates) -> None:
    server, env = live
    key = env["OPENREEL_API_KEY"]
    # The gated engine holds the first job at its gate, so the second one surely waits in the queue.
    create = f"/v1beta/models/{MODEL}:predictLongRunning"
    running = str(server.client(key).post(create, json=gated_body("clirunning")).json()["name"])
    gates.wait_started("clirunning", 0)
    queued = str(server.client(key).post(create, json=gated_body("cliqueued")).json()["name"])
    listed = openreel_cli("operations", "list", env=env)
    assert listed.returncode == 0 and queued in listed.stdout and running in listed.stdout
    got = openreel_cli("operations", "get", queued, env=env)
    assert json.loads(got.stdout)["name"] == queued
    assert openreel_cli("operations", "cancel", queued, env=env).returncode == 0
    waited = openreel_cli("operations", "wait", queued, env=env)
    assert waited.returncode == 7 and "CANCELLED" in waited.stderr
    gates.open("clirunning", 0)
    finished = openreel_cli("operations", "wait", running, env=env)
    assert finished.returncode == 0, finished.stderr
    assert "done\tSUCCEEDED\t100%" in finished.stderr and finished.stdout.strip() == running


def test_operations_get_summarises_inline_videos_unless_full(
        live: tuple[LiveServer, dict[str, str]], gates: Gates) -> None:
    server, env = live
    key = env["OPENREEL_API_KEY"]
    gates.open("cliinline", 0)
    # Vertex-shape creates without an output bucket return the MP4 inline, base64 in the JSON.
    created = server.client(key).post(f"/v1/projects/cli/locations/us-central1/publishers/google/models/{MODEL}"
                                      ":predictLongRunning", json=gated_body("cliinline"))
    op_id = str(created.json()["name"]).rsplit("/", 1)[1]
    server.wait_done(server.client(key), f"/v1beta/operations/{op_id}")
    full = openreel_cli("operations", "get", op_id, "--full", env=env)
    assert full.returncode == 0, full.stderr
    inline = json.loads(full.stdout)["response"]["videos"][0]["bytesBase64Encoded"]
    size = len(base64.b64decode(inline))
    assert decode_mp4(base64.b64decode(inline)).frame_count > 0
    short = openreel_cli("operations", "get", op_id, env=env)
    assert short.returncode == 0, short.stderr
    assert json.loads(short.stdout)["response"]["videos"][0] == {
        "bytesBase64Encoded": f"<{size} bytes of video/mp4, use --full>", "mimeType": "video/mp4"}
    assert len(short.stdout) < 2000 < len(full.stdout)


@pytest.mark.parametrize(("args", "env_override", "code"), [
    (["generate", "x", "--duration", "5"], {}, 2),
    (["models"], {"OPENREEL_API_KEY": "ork_wrong"}, 3),
    (["operations", "get", "0123456789abcdef0123456789abcdef"], {}, 4),
])
def test_errors_exit_with_a_code_per_status(live: tuple[LiveServer, dict[str, str]], tmp_path: Path,
                                            args: list[str], env_override: dict[str, str], code: int) -> None:
    done = openreel_cli(*args, *(["-o", str(tmp_path / "x.mp4")] if args[0] == "generate" else []),
                        env={**live[1], **env_override})
    assert done.returncode == code, (done.stdout, done.stderr)
    assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1


def test_event_stream_reports_progress_then_done(live: tuple[LiveServer, dict[str, str]]) -> None:
    server, env = live
    name = _submit(server, env["OPENREEL_API_KEY"])
    op_id = name.rsplit("/", 1)[1]
    events = []
    with httpx.stream("GET", f"{server.url}/v1beta/operations/{op_id}:stream",
                      params={"key": env["OPENREEL_API_KEY"]}, timeout=120) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        event = ""
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                events.append((event, json.loads(line.split(":", 1)[1])))
    assert events[0][0] == "progress" and events[-1][0] == "done"
    assert events[-1][1]["done"] is True and "response" in events[-1][1]
    assert len({e[1]["metadata"]["state"] for e in events}) >= 2
    assert httpx.get(f"{server.url}/v1beta/operations/{'0' * 32}:stream",
                     params={"key": env["OPENREEL_API_KEY"]}).status_code == 404
