"""Tiny diffusers models for tests, built once per session (tests/engines/tiny_pipelines.py builds
them offline), and TOML catalog entries that serve them through the `diffusers` engine.

The entries ask for few steps and a low native frame rate, so a 4 s clip is 9-17 generated frames
re-timed to 96: quick on one CPU thread, while every mapping step (frame rule, size, re-timing,
scaling) still runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support import import_or_require

# Per model: what its catalog entry sets besides the folder.
TINY_OPTIONS: dict[str, dict[str, Any]] = {
    "wan-t2v": {"size": [32, 16], "fps": 4, "steps": 2},
    "wan-i2v": {"size": [32, 16], "fps": 4, "steps": 2},
    "ltx2": {"size": [64, 64], "fps": 2, "steps": 2},
}


def build_tiny_models(root: Path) -> dict[str, Path]:
    """Build each tiny model under `root`; {name: folder}."""
    import_or_require("diffusers", "the diffusers extra is not installed (pip install 'openreel[diffusers]')")
    import torch

    from tests.engines.tiny_pipelines import build_ltx2, build_wan_i2v, build_wan_t2v
    torch.set_num_threads(1)
    return {"wan-t2v": build_wan_t2v(root / "wan-t2v"), "wan-i2v": build_wan_i2v(root / "wan-i2v"),
            "ltx2": build_ltx2(root / "ltx2")}


def toml_entry(model_id: str, folder: Path, **options: Any) -> str:
    """A `[models."<id>"]` table serving `folder` with the diffusers engine."""
    return catalog_table(model_id, {"engine": "diffusers", "path": str(folder), "dtype": "float32", **options})


def catalog_table(model_id: str, fields: dict[str, Any]) -> str:
    """One `[models."<id>"]` table of a TOML catalog, with these keys."""
    return f'[models."{model_id}"]\n' + "".join(f"{key} = {toml_value(value)}\n" for key, value in fields.items())


def write_catalog(path: Path, models: dict[str, Path], **extra: dict[str, Any]) -> Path:
    """A catalog serving each tiny model under its own name (options from TINY_OPTIONS, then `extra`)."""
    path.write_text("\n".join(toml_entry(name, folder, **(TINY_OPTIONS[name] | extra.get(name, {})))
                              for name, folder in models.items()))
    return path


def toml_value(value: Any) -> str:
    """A value as TOML writes it (strings as JSON strings, which are valid TOML basic strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    return str(value)
