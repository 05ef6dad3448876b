"""Apply a catalog entry's memory and speed options to a loaded pipeline, each through diffusers'
own switch: offload, VAE tiling and slicing, caches (FirstBlockCache and the other enable_cache
configs), compile_repeated_blocks, the attention backend and fp8 layerwise casting. Imported only
inside the engine, with torch."""

from __future__ import annotations

from typing import Any

import diffusers
import torch

from openreel.engines.diffusers.options import DiffusersOptions
from openreel.errors import FailedPrecondition


def place(pipe: Any, options: DiffusersOptions, device: str, lean: bool) -> None:
    """Put the pipeline on its device, offloaded as the options say. `lean` (after running out
    of memory) adds VAE tiling and model offload on a GPU, trading speed for memory."""
    offload = "model" if lean and options.offload == "none" and device.startswith("cuda") else options.offload
    if offload == "none":
        pipe.to(device)
    elif not device.startswith("cuda"):
        raise FailedPrecondition(f"offload = \"{offload}\" needs a GPU; this worker runs on {device}")
    elif offload == "model":
        pipe.enable_model_cpu_offload(device=device)
    elif offload == "sequential":
        pipe.enable_sequential_cpu_offload(device=device)
    else:  # group: block by block, overlapping transfers with compute on a CUDA stream
        pipe.enable_group_offload(onload_device=torch.device(device), offload_type="block_level",
                                  num_blocks_per_group=1, use_stream=True)
    vae = getattr(pipe, "vae", None)
    if vae is not None and (options.vae_tiling or lean) and hasattr(vae, "enable_tiling"):
        vae.enable_tiling()
    if vae is not None and options.vae_slicing and hasattr(vae, "enable_slicing"):
        vae.enable_slicing()


def tune(pipe: Any, options: DiffusersOptions, dtype: torch.dtype) -> None:
    """The transformer-level options, applied to every denoiser (Wan 2.2 A14B has two experts)."""
    for transformer in denoisers(pipe):
        if options.layerwise_fp8:
            transformer.enable_layerwise_casting(storage_dtype=torch.float8_e4m3fn, compute_dtype=dtype)
        if options.attention_backend:
            transformer.set_attention_backend(options.attention_backend)
        if options.cache:
            transformer.enable_cache(_cache_config(options.cache))
        if options.compile:
            # A cache decides per step whether to run the remaining blocks: dynamo cannot trace that
            # decision into one graph, so with a cache the blocks compile with graph breaks.
            transformer.compile_repeated_blocks(fullgraph=not options.cache)


def denoisers(pipe: Any) -> list[Any]:
    return [m for m in (getattr(pipe, "transformer", None), getattr(pipe, "transformer_2", None)) if m is not None]


def _cache_config(cache: dict[str, Any]) -> Any:
    settings = dict(cache)
    kind = str(settings.pop("type", "FirstBlockCache"))
    config_class = getattr(diffusers, f"{kind}Config", None)
    if config_class is None:
        raise FailedPrecondition(f"cache type {kind!r} is not in this diffusers ({diffusers.__version__}); "
                                 "try FirstBlockCache, FasterCache, PyramidAttentionBroadcast or TaylorSeerCache")
    try:
        return config_class(**settings)
    except TypeError as exc:
        raise FailedPrecondition(f"cache {kind}: {exc}") from None
