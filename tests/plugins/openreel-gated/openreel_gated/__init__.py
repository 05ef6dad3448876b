"""GatedEngine: a test engine whose progress the test controls, so cancel, deadline, shutdown,
takeover and progress tests are deterministic on any machine, however fast it renders.

Catalog options: {"control_dir": "/path"}. The prompt's first word is the job's tag. For each
sample i the engine
  1. writes `<tag>.<i>.started` (one line per call: the process id), then
  2. renders frame k only once `<tag>.<i>.go` exists and holds a number greater than k (an empty
     file opens every frame), checking for cancellation every few milliseconds while it waits.
Frames are flat colours that differ per sample, so stored samples can be told apart once decoded.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from openreel.domain.request import GenerationRequest
from openreel.engines.base import Clip, RenderContext

WAIT_SECONDS = 0.02


def sample_colour(sample_index: int) -> tuple[int, int, int]:
    """The flat colour of sample i, for tests that check which sample they decoded."""
    return ((40 + 70 * sample_index) % 256, 128, (200 - 50 * sample_index) % 256)


class GatedEngine:
    name = "gated"
    description = "Test engine: flat frames, released by the test (not an AI model)"

    def __init__(self, options: dict[str, Any]) -> None:
        self.control_dir = Path(options["control_dir"])

    def enhance_prompt(self, request: GenerationRequest) -> str:
        return f"{request.prompt}, held at gates"

    def generate(self, request: GenerationRequest, sample_index: int, ctx: RenderContext) -> Clip:
        gate = self.control_dir / f"{_tag(request)}.{sample_index}"
        with gate.with_suffix(gate.suffix + ".started").open("a") as marker:
            marker.write(f"{os.getpid()}\n")
        width, height = request.size
        return Clip(width=width, height=height, fps=request.fps, frame_count=request.frame_count,
                    frames=self._frames(gate, request.frame_count, sample_colour(sample_index), (height, width), ctx))

    def _frames(self, gate: Path, total: int, colour: tuple[int, int, int], shape: tuple[int, int],
                ctx: RenderContext) -> Iterator[np.ndarray]:
        frame = np.empty((*shape, 3), dtype=np.uint8)
        frame[:] = colour
        go = gate.with_suffix(gate.suffix + ".go")
        for index in range(total):
            while not _opened(go, index):
                ctx.raise_if_cancelled()
                time.sleep(WAIT_SECONDS)
            ctx.raise_if_cancelled()
            yield frame
            ctx.report(index + 1, total)


def _tag(request: GenerationRequest) -> str:
    return "".join(c for c in request.prompt.split()[0] if c.isalnum() or c in "-_")


def _opened(go: Path, frame_index: int) -> bool:
    try:
        text = go.read_text().strip()
    except FileNotFoundError:
        return False
    return not text or frame_index < int(text)
