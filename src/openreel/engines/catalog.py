"""The model catalog: which engine (and options) serves each model id, and the limits set on it.

Out of the box every Veo id maps to the built-in `procedural` engine so Google's clients work on
first start, and the open-weight models of engines/open_models.py are listed for the `diffusers`
engine. Operators add or override entries with a TOML file named by OPENREEL_CATALOG_PATH:

    [models."wan-480p"]
    engine = "diffusers"
    path = "/models/Wan2.1-T2V-1.3B-Diffusers"   # a folder saved by save_pretrained
    steps = 30                                    # any key not listed in CATALOG_KEYS is an engine option

A JSON file of the first catalog version is still read:
    {"models": [{"id": "m", "engine": "procedural", "durations": [4], "options": {...}}]}

What a model can make is its engine's Capabilities narrowed by the entry's limits (durations,
resolutions, aspect_ratios, max_samples, audio); request validation reads the result.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openreel.domain.request import AspectRatio, Resolution
from openreel.engines.capabilities import CatalogLimits
from openreel.engines.open_models import OPEN_MODELS
from openreel.errors import FailedPrecondition, NotFound

VEO3_DURATIONS = (4, 6, 8)
VEO2_DURATIONS = (5, 6, 7, 8)
HD_RESOLUTIONS = (Resolution.HD, Resolution.FULL_HD)
# Google's Veo 3.1 and 3.1 fast (not lite, not Veo 2 or 3.0) also render 3840x2160.
UHD_RESOLUTIONS = (*HD_RESOLUTIONS, Resolution.UHD)
# The keys of a TOML entry that describe the model; every other key goes to its engine.
CATALOG_KEYS = frozenset({"engine", "display_name", "description", "version", "license", "durations",
                          "resolutions", "aspect_ratios", "max_samples", "audio", "timeout_seconds",
                          "max_wait_seconds", "options"})


@dataclass(frozen=True)
class ModelSpec:
    id: str
    engine: str
    display_name: str
    version: str
    description: str = ""
    limits: CatalogLimits = CatalogLimits()
    # A notice users must see before relying on the model (restrictive weights licenses).
    license: str = ""
    # This model's generation deadline, when OPENREEL_GENERATION_TIMEOUT_SECONDS is too short.
    timeout_seconds: float | None = None
    # How long an operation may wait in the queue for its engine to go on (a remote API's limits),
    # counted from its creation, before it fails with DEADLINE_EXCEEDED; None: OPENREEL_MAX_WAIT_SECONDS.
    max_wait_seconds: float | None = None
    options: dict[str, Any] = field(default_factory=dict)


def _veo(model_id: str, display: str, version: str, durations: tuple[int, ...] = VEO3_DURATIONS,
         resolutions: tuple[Resolution, ...] = HD_RESOLUTIONS, audio: bool = True) -> ModelSpec:
    return ModelSpec(id=model_id, engine="procedural", display_name=display, version=version,
                     description=f"{display} API, served by openreel's procedural renderer (not an AI model)",
                     limits=CatalogLimits(durations=durations, resolutions=resolutions, audio=audio))


DEFAULT_MODELS: tuple[ModelSpec, ...] = (
    _veo("veo-2.0-generate-001", "Veo 2", "2.0", durations=VEO2_DURATIONS, audio=False),
    _veo("veo-2.0-generate-exp", "Veo 2 exp", "2.0", durations=VEO2_DURATIONS, audio=False),
    _veo("veo-2.0-generate-preview", "Veo 2 preview", "2.0", durations=VEO2_DURATIONS, audio=False),
    _veo("veo-3.0-generate-001", "Veo 3", "3.0"),
    _veo("veo-3.0-fast-generate-001", "Veo 3 fast", "3.0"),
    _veo("veo-3.0-generate-preview", "Veo 3 preview", "3.0"),
    _veo("veo-3.0-fast-generate-preview", "Veo 3 fast preview", "3.0"),
    _veo("veo-3.1-generate-preview", "Veo 3.1", "3.1", resolutions=UHD_RESOLUTIONS),
    _veo("veo-3.1-fast-generate-preview", "Veo 3.1 fast", "3.1", resolutions=UHD_RESOLUTIONS),
    _veo("veo-3.1-generate-001", "Veo 3.1", "3.1", resolutions=UHD_RESOLUTIONS),
    _veo("veo-3.1-fast-generate-001", "Veo 3.1 fast", "3.1", resolutions=UHD_RESOLUTIONS),
    _veo("veo-3.1-lite-generate-preview", "Veo 3.1 lite", "3.1"),
    _veo("veo-3.1-lite-generate-001", "Veo 3.1 lite", "3.1"),
    # OpenAI's model ids, for clients of /v1/videos; point them at any engine in the catalog file.
    ModelSpec(id="sora-2", engine="procedural", display_name="Sora 2 (procedural stand-in)", version="2",
              description="OpenAI's sora-2 id, served by openreel's procedural renderer (not an AI model)",
              limits=CatalogLimits(durations=(4, 8), resolutions=(Resolution.HD,))),
    ModelSpec(id="sora-2-pro", engine="procedural", display_name="Sora 2 Pro (procedural stand-in)", version="2",
              description="OpenAI's sora-2-pro id, served by openreel's procedural renderer (not an AI model)",
              limits=CatalogLimits(durations=(4, 8), resolutions=HD_RESOLUTIONS)),
    # The renderer under its own name, for scripts and tests that want it whatever the Veo ids
    # are pointed at, and for long videos: any whole number of seconds from 4 to 60.
    ModelSpec(id="procedural", engine="procedural", display_name="openreel procedural renderer", version="1",
              description="openreel's procedural renderer (not an AI model): 4-60 s videos, every size",
              limits=CatalogLimits(durations=tuple(range(4, 61)), resolutions=UHD_RESOLUTIONS)),
    *(ModelSpec(id=m.id, engine="diffusers", display_name=m.display_name, version="1",
                description=m.description, license=m.license, options=dict(m.options),
                timeout_seconds=m.timeout_seconds) for m in OPEN_MODELS),
)


class Catalog:
    def __init__(self, models: tuple[ModelSpec, ...] | list[ModelSpec]) -> None:
        self._models = {m.id: m for m in models}

    @classmethod
    def load(cls, path: Path | None) -> Catalog:
        """The default models, with the entries of the operator's file at `path` (TOML, or JSON
        ending in .json) added or overriding; FailedPrecondition naming the file when it cannot
        be used."""
        models = {m.id: m for m in DEFAULT_MODELS}
        if path is not None:
            try:
                specs = (_json_specs(path.read_text()) if path.suffix == ".json"
                         else _toml_specs(path.read_text(), models))
            except OSError as exc:
                raise FailedPrecondition(f"catalog file {path}: {exc.strerror}") from None
            except (ValueError, KeyError, TypeError) as exc:  # bad syntax, a missing or mistyped field
                detail = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
                raise FailedPrecondition(f"catalog file {path}: {detail}") from None
            models |= {spec.id: spec for spec in specs}
        return cls(list(models.values()))

    def get(self, model_id: str) -> ModelSpec:
        model_id = model_id.removeprefix("models/")
        try:
            return self._models[model_id]
        except KeyError:
            raise NotFound(f"Model '{model_id}' was not found. Known models: "
                           f"{', '.join(sorted(self._models))}") from None

    def find(self, model_id: str) -> ModelSpec | None:
        """The model's entry, or None where get() would raise NotFound."""
        return self._models.get(model_id.removeprefix("models/"))

    def ids(self) -> set[str]:
        return set(self._models)

    def all(self) -> list[ModelSpec]:
        return sorted(self._models.values(), key=lambda m: m.id)


