"""Read a storyboard create body into one GenerationRequest with its scenes.

    {"scenes": [{"prompt": "...", "durationSeconds": 4, "transition": "cut", "camera": "dolly_in"}, ...],
     "style": "watercolour, soft morning light",        # added to every scene's prompt
     "referenceImages": [...],                           # as instances[0].referenceImages, for every scene
     "parameters": {...}, "webhookConfig": {...}, "labels": {...}}   # as in predictLongRunning

What the scenes share goes through the same reader as a single shot (read_generation_request),
so every parameter means and is checked the same; what it finds is named as the storyboard's
caller sent it (referenceImages, not instances[0].referenceImages). Every problem is reported at
once, each naming its field (scenes[2].durationSeconds).
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
from typing import Any, TypeVar

from openreel.domain.request import MAX_REFERENCE_IMAGES, GenerationRequest
from openreel.domain.storyboard import MAX_SCENES, MAX_STORYBOARD_SECONDS, CameraDirection, Scene, Transition
from openreel.engines.capabilities import seconds_allowed
from openreel.errors import FieldViolation, InvalidArgument
from openreel.service.wire_request import (MAX_PROMPT_CHARS, InputLimits, Lookups, TargetModel,
                                          read_generation_request, read_saved_references)

BODY_KEYS = ("scenes", "style", "referenceImages", "character", "styleReference", "parameters", "webhookConfig",
             "labels")
SCENE_KEYS = ("prompt", "durationSeconds", "transition", "camera", "character")
MAX_STYLE_CHARS = 1000
E = TypeVar("E", bound=StrEnum)


def read_storyboard_request(raw: dict[str, Any], model: TargetModel, limits: InputLimits, seed_if_absent: int,
                            lookups: Lookups, *, audio_if_absent: bool = False) -> GenerationRequest:
    """The request to run, or one InvalidArgument naming every bad field."""
    problems = [FieldViolation(key, f"unknown field; a storyboard takes {', '.join(BODY_KEYS)}")
                for key in raw if key not in BODY_KEYS]
    style = raw.get("style", "")
    if not isinstance(style, str) or len(style) > MAX_STYLE_CHARS:
        problems.append(FieldViolation("style", f"a text of at most {MAX_STYLE_CHARS} characters"))
        style = ""
    scenes = _scenes(raw.get("scenes"), style.strip(), model, lookups, problems)
    if not model.capabilities.continues_any_clip:
        # A remote API's jobs cannot be resumed scene by scene: a deferral would make every scene again.
        problems.append(FieldViolation("scenes", f"{model.id} runs on a remote API; make its scenes as separate "
                                                 f"videos"))
    parameters = raw.get("parameters", {})
    if isinstance(parameters, dict) and "durationSeconds" in parameters:
        problems.append(FieldViolation("parameters.durationSeconds", "give each scene its durationSeconds instead"))
        parameters = {k: v for k, v in parameters.items() if k != "durationSeconds"}
    # The prompts are the scenes' own, checked above; this one only stands in for them.
    instance: dict[str, Any] = {"prompt": "storyboard"}
    instance |= {key: raw[key] for key in ("referenceImages", "character", "styleReference") if key in raw}
    shot: dict[str, Any] = {"instances": [instance], "parameters": parameters}
    shot |= {key: raw[key] for key in ("webhookConfig", "labels") if key in raw}
    request = None
    try:
        request = read_generation_request(shot, model, limits, seed_if_absent, lookups,
                                          audio_if_absent=audio_if_absent)
    except InvalidArgument as exc:
        problems += exc.with_fields_renamed(_storyboard_field).violations
    shared = 0 if request is None else len(request.reference_images)
    problems += [FieldViolation(f"scenes[{index}].character", f"with the storyboard's references this scene has "
                                                              f"{shared + len(scene.reference_images)} reference "
                                                              f"images; at most {MAX_REFERENCE_IMAGES}")
                 for index, scene in enumerate(scenes) if shared + len(scene.reference_images) > MAX_REFERENCE_IMAGES]
    if problems or request is None:
        raise InvalidArgument.from_violations(problems)
    return replace(request, prompt="\n".join(scene.prompt for scene in scenes),
                   duration_seconds=sum(scene.duration_seconds for scene in scenes), scenes=tuple(scenes))


def _storyboard_field(native: str) -> str:
    """A field of the single-shot body the shared settings were read as, named as the
    storyboard's caller sent it: its references are its own top-level fields."""
    return native.removeprefix("instances[0].") if native.startswith(_SHARED_REFERENCES) else native


_SHARED_REFERENCES = tuple(f"instances[0].{key}" for key in ("referenceImages", "character", "styleReference"))


def _scenes(raw: Any, style: str, model: TargetModel, lookups: Lookups,
            problems: list[FieldViolation]) -> list[Scene]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_SCENES:
        problems.append(FieldViolation("scenes", f"a list of 1 to {MAX_SCENES} scenes"))
        return []
    durations = model.capabilities.durations
    default_seconds = 8 if 8 in durations else max(durations)
    scenes = []
    for index, entry in enumerate(raw):
        field = f"scenes[{index}]"
        if not isinstance(entry, dict):
            problems.append(FieldViolation(field, f"an object with {', '.join(SCENE_KEYS)}"))
            continue
        problems += [FieldViolation(f"{field}.{key}", f"unknown field; a scene takes {', '.join(SCENE_KEYS)}")
                     for key in entry if key not in SCENE_KEYS]
        prompt = entry.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip() or len(prompt) > MAX_PROMPT_CHARS:
            problems.append(FieldViolation(f"{field}.prompt", f"a prompt of 1 to {MAX_PROMPT_CHARS} characters"))
            prompt = ""
        seconds = entry.get("durationSeconds", default_seconds)
        if type(seconds) is not int or seconds not in durations:
            problems.append(FieldViolation(f"{field}.durationSeconds", f"must be {seconds_allowed(durations)} "
                                                                       f"for {model.id}"))
            seconds = default_seconds
        transition = _named(Transition, entry.get("transition", "cut"), f"{field}.transition", problems)
        camera = entry.get("camera")
        direction = None if camera is None else _named(CameraDirection, camera, f"{field}.camera", problems)
        references, found = read_saved_references(entry.get("character"), field, model, lookups)
        problems += found
        text = prompt.strip() if not style else f"{prompt.strip()}, {style}"
        scenes.append(Scene(text, seconds, transition or Transition.CUT, direction, tuple(references)))
    total = sum(scene.duration_seconds for scene in scenes)
    if total > MAX_STORYBOARD_SECONDS:
        problems.append(FieldViolation("scenes", f"at most {MAX_STORYBOARD_SECONDS} s in all; "
                                                 f"these scenes add up to {total} s"))
    return scenes


def _named(kind: type[E], raw: Any, field: str, problems: list[FieldViolation]) -> E | None:
    value = raw.strip().lower().replace("-", "_").replace(" ", "_") if isinstance(raw, str) else None
    if value not in {member.value for member in kind}:
        problems.append(FieldViolation(field, f"one of {', '.join(member.value for member in kind)}"))
        return None
    return kind(value)
