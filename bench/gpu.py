"""GPU benchmark of the open-weight video models: seconds per denoising step and peak GPU memory, plain diffusers
against the same job through openreel's API. Writes bench/results/gpu.json.

Models are the real architectures built from their published configs (diffusers' scripts/convert_wan_to_diffusers.py
and convert_ltx_to_diffusers.py) with random weights, in bfloat16 on the GPU: Wan2.1-T2V-1.3B, Wan2.1-T2V-14B,
Wan2.2-TI2V-5B (with the Wan 2.2 VAE, z_dim 48) and LTX-Video 2B (0.9.5). Speed does not depend on weight values,
with one exception: how often FirstBlockCache skips a step depends on how the real model's activations change, so
the cached ("fast") figures are indicative only. The text encoders (umt5-xxl, t5-v1_1-xxl) keep their width (4096)
but have one layer instead of 24: they run once per job, not per step. Each pipeline is saved with save_pretrained to
a scratch folder on local disk, and both sides load it from there with from_pretrained.

Each case is (model, resolution, configuration, side), 81 frames at 832x480 (480p) or 1280x720 (720p; 1280x704 for
the models whose sizes must be multiples of 32), --steps denoising steps after --warmup steps of warm-up:
- raw: the diffusers pipeline called with the arguments openreel passes (prompt, no negative prompt, size, frames,
  steps, guidance, CPU generator seeded as openreel seeds it, output_type "np"), after a warm-up call of the same
  shape with output_type "latent" (compilation and autotuning are not timed).
- openreel: an in-process openreel (create_app with its lifespan and one worker thread, tests/inprocess.py) serving a
  catalog entry for the same folder with the same steps, size, frame count, guidance and dtype; the job is created
  with POST /v1beta/models/<id>:predictLongRunning and polled to completion over HTTP (httpx.ASGITransport). The
  model is loaded and warmed up (the same warm-up call, on the engine's own pipeline) before the job is created.
  Timing probes wrap the engine's generate() and its progress reports; they add a clock read and a CUDA
  synchronize per step, as the raw side's step callback does.
Per-step time is the interval between consecutive step ends (steps 2..N), so text encoding and the first step's
set-up are not in it; both sides synchronize CUDA at each step end. The openreel job is also split into queueing,
the pipeline call (generate(): text encoding, denoising, VAE decode, freeing memory) and what follows it (re-timing to
24 fps, scaling to 1280x720, x264, storing): the last is reported as post_pipeline_s and kept out of the overhead.
Overhead % = (openreel - raw) / raw, per step and for the whole pipeline call.

Configurations: plain; fast = FirstBlockCache (threshold 0.05) + compile_repeated_blocks (without fullgraph, as
openreel compiles next to a cache) + the fastest attention backend that works here (flash-attn 3, flash-attn 2,
cuDNN SDPA, flash SDPA, native, in that order); when fast fails, compile (compile + attention) and cache
(cache + attention) are measured in its place.

Order (most important first): Wan 1.3B 480p raw and openreel; Wan 14B 480p raw, fast raw, fast openreel, openreel
(fallbacks go right after the case that failed); Wan 1.3B 480p fast; 5B and LTX at 480p; then 720p for 1.3B, 5B, LTX
and 14B. A model is built and saved once, on first use. No case starts later than --budget-seconds after launch (the
rest are recorded as skipped), a case still running 15 s past it is stopped at its next step, and the JSON is
rewritten after every case, so a run cut short keeps what it measured: give the command a minute over the budget.
Errors (out of memory, a backend that fails) are recorded per case and the run goes on.

Usage, on one H100/H200 (Python with a CUDA build of torch, diffusers >= 0.42, transformers and accelerate, and
openreel's own dependencies; openreel itself need not be pip-installed: the bench uses src/ and registers the engine
entry points itself; flash-attn is used when installed):
    python bench/gpu.py
    python bench/gpu.py --models wan2.1-t2v-14b --resolutions 480p --configs plain,compile --steps 10
And as a smoke test on CPU (tiny configs in float32, 3 steps, 9 small frames; no CUDA call, memory fields null):
    python bench/gpu.py --tiny --out /tmp/gpu-tiny.json
Options: --models, --resolutions, --configs (plain, fast, compile, cache), --steps, --warmup, --skip-openreel,
--budget-seconds, --scratch (keep the saved pipelines there), --out.
"""

from __future__ import annotations

import time

START = time.monotonic()  # the time budget counts from here, before the heavy imports below

import argparse
import contextlib
import gc
import importlib.util
import inspect
import itertools
import json
import logging
import shutil
import statistics
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests/inprocess.py serves openreel in this process


def _use_checkout() -> None:
    """Let the bench run from a checkout pip has not installed (a bare GPU machine with the dependencies as wheels):
    openreel from src/, and the engines' entry points, which openreel's registry looks up by name, from a dist-info
    folder written to a temporary directory on sys.path."""
    from importlib.metadata import entry_points

    if importlib.util.find_spec("openreel") is None:
        sys.path.insert(1, str(ROOT / "src"))
    if entry_points(group="openreel.engines", name="diffusers"):
        return
    info = Path(tempfile.mkdtemp(prefix="openreel-bench-")) / "openreel_bench_engines-0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: openreel-bench-engines\nVersion: 0\n")
    (info / "entry_points.txt").write_text("[openreel.engines]\n"
                                           "procedural = openreel.engines.procedural:ProceduralEngine\n"
                                           "diffusers = openreel.engines.diffusers:DiffusersEngine\n")
    sys.path.append(str(info.parent))


_use_checkout()

import numpy as np
import torch
from poll import machine  # bench/ is on sys.path when this runs as a script

from openreel.domain.request import GenerationRequest
from openreel.engines.diffusers.plan import FrameRule, ModelShape, plan_generation

CUDA = torch.cuda.is_available()  # False under --tiny too: then nothing here touches CUDA
PROMPT = "A cat walks along the beach at sunset, cinematic"
SEED = 1  # request seed; openreel seeds the first sample's CPU generator with it unchanged
GUIDANCE_WAN, GUIDANCE_LTX = 5.0, 3.0
STOP_GRACE_S = 15.0  # a case still running this long past the budget is stopped at its next step
FBC_THRESHOLD = 0.05

# --- published configs --------------------------------------------------------------------------------------------