def _toml_specs(text: str, defaults: dict[str, ModelSpec]) -> list[ModelSpec]:
    """The file's entries. One that names a default model on the same engine changes only what it
    sets (`[models."ltx-2"] path = "/models/ltx-2"` keeps the pipeline, sizes and license)."""
    models = tomllib.loads(text).get("models", {})
    if not isinstance(models, dict):
        raise ValueError('write each model as a [models."<id>"] table')
    specs = []
    for model_id, entry in models.items():
        if not isinstance(entry, dict):
            raise ValueError(f'models."{model_id}" must be a table')
        base = defaults.get(model_id)
        if "engine" not in entry and base is None:
            raise ValueError(f'models."{model_id}": missing field "engine"')
        engine = str(entry.get("engine", base.engine if base else ""))
        if base is None or base.engine != engine:
            base = ModelSpec(id=model_id, engine=engine, display_name=model_id, version="1")
        options = _table(model_id, entry.get("options", {})) | {k: v for k, v in entry.items() if k not in CATALOG_KEYS}
        if "path" in options or "repo" in options:  # where the weights are: one place, the one given
            options = {k: v for k, v in base.options.items() if k not in ("path", "repo")} | options
        else:
            options = base.options | options
        limits = _limits(model_id, entry.get("durations"), entry.get("resolutions"), entry.get("aspect_ratios"),
                         entry.get("max_samples"), entry.get("audio"))
        specs.append(ModelSpec(
            id=model_id, engine=engine, display_name=str(entry.get("display_name", base.display_name)),
            version=str(entry.get("version", base.version)),
            description=str(entry.get("description", base.description)),
            limits=limits if limits != CatalogLimits() else base.limits,
            license=str(entry.get("license", base.license)), options=options,
            timeout_seconds=_timeout(model_id, entry.get("timeout_seconds", base.timeout_seconds)),
            max_wait_seconds=_timeout(model_id, entry.get("max_wait_seconds", base.max_wait_seconds),
                                      "max_wait_seconds")))
    return specs


