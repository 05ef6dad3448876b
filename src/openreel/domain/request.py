"""GenerationRequest: one validated, surface-independent request for 1-4 video samples."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from openreel.domain.storyboard import Scene

FPS = 24
# A video takes at most this many reference images (Veo's limit), whichever front asks.
MAX_REFERENCE_IMAGES = 3


class AspectRatio(StrEnum):
    LANDSCAPE = "16:9"
    PORTRAIT = "9:16"


class Resolution(StrEnum):
    HD = "720p"
    FULL_HD = "1080p"
    UHD = "4k"


class ReferenceType(StrEnum):
    ASSET = "asset"
    STYLE = "style"


class PersonGeneration(StrEnum):
    ALLOW_ALL = "allow_all"
    ALLOW_ADULT = "allow_adult"
    DONT_ALLOW = "dont_allow"


class CompressionQuality(StrEnum):
    OPTIMIZED = "optimized"
    LOSSLESS = "lossless"


class ResizeMode(StrEnum):
    PAD = "pad"
    CROP = "crop"


_LONG_SIDE = {Resolution.HD: 1280, Resolution.FULL_HD: 1920, Resolution.UHD: 3840}
_SHORT_SIDE = {Resolution.HD: 720, Resolution.FULL_HD: 1080, Resolution.UHD: 2160}


@dataclass(frozen=True)
class ImageInput:
    """A checked input image. The API holds the bytes the caller sent until the operation is
    stored; from then on the operation keeps only `storage_key`, and the worker loads the bytes
    back before an engine sees them (engines read `content`)."""

    data: bytes | None
    mime_type: str
    storage_key: str | None = None

    @property
    def content(self) -> bytes:
        if self.data is None:
            raise RuntimeError(f"input image {self.storage_key} was not loaded from storage")
        return self.data


@dataclass(frozen=True)
class ReferenceImage:
    image: ImageInput
    reference_type: ReferenceType


@dataclass(frozen=True)
class VideoInput:
    """A video to extend: bytes the caller sent (kept in storage under `storage_key` once the
    operation is stored) or a file openreel generated earlier (`file_id`)."""

    data: bytes | None = None
    file_id: str | None = None
    mime_type: str = "video/mp4"
    storage_key: str | None = None


@dataclass(frozen=True)
class WebhookConfig:
    uris: tuple[str, ...]
    user_metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GenerationRequest:
    model: str
    prompt: str
    seed: int
    duration_seconds: int = 8
    aspect_ratio: AspectRatio = AspectRatio.LANDSCAPE
    resolution: Resolution = Resolution.FULL_HD
    sample_count: int = 1
    generate_audio: bool = False
    negative_prompt: str = ""
    temperature: float | None = None
    enhance_prompt: bool = False
    person_generation: PersonGeneration = PersonGeneration.ALLOW_ADULT
    image: ImageInput | None = None
    last_frame: ImageInput | None = None
    reference_images: tuple[ReferenceImage, ...] = ()
    video: VideoInput | None = None
    storage_uri: str | None = None
    compression_quality: CompressionQuality = CompressionQuality.OPTIMIZED
    resize_mode: ResizeMode = ResizeMode.PAD
    fps: int = FPS
    labels: dict[str, str] = field(default_factory=dict)
    webhook: WebhookConfig | None = None
    pubsub_topic: str | None = None
    # What the front that took the request keeps to answer in its own shape (OpenAI's
    # remixed_from_video_id, an interaction's delivery and response_format); engines ignore it.
    front_options: dict[str, str] = field(default_factory=dict)
    # A storyboard's scenes, in order (their durations add up to duration_seconds, and `prompt`
    # holds their prompts, one per line); empty for a single-shot request.
    scenes: tuple[Scene, ...] = ()

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        long, short = _LONG_SIDE[self.resolution], _SHORT_SIDE[self.resolution]
        return (long, short) if self.aspect_ratio is AspectRatio.LANDSCAPE else (short, long)

    @property
    def frame_count(self) -> int:
        return self.fps * self.duration_seconds

    def sample_seed(self, sample_index: int) -> int:
        """Each sample gets its own seed so samples differ, yet a repeated request repeats."""
        return (self.seed + sample_index * 0x9E3779B1) % 2**32