_WAN = {"patch_size": [1, 2, 2], "attention_head_dim": 128, "text_dim": 4096, "freq_dim": 256, "cross_attn_norm": True,
        "qk_norm": "rms_norm_across_heads", "eps": 1e-6, "rope_max_seq_len": 1024, "added_kv_proj_dim": None,
        "image_dim": None}
WAN_1_3B = _WAN | {"num_attention_heads": 12, "num_layers": 30, "ffn_dim": 8960, "in_channels": 16, "out_channels": 16}
WAN_14B = _WAN | {"num_attention_heads": 40, "num_layers": 40, "ffn_dim": 13824, "in_channels": 16, "out_channels": 16}
WAN22_5B = _WAN | {"num_attention_heads": 24, "num_layers": 30, "ffn_dim": 14336, "in_channels": 48, "out_channels": 48}
# The Wan 2.1 VAE is AutoencoderKLWan's default config.
WAN21_VAE = {"base_dim": 96, "z_dim": 16, "dim_mult": [1, 2, 4, 4], "num_res_blocks": 2, "attn_scales": [],
             "temperal_downsample": [False, True, True], "dropout": 0.0}
# Wan 2.2 VAE (convert_wan_to_diffusers.py's vae22_diffusers_config): 16x in space (a 2x2 patchify in front of the
# 8x VAE), 4x in time. latents_mean/std only rescale latents; they are neutral here (48 values each in the original).
WAN22_VAE = {"base_dim": 160, "decoder_base_dim": 256, "z_dim": 48, "is_residual": True, "in_channels": 12,
             "out_channels": 12, "patch_size": 2, "scale_factor_temporal": 4, "scale_factor_spatial": 16,
             "latents_mean": [0.0] * 48, "latents_std": [1.0] * 48}
# LTX-Video 2B (0.9.0 to 0.9.5 share this transformer) and the 0.9.5 VAE: 32x in space, 8x in time.
LTX_2B = {"in_channels": 128, "out_channels": 128, "patch_size": 1, "patch_size_t": 1, "num_attention_heads": 32,
          "attention_head_dim": 64, "cross_attention_dim": 2048, "num_layers": 28, "activation_fn": "gelu-approximate",
          "qk_norm": "rms_norm_across_heads", "norm_elementwise_affine": False, "norm_eps": 1e-6,
          "caption_channels": 4096, "attention_bias": True, "attention_out_bias": True}
LTX_095_VAE = {
    "in_channels": 3, "out_channels": 3, "latent_channels": 128, "block_out_channels": [128, 256, 512, 1024, 2048],
    "down_block_types": ["LTXVideo095DownBlock3D"] * 4, "decoder_block_out_channels": [256, 512, 1024],
    "layers_per_block": [4, 6, 6, 2, 2], "decoder_layers_per_block": [5, 5, 5, 5],
    "spatio_temporal_scaling": [True, True, True, True], "decoder_spatio_temporal_scaling": [True, True, True],
    "decoder_inject_noise": [False, False, False, False],
    "downsample_type": ["spatial", "temporal", "spatiotemporal", "spatiotemporal"],
    "upsample_residual": [True, True, True], "upsample_factor": [2, 2, 2], "timestep_conditioning": True,
    "patch_size": 4, "patch_size_t": 1, "resnet_norm_eps": 1e-6, "scaling_factor": 1.0, "encoder_causal": True,
    "decoder_causal": False, "spatial_compression_ratio": 32, "temporal_compression_ratio": 8,
}
# umt5-xxl (Wan) and t5-v1_1-xxl (LTX) at full width, one layer of 24.
TEXT_XXL = {"d_model": 4096, "d_kv": 64, "d_ff": 10240, "num_heads": 64, "num_layers": 1,
            "relative_attention_num_buckets": 32}
TEXT_LAYERS_PUBLISHED = 24

# --- tiny configs for --tiny (the same classes and code paths, sizes from diffusers' pipeline tests) --------------

_WAN_TINY = {"patch_size": [1, 2, 2], "attention_head_dim": 12, "text_dim": 32, "freq_dim": 256,
             "cross_attn_norm": True, "qk_norm": "rms_norm_across_heads", "eps": 1e-6, "num_attention_heads": 2,
             "num_layers": 2, "ffn_dim": 32}
WAN_TINY = _WAN_TINY | {"in_channels": 16, "out_channels": 16}
WAN22_TINY = _WAN_TINY | {"in_channels": 48, "out_channels": 48}
WAN21_VAE_TINY = {"base_dim": 3, "z_dim": 16, "dim_mult": [1, 1, 1, 1], "num_res_blocks": 1,
                  "temperal_downsample": [False, True, True]}
WAN22_VAE_TINY = {"base_dim": 3, "z_dim": 48, "in_channels": 12, "out_channels": 12, "is_residual": True,
                  "patch_size": 2, "latents_mean": [0.0] * 48, "latents_std": [1.0] * 48, "dim_mult": [1, 1, 1, 1],
                  "num_res_blocks": 1, "scale_factor_spatial": 16, "scale_factor_temporal": 4,
                  "temperal_downsample": [False, True, True]}
LTX_TINY = LTX_2B | {"in_channels": 8, "out_channels": 8, "num_attention_heads": 2, "attention_head_dim": 8,
                     "cross_attention_dim": 16, "num_layers": 2, "caption_channels": 32}
# The 0.9.5 layout (32x, 8x) at 8-32 channels; residual upsampling needs the channels to double block to block.
LTX_VAE_TINY = LTX_095_VAE | {"latent_channels": 8, "block_out_channels": [8, 8, 8, 8, 8],
                              "decoder_block_out_channels": [8, 16, 32], "layers_per_block": [1, 1, 1, 1, 1],
                              "decoder_layers_per_block": [1, 1, 1, 1]}
TEXT_TINY = {"d_model": 32, "d_kv": 8, "d_ff": 32, "num_heads": 4, "num_layers": 1, "relative_attention_num_buckets": 8}

GOALS: dict[str, Any] = {
    "wan2.1-t2v-14b 480p": {"fast_s_per_step_under": 6.0, "fast_source": "published SGLang figure, one H100/H200",
                            "plain_diffusers_s_per_step_about": 9.8},
    "openreel_overhead_pct_under": 2.0,
}


