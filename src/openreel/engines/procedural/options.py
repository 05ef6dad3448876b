"""The procedural engine's catalog options."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from openreel.engines.options import EngineOptions

# It draws any length in one pass; a minute is the longest video the API offers (the seed
# guide's roadmap: 30-60 s clips).
LONGEST_CLIP_SECONDS = 60
SHORTEST_CLIP_SECONDS = 4


class ProceduralOptions(EngineOptions):
    engine: ClassVar[str] = "procedural"
    # The longest clip drawn in one pass. Longer videos are then made of clips that each continue
    # the one before, as on an engine with short clips (sequence/long_video.py); an operator can
    # set it low to see, on any machine, how such an engine's long videos will look.
    longest_clip_seconds: int = Field(default=LONGEST_CLIP_SECONDS, ge=SHORTEST_CLIP_SECONDS,
                                      le=LONGEST_CLIP_SECONDS)
