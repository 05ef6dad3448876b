"""The README's first-video walk-through, run as a newcomer would: its shell block as written
(only the port changed), in a fresh folder whose .venv is this one, against `openreel serve`
started there on its defaults."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.support import REPO, LiveServer, decode_mp4

MARKER = "<!-- walkthrough:"


def _walkthrough() -> str:
    readme = (REPO / "README.md").read_text()
    after = readme[readme.index(MARKER):]
    block = re.search(r"```bash\n(.*?)```", after, re.DOTALL)
    assert block is not None, "the README lost its walk-through block"
    return block.group(1)


def test_the_readme_walkthrough_works_as_written(tmp_path: Path) -> None:
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    server = LiveServer(tmp_path / "data").start()  # the folder's ./data, as `openreel serve` there
    try:
        script = _walkthrough().replace("127.0.0.1:8000", f"127.0.0.1:{server.port}")
        done = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, capture_output=True, text=True,
                              timeout=600)
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    lake = decode_mp4((tmp_path / "lake.mp4").read_bytes())
    assert (lake.width, lake.height, lake.frame_count, lake.audio_codec) == (1920, 1080, 96, "aac")
    rain = decode_mp4((tmp_path / "rain.mp4").read_bytes())
    assert (rain.width, rain.height, rain.frame_count, rain.audio_codec) == (1920, 1080, 96, "aac")
