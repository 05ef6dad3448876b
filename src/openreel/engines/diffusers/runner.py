"""A loaded diffusers pipeline and the calls that make one operation's samples. This is the only
module of the engine that imports torch and diffusers; the engine imports it in load().

One operation is one pipeline call when its samples fit in memory together (a batch, one
generator per sample so each sample starts from the noise it would have alone), otherwise one
call per sample. Progress comes from the step callback, which also checks for cancellation: raising
there ends the call between two steps, and the memory the call held is freed before returning.
"""

from __future__ import annotations

import gc
import inspect
import io
import itertools
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import diffusers
import numpy as np
import torch
import transformers
from PIL import Image

from openreel.domain.request import GenerationRequest
from openreel.engines.base import Clip, RunContext, Sample
from openreel.engines.diffusers.options import DiffusersOptions
from openreel.engines.diffusers.pipelines import PipelineTraits, traits_of
from openreel.engines.diffusers.plan import GenerationPlan, ModelShape, cover, output_frames, plan_generation
from openreel.engines.diffusers.tuning import place, tune
from openreel.errors import FailedPrecondition, OutOfMemory
from openreel.media.audio import fit_stereo_48k
from openreel.media.probe import last_frame

log = logging.getLogger(__name__)
# Loading bars would fill a server's log.
diffusers.utils.logging.disable_progress_bar()
transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
# Where each stage sits on the operation's progress bar.
TEXT_DONE, DENOISE_DONE = 0.05, 0.9


class PipelineRunner:
    def __init__(self, folder: Path, class_name: str, options: DiffusersOptions, shape: ModelShape,
                 lean: bool = False) -> None:
        self.options, self.shape, self.class_name = options, shape, class_name
        self.dtype = getattr(torch, options.dtype)
        self.device = ("cuda" if torch.cuda.is_available() else "cpu") if options.device == "auto" else options.device
        if self.device.startswith("cuda") and not torch.cuda.is_available():
            raise FailedPrecondition(f"device = \"{self.device}\", but this worker sees no CUDA GPU")
        try:
            pipeline_class = getattr(diffusers, class_name)
            self.pipe = pipeline_class.from_pretrained(str(folder), dtype=self.dtype, local_files_only=True)
        except torch.OutOfMemoryError:
            free_memory()
            raise OutOfMemory(f"Out of {self.device} memory loading {class_name} from {folder}.") from None
        except (OSError, ValueError, RuntimeError, KeyError, TypeError, AttributeError) as exc:
            # Missing files, truncated or mismatched tensors, a folder of another pipeline.
            raise FailedPrecondition(f"the weights in {folder} cannot be loaded as {class_name}: "
                                     f"{type(exc).__name__}: {str(exc)[:300]}") from None
        self.pipe.set_progress_bar_config(disable=True)
        try:
            place(self.pipe, options, self.device, lean)
            tune(self.pipe, options, self.dtype)
        except torch.OutOfMemoryError:
            self.pipe = None
            free_memory()
            raise OutOfMemory(f"Out of {self.device} memory placing {class_name} on it.") from None
        except (ValueError, RuntimeError, NotImplementedError, AssertionError) as exc:  # an option that does not fit
            raise FailedPrecondition(f"a speed or memory option does not work with {class_name}: {exc}") from None
        _set_guider_scale(self.pipe, options.guidance)
        self._image_pipe: Any = None

    def close(self) -> None:
        self.pipe = self._image_pipe = None
        free_memory()

    def generate(self, request: GenerationRequest, ctx: RunContext) -> Sequence[Sample]:
        plan = plan_generation(request, self.shape)
        pipe, traits = self._pipeline_for(request)
        kwargs = self._arguments(pipe, traits, request, plan)
        ctx.report(0.0, "encoding text")
        try:
            outputs = self._run(pipe, traits, kwargs, request, ctx)
        except torch.OutOfMemoryError:
            free_memory()
            raise OutOfMemory(f"Out of {self.device} memory generating {request.sample_count} video(s) at "
                              f"{plan.width}x{plan.height}, {plan.frames} frames.") from None
        finally:
            free_memory()  # a cancelled or failed call leaves its activations to the collector
        return [Clip(width=request.size[0], height=request.size[1], fps=request.fps,
                     frame_count=request.frame_count, frames=output_frames(video, plan, request), audio=audio)
                for video, audio in outputs]

    def _pipeline_for(self, request: GenerationRequest) -> tuple[Any, PipelineTraits]:
        traits = traits_of(self.class_name)
        wants_image = request.image is not None or request.video is not None
        if not wants_image or traits.image or self.options.image_pipeline is None:
            return self.pipe, traits
        if self._image_pipe is None:  # the same weights behind the image-to-video class
            try:
                self._image_pipe = getattr(diffusers, self.options.image_pipeline).from_pipe(self.pipe)
            except (ValueError, TypeError, AttributeError) as exc:
                raise FailedPrecondition(f"image_pipeline {self.options.image_pipeline} does not fit these "
                                         f"weights: {str(exc)[:300]}") from None
            self._image_pipe.set_progress_bar_config(disable=True)
        return self._image_pipe, traits_of(self.options.image_pipeline)

    def _arguments(self, pipe: Any, traits: PipelineTraits, request: GenerationRequest,
                   plan: GenerationPlan) -> dict[str, Any]:
        size = (plan.width, plan.height)
        kwargs: dict[str, Any] = {
            "prompt": request.prompt, "negative_prompt": request.negative_prompt or None,
            "height": plan.height, "width": plan.width, "num_frames": plan.frames,
            "num_inference_steps": self.options.steps, "guidance_scale": self.options.guidance,
            "frame_rate": plan.fps, "output_type": "np"}
        if self.options.guidance_2 is not None and traits.guidance_2:
            kwargs["guidance_scale_2"] = self.options.guidance_2
        first = _first_frame(request)
        if first is not None:
            kwargs["image"] = Image.fromarray(cover(first, size))
        if request.last_frame is not None and traits.last_image:
            kwargs[traits.last_image] = Image.fromarray(cover(_image(request.last_frame.content), size))
        accepted = inspect.signature(pipe.__call__).parameters
        return {k: v for k, v in kwargs.items() if k in accepted}  # e.g. only LTX takes frame_rate

    def _run(self, pipe: Any, traits: PipelineTraits, kwargs: dict[str, Any], request: GenerationRequest,
             ctx: RunContext) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """(frames, audio) per sample: one batched call, or one call per sample when a batch
        does not fit (or batching is off)."""
        seeds = [request.sample_seed(i) for i in range(request.sample_count)]
        if self.options.batch_samples and len(seeds) > 1 and traits.batches:
            try:
                return self._call(pipe, kwargs, seeds, request, ctx, 0, 1)
            except torch.OutOfMemoryError:
                free_memory()
                log.warning("%d samples do not fit in one batch; making them one at a time", len(seeds))
                ctx.report(0.0, "the batch did not fit: making the videos one at a time")
        outputs = []
        for index, seed in enumerate(seeds):
            outputs += self._call(pipe, kwargs, [seed], request, ctx, index, len(seeds))
        return outputs

    def _call(self, pipe: Any, kwargs: dict[str, Any], seeds: list[int], request: GenerationRequest,
              ctx: RunContext, call: int, calls: int) -> list[tuple[np.ndarray, np.ndarray | None]]:
        steps = self.options.steps

        def on_step_end(_pipe: Any, step: int, _timestep: Any, tensors: dict[str, Any]) -> dict[str, Any]:
            ctx.raise_if_cancelled()  # ends the call between two steps
            done = (call + (step + 1) / steps) / calls
            ctx.report(TEXT_DONE + (DENOISE_DONE - TEXT_DONE) * done,
                       "decoding" if step + 1 == steps else f"denoising step {step + 1} of {steps}")
            return tensors

        # CPU generators: the same seed gives the same starting noise on any device (and the same
        # video on the same machine and settings).
        generators = [torch.Generator("cpu").manual_seed(seed) for seed in seeds]
        ctx.raise_if_cancelled()
        with _each_step(pipe, on_step_end) as callbacks:
            result = pipe(**kwargs, **callbacks, num_videos_per_prompt=len(seeds), generator=generators)
        frames = np.asarray(result.frames)
        audio = getattr(result, "audio", None)
        rate = _audio_rate(pipe)
        return [(frames[i], None if audio is None or not request.generate_audio
                 else fit_stereo_48k(_numpy(audio[i]), rate, request.duration_seconds))
                for i in range(len(seeds))]