@dataclass(frozen=True)
class ModelDef:
    key: str
    pipeline: str  # diffusers pipeline class
    transformer_class: str
    transformer: dict[str, Any]
    vae_class: str
    vae: dict[str, Any]
    text_encoder_class: str  # transformers class
    text: dict[str, Any]
    scheduler: dict[str, Any]  # scheduler class name under "class", then its config
    guidance: float
    frame_rule: str
    size_multiple: int
    sizes: dict[str, tuple[int, int]]  # resolution -> (width, height) generated
    pipeline_args: dict[str, Any] = field(default_factory=dict)
    text_tokens: int = 512  # the pipeline's max_sequence_length
    masked_attention: bool = False  # its cross-attention takes the prompt's attention mask


def _wan_scheduler(shift: float) -> dict[str, Any]:
    return {"class": "UniPCMultistepScheduler", "prediction_type": "flow_prediction", "use_flow_sigmas": True,
            "num_train_timesteps": 1000, "flow_shift": shift}


def model_defs(tiny: bool) -> dict[str, ModelDef]:
    # 480p is 832x480 for every model; 720p is 1280x720 where sizes are multiples of 16, 1280x704 where of 32.
    s16 = {"480p": (832, 480), "720p": (1280, 720)}
    s32 = {"480p": (832, 480), "720p": (1280, 704)}
    if tiny:  # multiples of 32 whose latents are at least 2x2 under LTX's 32x VAE
        s16 = s32 = {"480p": (96, 64), "720p": (128, 96)}
    text = TEXT_TINY if tiny else TEXT_XXL
    wan: dict[str, Any] = {"pipeline": "WanPipeline", "transformer_class": "WanTransformer3DModel",
                           "vae_class": "AutoencoderKLWan", "text_encoder_class": "UMT5EncoderModel", "text": text,
                           "guidance": GUIDANCE_WAN, "frame_rule": "4k+1"}
    models = [
        ModelDef("wan2.1-t2v-1.3b", transformer=WAN_TINY if tiny else WAN_1_3B,
                 vae=WAN21_VAE_TINY if tiny else WAN21_VAE, scheduler=_wan_scheduler(3.0), size_multiple=16, sizes=s16,
                 **wan),
        ModelDef("wan2.1-t2v-14b", transformer=WAN_TINY if tiny else WAN_14B,
                 vae=WAN21_VAE_TINY if tiny else WAN21_VAE, scheduler=_wan_scheduler(3.0), size_multiple=16, sizes=s16,
                 **wan),
        # TI2V 5B runs text-to-video through WanPipeline with expand_timesteps (per-token timesteps).
        ModelDef("wan2.2-ti2v-5b", transformer=WAN22_TINY if tiny else WAN22_5B,
                 vae=WAN22_VAE_TINY if tiny else WAN22_VAE, scheduler=_wan_scheduler(5.0), size_multiple=32,
                 sizes=s32, pipeline_args={"expand_timesteps": True}, **wan),
        ModelDef("ltx-video-2b", pipeline="LTXPipeline", transformer_class="LTXVideoTransformer3DModel",
                 transformer=LTX_TINY if tiny else LTX_2B, vae_class="AutoencoderKLLTXVideo",
                 vae=LTX_VAE_TINY if tiny else LTX_095_VAE, text_encoder_class="T5EncoderModel", text=text,
                 scheduler={"class": "FlowMatchEulerDiscreteScheduler", "use_dynamic_shifting": False},
                 guidance=GUIDANCE_LTX, frame_rule="8k+1", size_multiple=32, sizes=s32, text_tokens=128,
                 masked_attention=True),
    ]
    return {m.key: m for m in models}


# Configurations: which of openreel's speed options are on (the catalog keys, and diffusers' own switches on raw).
CONFIGS: dict[str, dict[str, bool]] = {
    "plain": {},
    "fast": {"cache": True, "compile": True, "attention": True},
    "compile": {"compile": True, "attention": True},
    "cache": {"cache": True, "attention": True},
}
FALLBACKS = {"fast": ("compile", "cache")}  # measured in its place when fast fails


@dataclass(frozen=True)
class Case:
    model: str
    resolution: str
    config: str
    side: str  # "raw" or "openreel"

    @property
    def label(self) -> str:
        return f"{self.model} {self.resolution} {self.config} {self.side}"


def plan_cases(models: list[str], resolutions: list[str], configs: list[str], openreel: bool) -> list[Case]:
    """Most important first: the figures the issue's goals are about, then the rest."""
    order: list[Case] = []

    def add(model: str, resolution: str, config: str, side: str) -> None:
        case = Case(model, resolution, config, side)
        if (model in models and resolution in resolutions and config in configs and (openreel or side == "raw")
                and case not in order):
            order.append(case)

    for model, config, side in (("wan2.1-t2v-1.3b", "plain", "raw"), ("wan2.1-t2v-1.3b", "plain", "openreel"),
                                ("wan2.1-t2v-14b", "plain", "raw"), ("wan2.1-t2v-14b", "fast", "raw"),
                                ("wan2.1-t2v-14b", "fast", "openreel"), ("wan2.1-t2v-14b", "plain", "openreel")):
        add(model, "480p", config, side)
    pairs = [("wan2.1-t2v-1.3b", "480p"), ("wan2.1-t2v-14b", "480p"), ("wan2.2-ti2v-5b", "480p"),
             ("ltx-video-2b", "480p"), ("wan2.1-t2v-1.3b", "720p"), ("wan2.2-ti2v-5b", "720p"),
             ("ltx-video-2b", "720p"), ("wan2.1-t2v-14b", "720p")]
    for model, resolution in pairs + [(m, r) for r in resolutions for m in models]:
        for config in configs:
            for side in ("raw", "openreel"):
                add(model, resolution, config, side)
    return order


# --- helpers ---------------------------------------------------------------------------------------------------------


def _now() -> float:
    return time.perf_counter()


def _sync() -> None:
    if CUDA:
        torch.cuda.synchronize()


def _free() -> None:
    gc.collect()
    if CUDA:
        torch.cuda.empty_cache()


def _release() -> None:
    """Let go of a pipeline for good: torch.compile's caches keep compiled modules (and their weights) alive."""
    torch._dynamo.reset()
    _free()


def _reset_peak() -> None:
    if CUDA:
        torch.cuda.reset_peak_memory_stats()


def _peak_gib() -> float | None:
    return round(torch.cuda.max_memory_allocated() / 2**30, 2) if CUDA else None


def _error(exc: BaseException) -> str:
    return _oneline(f"{type(exc).__name__}: {exc}")


