"""`openreel storyboard FILE -o OUT.mp4` as a user runs it: a YAML or JSON file in, an MP4 out
with its scenes where the file put them (found in the decoded picture), or one clear line and
exit code 2 for a file that cannot be used."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.support import decode_mp4, openreel_cli

FPS = 24
YAML_BOARD = """\
# three scenes, as the README's example
model: procedural
aspect_ratio: "16:9"
resolution: 720p
seed: 7
audio: true
scenes:
  - prompt: a sunny beach at noon, static shot
    duration: 4
  - prompt: a city skyline at night, static shot
    duration: 5
    transition: cut
  - {prompt: "a mountain lake at sunset, static shot", duration: 4}
"""


def _cuts(frames: list[np.ndarray], count: int) -> list[int]:
    """The frames where the picture changes most from the one before: the `count` cuts."""
    steps = [np.abs(b.astype(np.int16) - a.astype(np.int16)).mean() for a, b in zip(frames, frames[1:], strict=False)]
    return sorted(int(i) + 1 for i in np.argsort(steps)[-count:])


def test_a_yaml_storyboard_makes_one_video_with_its_cuts_where_the_file_put_them(tmp_path: Path) -> None:
    board, out = tmp_path / "board.yaml", tmp_path / "board.mp4"
    board.write_text(YAML_BOARD)
    done = openreel_cli("storyboard", str(board), "-o", str(out), env={"OPENREEL_DATA_DIR": str(tmp_path / "d")})
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}" in done.stdout
    video = decode_mp4(out.read_bytes(), keep_frames=True)
    assert (video.width, video.height, video.frame_count) == (1280, 720, 13 * FPS)
    assert video.audio_codec == "aac"
    assert _cuts(video.frames, 2) == [4 * FPS, 9 * FPS]


def test_a_json_storyboard_works_too(tmp_path: Path) -> None:
    board, out = tmp_path / "board.json", tmp_path / "board.mp4"
    board.write_text(json.dumps({"resolution": "720p", "aspect_ratio": "9:16", "scenes": [
        {"prompt": "a snowy forest at dawn", "duration": 4},
        {"prompt": "a desert at noon", "duration": 4, "transition": "dissolve", "camera": "pan_left"}]}))
    done = openreel_cli("storyboard", str(board), "-o", str(out), env={"OPENREEL_DATA_DIR": str(tmp_path / "d")})
    assert done.returncode == 0, done.stderr
    video = decode_mp4(out.read_bytes())
    assert (video.width, video.height, video.frame_count, video.audio_codec) == (720, 1280, 8 * FPS, None)


@pytest.mark.parametrize(("text", "says", "code"), [
    ("scenes: [{prompt: a lake, duration: 4}]\ntempo: fast\n", "unknown key 'tempo'", 2),
    ("scenes: [{prompt: a lake, length: 4}]\n", "scenes[0]: unknown key 'length'", 2),
    ("model: procedural\n", "no scenes", 2),
    ("scenes: [a lake\n", "not valid YAML", 2),
    ("scenes: [{prompt: a lake, duration: 3}]\n", "scenes[0].durationSeconds", 2),
    ("scenes: [{prompt: a lake, transition: wipe}]\n", "scenes[0].transition", 2),
    ("scenes: [{prompt: a lake}]\nmodel: no-such-model\n", "no-such-model", 4),
])
def test_a_storyboard_that_cannot_be_used_is_one_line_and_an_exit_code(tmp_path: Path, text: str, says: str,
                                                                       code: int) -> None:
    board, out = tmp_path / "board.yaml", tmp_path / "out.mp4"
    board.write_text(text)
    done = openreel_cli("storyboard", str(board), "-o", str(out), env={"OPENREEL_DATA_DIR": str(tmp_path / "d")})
    assert done.returncode == code and "Traceback" not in done.stderr
    assert says in done.stderr
    assert not out.exists()
