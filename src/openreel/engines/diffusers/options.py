"""A diffusers catalog entry's options, checked when the engine is built (a typo in the catalog
is a clear FAILED_PRECONDITION naming the key, not an attribute error mid-job)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, PositiveInt, model_validator

from openreel.engines.options import EngineOptions


class DiffusersOptions(EngineOptions):
    engine = "diffusers"

    # Where the weights are: a folder saved by save_pretrained, or a Hugging Face repo id read
    # from the local Hugging Face cache. Downloads happen only with allow_download.
    path: str | None = None
    repo: str | None = None
    allow_download: bool = False
    # The pipeline class; by default the one the folder's model_index.json names.
    pipeline: str | None = None
    # A second pipeline class over the same weights for requests with an image (Wan 2.2 TI2V, LTX).
    image_pipeline: str | None = None
    steps: int = Field(default=30, ge=1, le=1000)
    guidance: float = Field(default=5.0, ge=0)
    guidance_2: float | None = Field(default=None, ge=0)  # Wan 2.2 A14B's low-noise expert
    # The model's shape; unset, its family's (pipelines.FAMILIES).
    size: tuple[PositiveInt, PositiveInt] | None = None  # native (width, height) in landscape
    fps: int | None = Field(default=None, ge=1, le=120)
    frame_rule: str | None = None  # "4k+1" (Wan), "8k+1" (LTX)
    size_multiple: int | None = Field(default=None, ge=1)
    max_frames: int | None = Field(default=None, ge=1)
    last_frame: bool = True  # whether these weights were trained for a last frame (FLF2V)
    dtype: Literal["bfloat16", "float16", "float32"] = "bfloat16"
    device: str = "auto"  # "auto": the first GPU when there is one, else the CPU
    # Several samples in one pipeline call when memory allows; otherwise one call each.
    batch_samples: bool = True
    # Memory and speed (diffusers' own switches; see the README's "Open-weight models").
    offload: Literal["none", "model", "sequential", "group"] = "none"
    vae_tiling: bool = False
    vae_slicing: bool = False
    cache: dict[str, Any] | None = None  # e.g. {type = "FirstBlockCache", threshold = 0.05}
    compile: bool = False  # compile_repeated_blocks: torch.compile on the transformer's blocks
    attention_backend: str | None = None  # e.g. "flash", "_native_cudnn", "sage"
    layerwise_fp8: bool = False  # weights stored in float8, computed in dtype

    @model_validator(mode="after")
    def _one_source(self) -> DiffusersOptions:
        if (self.path is None) == (self.repo is None):
            raise ValueError("give exactly one of path (a local folder) or repo (a Hugging Face repo id)")
        return self