def _oneline(text: str, limit: int = 600) -> str:
    """Dynamo's errors run to dozens of lines of hints; the JSON keeps their start on one line."""
    return " ".join(text.split())[:limit]


def _stats(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {"mean": round(statistics.fmean(values), 4), "min": round(min(values), 4),
            "median": round(statistics.median(values), 4)}


def _intervals(ends: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(ends)]


def _pct(new: float, base: float) -> float:
    return round(100.0 * (new - base) / base, 2)


def _folder_gib(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**30, 2)


class BudgetExceeded(Exception):
    """Raised from a step callback to stop a case that runs past the time budget."""


@contextlib.contextmanager
def _defaults(device: str, dtype: torch.dtype) -> Iterator[None]:
    """Build modules straight on the device in the target dtype: 14B parameters never exist in float32 or on the CPU,
    and random init on the GPU takes seconds."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            yield
    finally:
        torch.set_default_dtype(previous)


def _tokenizer(max_length: int) -> Any:
    """A T5-style Unigram tokenizer built offline (as tests/engines/tiny_pipelines.py does): <pad>=0, </s>=1,
    <unk>=2. Its vocabulary is tiny, but the pipelines pad every prompt to max_sequence_length, so the text encoder
    and the transformer's cross-attention see the production sequence length."""
    from transformers import T5Tokenizer

    space = "\u2581"
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), (space, -2.0)]
    vocab += [(space + w, -1.0) for w in ("a", "the", "cat", "walks", "along", "beach", "at", "sunset", "cinematic")]
    vocab += [(c, -5.0) for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'-"]
    return T5Tokenizer(vocab=vocab, extra_ids=0, model_max_length=max_length)


def build_pipeline(model: ModelDef, folder: Path, device: str, dtype: torch.dtype) -> dict[str, Any]:
    """Build `model` with random weights and save it to `folder`; what was built and how long it took."""
    import diffusers
    import transformers

    start = _now()
    tokenizer = _tokenizer(model.text_tokens)
    text_config_class = getattr(transformers, model.text_encoder_class.replace("EncoderModel", "Config"))
    text_config = text_config_class(vocab_size=len(tokenizer), feed_forward_proj="gated-gelu", dropout_rate=0.0,
                                    layer_norm_epsilon=1e-6, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
                                    tie_word_embeddings=False, **model.text)
    scheduler_config = dict(model.scheduler)
    scheduler = getattr(diffusers, scheduler_config.pop("class"))(**scheduler_config)
    with _defaults(device, dtype):
        torch.manual_seed(0)
        text_encoder = getattr(transformers, model.text_encoder_class)(text_config).eval()
        vae = getattr(diffusers, model.vae_class)(**model.vae).eval()
        transformer = getattr(diffusers, model.transformer_class)(**model.transformer).eval()
    params = sum(p.numel() for p in transformer.parameters())
    pipe = getattr(diffusers, model.pipeline)(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae,
                                              scheduler=scheduler, transformer=transformer, **model.pipeline_args)
    built = _now()
    pipe.save_pretrained(folder)
    saved = _now()
    del pipe, transformer, vae, text_encoder
    _free()
    return {"transformer_params": params, "build_s": round(built - start, 1),
            "save_s": round(saved - built, 1), "folder_gib": _folder_gib(folder)}


def pick_attention_backend(cuda: bool, masked: bool) -> tuple[str, dict[str, str]]:
    """The first backend on this machine that runs a bf16 attention call, from fastest to slowest; no Hub kernels.
    `masked`: with an additive mask, as LTX's cross-attention passes one (Wan's passes none)."""
    if not cuda:
        return "native", {"native": "ok (CPU)"}
    from diffusers.models import attention_dispatch as dispatch

    tried: dict[str, str] = {}
    candidates = [("_flash_3", "flash_attn_interface"), ("flash", "flash_attn"), ("_native_cudnn", None),
                  ("_native_flash", None), ("native", None)]
    for name, package in candidates:
        if package is not None and importlib.util.find_spec(package) is None:
            tried[name] = f"{package} not installed"
            continue
        try:
            backend = dispatch.AttentionBackendName(name)
            dispatch._check_attention_backend_requirements(backend)  # what set_attention_backend checks
            q, k, v = (torch.randn(2, 1024, 8, 128, device="cuda", dtype=torch.bfloat16) for _ in range(3))
            mask = torch.zeros(2, 8, 1, 1024, device="cuda", dtype=torch.bfloat16) if masked else None
            out = dispatch.dispatch_attention_fn(q, k, v, attn_mask=mask, backend=backend)
            _sync()
            if not torch.isfinite(out).all():
                raise RuntimeError("non-finite output")
            tried[name] = "ok"
            return name, tried
        except Exception as exc:
            tried[name] = _error(exc)
    return "native", tried


def apply_config(pipe: Any, config: str, backend: str) -> None:
    """diffusers' own switches, in the order openreel's tuning.tune() applies them."""
    import diffusers

    switches = CONFIGS[config]
    transformer = pipe.transformer
    if switches.get("attention"):
        transformer.set_attention_backend(backend)
    if switches.get("cache"):
        cache = diffusers.FirstBlockCacheConfig(threshold=FBC_THRESHOLD)  # type: ignore[no-untyped-call]
        transformer.enable_cache(cache)
    if switches.get("compile"):
        transformer.compile_repeated_blocks(fullgraph=not switches.get("cache"))  # as tuning.tune() does


def catalog_options(config: str, backend: str) -> dict[str, Any]:
    switches = CONFIGS[config]
    options: dict[str, Any] = {}
    if switches.get("attention"):
        options["attention_backend"] = backend
    if switches.get("cache"):
        options["cache"] = {"type": "FirstBlockCache", "threshold": FBC_THRESHOLD}
    if switches.get("compile"):
        options["compile"] = True
    return options


class StepTimer:
    """Step-end clock: CUDA synchronized, so a step's time is its GPU work, not how far the CPU ran ahead."""

    def __init__(self, stop_at: float) -> None:
        self.ends: list[float] = []
        self.stop_at = stop_at

    def mark(self) -> None:
        _sync()
        self.ends.append(_now())
        if time.monotonic() > self.stop_at:
            raise BudgetExceeded(f"stopped after {len(self.ends)} steps: past the time budget")

    def on_step_end(self, _pipe: Any, _step: int, _timestep: Any, tensors: dict[str, Any]) -> dict[str, Any]:
        self.mark()
        return tensors


@dataclass
class Probe:
    """What the timing wrappers saw of one openreel job."""

    timer: StepTimer
    start: float | None = None
    end: float | None = None
    request: GenerationRequest | None = None
    generated: threading.Event = field(default_factory=threading.Event)


# --- the benchmark -------------------------------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tiny: bool = args.tiny
        self.device = "cuda" if CUDA else "cpu"
        self.dtype = torch.float32 if self.tiny else torch.bfloat16
        self.models = model_defs(self.tiny)
        # Tiny runs make 9 frames (4 s at 2 fps); real ones 81 (5 s at 16 fps), each under the model's frame rule.
        self.duration, self.fps = (4, 2) if self.tiny else (5, 16)
        self.scratch = Path(args.scratch or tempfile.mkdtemp(prefix="openreel-gpu-bench-"))
        self.scratch.mkdir(parents=True, exist_ok=True)
        self.folders: dict[str, Path] = {}
        self.builds: dict[str, dict[str, Any]] = {}
        self.raw: tuple[str, str, Any] | None = None  # (model, config, pipeline) kept between raw cases
        self.results: list[dict[str, Any]] = []
        self.backends: dict[bool, tuple[str, dict[str, str]]] = {}
        self.stop_at = START + args.budget_seconds + STOP_GRACE_S
        self.servers = 0

    # --- bookkeeping ---

    def backend(self, key: str) -> str:
        """The attention backend of the speed configurations for this model, probed on first use."""
        masked = self.models[key].masked_attention
        if masked not in self.backends:
            self.backends[masked] = pick_attention_backend(self.device == "cuda", masked)
        return self.backends[masked][0]

    def frames(self, model: ModelDef) -> int:
        return int(FrameRule.parse(model.frame_rule).frames_for(self.duration, self.fps))

    def folder(self, key: str) -> Path:
        """The saved pipeline, built on first use."""
        if key in self.builds and "error" in self.builds[key]:
            raise RuntimeError(f"building {key} failed: {self.builds[key]['error']}")
        if key not in self.folders:
            self._drop_raw()
            self._make_room(key)
            folder = self.scratch / key
            shutil.rmtree(folder, ignore_errors=True)
            try:
                self.builds[key] = build_pipeline(self.models[key], folder, self.device, self.dtype)
            except BaseException as exc:
                self.builds[key] = {"error": _error(exc)}
                shutil.rmtree(folder, ignore_errors=True)
                _free()
                raise
            self.folders[key] = folder
            info = self.builds[key]
            log(f"built {key}: {info['transformer_params']:,} transformer parameters, {info['build_s']} s, saved "
                f"{info['folder_gib']} GiB in {info['save_s']} s")
        return self.folders[key]

    def _make_room(self, key: str) -> None:
        """Delete other saved models (rebuilt if needed again) until this one fits: all four take about 46 GiB."""
        import diffusers

        model = self.models[key]
        with torch.device("meta"):  # parameter count without memory
            transformer = getattr(diffusers, model.transformer_class)(**model.transformer)
        params = sum(p.numel() for p in transformer.parameters())
        need = int(params) * torch.finfo(self.dtype).bits // 8 + 3 * 2**30  # text encoder, VAE, slack
        for other in list(self.folders):
            if shutil.disk_usage(self.scratch).free >= need:
                return
            shutil.rmtree(self.folders.pop(other), ignore_errors=True)
            log(f"deleted the saved {other} to make room for {key}")

    def _drop_raw(self) -> None:
        if self.raw is not None:
            self.raw = None
            _release()

    def _raw_pipe(self, case: Case) -> tuple[Any, float | None]:
        """The raw pipeline in `case.config`: reused, tuned in place from plain, or loaded afresh; load seconds."""
        import diffusers

        if self.raw is not None and self.raw[:2] == (case.model, case.config):
            return self.raw[2], None
        folder = self.folder(case.model)
        if self.raw is not None and self.raw[:2] == (case.model, "plain"):
            pipe, load_s = self.raw[2], None
        else:
            self._drop_raw()
            start = _now()
            pipe = getattr(diffusers, self.models[case.model].pipeline).from_pretrained(
                str(folder), dtype=self.dtype, local_files_only=True)
            pipe.to(self.device)
            pipe.set_progress_bar_config(disable=True)
            load_s = round(_now() - start, 1)
        self.raw = None  # until tuned: a failure below must not leave a half-tuned pipeline for the next case
        if case.config != "plain":
            torch._dynamo.reset()  # compile for this shape afresh, not with shapes marked dynamic by earlier cases
            apply_config(pipe, case.config, self.backend(case.model))
        self.raw = (case.model, case.config, pipe)
        return pipe, load_s

    def call_args(self, pipe: Any, case: Case) -> dict[str, Any]:
        """What openreel's runner passes for a text-to-video request (runner.py _arguments), less the callback."""
        model = self.models[case.model]
        width, height = model.sizes[case.resolution]
        kwargs = {"prompt": PROMPT, "negative_prompt": None, "height": height, "width": width,
                  "num_frames": self.frames(model), "guidance_scale": model.guidance, "frame_rate": self.fps,
                  "output_type": "np"}
        accepted = inspect.signature(pipe.__call__).parameters
        return {k: v for k, v in kwargs.items() if k in accepted}

    def warm_up(self, pipe: Any, kwargs: dict[str, Any], config: str) -> float:
        """The same call for a few steps, ending at the latents: compilation, autotuning and allocator growth."""
        steps = max(self.args.warmup, 2 if CONFIGS[config].get("cache") else 1)  # a cache's hit path runs once too
        start = _now()
        pipe(**kwargs | {"output_type": "latent"}, num_inference_steps=steps,
             callback_on_step_end=StepTimer(self.stop_at).on_step_end, callback_on_step_end_tensor_inputs=["latents"],
             generator=[torch.Generator("cpu").manual_seed(SEED)])
        _sync()
        return round(_now() - start, 2)

    # --- cases ---

    def run(self, cases: list[Case]) -> None:
        queue = list(cases)
        while queue:
            case = queue.pop(0)
            base: dict[str, Any] = {"model": case.model, "resolution": case.resolution, "config": case.config,
                                    "side": case.side}
            if time.monotonic() - START > self.args.budget_seconds:
                self.results.append(base | {"status": "skipped", "error": "skipped: time budget"})
                self.write()
                continue
            started = _now()
            try:
                result = self.raw_case(case) if case.side == "raw" else self.openreel_case(case)
            except BudgetExceeded as exc:
                self._drop_raw()
                result = {"status": "error", "error": f"skipped: time budget ({exc})"}
            except Exception as exc:
                self._drop_raw()
                result = {"status": "error", "error": _error(exc)}
            if result["status"] != "ok":
                _release()  # now that the exception (and the tensors its frames held) is gone
            result["case_s"] = round(_now() - started, 1)
            self.results.append(base | result)
            log(f"{case.label}: {_summary_line(result)}")
            if result["status"] == "error" and case.config in FALLBACKS and "budget" not in result.get("error", ""):
                # e.g. FirstBlockCache's hooks and compile(fullgraph=True) do not trace together
                extra = [Case(case.model, case.resolution, c, case.side) for c in FALLBACKS[case.config]]
                queue[:0] = [c for c in extra if c not in queue and c not in cases]
            self.write()
        self._drop_raw()

    def raw_case(self, case: Case) -> dict[str, Any]:
        model = self.models[case.model]
        pipe, load_s = self._raw_pipe(case)
        kwargs = self.call_args(pipe, case)
        out: dict[str, Any] = {"status": "ok", "size": [kwargs["width"], kwargs["height"]],
                               "frames": kwargs["num_frames"], "steps": self.args.steps, "guidance": model.guidance,
                               "load_s": load_s}
        if CONFIGS[case.config]:
            out["attention_backend"] = self.backend(case.model) if CONFIGS[case.config].get("attention") else None
        _reset_peak()
        out["warmup_s"] = self.warm_up(pipe, kwargs, case.config)
        _reset_peak()
        timer = StepTimer(self.stop_at)
        start = _now()
        try:
            result = pipe(**kwargs, num_inference_steps=self.args.steps, callback_on_step_end=timer.on_step_end,
                          callback_on_step_end_tensor_inputs=["latents"], num_videos_per_prompt=1,
                          generator=[torch.Generator("cpu").manual_seed(SEED)])
            np.asarray(result.frames)  # as openreel's runner does with the output
            _sync()
        except BudgetExceeded as exc:
            return out | {"status": "error", "error": f"skipped: time budget ({exc})"} | _steps(timer.ends, start)
        end = _now()
        out |= _steps(timer.ends, start)
        out |= {"call_s": round(end - start, 3), "decode_s": round(end - timer.ends[-1], 3),
                "peak_memory_gib": _peak_gib()}
        return out

    def openreel_case(self, case: Case) -> dict[str, Any]:
        from tests.inprocess import InProcessServer, explicit_settings
        from tests.tiny_models import catalog_table

        model = self.models[case.model]
        folder = self.folder(case.model)
        self._drop_raw()  # one copy of the weights on the GPU at a time
        _release()  # the server's start-up freezes what is alive (gc.freeze): leave it no garbage to keep
        width, height = model.sizes[case.resolution]
        model_id = f"bench-{case.model}-{case.resolution}-{case.config}".replace(".", "-")
        options = {"engine": "diffusers", "path": str(folder), "steps": self.args.steps, "guidance": model.guidance,
                   "size": [width, height], "fps": self.fps, "frame_rule": model.frame_rule,
                   "size_multiple": model.size_multiple, "max_frames": self.frames(model),
                   "dtype": "float32" if self.tiny else "bfloat16", "device": "cpu" if self.tiny else "auto",
                   "offload": "none", "vae_tiling": False} | catalog_options(case.config, self.backend(case.model))
        self.servers += 1
        root = self.scratch / f"openreel-{self.servers}"
        root.mkdir()
        catalog = root / "catalog.toml"
        catalog.write_text(catalog_table(model_id, options))
        # One attempt: an out-of-memory retry would reload leaner and time something else. No deadline of its own:
        # the budget stops a case.
        settings = explicit_settings(root / "data", catalog_path=catalog, workers=1, max_attempts=1,
                                     generation_timeout_seconds=24 * 3600)
        out: dict[str, Any] = {"status": "ok", "catalog_entry": {k: v for k, v in options.items() if k != "path"}}
        try:
            with _quiet_openreel(), InProcessServer(settings) as server:
                out |= self._openreel_job(server, model_id, case)
        finally:
            gc.unfreeze()  # what the server froze at start-up is collectable again, as in a process of its own
            _release()  # the server's shutdown closed the engine; give its memory back before the next case
        return out

    def _openreel_job(self, server: Any, model_id: str, case: Case) -> dict[str, Any]:
        out: dict[str, Any] = {}
        model = self.models[case.model]
        runtime = server.runtime
        spec = runtime.catalog.get(model_id)
        start = _now()
        engine = runtime.engines.loaded(spec)  # what the worker would do on its first job; now it is not timed
        out["load_s"] = round(_now() - start, 1)
        pipe = engine._runner.pipe  # the engine's own pipeline, warmed up as the raw one is
        kwargs = self.call_args(pipe, case)
        _reset_peak()
        try:
            out["warmup_s"] = self.warm_up(pipe, kwargs, case.config)
        except BudgetExceeded:
            raise
        except Exception as exc:  # still send the job: what openreel answers is the point
            out["warmup_error"] = _error(exc)
            _free()
        probe = Probe(StepTimer(self.stop_at))
        _install_probe(engine, probe)
        _reset_peak()
        http = server.client(server.create_key(project="bench", tier="enterprise"))
        body = {"instances": [{"prompt": PROMPT}],
                "parameters": {"durationSeconds": self.duration, "resolution": "720p", "aspectRatio": "16:9",
                               "seed": SEED}}
        submitted = _now()
        created = http.post(f"/v1beta/models/{model_id}:predictLongRunning", json=body)
        if created.status_code != 200:
            return out | {"status": "error", "error": f"create: HTTP {created.status_code} {created.text[:400]}"}
        name = created.json()["name"]
        while True:
            done = http.get(f"/v1beta/{name}").json()
            if done.get("done"):
                finished = _now()
                break
            if time.monotonic() > self.stop_at + 20:  # the probe stops the steps at stop_at; this is a stuck job
                return out | {"status": "error", "error": f"skipped: time budget (no answer; last: {done})"[:600]}
            # Poll each second while the pipeline runs (as a client might), closely once it has returned, so the
            # end of the job is seen within 20 ms without polls crowding the worker during the steps.
            if probe.generated.is_set():
                time.sleep(0.02)
            else:
                probe.generated.wait(1.0)
        out["job_s"] = round(finished - submitted, 3)
        if probe.start is not None:
            out["queue_s"] = round(probe.start - submitted, 3)
            if probe.end is not None:
                out["pipeline_s"] = round(probe.end - probe.start, 3)
                out["post_pipeline_s"] = round(finished - probe.end, 3)
            out |= _steps(probe.timer.ends, probe.start)
        if probe.request is not None:
            plan = plan_generation(probe.request, ModelShape(model.sizes[case.resolution], self.fps,
                                                             FrameRule.parse(model.frame_rule), model.size_multiple))
            out["size"], out["frames"] = [plan.width, plan.height], plan.frames
            out["output"] = f"{probe.request.size[0]}x{probe.request.size[1]} {probe.request.fps} fps " \
                            f"{probe.request.frame_count} frames"
        out["steps"] = self.args.steps
        out["peak_memory_gib"] = _peak_gib()
        if CONFIGS[case.config]:
            out["attention_backend"] = self.backend(case.model) if CONFIGS[case.config].get("attention") else None
        if "error" in done:
            message = _oneline(str(done["error"].get("message", done["error"])))
            budget = "BudgetExceeded" in message
            return out | {"status": "error", "error": f"skipped: time budget ({message})" if budget else message}
        return out

    # --- report ---

    def report(self) -> dict[str, Any]:
        import diffusers
        import transformers

        models: dict[str, Any] = {}
        for key, model in self.models.items():
            if not any(r["model"] == key for r in self.results):
                continue
            models[key] = {"pipeline": model.pipeline, "transformer": model.transformer, "vae": _compact(model.vae),
                           "scheduler": model.scheduler, "pipeline_args": model.pipeline_args,
                           "text_encoder": f"reduced, not timed per step: {model.text_encoder_class} width "
                                           f"{model.text['d_model']}, {model.text['num_layers']} layer(s) of "
                                           f"{TEXT_LAYERS_PUBLISHED}",
                           "guidance": model.guidance, "frame_rule": model.frame_rule,
                           "sizes": {r: list(s) for r, s in model.sizes.items()}, "build": self.builds.get(key)}
        return {
            "benchmark": "gpu",
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "machine": machine(),
            "device": torch.cuda.get_device_name() if CUDA else "cpu",
            "versions": {"torch": torch.__version__, "cuda": torch.version.cuda, "diffusers": diffusers.__version__,
                         "transformers": transformers.__version__},
            "tiny": self.tiny,
            "settings": {"steps": self.args.steps, "warmup_steps": self.args.warmup,
                         "dtype": str(self.dtype).removeprefix("torch."), "duration_s": self.duration, "fps": self.fps,
                         "seed": SEED, "prompt": PROMPT, "budget_seconds": self.args.budget_seconds,
                         "attention_backends_tried": {("with a mask (LTX)" if masked else "without a mask (Wan)"): probe
                                                      for masked, (_, probe) in self.backends.items()},
                         "first_block_cache_threshold": FBC_THRESHOLD,
                         "openreel_output": "1280x720, 24 fps, H.264"},
            "method": {
                "weights": "random, real architectures from published configs (speed does not depend on values; "
                           "FirstBlockCache hit rates do, so cached figures are indicative only)",
                "s_per_step": "interval between consecutive step ends (steps 2..N), CUDA-synchronized at each step "
                              "end on both sides; step 1 (with text encoding) is in first_step_s",
                "raw": "diffusers pipeline call with openreel's arguments, after a warm-up call (--warmup steps, "
                       "output_type latent); call_s is the whole call (text encoding, steps, VAE decode)",
                "openreel": "in-process openreel (create_app lifespan, one worker thread), job created and polled "
                            "over HTTP (httpx.ASGITransport); model loaded and warmed up before the job; pipeline_s "
                            "is the engine's generate() (text, steps, decode, freeing memory); post_pipeline_s is "
                            "re-timing, scaling, x264 encode and storing, not denoising",
                "overhead_pct": "(openreel - raw) / raw of the mean s/step; pipeline_overhead_pct the same of "
                                "pipeline_s against call_s",
                "peak_memory_gib": "torch.cuda.max_memory_allocated over the timed call or job, reset after "
                                   "warm-up (weights included)",
            },
            "goals": GOALS,
            "models": models,
            "notes": self.notes(),
            "summary": summarize(self.results, goals=not self.tiny),
            "cases": self.results,
            "elapsed_s": round(time.monotonic() - START, 1),
        }

    def notes(self) -> list[str]:
        notes = []
        if self.tiny:
            notes.append("CPU smoke test with tiny models: a step takes milliseconds, where thread scheduling and "
                         "anything else running on the machine dominate (openreel's steps run on its worker thread, "
                         "the raw ones on the main thread), so these times and overheads say nothing about a GPU")
        failed = [r for r in self.results
                  if r["config"] == "fast" and r["status"] == "error" and "budget" not in r.get("error", "")]
        if failed:
            notes.append(f"fast (FirstBlockCache + compile_repeated_blocks) failed in {len(failed)} "
                         f"case(s), e.g. {failed[0]['error'][:160]}; compile and cache were measured apart instead")
        return notes

    def write(self) -> None:
        out: Path = self.args.out
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.report(), indent=2) + "\n")
        tmp.replace(out)  # a run killed mid-write keeps the previous complete file

    def close(self) -> None:
        self._drop_raw()
        if not self.args.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)


