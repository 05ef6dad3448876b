"""Drive the gated test engine (tests/plugins/openreel-gated) from a test: a catalog entry that
serves model `gated` with it, and the gate files that release its frames."""

from __future__ import annotations

import json
import time
from pathlib import Path

MODEL = "gated"


class Gates:
    def __init__(self, control_dir: Path) -> None:
        self.dir = control_dir
        self.dir.mkdir(parents=True, exist_ok=True)

    def write_catalog(self, path: Path, fixed_seconds: float = 0, **engine_options: object) -> Path:
        """The catalog of MODEL on these gates; with `fixed_seconds`, jobs that wait that long and
        copy one shared MP4 (next to no CPU), for tests that run many jobs beside their faults;
        other keyword arguments are more of the engine's options (its module docstring lists them)."""
        options: dict[str, object] = {"control_dir": str(self.dir), **engine_options}
        if fixed_seconds:
            options["fixed_seconds"] = fixed_seconds
        path.write_text(json.dumps({"models": [{"id": MODEL, "engine": "gated", "durations": [4, 6, 8],
                                                "options": options}]}))
        return path

    def open(self, tag: str, sample: int, frames: int | None = None) -> None:
        """Release sample `sample` of job `tag`: every frame, or the first `frames`."""
        (self.dir / f"{tag}.{sample}.go").write_text("" if frames is None else str(frames))

    def starts(self, tag: str, sample: int) -> list[int]:
        """The process ids that began rendering this sample, in order."""
        marker = self.dir / f"{tag}.{sample}.started"
        return [int(line) for line in marker.read_text().split()] if marker.exists() else []

    def wait_started(self, tag: str, sample: int, times: int = 1, timeout: float = 120) -> list[int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(pids := self.starts(tag, sample)) >= times:
                return pids
            time.sleep(0.05)
        raise TimeoutError(f"sample {sample} of {tag} was not started {times} time(s)")


def gated_body(tag: str, samples: int = 1) -> dict[str, object]:
    """A Gemini create body for the gated model; the prompt's first word is the gate tag."""
    return {"instances": [{"prompt": f"{tag} flat test frames"}],
            "parameters": {"durationSeconds": 4, "resolution": "720p", "sampleCount": samples}}
