"""The roadmap's features from a live server's clients: `openreel storyboard --server`, the Python
client's generate_storyboard (sync and async), each saving a decoded MP4 of the right length, and
its saved characters and styles."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import openreel
from openreel.client import AsyncVideoGenerationModel, InvalidArgument, Scene, VideoGenerationModel
from tests.support import LiveServer, decode_mp4, openreel_cli

FPS = 24


def test_the_cli_makes_a_storyboard_on_a_server(server: LiveServer, api_key: str, tmp_path: Path) -> None:
    board, out = tmp_path / "board.yaml", tmp_path / "remote.mp4"
    board.write_text("resolution: 720p\nseed: 3\nscenes:\n  - {prompt: a sunny beach at noon, duration: 4}\n"
                     "  - {prompt: a city skyline at night, duration: 4, transition: dissolve}\n")
    done = openreel_cli("storyboard", str(board), "-o", str(out), "--server", server.url, "--api-key", api_key)
    assert done.returncode == 0, done.stderr
    assert decode_mp4(out.read_bytes()).frame_count == 8 * FPS
    listed = server.client(api_key).get("/v1beta/operations").json()["operations"]
    assert any(op["metadata"].get("state") == "SUCCEEDED" for op in listed)  # an operation like any other


def test_the_python_client_makes_a_storyboard(server: LiveServer, api_key: str, tmp_path: Path) -> None:
    openreel.init(base_url=server.url, api_key=api_key)
    model = VideoGenerationModel.from_pretrained("procedural")
    op = model.generate_storyboard([Scene("a sunny beach at noon", 4),
                                    Scene("a mountain lake at sunset", 5, transition="cut", camera="dolly_in")],
                                   resolution="720p", seed=9, generate_audio=True, style="warm film look")
    video = op.result(timeout=300).videos[0]
    video.save(tmp_path / "client.mp4")
    decoded = decode_mp4((tmp_path / "client.mp4").read_bytes())
    assert (decoded.frame_count, decoded.audio_codec) == (9 * FPS, "aac")


def test_the_async_client_makes_a_storyboard_and_reads_a_refusal(server: LiveServer, api_key: str) -> None:
    openreel.init(base_url=server.url, api_key=api_key)
    model = AsyncVideoGenerationModel.from_pretrained("procedural")

    async def run() -> bytes:
        op = await model.generate_storyboard([{"prompt": "a desert at noon", "durationSeconds": 4}],
                                             resolution="720p")
        return (await op.result(timeout=300)).videos[0].video_bytes

    assert decode_mp4(asyncio.run(run())).frame_count == 4 * FPS
    with pytest.raises(InvalidArgument, match=r"scenes\[0\]\.transition"):
        VideoGenerationModel("procedural").generate_storyboard([Scene("a lake", 5, transition="wipe")])


def test_the_python_client_saves_a_character_and_names_it(server: LiveServer, api_key: str) -> None:
    from openreel.client import Image
    from openreel.client.saved import SavedReferences
    from tests.images import png_bytes

    openreel.init(base_url=server.url, api_key=api_key)
    saved = SavedReferences()
    character = saved.create_character("Ada", [Image(png_bytes(seed=4))])
    assert character["name"] in [c["name"] for c in saved.list("characters")]
    op = VideoGenerationModel("veo-3.0-generate-001").generate_video(
        "a sunny beach at noon, static shot", character=character["name"], duration_seconds=4, resolution="720p")
    assert decode_mp4(op.result(timeout=300).videos[0].video_bytes).frame_count == 4 * FPS
    style = saved.create_style("from a clip", video_uri=op.result().videos[0].uri)
    assert style["name"].startswith("styles/") and saved.get(style["name"])["images"]
    saved.delete(character["name"])
    assert character["name"] not in [c["name"] for c in saved.list("characters")]
