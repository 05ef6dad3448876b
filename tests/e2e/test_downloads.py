"""Every client can fetch the videos, on the default settings (plain HTTP, no public URL) and
behind TLS (OPENREEL_PUBLIC_URL=https://...): curl on the URI as written, LiteLLM's
video_content, google-genai 1.x, 2.x and 3.x, and @google/genai 2.x (Gemini mode) and 3.x
(Vertex mode). Each client is the real package, run unmodified in its own interpreter."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import REPO, LiveServer, client_python, decode_mp4, import_or_require, require_or_skip
from tests.tls_front import TlsFront

SCRIPTS = Path(__file__).parent / "scripts"
JS = REPO / "tests/js"
CREATE = "/v1beta/models/veo-3.0-generate-001:predictLongRunning"
FOUR_SECONDS_720P = {"durationSeconds": 4, "resolution": "720p", "aspectRatio": "16:9"}


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`openreel serve` on its defaults: plain HTTP, no OPENREEL_PUBLIC_URL."""
    live = LiveServer(tmp_path_factory.mktemp("plain")).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def behind_tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, TlsFront]]:
    directory = tmp_path_factory.mktemp("tls")
    live = LiveServer(directory)
    with TlsFront(live.port, directory) as front:
        live.start(public_url=front.url)
        yield live, front
        live.stop()


@pytest.fixture(scope="module")
def plain_key(plain: LiveServer) -> str:
    return plain.create_key(project="my-proj")


@pytest.fixture(scope="module")
def tls_key(behind_tls: tuple[LiveServer, TlsFront]) -> str:
    return behind_tls[0].create_key(project="my-proj")


def _finished_uri(server: LiveServer, key: str) -> tuple[str, str]:
    """Make a 4 s clip through the Gemini REST surface; its operation name and video URI."""
    with server.client(key) as http:
        created = http.post(CREATE, json={"instances": [{"prompt": "a lighthouse on a cliff at dusk"}],
                                          "parameters": FOUR_SECONDS_720P})
        assert created.status_code == 200, created.text
        done = server.wait_done(http, f"/v1beta/{created.json()['name']}")
    return done["name"], done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]


def _assert_720p_clip(data: bytes) -> None:
    mp4 = decode_mp4(data)
    assert (mp4.codec, mp4.width, mp4.height, mp4.frame_count) == ("h264", 1280, 720, 96)


def _curl(*args: str) -> subprocess.CompletedProcess[bytes]:
    if shutil.which("curl") is None:
        require_or_skip("curl is not installed")
    return subprocess.run(["curl", "--silent", "--show-error", "--fail", *args], capture_output=True, timeout=120)


def _run_json(command: list[str], env: dict[str, str] | None = None) -> dict[str, object]:
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr[-3000:]
    summary: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return summary


