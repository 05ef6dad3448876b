"""The diffusers engine on its own: weights that cannot be loaded, running out of memory in the
middle of a run, and options that do not fit. Tiny random-weight pipelines, built offline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from openreel.domain.request import GenerationRequest, Resolution
from openreel.engines.diffusers import DiffusersEngine
from openreel.errors import FailedPrecondition, OutOfMemory
from openreel.worker.control import RunControl
from openreel.worker.render import render_samples
from tests.support import import_or_require
from tests.tiny_models import TINY_OPTIONS, write_catalog

REQUEST = GenerationRequest(model="m", prompt="a robot walks", seed=3, duration_seconds=4, resolution=Resolution.HD)


def _engine(folder: Path, **options: object) -> DiffusersEngine:
    return DiffusersEngine({"path": str(folder), "dtype": "float32", **TINY_OPTIONS["wan-t2v"], **options})


def test_corrupt_weights_fail_the_load_naming_the_folder(tiny_models: dict[str, Path], tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model_index.json").write_text((tiny_models["wan-t2v"] / "model_index.json").read_text())
    engine = _engine(broken)
    assert engine.capabilities().text_to_video  # model_index.json alone says what it is
    with pytest.raises(FailedPrecondition) as caught:
        engine.load()
    assert str(broken) in caught.value.message and "WanPipeline" in caught.value.message


def test_options_that_do_not_fit_are_refused_when_the_entry_is_read(tiny_models: dict[str, Path]) -> None:
    for options, named in [({"steps": 0}, "steps"), ({"stpes": 4}, "stpes"), ({"offload": "gpu"}, "offload"),
                           ({"repo": "a/b"}, "exactly one of path")]:
        with pytest.raises(FailedPrecondition, match=named):
            _engine(tiny_models["wan-t2v"], **options)
    with pytest.raises(FailedPrecondition, match="needs a GPU"):
        _engine(tiny_models["wan-t2v"], offload="model", device="cpu").load()


def test_running_out_of_memory_mid_run_is_retryable_and_the_next_run_is_leaner(
        tiny_models: dict[str, Path], tmp_path: Path) -> None:
    import torch

    engine = _engine(tiny_models["wan-t2v"])
    engine.load()

    def exhaust_at_first_step(run: RunControl) -> None:
        if run.phase.startswith("denoising"):  # inside the pipeline's step callback
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    with pytest.raises(OutOfMemory) as caught:
        list(render_samples(engine, REQUEST, RunControl(600, tmp_path, on_report=exhaust_at_first_step)))
    assert caught.value.retryable and "memory" in caught.value.message
    # The engine let go of the pipeline and loads it again, now with VAE tiling, for the retry.
    assert len(list(render_samples(engine, REQUEST, RunControl(600, tmp_path)))) == 1
    assert engine._runner is not None and engine._runner.pipe.vae.use_tiling


# What the API process does with a diffusers model: list it and check a request against it.
_API_PROBE = """
import sys
from pathlib import Path
from openreel.engines.catalog import Catalog
from openreel.engines.registry import EngineRegistry
from openreel.service.models import ModelService
from openreel.service.wire_request import InputLimits, Lookups, TargetModel, read_generation_request
catalog, engines = Catalog.load(Path(sys.argv[1])), EngineRegistry()
[info] = [i for i in ModelService(catalog, engines).all() if i.spec.id == "wan-t2v"]
read_generation_request({"instances": [{"prompt": "a cat"}]}, TargetModel("wan-t2v", info.capabilities),
                        InputLimits(10**7, 10**8, 10**8), seed_if_absent=1, lookups=Lookups())
print(" ".join(sorted(m for m in ("torch", "diffusers", "transformers") if m in sys.modules)))
"""


def test_the_api_process_reads_capabilities_without_importing_torch(
        tiny_models: dict[str, Path], tmp_path: Path) -> None:
    catalog = write_catalog(tmp_path / "catalog.toml", {"wan-t2v": tiny_models["wan-t2v"]})
    done = subprocess.run([sys.executable, "-c", _API_PROBE, str(catalog)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_speed_and_memory_options_go_through_diffusers_own_switches(
        tiny_models: dict[str, Path], tmp_path: Path) -> None:
    engine = _engine(tiny_models["wan-t2v"], cache={"type": "FirstBlockCache", "threshold": 0.05},
                     vae_tiling=True, vae_slicing=True, attention_backend="native")
    assert len(list(render_samples(engine, REQUEST, RunControl(600, tmp_path)))) == 1
    with pytest.raises(FailedPrecondition, match="cache type 'Nope'"):
        _engine(tiny_models["wan-t2v"], cache={"type": "Nope"}).load()


def test_the_wan_2_2_two_expert_layout_takes_a_second_guidance_scale(tmp_path: Path) -> None:
    import_or_require("diffusers", "the diffusers extra is not installed")
    from tests.engines.tiny_pipelines import build_wan_t2v

    folder = build_wan_t2v(tmp_path / "moe", two_stage=True)
    engine = _engine(folder, guidance=4.0, guidance_2=3.0)
    assert len(list(render_samples(engine, REQUEST, RunControl(600, tmp_path)))) == 1