def _compact(config: dict[str, Any]) -> dict[str, Any]:
    """A config for the report: a long run of one value (the neutral latents_mean) as "48 x 0.0"."""
    return {k: f"{len(v)} x {v[0]}" if isinstance(v, list) and len(v) > 8 and len(set(v)) == 1 else v
            for k, v in config.items()}


def _steps(ends: list[float], start: float) -> dict[str, Any]:
    per_step = _intervals(ends)
    return {"steps_done": len(ends), "first_step_s": round(ends[0] - start, 3) if ends else None,
            "s_per_step": _stats(per_step), "step_times_s": [round(t, 4) for t in per_step]}


def _install_probe(engine: Any, probe: Probe) -> None:
    """Clock the engine's generate() and its step reports on this instance (the worker calls both); nothing else
    about the run changes. A step report is 'denoising step k of N', or 'decoding' after the last step."""
    generate = engine.generate

    def timed_generate(request: GenerationRequest, ctx: Any) -> Any:
        probe.request = request
        report = ctx.report

        def timed_report(fraction: float, phase: str) -> None:
            if phase.startswith("denoising step") or phase == "decoding":
                probe.timer.mark()
            report(fraction, phase)

        ctx.report = timed_report
        _sync()
        probe.start = _now()
        try:
            return generate(request, ctx)
        finally:
            _sync()
            probe.end = _now()
            probe.generated.set()

    engine.generate = timed_generate


