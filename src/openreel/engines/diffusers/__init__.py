"""The `diffusers` engine: open-weight video models (Wan 2.1/2.2, LTX-Video, LTX-2 with audio,
HunyuanVideo 1.5, CogVideoX) run through Hugging Face diffusers pipelines.

Building the engine and asking its capabilities reads only the catalog options and the weights'
model_index.json, so the API process never imports torch. load() imports torch and diffusers
(runner.py) and loads the weights once; they stay loaded between jobs until close().
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from openreel.domain.request import GenerationRequest, Resolution
from openreel.engines.base import RunContext, Sample
from openreel.engines.capabilities import ALL_DURATIONS, Capabilities
from openreel.engines.diffusers.options import DiffusersOptions
from openreel.engines.diffusers.pipelines import FAMILIES, PipelineTraits, traits_of
from openreel.engines.diffusers.plan import FrameRule, ModelShape
from openreel.engines.diffusers.weights import model_index, require_libraries, weights_folder
from openreel.errors import FailedPrecondition, OutOfMemory

if TYPE_CHECKING:
    from openreel.engines.diffusers.runner import PipelineRunner


log = logging.getLogger(__name__)
# How often a job waiting for the pipeline checks whether it was cancelled.
WAIT_POLL_SECONDS = 0.2


class DiffusersEngine:
    name = "diffusers"
    description = "Open-weight video model run by Hugging Face diffusers"
    max_concurrent_jobs = 1  # one pipeline, one job: its scheduler and memory are not shared

    def __init__(self, options: dict[str, Any]) -> None:
        try:
            self.options = DiffusersOptions.parse(options)
        except ValueError as exc:
            raise FailedPrecondition(str(exc)) from None
        self._runner: PipelineRunner | None = None
        self._lean = False  # set after running out of memory: the next load trades speed for memory
        self._lock = threading.Lock()  # guards loading and closing
        # A pipeline (its scheduler, its memory) serves one job at a time; a second worker thread
        # on the same model waits here, its lease kept alive by its heartbeat.
        self._running = threading.Lock()

    def capabilities(self) -> Capabilities:
        traits = self._traits(self._pipeline_class())
        image = traits.image or self.options.image_pipeline is not None
        image_traits = self._traits(self.options.image_pipeline) if self.options.image_pipeline else traits
        shape = self._shape(traits)
        longest = self.options.max_frames or FAMILIES[traits.family].max_frames
        return Capabilities(
            durations=tuple(d for d in ALL_DURATIONS if shape.rule.frames_for(d, shape.fps) <= longest),
            resolutions=(Resolution.HD, Resolution.FULL_HD), text_to_video=not traits.needs_image,
            image_to_video=image, last_frame=image and image_traits.last_image is not None and self.options.last_frame,
            reference_types=frozenset(), extension=image, audio=traits.audio, max_samples=4)

    def load(self) -> None:
        with self._lock:
            if self._runner is not None:
                return
            require_libraries()
            from openreel.engines.diffusers.runner import PipelineRunner  # torch and diffusers load here
            folder = weights_folder(self.options, download=True)
            class_name = self._pipeline_class()
            try:
                self._runner = PipelineRunner(folder, class_name, self.options, self._shape(self._traits(class_name)),
                                              lean=self._lean)
            except OutOfMemory:
                self._lean = True  # even the weights did not fit: the retry offloads
                raise

    def close(self) -> None:
        with self._lock:
            if self._runner is not None:
                self._runner.close()
                self._runner = None

    def enhance_prompt(self, request: GenerationRequest) -> str:
        return request.prompt  # these models take the prompt as written

    def generate(self, request: GenerationRequest, ctx: RunContext) -> Sequence[Sample]:
        # Workers claim no job for a model already at max_concurrent_jobs; this lock is what makes
        # one pipeline run one job even when two threads of another kind of caller get here.
        while not self._running.acquire(timeout=WAIT_POLL_SECONDS):
            ctx.report(0.0, "waiting for the model to finish another job")
            ctx.raise_if_cancelled()
        try:
            self.load()  # again: an out-of-memory retry closed the pipeline to reload it leaner
            assert self._runner is not None
            return self._runner.generate(request, ctx)
        except OutOfMemory:
            if not self._lean:
                # From now on this model loads with VAE tiling and (on a GPU) model offload:
                # slower, but the request that did not fit will. It lasts until the process restarts.
                log.warning("out of memory: reloading the pipeline with VAE tiling and model offload")
                self._lean = True
                self.close()
            raise
        finally:
            self._running.release()

    def _pipeline_class(self) -> str:
        """The catalog's `pipeline`, else the one the weights' model_index.json names. With
        `pipeline` set, nothing here needs torch or the weights: an API replica can take jobs
        for a model only its GPU workers have."""
        if self.options.pipeline is not None:
            return self.options.pipeline
        class_name = model_index(self.options).get("_class_name")
        if not isinstance(class_name, str):
            raise FailedPrecondition("model_index.json names no _class_name: set `pipeline` in the catalog entry")
        return class_name

    @staticmethod
    def _traits(class_name: str) -> PipelineTraits:
        try:
            return traits_of(class_name)
        except ValueError as exc:
            raise FailedPrecondition(str(exc)) from None

    def _shape(self, traits: PipelineTraits) -> ModelShape:
        family, options = FAMILIES[traits.family], self.options
        try:
            frame_rule = FrameRule.parse(options.frame_rule or family.frame_rule)
        except ValueError as exc:
            raise FailedPrecondition(str(exc)) from None
        return ModelShape(options.size or family.size, options.fps or family.fps, frame_rule,
                          options.size_multiple or family.size_multiple)
