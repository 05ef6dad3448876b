"""GatedEngine: a test engine whose progress the test controls, so cancel, deadline, shutdown,
takeover and progress tests are deterministic on any machine, however fast it renders.

Catalog options: {"control_dir": "/path"}, and optionally {"output": "mp4"} to hand the worker
MP4s it encoded itself (the path a remote engine's videos take), {"output": "wrong-size-mp4"} for
MP4s that do not match the request, {"capabilities": {...}} to declare fewer capabilities
(keys of openreel.engines.capabilities.Capabilities; lists for tuples),
{"out_of_memory_calls": N} to run out of memory in the first N calls of each job,
{"enhanced_suffix": "..."} for what enhancePrompt appends to the prompt (default "held at gates"), or
{"fixed_seconds": S} for jobs that take S seconds of waiting and next to no CPU, gates or not
(each sample is a copy of one MP4 encoded once per request shape, shared by the processes), so a benchmark of
dispatch measures openreel and not the renderer. The prompt's
first word is the job's tag; a prompt with the word "refuse" fails with INVALID_ARGUMENT (as a
model refusing its input), and one with "withhold" has its last sample withheld by a stand-in
safety filter (FilteredOut, reported as Veo reports RAI filtering). An MP4 the engine encodes is
also copied to `<tag>.<i>.made.mp4`, so a test can compare what was stored with what was made. For each sample i the engine
  1. writes `<tag>.<i>.started` (one line per call: the process id), then
  2. renders frame k only once `<tag>.<i>.go` exists and holds a number greater than k (an empty
     file opens every frame), checking for cancellation every few milliseconds while it waits.
Frames are flat colours that differ per sample, so stored samples can be told apart once decoded.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from openreel.domain.request import AspectRatio, GenerationRequest, ReferenceType, Resolution
from openreel.engines.base import Clip, EncodedVideo, FilteredOut, RunContext, Sample
from openreel.engines.capabilities import Capabilities
from openreel.errors import InvalidArgument, OutOfMemory
from openreel.media.encode import AUDIO_RATE, Mp4Encoder

WAIT_SECONDS = 0.02
REFUSAL = "The gated engine refused this prompt (its test switch 'refuse')."
WITHHELD = "The gated engine's test filter withheld this video. Support codes: 90789179"


def sample_colour(sample_index: int) -> tuple[int, int, int]:
    """The flat colour of sample i, for tests that check which sample they decoded."""
    return ((40 + 70 * sample_index) % 256, 128, (200 - 50 * sample_index) % 256)


class GatedEngine:
    name = "gated"
    description = "Test engine: flat frames, released by the test (not an AI model)"
    max_concurrent_jobs = None

    def __init__(self, options: dict[str, Any]) -> None:
        self.control_dir = Path(options["control_dir"])
        self.output = options.get("output", "frames")
        self.declared = _capabilities(options.get("capabilities", {}))
        self.loads = 0  # how often load() did work, for lifecycle tests
        self.out_of_memory_calls = int(options.get("out_of_memory_calls", 0))
        self.fixed_seconds = float(options.get("fixed_seconds", 0))
        self.enhanced_suffix = str(options.get("enhanced_suffix", "held at gates"))
        self._encoded_once: dict[tuple[object, ...], Path] = {}

    def capabilities(self) -> Capabilities:
        return self.declared

    def load(self) -> None:
        self.loads += 1

    def close(self) -> None:
        pass

    def enhance_prompt(self, request: GenerationRequest) -> str:
        return f"{request.prompt}, {self.enhanced_suffix}"

    def generate(self, request: GenerationRequest, ctx: RunContext) -> Sequence[Sample]:
        calls = self.control_dir / f"{_tag(request)}.calls"
        with calls.open("a") as log:
            log.write(f"{os.getpid()}\n")
        if len(calls.read_text().split()) <= self.out_of_memory_calls:
            raise OutOfMemory("Out of memory (the gated engine's test switch).")
        if self.fixed_seconds:
            return self._fixed(request, ctx)
        words = request.prompt.lower().split()
        if "refuse" in words:
            raise InvalidArgument(REFUSAL)
        made = request.sample_count - (1 if "withhold" in words else 0)
        clips = [self._clip(request, index, ctx) for index in range(made)]
        samples: list[Sample] = list(clips) if self.output == "frames" else [
            self._encoded(clip, request, index, ctx) for index, clip in enumerate(clips)]
        return samples + [FilteredOut(WITHHELD)] * (request.sample_count - made)

    def _fixed(self, request: GenerationRequest, ctx: RunContext) -> list[Sample]:
        deadline = time.monotonic() + self.fixed_seconds
        while (left := deadline - time.monotonic()) > 0:
            ctx.raise_if_cancelled()
            time.sleep(min(left, WAIT_SECONDS))
        shape = (request.size, request.fps, request.frame_count, request.generate_audio, request.duration_seconds)
        if shape not in self._encoded_once:
            # Shared by every process on the control dir: the first to need it encodes it.
            width, height = request.size
            path = self.control_dir / f"fixed-{width}x{height}-{request.fps}-{request.frame_count}-" \
                                      f"{int(request.generate_audio)}.mp4"
            if not path.exists():
                partial = path.with_name(f"{path.stem}.{os.getpid()}.part.mp4")  # the muxer goes by .mp4
                audio = (np.zeros((2, AUDIO_RATE * request.duration_seconds), np.float32)
                         if request.generate_audio else None)
                frame = np.zeros((height, width, 3), np.uint8)
                with Mp4Encoder(partial, width, height, request.fps, audio=audio) as encoder:
                    for _ in range(request.frame_count):
                        encoder.write_frame(frame)
                os.replace(partial, path)
            self._encoded_once[shape] = path
        samples: list[Sample] = []
        for index in range(request.sample_count):
            copy = ctx.scratch_dir / f"fixed-{index}.mp4"
            shutil.copyfile(self._encoded_once[shape], copy)
            samples.append(EncodedVideo(copy))
        return samples

    def _clip(self, request: GenerationRequest, sample_index: int, ctx: RunContext) -> Clip:
        gate = self.control_dir / f"{_tag(request)}.{sample_index}"
        width, height = request.size
        started = gate.with_suffix(gate.suffix + ".started")
        frames = self._frames(gate, started, request, sample_index, (height, width), ctx)
        return Clip(width=width, height=height, fps=request.fps, frame_count=request.frame_count, frames=frames,
                    audio=np.zeros((2, AUDIO_RATE * request.duration_seconds), np.float32)
                    if request.generate_audio else None)

    def _encoded(self, clip: Clip, request: GenerationRequest, index: int, ctx: RunContext) -> EncodedVideo:
        path = ctx.scratch_dir / f"gated-{index}.mp4"
        width, height = (clip.width // 2, clip.height // 2) if self.output == "wrong-size-mp4" else (clip.width,
                                                                                                   clip.height)
        with Mp4Encoder(path, width, height, clip.fps, audio=clip.audio) as encoder:
            for frame in clip.frames:
                encoder.write_frame(np.ascontiguousarray(frame[:height, :width]))
        shutil.copyfile(path, self.control_dir / f"{_tag(request)}.{index}.made.mp4")
        return EncodedVideo(path)

    def _frames(self, gate: Path, started: Path, request: GenerationRequest, sample_index: int,
                shape: tuple[int, int], ctx: RunContext) -> Iterator[np.ndarray]:
        # Marked as started when its first frame is asked for: the worker takes samples in order.
        with started.open("a") as marker:
            marker.write(f"{os.getpid()}\n")
        frame = np.empty((*shape, 3), dtype=np.uint8)
        frame[:] = sample_colour(sample_index)
        go = gate.with_suffix(gate.suffix + ".go")
        total, samples = request.frame_count, request.sample_count
        for index in range(total):
            while not _opened(go, index):
                ctx.raise_if_cancelled()
                time.sleep(WAIT_SECONDS)
            ctx.raise_if_cancelled()
            yield frame
            ctx.report((sample_index * total + index + 1) / (samples * total),
                       f"drawing video {sample_index + 1} of {samples}, frame {index + 1} of {total}")


def _capabilities(declared: dict[str, Any]) -> Capabilities:
    kinds: dict[str, Any] = {"resolutions": Resolution, "aspect_ratios": AspectRatio}
    fields = {k: tuple(kinds[k](x) for x in v) if k in kinds else tuple(v) if isinstance(v, list) else v
              for k, v in declared.items()}
    if "reference_types" in fields:
        fields["reference_types"] = frozenset(ReferenceType(t) for t in fields["reference_types"])
    return Capabilities(**fields)


def _tag(request: GenerationRequest) -> str:
    return "".join(c for c in request.prompt.split()[0] if c.isalnum() or c in "-_")


def _opened(go: Path, frame_index: int) -> bool:
    try:
        text = go.read_text().strip()
    except FileNotFoundError:
        return False
    return not text or frame_index < int(text)