def _node(script: str, *args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    if shutil.which("node") is None or not (JS / "node_modules/genai2").is_dir():
        require_or_skip("node and tests/js/node_modules are needed (scripts/test runs npm ci there)")
    return _run_json(["node", str(JS / script), *args], env)


def _litellm(base_url: str, key: str, out: Path, env: dict[str, str] | None = None) -> None:
    python = client_python("OPENREEL_TEST_CLIENTS_PYTHON", ".venv-clients", "LiteLLM interpreter not found")
    # LiteLLM fetches a price list from GitHub at import unless told to use its bundled copy.
    summary = _run_json([python, str(SCRIPTS / "litellm_roundtrip.py"), base_url, key, str(out)],
                        {"LITELLM_LOCAL_MODEL_COST_MAP": "True", **(env or {})})
    assert summary["status"] == "completed"
    _assert_720p_clip(out.read_bytes())


def _genai_roundtrip(python: str, base_url: str, key: str, out: Path,
                     env: dict[str, str] | None = None) -> dict[str, object]:
    """gemini_sdk_roundtrip.py: generate two samples, poll, files.download each, save."""
    summary = _run_json([python, str(SCRIPTS / "gemini_sdk_roundtrip.py"), base_url, key, str(out)], env)
    assert summary["error"] is None
    videos = summary["videos"]
    assert isinstance(videos, list) and len(videos) == 2
    for video in videos:
        _assert_720p_clip(Path(video["path"]).read_bytes())
    return summary


# --- plain HTTP, the defaults -------------------------------------------------------------

def test_the_video_uri_follows_the_request_and_curl_fetches_it_as_written(
        plain: LiveServer, plain_key: str, tmp_path: Path) -> None:
    name, uri = _finished_uri(plain, plain_key)
    assert re.fullmatch(re.escape(plain.url) + r"/v1beta/files/[a-z0-9]+:download\?alt=media", uri)
    with_header = _curl("-H", f"x-goog-api-key: {plain_key}", uri)
    assert with_header.returncode == 0, with_header.stderr
    _assert_720p_clip(with_header.stdout)
    with_query = _curl(f"{uri}&key={plain_key}")
    assert with_query.stdout == with_header.stdout
    # Asked through another name for the host, the URI names that host.
    localhost = plain.url.replace("127.0.0.1", "localhost")
    with plain.client(plain_key) as http:
        body = http.get(f"{localhost}/v1beta/{name}").json()
    assert body["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"].startswith(
        f"{localhost}/v1beta/files/")
    assert _curl(uri).returncode != 0  # and never without the key


def test_litellm_video_content_downloads_over_plain_http(plain: LiveServer, plain_key: str, tmp_path: Path) -> None:
    _litellm(plain.url, plain_key, tmp_path / "litellm.mp4")


@pytest.mark.parametrize("sdk", ["1.x", "2.x"])
def test_google_genai_files_download_over_plain_http(sdk: str, plain: LiveServer, plain_key: str,
                                                     tmp_path: Path) -> None:
    python = (client_python("OPENREEL_TEST_CLIENTS_PYTHON", ".venv-clients", "google-genai 1.x interpreter not found")
              if sdk == "1.x" else
              client_python("OPENREEL_TEST_GENAI2_PYTHON", ".venv-genai2", "google-genai 2.x interpreter not found"))
    summary = _genai_roundtrip(python, plain.url, plain_key, tmp_path)
    assert str(summary["sdk"]).startswith(sdk[0] + ".")


def test_google_genai_3x_downloads_an_operations_videos_over_plain_http(plain: LiveServer, plain_key: str) -> None:
    """3.x cannot create videos in Gemini mode, but gets operations and downloads files (over /v1/)."""
    genai = import_or_require("google.genai", "google-genai 3.x is not installed")
    from google.genai import types

    name, _ = _finished_uri(plain, plain_key)
    client = genai.Client(api_key=plain_key, http_options=types.HttpOptions(base_url=plain.url))
    operation = client.operations.get(types.GenerateVideosOperation(name=name))
    assert operation.done and operation.error is None
    video = operation.response.generated_videos[0].video
    client.files.download(file=video)
    _assert_720p_clip(video.video_bytes)


def test_js_sdk_2x_gemini_mode_generates_and_downloads(plain: LiveServer, plain_key: str, tmp_path: Path) -> None:
    summary = _node("gemini_roundtrip.mjs", plain.url, plain_key, str(tmp_path))
    assert summary["error"] is None
    [video] = summary["videos"]  # type: ignore[misc]
    assert video["uri"].startswith(f"{plain.url}/v1beta/files/")
    _assert_720p_clip(Path(video["path"]).read_bytes())


def test_js_sdk_3x_vertex_mode_with_the_key_as_an_oauth_token(plain: LiveServer, plain_key: str,
                                                               tmp_path: Path) -> None:
    summary = _node("vertex_roundtrip.mjs", plain.url, plain_key, str(tmp_path))
    assert summary["error"] is None
    assert re.fullmatch(r"projects/my-proj/locations/us-central1/publishers/google/models/"
                        r"veo-3\.0-generate-001/operations/[0-9a-f-]{36}", str(summary["created"]))
    [video] = summary["videos"]  # type: ignore[misc]
    mp4 = decode_mp4(Path(video["path"]).read_bytes())
    assert (mp4.width, mp4.height, mp4.frame_count) == (720, 1280, 96)
    assert mp4.audio_codec == "aac"  # generateAudio: true was sent, and Vertex honours it


# --- behind a TLS front, with OPENREEL_PUBLIC_URL=https://... ------------------------------

def test_curl_fetches_the_https_uri_behind_tls(behind_tls: tuple[LiveServer, TlsFront], tls_key: str) -> None:
    server, front = behind_tls
    _, uri = _finished_uri(server, tls_key)
    assert re.fullmatch(re.escape(front.url) + r"/v1beta/files/[a-z0-9]+:download\?alt=media", uri)
    fetched = _curl("--cacert", str(front.ca_path), "-H", f"x-goog-api-key: {tls_key}", uri)
    assert fetched.returncode == 0, fetched.stderr
    _assert_720p_clip(fetched.stdout)


def test_sdks_and_litellm_download_behind_tls(behind_tls: tuple[LiveServer, TlsFront], tls_key: str,
                                              tmp_path: Path) -> None:
    _, front = behind_tls
    trust = {"SSL_CERT_FILE": str(front.ca_path), "NODE_EXTRA_CA_CERTS": str(front.ca_path)}
    python = client_python("OPENREEL_TEST_GENAI2_PYTHON", ".venv-genai2", "google-genai 2.x interpreter not found")
    _genai_roundtrip(python, front.url, tls_key, tmp_path, trust)
    _litellm(front.url, tls_key, tmp_path / "litellm.mp4", trust)
    summary = _node("gemini_roundtrip.mjs", front.url, tls_key, str(tmp_path), env=trust)
    [video] = summary["videos"]  # type: ignore[misc]
    assert video["uri"].startswith(f"{front.url}/v1beta/files/")
    _assert_720p_clip(Path(video["path"]).read_bytes())
