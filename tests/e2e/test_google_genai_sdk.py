"""The real google-genai SDKs, unmodified, against a live openreel: generate, poll, download."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.support import LiveServer, client_python, decode_mp4, genai_done, import_or_require


def _genai2_python() -> str:
    return client_python("OPENREEL_TEST_GENAI2_PYTHON", ".venv-genai2", "google-genai 2.x interpreter not found")


def test_genai_2x_gemini_mode_generates_polls_and_downloads_two_samples(
        server: LiveServer, api_key: str, tmp_path: Path) -> None:
    done = subprocess.run([_genai2_python(), str(Path(__file__).parent / "scripts/gemini_sdk_roundtrip.py"),
                           server.url, api_key, str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["sdk"].startswith("2.")
    assert re.fullmatch(r"models/veo-3\.0-generate-001/operations/[a-z0-9]+", summary["created"])
    assert summary["error"] is None
    assert len(summary["videos"]) == 2
    decoded = []
    for video in summary["videos"]:
        assert re.fullmatch(r"https://openreel\.test/v1beta/files/[a-z0-9]+:download\?alt=media", video["uri"])
        mp4 = decode_mp4(Path(video["path"]).read_bytes(), keep_frames=True)
        assert (mp4.codec, mp4.pix_fmt, mp4.fps) == ("h264", "yuv420p", 24.0)
        assert (mp4.width, mp4.height, mp4.frame_count) == (1280, 720, 96)
        # Gemini-mode SDKs cannot send generateAudio; the Gemini API gives Veo 3.x native audio.
        assert (mp4.audio_codec, mp4.audio_rate, mp4.audio_channels) == ("aac", 48000, 2)
        decoded.append(mp4)
    # Two samples of one request are two different videos.
    assert (decoded[0].frames[48] != decoded[1].frames[48]).mean() > 0.2


def test_genai_3x_vertex_mode_returns_inline_mp4_with_audio(server: LiveServer, api_key: str) -> None:
    genai = import_or_require("google.genai", "google-genai 3.x is not installed")
    import google.oauth2.credentials
    from google.genai import types

    assert genai.__version__.startswith("3.")
    client = genai.Client(vertexai=True, project="my-proj", location="us-central1",
                          credentials=google.oauth2.credentials.Credentials(token=api_key),
                          http_options=types.HttpOptions(base_url=server.url))
    operation = client.models.generate_videos(
        model="veo-3.0-generate-001",
        source=types.GenerateVideosSource(prompt="heavy rain on a city street at night"),
        config=types.GenerateVideosConfig(duration_seconds=4, resolution="720p", aspect_ratio="9:16",
                                          generate_audio=True, seed=7, number_of_videos=1))
    assert re.fullmatch(r"projects/my-proj/locations/us-central1/publishers/google/models/"
                        r"veo-3\.0-generate-001/operations/[0-9a-f-]{36}", operation.name)
    operation = genai_done(client, operation)
    assert operation.error is None
    assert operation.response.rai_media_filtered_count == 0
    video = operation.response.generated_videos[0].video
    assert video.mime_type == "video/mp4"
    mp4 = decode_mp4(video.video_bytes)
    assert (mp4.codec, mp4.pix_fmt, mp4.fps, mp4.width, mp4.height, mp4.frame_count) == \
        ("h264", "yuv420p", 24.0, 720, 1280, 96)
    assert (mp4.audio_codec, mp4.audio_rate, mp4.audio_channels) == ("aac", 48000, 2)
    assert mp4.audio is not None and float(abs(mp4.audio).max()) > 0.01


def test_genai_3x_vertex_mode_lists_the_catalog(server: LiveServer, api_key: str) -> None:
    genai = import_or_require("google.genai", "google-genai 3.x is not installed")
    import google.oauth2.credentials
    from google.genai import types

    client = genai.Client(vertexai=True, project="my-proj", location="us-central1",
                          credentials=google.oauth2.credentials.Credentials(token=api_key),
                          http_options=types.HttpOptions(base_url=server.url))
    names = {model.name for model in client.models.list()}
    assert "publishers/google/models/veo-3.1-generate-preview" in names
    assert "publishers/google/models/veo-2.0-generate-001" in names