@contextmanager
def _each_step(pipe: Any, on_step_end: Callable[..., dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Run `on_step_end` after every denoising step: through the pipeline's callback_on_step_end
    where it has one, else (HunyuanVideo 1.5) by wrapping its scheduler's step for the call."""
    if "callback_on_step_end" in inspect.signature(pipe.__call__).parameters:
        yield {"callback_on_step_end": on_step_end, "callback_on_step_end_tensor_inputs": ["latents"]}
        return
    scheduler, step = pipe.scheduler, pipe.scheduler.step
    count = itertools.count()

    def stepped(*args: Any, **kwargs: Any) -> Any:
        result = step(*args, **kwargs)
        on_step_end(pipe, next(count), None, {})
        return result

    scheduler.step = stepped
    try:
        yield {}
    finally:
        del scheduler.step  # the class's own method again


def _set_guider_scale(pipe: Any, guidance: float) -> None:
    """Pipelines that take guidance from a guider component (HunyuanVideo 1.5), not guidance_scale."""
    guider = getattr(pipe, "guider", None)
    if guider is not None and "guidance_scale" not in inspect.signature(pipe.__call__).parameters:
        pipe.guider = guider.new(guidance_scale=guidance)


def free_memory() -> None:
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def _first_frame(request: GenerationRequest) -> Image.Image | None:
    if request.image is not None:
        return _image(request.image.content)
    if request.video is not None and request.video.data is not None:
        return Image.fromarray(last_frame(request.video.data))  # extension continues from its last frame
    return None


def _image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def _numpy(audio: Any) -> np.ndarray:
    if isinstance(audio, torch.Tensor):
        return audio.detach().float().cpu().numpy()
    return np.asarray(audio, dtype=np.float32)


def _audio_rate(pipe: Any) -> int:
    vocoder = getattr(pipe, "vocoder", None)
    rate: Any = getattr(getattr(vocoder, "config", None), "output_sampling_rate", None)
    return int(rate or getattr(pipe, "audio_sampling_rate", 24_000))