def _json_specs(text: str) -> list[ModelSpec]:
    entries = json.loads(text)["models"]
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ValueError('"models" must be a list of objects')
    ids = [entry.get("id") for entry in entries]
    if any(not isinstance(i, str) or not i for i in ids):
        raise ValueError(f"every model needs an \"id\" string; got {[i for i in ids if not isinstance(i, str)]!r}")
    if len(set(ids)) != len(ids):
        raise ValueError(f"model ids appear twice: {sorted({i for i in ids if ids.count(i) > 1})}")
    if any(not isinstance(entry.get("engine"), str) for entry in entries):
        raise ValueError('every model needs an "engine" string')
    # The first catalog version's defaults, so its files keep meaning what they meant.
    return [ModelSpec(
        id=entry["id"], engine=entry["engine"], display_name=str(entry.get("displayName", entry["id"])),
        version=str(entry.get("version", "1")), description=str(entry.get("description", "")),
        limits=_limits(entry["id"], entry.get("durations", list(VEO3_DURATIONS)),
                       entry.get("resolutions", [r.value for r in HD_RESOLUTIONS]), entry.get("aspectRatios"),
                       entry.get("maxSamples", 4), entry.get("supportsAudio", True)),
        license=str(entry.get("license", "")), options=_table(entry["id"], entry.get("options", {})),
        timeout_seconds=_timeout(entry["id"], entry.get("timeoutSeconds")),
    ) for entry in entries]


def _timeout(model_id: str, seconds: Any, name: str = "timeout_seconds") -> float | None:
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0):
        raise ValueError(f"model '{model_id}': {name} must be a positive number; got {seconds!r}")
    return None if seconds is None else float(seconds)


def _table(model_id: str, options: Any) -> dict[str, Any]:
    if not isinstance(options, dict):
        raise ValueError(f"model '{model_id}': options must be a table of engine options; got {options!r}")
    return dict(options)


def _limits(model_id: str, durations: Any, resolutions: Any, aspect_ratios: Any, max_samples: Any,
            audio: Any) -> CatalogLimits:
    def listed(name: str, given: Any, known: list[str]) -> tuple[str, ...] | None:
        if given is None:
            return None
        if not isinstance(given, list) or not given or any(str(v).lower() not in known for v in given):
            raise ValueError(f"model '{model_id}': {name} must be a non-empty list of {', '.join(known)}; "
                             f"got {given!r}")
        return tuple(str(v).lower() for v in given)

    picked_resolutions = listed("resolutions", resolutions, [r.value for r in Resolution])
    picked_aspects = listed("aspect_ratios", aspect_ratios, [a.value for a in AspectRatio])
    if durations is not None and (not isinstance(durations, list) or not durations
                                  or any(type(d) is not int or d < 1 for d in durations)):
        raise ValueError(f"model '{model_id}': durations must be a non-empty list of whole seconds; got {durations!r}")
    if max_samples is not None and (type(max_samples) is not int or max_samples < 1):
        raise ValueError(f"model '{model_id}': max_samples must be a whole number from 1; got {max_samples!r}")
    if audio is not None and not isinstance(audio, bool):
        raise ValueError(f"model '{model_id}': audio must be true or false; got {audio!r}")
    return CatalogLimits(
        durations=None if durations is None else tuple(durations),
        resolutions=None if picked_resolutions is None else tuple(Resolution(r) for r in picked_resolutions),
        aspect_ratios=None if picked_aspects is None else tuple(AspectRatio(a) for a in picked_aspects),
        max_samples=max_samples, audio=audio)
