"""Pure mapping between domain objects and what the tables hold (the request as JSON).

Input images and videos are kept in storage; the row holds their keys ({"key", "mimeType"}).
Rows written before inputs moved to storage hold base64 bytes ({"data", "mimeType"}), and still
read back."""

from __future__ import annotations

import base64
from typing import Any

from openreel.domain.request import (AspectRatio, CompressionQuality, GenerationRequest, ImageInput,
                                     PersonGeneration, ReferenceImage, ReferenceType, ResizeMode,
                                     Resolution, VideoInput, WebhookConfig)
from openreel.domain.storyboard import CameraDirection, Scene, Transition


def _image_to_json(image: ImageInput | None) -> dict[str, str] | None:
    if image is None:
        return None
    if image.storage_key is None:
        raise ValueError("store input images (storage/inputs.py) before the operation")
    return {"key": image.storage_key, "mimeType": image.mime_type}


def _image_from_json(value: dict[str, str] | None) -> ImageInput | None:
    if value is None:
        return None
    if "key" in value:
        return ImageInput(None, value["mimeType"], storage_key=value["key"])
    return ImageInput(base64.b64decode(value["data"]), value["mimeType"])


def _video_to_json(video: VideoInput | None) -> dict[str, Any] | None:
    if video is None:
        return None
    if video.data is not None and video.storage_key is None:
        raise ValueError("store the input video (storage/inputs.py) before the operation")
    return {"key": video.storage_key, "fileId": video.file_id, "mimeType": video.mime_type}


def _video_from_json(value: dict[str, Any] | None) -> VideoInput | None:
    if value is None:
        return None
    legacy = value.get("data")
    return VideoInput(data=None if legacy is None else base64.b64decode(legacy), file_id=value["fileId"],
                      mime_type=value["mimeType"], storage_key=value.get("key"))


def _references_to_json(references: tuple[ReferenceImage, ...]) -> list[dict[str, Any]]:
    return [{"image": _image_to_json(ref.image), "referenceType": ref.reference_type.value} for ref in references]


def _references_from_json(values: list[dict[str, Any]]) -> tuple[ReferenceImage, ...]:
    return tuple(ReferenceImage(_image_from_json(ref["image"]), ReferenceType(ref["referenceType"]))  # type: ignore[arg-type]
                 for ref in values)


def request_to_json(r: GenerationRequest) -> dict[str, Any]:
    return {
        "model": r.model, "prompt": r.prompt, "seed": r.seed,
        "durationSeconds": r.duration_seconds, "aspectRatio": r.aspect_ratio.value,
        "resolution": r.resolution.value, "sampleCount": r.sample_count,
        "generateAudio": r.generate_audio, "negativePrompt": r.negative_prompt,
        "temperature": r.temperature, "enhancePrompt": r.enhance_prompt,
        "personGeneration": r.person_generation.value,
        "image": _image_to_json(r.image), "lastFrame": _image_to_json(r.last_frame),
        "referenceImages": _references_to_json(r.reference_images),
        "video": _video_to_json(r.video),
        "storageUri": r.storage_uri, "compressionQuality": r.compression_quality.value,
        "resizeMode": r.resize_mode.value, "fps": r.fps, "labels": r.labels,
        "webhook": None if r.webhook is None else {"uris": list(r.webhook.uris),
                                                     "userMetadata": r.webhook.user_metadata},
        "pubsubTopic": r.pubsub_topic, "frontOptions": r.front_options,
        "scenes": [{"prompt": s.prompt, "durationSeconds": s.duration_seconds, "transition": s.transition.value,
                    "camera": None if s.camera is None else s.camera.value,
                    "referenceImages": _references_to_json(s.reference_images)} for s in r.scenes],
    }


def request_from_json(j: dict[str, Any]) -> GenerationRequest:
    webhook = j.get("webhook")
    return GenerationRequest(
        model=j["model"], prompt=j["prompt"], seed=j["seed"],
        duration_seconds=j["durationSeconds"], aspect_ratio=AspectRatio(j["aspectRatio"]),
        resolution=Resolution(j["resolution"]), sample_count=j["sampleCount"],
        generate_audio=j["generateAudio"], negative_prompt=j["negativePrompt"],
        temperature=j["temperature"], enhance_prompt=j["enhancePrompt"],
        person_generation=PersonGeneration(j["personGeneration"]),
        image=_image_from_json(j["image"]), last_frame=_image_from_json(j["lastFrame"]),
        reference_images=_references_from_json(j["referenceImages"]),
        video=_video_from_json(j.get("video")),
        storage_uri=j["storageUri"], compression_quality=CompressionQuality(j["compressionQuality"]),
        resize_mode=ResizeMode(j["resizeMode"]), fps=j["fps"], labels=dict(j["labels"]),
        webhook=None if webhook is None else WebhookConfig(tuple(webhook["uris"]),
                                                           dict(webhook["userMetadata"])),
        pubsub_topic=j["pubsubTopic"], front_options=dict(j.get("frontOptions") or {}),
        scenes=tuple(Scene(s["prompt"], s["durationSeconds"], Transition(s["transition"]),
                           None if s["camera"] is None else CameraDirection(s["camera"]),
                           _references_from_json(s.get("referenceImages") or []))
                     for s in j.get("scenes") or ()),
    )