@contextlib.contextmanager
def _quiet_openreel() -> Iterator[None]:
    """A failing case is recorded in the JSON; the worker's traceback in the log would only bury the progress lines."""
    logger = logging.getLogger("openreel")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def summarize(results: list[dict[str, Any]], goals: bool) -> list[dict[str, Any]]:
    """One row per (model, resolution, config): raw and openreel side by side."""
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in results:
        row = rows.setdefault((r["model"], r["resolution"], r["config"]),
                              {"model": r["model"], "resolution": r["resolution"], "config": r["config"]})
        side = r["side"]
        if r["status"] != "ok":
            row[f"{side}_error"] = r.get("error")
            continue
        step = r.get("s_per_step") or {}
        row[f"{side}_work"] = (r.get("size"), r.get("frames"), r.get("steps"))
        row[f"{side}_s_per_step"] = step.get("mean")
        row[f"{side}_s_per_step_min"] = step.get("min")
        row[f"{side}_peak_memory_gib"] = r.get("peak_memory_gib")
        if side == "openreel":
            row["post_pipeline_s"] = r.get("post_pipeline_s")
            row["openreel_pipeline_s"] = r.get("pipeline_s")
        else:
            row["raw_call_s"] = r.get("call_s")
    for row in rows.values():
        raw, ours = row.get("raw_s_per_step"), row.get("openreel_s_per_step")
        raw_work, our_work = row.pop("raw_work", None), row.pop("openreel_work", None)
        if raw and ours:
            row["same_work"] = raw_work == our_work  # size, frames and steps as each side reported them
            row["overhead_pct"] = _pct(ours, raw)
            if goals:
                row["overhead_within_goal"] = row["overhead_pct"] < GOALS["openreel_overhead_pct_under"]
            if row.get("openreel_pipeline_s") and row.get("raw_call_s"):
                row["pipeline_overhead_pct"] = _pct(row["openreel_pipeline_s"], row["raw_call_s"])
        goal_row = row["model"] == "wan2.1-t2v-14b" and row["resolution"] == "480p"
        if goals and goal_row and raw:
            goal = GOALS["wan2.1-t2v-14b 480p"]
            if row["config"] == "plain":
                row["goal"] = f"reference: plain diffusers about {goal['plain_diffusers_s_per_step_about']} s/step"
            else:
                row["goal"] = f"under {goal['fast_s_per_step_under']} s/step"
                row["meets_goal"] = raw < goal["fast_s_per_step_under"]
    return list(rows.values())


