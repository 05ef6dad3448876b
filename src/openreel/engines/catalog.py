"""The model catalog: which engine (and options) serves each model id, and its limits.

Out of the box every Veo id maps to the built-in `procedural` engine so Google's clients work on
first start. Operators add or override entries with a JSON file (OPENREEL_CATALOG_PATH):
    {"models": [{"id": "wan2.2-ti2v-5b", "engine": "diffusers", "resolutions": ["720p"],
                 "options": {...}}]}
Request validation reads each entry's limits (durations, resolutions, samples, audio), so what a
model cannot make is refused with a 400 before anything is queued.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openreel.domain.request import Resolution
from openreel.errors import FailedPrecondition, NotFound

VEO3_DURATIONS = (4, 6, 8)
VEO2_DURATIONS = (5, 6, 7, 8)
HD_RESOLUTIONS = (Resolution.HD, Resolution.FULL_HD)
# Google's Veo 3.1 and 3.1 fast (not lite, not Veo 2 or 3.0) also render 3840x2160.
UHD_RESOLUTIONS = (*HD_RESOLUTIONS, Resolution.UHD)


@dataclass(frozen=True)
class ModelSpec:
    id: str
    engine: str
    display_name: str
    version: str
    description: str = ""
    durations: tuple[int, ...] = VEO3_DURATIONS
    resolutions: tuple[Resolution, ...] = HD_RESOLUTIONS
    max_samples: int = 4
    supports_audio: bool = True
    options: dict[str, Any] = field(default_factory=dict)


def _veo(model_id: str, display: str, version: str, **limits: Any) -> ModelSpec:
    return ModelSpec(id=model_id, engine="procedural", display_name=display, version=version,
                     description=f"{display} API, served by openreel's procedural renderer "
                                 "(not an AI model)", **limits)


DEFAULT_MODELS: tuple[ModelSpec, ...] = (
    _veo("veo-2.0-generate-001", "Veo 2", "2.0", durations=VEO2_DURATIONS, supports_audio=False),
    _veo("veo-2.0-generate-exp", "Veo 2 exp", "2.0", durations=VEO2_DURATIONS, supports_audio=False),
    _veo("veo-2.0-generate-preview", "Veo 2 preview", "2.0", durations=VEO2_DURATIONS,
         supports_audio=False),
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
)


class Catalog:
    def __init__(self, models: tuple[ModelSpec, ...] | list[ModelSpec]) -> None:
        self._models = {m.id: m for m in models}

    @classmethod
    def load(cls, path: Path | None) -> Catalog:
        """The default models, with the entries of the operator's JSON file at `path` added or
        overriding; FailedPrecondition naming the file when it cannot be used."""
        models = {m.id: m for m in DEFAULT_MODELS}
        if path is not None:
            try:
                entries = json.loads(path.read_text())["models"]
                specs = [_spec_from_json(entry) for entry in entries]
            except OSError as exc:
                raise FailedPrecondition(f"catalog file {path}: {exc.strerror}") from None
            except (ValueError, KeyError, TypeError) as exc:  # bad JSON, a missing or mistyped field
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

    def all(self) -> list[ModelSpec]:
        return sorted(self._models.values(), key=lambda m: m.id)


def _spec_from_json(entry: dict[str, Any]) -> ModelSpec:
    return ModelSpec(
        id=entry["id"], engine=entry["engine"],
        display_name=entry.get("displayName", entry["id"]), version=entry.get("version", "1"),
        description=entry.get("description", ""),
        durations=tuple(entry.get("durations", VEO3_DURATIONS)),
        resolutions=_resolutions(entry),
        max_samples=int(entry.get("maxSamples", 4)),
        supports_audio=bool(entry.get("supportsAudio", True)),
        options=dict(entry.get("options", {})),
    )


def _resolutions(entry: dict[str, Any]) -> tuple[Resolution, ...]:
    given = entry.get("resolutions", HD_RESOLUTIONS)
    known = [r.value for r in Resolution]
    if not given or any(str(r).lower() not in known for r in given):
        raise ValueError(f"catalog entry '{entry['id']}': resolutions must be a non-empty list of "
                         f"{', '.join(known)}; got {given!r}")
    return tuple(Resolution(str(r).lower()) for r in given)
