"""Videos made of several engine calls and joined into one clip: long videos built from segments
(each continuing from the last frames of the one before) and storyboards (a call per scene)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from openreel.domain.concepts import ConceptAccount
from openreel.domain.request import GenerationRequest
from openreel.engines.base import ConceptReporter, Engine, RunContext, Sample
from openreel.sequence.long_video import SegmentedEngine, needs_segments
from openreel.sequence.storyboard import StoryboardEngine, scene_request


class SampleMaker(Protocol):
    """The part of an Engine that makes samples: an engine, or one wrapped to join its clips."""

    def generate(self, request: GenerationRequest, ctx: RunContext) -> Sequence[Sample]: ...


def joined_maker(engine: Engine, request: GenerationRequest) -> SampleMaker:
    """What makes `request`'s samples: the engine itself for a single clip it can make, or the
    engine wrapped to make a storyboard's scenes, or a video longer than its clips."""
    if request.scenes:
        return StoryboardEngine(engine)
    if needs_segments(engine, request):
        return SegmentedEngine(engine)
    return engine


def drawn_concepts(engine: Engine, request: GenerationRequest) -> ConceptAccount | None:
    """What the engine says its videos show of the prompt, or None when it cannot say; a
    storyboard's account joins its scenes' (a concept drawn in any scene was drawn)."""
    if not isinstance(engine, ConceptReporter):
        return None
    if request.scenes:
        return ConceptAccount.merged(engine.concepts(scene_request(request, scene, 0)) for scene in request.scenes)
    return engine.concepts(request)