def _summary_line(result: dict[str, Any]) -> str:
    if result["status"] != "ok":
        return f"{result['status']}: {result.get('error', '')[:120]}"
    step = result.get("s_per_step") or {}
    memory = result.get("peak_memory_gib")
    parts = [f"{step.get('mean')} s/step (min {step.get('min')})"]
    parts += [f"peak {memory} GiB"] if memory is not None else []
    parts += [f"post-pipeline {result['post_pipeline_s']} s"] if "post_pipeline_s" in result else []
    parts += [f"warm-up error: {result['warmup_error'][:120]}"] if "warmup_error" in result else []
    return ", ".join(parts)


def log(message: str) -> None:
    print(f"[{time.monotonic() - START:6.1f}s] {message}", flush=True)


def _csv(choices: list[str]) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        values = [v.strip() for v in text.split(",") if v.strip()]
        unknown = [v for v in values if v not in choices]
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown {', '.join(unknown)}; choose from {', '.join(choices)}")
        return values
    return parse


def main() -> None:
    global CUDA
    model_keys = list(model_defs(tiny=False))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=_csv(model_keys), default=model_keys)
    parser.add_argument("--resolutions", type=_csv(["480p", "720p"]), default=["480p", "720p"])
    parser.add_argument("--configs", type=_csv(list(CONFIGS)), default=["plain", "fast"])
    parser.add_argument("--steps", type=int, default=None, help="timed denoising steps (default 10; --tiny 3)")
    parser.add_argument("--warmup", type=int, default=1, help="warm-up steps before timing (2 with a cache)")
    parser.add_argument("--skip-openreel", action="store_true", help="raw diffusers only")
    parser.add_argument("--tiny", action="store_true", help="tiny configs on the CPU in float32: a smoke test")
    parser.add_argument("--budget-seconds", type=float, default=540.0,
                        help="start no case after this many seconds from launch; stop one 15 s later")
    parser.add_argument("--scratch", type=Path, default=None,
                        help="folder for the saved pipelines (kept); default a temporary folder, removed at the end")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/gpu.json")
    args = parser.parse_args()
    if args.steps is None:
        args.steps = 3 if args.tiny else 10
    if args.steps < 2:
        parser.error("--steps must be at least 2 (per-step times are intervals between step ends)")
    if not args.tiny and not CUDA:
        parser.error("no CUDA GPU here: run with --tiny for the CPU smoke test")
    CUDA = CUDA and not args.tiny

    import diffusers
    import transformers
    # Keep the output to one line per case: no "attention backends are experimental" per model, no progress bars
    # from loading and saving (openreel's loads run in this process too).
    diffusers.utils.logging.set_verbosity_error()
    diffusers.utils.logging.disable_progress_bar()
    transformers.logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    transformers.logging.disable_progress_bar()  # type: ignore[no-untyped-call]

    cases = plan_cases(args.models, args.resolutions, args.configs, openreel=not args.skip_openreel)
    bench = Bench(args)
    log(f"{len(cases)} cases on {torch.cuda.get_device_name() if bench.device == 'cuda' else 'the CPU'}, "
        f"scratch {bench.scratch}, budget {args.budget_seconds:g} s")
    try:
        bench.run(cases)
    finally:
        bench.write()
        bench.close()
    log(f"wrote {args.out}")
    for row in bench.report()["summary"]:
        cells = [f"{k}={str(v)[:80]}" for k, v in row.items()
                 if k not in ("model", "resolution", "config") and v is not None]
        print(f"  {row['model']} {row['resolution']} {row['config']}: {', '.join(cells)}", flush=True)


if __name__ == "__main__":
    main()
