"""Map a create body onto a GenerationRequest, checking what the schema cannot: allowed values
per model, value ranges, and the images and videos themselves. Every problem found is reported
at once, each naming its wire field: schema problems (an unknown field, a string where a number
belongs) together with the semantic ones found in what passed the schema."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError

from openreel.domain.naming import file_id_from_uri
from openreel.domain.saved_references import SavedKind
from openreel.domain.request import (FPS, MAX_REFERENCE_IMAGES, AspectRatio, CompressionQuality, GenerationRequest,
                                     ImageInput, PersonGeneration, ReferenceImage, ReferenceType, ResizeMode,
                                     Resolution, VideoInput, WebhookConfig)
from openreel.engines.capabilities import Capabilities, seconds_allowed
from openreel.errors import FieldViolation, InvalidArgument
from openreel.media.images import SUPPORTED_MIME_TYPES, BadImage, load_image
from openreel.media.probe import UnreadableVideo, probe_video
from openreel.protocol.rpc import describe_error
from openreel.protocol.veo import PredictLongRunningRequest, WireImage, WireVideo, parse_create_body

MAX_PROMPT_CHARS = 4000
# One create call makes one outcome delivery per URI.
MAX_WEBHOOK_URIS = 5
MAX_SEED = 2**32 - 1
# Bucket naming rules, and prefixes limited to characters that are safe as storage keys.
_BUCKET_URI = re.compile(r"^(gs|s3)://[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](/[A-Za-z0-9._-]+)*/?$")

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")
W = TypeVar("W", WireImage, WireVideo)


@dataclass(frozen=True)
class InputLimits:
    max_image_bytes: int
    max_image_pixels: int
    max_video_bytes: int


class _Violations:
    def __init__(self, schema: list[FieldViolation]) -> None:
        self.items = list(schema)
        # A field the schema refused was dropped before the semantic checks ran; what they then
        # say about it ("a prompt is required") would only repeat the first complaint.
        self._refused = {v.field for v in self.items}

    def add(self, field: str, description: str) -> None:
        if field not in self._refused:
            self.items.append(FieldViolation(field, description))

    def add_if_first(self, field: str, description: str) -> None:
        """Add unless the field was already found bad (a bad value was replaced by its default,
        which says nothing about what the model can do)."""
        if all(v.field != field and not v.field.startswith(f"{field}.") for v in self.items):
            self.add(field, description)

    def error(self) -> InvalidArgument:
        return InvalidArgument.from_violations(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise self.error()


@dataclass(frozen=True)
class TargetModel:
    """The model a create call names, as validation sees it: its id and what it can make."""

    id: str
    capabilities: Capabilities


SavedImages = Callable[[SavedKind, str], "tuple[ImageInput, ...] | None"]


def _none_saved(kind: SavedKind, name: str) -> tuple[ImageInput, ...] | None:
    return None


@dataclass(frozen=True)
class Lookups:
    """What reading a create body asks of the server's data: whether a video to extend is one the
    caller may extend (by file id), and the images of a saved character or style (by name; None
    for a name the caller's project has none under)."""

    video_exists: Callable[[str], bool] = lambda _file_id: False
    saved_images: SavedImages = _none_saved


class RequestReader(Protocol):
    """What reads one kind of create body (a single shot's, a storyboard's) into a request."""

    def __call__(self, raw: dict[str, Any], model: TargetModel, limits: InputLimits, seed_if_absent: int,
                 lookups: Lookups, *, audio_if_absent: bool = False) -> GenerationRequest: ...


def read_generation_request(raw: dict[str, Any], model: TargetModel, limits: InputLimits, seed_if_absent: int,
                            lookups: Lookups, *,
                            audio_if_absent: bool = False) -> GenerationRequest:
    """Read a create body as the caller sent it. Raise one InvalidArgument listing every bad
    field, whether the schema or the semantic checks found it (including every parameter the
    model's capabilities rule out), or return the request to run.

    seed_if_absent and audio_if_absent stand in for a seed and a generateAudio the body leaves
    out (audio only where the model makes sound)."""
    body, problems = parse_create_body(raw)
    errors = _Violations([FieldViolation(*describe_error(problem)) for problem in problems])
    if body is None:  # nothing left to check: the schema problems are the whole answer
        raise errors.error()
    request = _generation_request(body, model, limits, seed_if_absent, lookups, audio_if_absent, errors)
    _check_capabilities(request, model, errors)
    errors.raise_if_any()
    return request


def _check_capabilities(request: GenerationRequest, model: TargetModel, errors: _Violations) -> None:
    """The inputs the model cannot take, each named by its wire field."""
    caps = model.capabilities
    if request.image is not None and not caps.image_to_video:
        errors.add_if_first("instances[0].image", f"{model.id} does not animate images (text-to-video only)")
    if request.image is None and request.video is None and not caps.text_to_video:
        errors.add_if_first("instances[0].image", f"{model.id} animates an image: give one")
    if request.last_frame is not None and not caps.last_frame:
        errors.add_if_first("instances[0].lastFrame", f"{model.id} does not take a last frame")
    if request.video is not None and not caps.extension:
        errors.add_if_first("instances[0].video", f"{model.id} does not extend videos")
    if request.aspect_ratio not in caps.aspect_ratios:
        errors.add_if_first("parameters.aspectRatio", f"must be one of {', '.join(caps.aspect_ratios)} for {model.id}")


def _generation_request(body: PredictLongRunningRequest, model: TargetModel, limits: InputLimits,
                        seed_if_absent: int, lookups: Lookups, audio_if_absent: bool,
                        errors: _Violations) -> GenerationRequest:
    caps = model.capabilities
    instance = body.instances[0]
    params = body.parameters
    p = params.model_dump(exclude_none=True, by_alias=False) if params else {}

    image = _image(instance.image, "instances[0].image", limits, errors)
    last_frame = _image(instance.last_frame, "instances[0].lastFrame", limits, errors)
    video = _video(instance.video, limits, errors, lookups.video_exists)
    prompt = (instance.prompt or "").strip()
    if not prompt and image is None and video is None:
        errors.add("instances[0].prompt", "a prompt is required unless an image or video is given")
    if len(prompt) > MAX_PROMPT_CHARS:
        errors.add("instances[0].prompt", f"must be at most {MAX_PROMPT_CHARS} characters")
    if image is not None and video is not None:
        errors.add("instances[0].video", "give either an image to animate or a video to extend, not both")
    if instance.mask is not None:
        errors.add("instances[0].mask", "mask-based editing is not supported by this server")

    references = []
    for i, ref in enumerate(instance.reference_images or []):
        field = f"instances[0].referenceImages[{i}]"
        kind = _enum(ReferenceType, ref.reference_type, f"{field}.referenceType", errors)
        if kind is not None and kind not in caps.reference_types:
            supported = ", ".join(sorted(caps.reference_types)) or "none"
            errors.add(f"{field}.referenceType", f"{model.id} does not take {kind} references (supported: {supported})")
        loaded = _image(ref.image, f"{field}.image", limits, errors)
        if kind is not None and loaded is not None:
            references.append(ReferenceImage(loaded, kind))
    if len(instance.reference_images or []) > MAX_REFERENCE_IMAGES:
        errors.add("instances[0].referenceImages", f"at most {MAX_REFERENCE_IMAGES} reference images")
    if sum(r.reference_type is ReferenceType.STYLE for r in references) > 1:
        errors.add("instances[0].referenceImages", "at most one style reference image")
    references += _saved_references(instance.character, instance.style_reference, "instances[0]", references,
                                   model, lookups, errors)

    # 8 s unless asked otherwise, as Veo's are, where the model makes clips that long.
    duration = p.get("duration_seconds", 8 if 8 in caps.durations else max(caps.durations))
    if duration not in caps.durations:
        errors.add("parameters.durationSeconds", f"must be {seconds_allowed(caps.durations)} for {model.id}")
    samples = p.get("sample_count", 1)
    if not 1 <= samples <= caps.max_samples:
        errors.add("parameters.sampleCount", f"must be between 1 and {caps.max_samples}")
    seed = p.get("seed", seed_if_absent)
    if not 0 <= seed <= MAX_SEED:
        errors.add("parameters.seed", f"must be between 0 and {MAX_SEED}")
    temperature = p.get("temperature")
    if temperature is not None and not 0.0 <= temperature <= 1.0:
        errors.add("parameters.temperature", "must be between 0.0 and 1.0")
    if p.get("fps", FPS) != FPS:
        errors.add("parameters.fps", f"only {FPS} fps is supported")
    audio = p.get("generate_audio", audio_if_absent and caps.audio)
    if audio and not caps.audio:
        errors.add("parameters.generateAudio", f"{model.id} does not generate audio")
    negative = p.get("negative_prompt", "")
    if len(negative) > MAX_PROMPT_CHARS:
        errors.add("parameters.negativePrompt", f"must be at most {MAX_PROMPT_CHARS} characters")
    storage_uri = p.get("storage_uri")
    if storage_uri is not None and not _BUCKET_URI.match(storage_uri):
        errors.add("parameters.storageUri", "must look like gs://bucket/prefix/ or s3://bucket/prefix/")
    topic = p.get("pubsub_topic")
    if topic is not None and not re.match(r"^projects/[^/]+/topics/[^/]+$", topic):
        errors.add("parameters.pubsubTopic", "must look like projects/PROJECT/topics/TOPIC")

    aspect = _choice(AspectRatio, p.get("aspect_ratio"), AspectRatio.LANDSCAPE, "parameters.aspectRatio", errors)
    resolution = _resolution(p.get("resolution"), model, errors)
    person = _choice(PersonGeneration, _snake(p.get("person_generation")), PersonGeneration.ALLOW_ADULT,
                     "parameters.personGeneration", errors)
    quality = _choice(CompressionQuality, p.get("compression_quality"), CompressionQuality.OPTIMIZED,
                      "parameters.compressionQuality", errors)
    resize = _choice(ResizeMode, p.get("resize_mode"), ResizeMode.PAD, "parameters.resizeMode", errors)
    labels = body.labels or {}
    if len(labels) > 64 or any(len(k) > 63 or len(v) > 63 for k, v in labels.items()):
        errors.add("labels", "at most 64 labels, keys and values at most 63 characters")
    webhook = None
    if body.webhook_config is not None:
        uris = body.webhook_config.uris
        if not uris or len(uris) > MAX_WEBHOOK_URIS or any(not re.match(r"^https?://", u, re.I) or len(u) > 2048
                                                             for u in uris):
            errors.add("webhookConfig.uris", f"give 1 to {MAX_WEBHOOK_URIS} http(s) URLs of at most 2048 characters")
        metadata = dict(body.webhook_config.user_metadata or {})
        # Every delivery repeats it, and one is stored per URI: keep it to what a job id needs.
        if len(metadata) > 32 or sum(len(k) + len(v) for k, v in metadata.items()) > 4096:
            errors.add("webhookConfig.userMetadata", "at most 32 entries and 4096 characters in all")
        webhook = WebhookConfig(tuple(dict.fromkeys(uris)), metadata)  # one delivery per distinct URI

    return GenerationRequest(
        model=model.id, prompt=prompt, seed=seed, duration_seconds=duration, aspect_ratio=aspect,
        resolution=resolution, sample_count=samples, generate_audio=audio, negative_prompt=negative,
        temperature=temperature, enhance_prompt=p.get("enhance_prompt", False),
        person_generation=person, image=image, last_frame=last_frame,
        reference_images=tuple(references), video=video, storage_uri=storage_uri,
        compression_quality=quality, resize_mode=resize, fps=FPS, labels=dict(labels),
        webhook=webhook, pubsub_topic=topic)


def read_saved_references(character: Any, where: str, model: TargetModel,
                          lookups: Lookups) -> tuple[list[ReferenceImage], list[FieldViolation]]:
    """A saved character named outside a create call's instance (a storyboard scene's
    `character`): its reference images, or what is wrong, named under `where`."""
    if character is not None and not isinstance(character, str):
        return [], [FieldViolation(f"{where}.character", "the name of a character of your project (characters/ID)")]
    errors = _Violations([])
    return _saved_references(character, None, where, [], model, lookups, errors), errors.items


def _saved_references(character: str | None, style: str | None, where: str, given: list[ReferenceImage],
                      model: TargetModel, lookups: Lookups, errors: _Violations) -> list[ReferenceImage]:
    """The reference images a saved character (its images, as assets) and a saved style (its most
    representative frame) add beside the `given` ones, each refusal named by its field under
    `where` (instances[0].character, scenes[2].character)."""
    added: list[ReferenceImage] = []
    for name, kind, field, as_type, at_most in (
            (character, SavedKind.CHARACTER, f"{where}.character", ReferenceType.ASSET, MAX_REFERENCE_IMAGES),
            (style, SavedKind.STYLE, f"{where}.styleReference", ReferenceType.STYLE, 1)):
        if name is None:
            continue
        if as_type not in model.capabilities.reference_types:
            errors.add(field, f"{model.id} does not take {as_type} references, which a saved {kind} gives")
            continue
        images = lookups.saved_images(kind, name)
        if images is None:
            errors.add(field, f"must name a {kind} of your project ({kind.collection}/ID)")
            continue
        if as_type is ReferenceType.STYLE and any(r.reference_type is ReferenceType.STYLE for r in given):
            errors.add(field, "a request takes one style reference: give referenceImages' style or this, not both")
            continue
        added += [ReferenceImage(image, as_type) for image in images[:at_most]]
    if added and len(given) + len(added) > MAX_REFERENCE_IMAGES:
        errors.add(f"{where}.character" if character else f"{where}.styleReference",
                   f"with its images the request has {len(given) + len(added)} reference images; "
                   f"at most {MAX_REFERENCE_IMAGES}")
    return added


def read_image(raw: Any, field: str, limits: InputLimits) -> tuple[ImageInput | None, list[FieldViolation]]:
    """One image object ({bytesBase64Encoded, mimeType}) of a body other than a create call's,
    checked as a create call's images are; or what is wrong with it, each problem named under `field`."""
    return _read(WireImage, raw, field, lambda wire, errors: _image(wire, field, limits, errors))


def read_video(raw: Any, field: str, limits: InputLimits,
               video_exists: Callable[[str], bool]) -> tuple[VideoInput | None, list[FieldViolation]]:
    """One video object (inline bytes, or the uri of a video this server made), checked as a
    create call's video to extend is."""
    return _read(WireVideo, raw, field, lambda wire, errors: _video(wire, limits, errors, video_exists, field))


def _read(schema: type[W], raw: Any, field: str,
          check: Callable[[W, _Violations], T | None]) -> tuple[T | None, list[FieldViolation]]:
    try:
        wire = schema.model_validate(raw)
    except ValidationError as exc:
        return None, [FieldViolation(f"{field}.{name}" if name else field, description)
                      for name, description in map(describe_error, exc.errors())]
    errors = _Violations([])
    found = check(wire, errors)
    return found, errors.items


def _resolution(raw: str | None, model: TargetModel, errors: _Violations) -> Resolution:
    # 1080p unless asked otherwise, as the seed guide's videos are, where the model offers it.
    offered = model.capabilities.resolutions
    default = Resolution.FULL_HD if Resolution.FULL_HD in offered else offered[0]
    if raw is None:
        return default
    if raw.lower() in offered:
        return Resolution(raw.lower())
    errors.add("parameters.resolution", f"must be one of {', '.join(offered)} for {model.id}")
    return default


def _snake(value: str | None) -> str | None:
    """Vertex's older docs spell enum values allowAll; compare ignoring case and underscores."""
    return None if value is None else re.sub(r"(?<!^)(?=[A-Z])", "_", value).lower()


def _enum(kind: type[E], raw: str, field: str, errors: _Violations) -> E | None:
    try:
        return kind(raw.lower())
    except ValueError:
        errors.add(field, f"must be one of {', '.join(m.value for m in kind)}")
        return None


def _choice(kind: type[E], raw: str | None, default: E, field: str, errors: _Violations) -> E:
    if raw is None:
        return default
    return _enum(kind, raw, field, errors) or default


def _decode_b64(data: str, field: str, max_bytes: int, errors: _Violations) -> bytes | None:
    if len(data) * 3 // 4 > max_bytes:
        errors.add(field, f"is larger than the {max_bytes // (1024 * 1024)} MiB limit")
        return None
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        try:
            return base64.urlsafe_b64decode(data)
        except (binascii.Error, ValueError):
            errors.add(field, "is not valid base64")
            return None


def _image(wire: WireImage | None, field: str, limits: InputLimits, errors: _Violations) -> ImageInput | None:
    if wire is None:
        return None
    if wire.bytes_base64_encoded is None:
        where = "gcsUri" if wire.gcs_uri else "uri" if wire.uri else "bytesBase64Encoded"
        errors.add(f"{field}.{where}", "send the image inline as bytesBase64Encoded; "
                                       "this server does not fetch images from Cloud Storage or URIs")
        return None
    if wire.mime_type is not None and wire.mime_type.lower() not in SUPPORTED_MIME_TYPES:
        errors.add(f"{field}.mimeType", f"must be one of {', '.join(SUPPORTED_MIME_TYPES)}")
        return None
    data = _decode_b64(wire.bytes_base64_encoded, f"{field}.bytesBase64Encoded", limits.max_image_bytes, errors)
    if data is None:
        return None
    try:
        image = load_image(data, limits.max_image_pixels)
    except BadImage as exc:
        errors.add(f"{field}.bytesBase64Encoded", str(exc))
        return None
    mime = next(m for m, fmt in SUPPORTED_MIME_TYPES.items() if fmt == image.format)
    return ImageInput(data, mime)


def _video(wire: WireVideo | None, limits: InputLimits, errors: _Violations,
           video_exists: Callable[[str], bool], field: str = "instances[0].video") -> VideoInput | None:
    if wire is None:
        return None
    encoded = wire.encoded_video or wire.bytes_base64_encoded
    if encoded:
        sub = "encodedVideo" if wire.encoded_video else "bytesBase64Encoded"
        data = _decode_b64(encoded, f"{field}.{sub}", limits.max_video_bytes, errors)
        if data is None:
            return None
        try:
            probe_video(data)
        except UnreadableVideo as exc:
            errors.add(f"{field}.{sub}", str(exc))
            return None
        return VideoInput(data=data, mime_type=wire.encoding or wire.mime_type or "video/mp4")
    if wire.uri:
        file_id = file_id_from_uri(wire.uri)
        if file_id is None or not video_exists(file_id):
            errors.add(f"{field}.uri", "must name a video this server generated (…/files/ID:download)")
            return None
        return VideoInput(file_id=file_id)
    errors.add(f"{field}.gcsUri" if wire.gcs_uri else field,
               "send the video inline or as the uri of a video this server generated")
    return None
