"""The Veo create-request body, as the Gemini API and Vertex AI clients send it.

Both spellings of every field are accepted (lowerCamelCase as the SDKs send it, snake_case as the
seed guide's REST call and proto3 JSON parsers allow). Scalar coercion is lax on purpose: Google's
docs sometimes quote numbers as strings ("8"). Unknown fields are rejected so a typo gets a 400
naming it instead of being silently ignored, as Google's own endpoints do.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel


class WireModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_name=True, validate_by_alias=True,
        serialize_by_alias=True, extra="forbid",
    )


class WireImage(WireModel):
    bytes_base64_encoded: str | None = None
    mime_type: str | None = None
    gcs_uri: str | None = None
    uri: str | None = None


class WireReferenceImage(WireModel):
    image: WireImage
    reference_type: str = "asset"


class WireVideo(WireModel):
    # Gemini spells the video object {uri, encodedVideo, encoding}; Vertex {gcsUri, bytesBase64Encoded, mimeType}.
    uri: str | None = None
    encoded_video: str | None = None
    encoding: str | None = None
    gcs_uri: str | None = None
    bytes_base64_encoded: str | None = None
    mime_type: str | None = None


class WireMask(WireModel):
    gcs_uri: str | None = None
    bytes_base64_encoded: str | None = None
    mime_type: str | None = None
    mask_mode: str | None = None


class WireParameters(WireModel):
    sample_count: int | None = None
    duration_seconds: int | None = None
    aspect_ratio: str | None = None
    resolution: str | None = None
    person_generation: str | None = None
    negative_prompt: str | None = None
    enhance_prompt: bool | None = None
    generate_audio: bool | None = None
    seed: int | None = None
    temperature: float | None = None
    fps: int | None = None
    storage_uri: str | None = None
    compression_quality: str | None = None
    resize_mode: str | None = None
    pubsub_topic: str | None = None


# The seed guide puts generate_audio and aspect_ratio inside the instance; they are accepted
# there and treated as parameters.
PARAMETER_FIELDS = frozenset(WireParameters.model_fields) | frozenset(
    to_camel(name) for name in WireParameters.model_fields
)


class WireInstance(WireModel):
    prompt: str | None = None
    image: WireImage | None = None
    last_frame: WireImage | None = None
    reference_images: list[WireReferenceImage] | None = None
    video: WireVideo | None = None
    mask: WireMask | None = None


class WireWebhookConfig(WireModel):
    uris: list[str] = Field(default_factory=list)
    # google-genai sends user_metadata in snake_case (an SDK quirk); both spellings arrive here.
    user_metadata: dict[str, str] | None = None


class PredictLongRunningRequest(WireModel):
    instances: list[WireInstance] = Field(min_length=1, max_length=1)
    parameters: WireParameters | None = None
    labels: dict[str, str] | None = None
    webhook_config: WireWebhookConfig | None = None

    @model_validator(mode="before")
    @classmethod
    def _hoist(cls, data: Any) -> Any:
        return hoist_instance_parameters(data) if isinstance(data, dict) else data


class FetchPredictOperationRequest(WireModel):
    operation_name: str


def hoist_instance_parameters(body: dict[str, Any]) -> dict[str, Any]:
    """Move parameter fields written inside instances[0] (the seed guide's habit) to parameters.

    A field given in both places keeps the `parameters` value, the documented location.
    """
    instances = body.get("instances")
    if not isinstance(instances, list) or not instances or not isinstance(instances[0], dict):
        return body
    instance = dict(instances[0])
    moved = {key: instance.pop(key) for key in list(instance) if key in PARAMETER_FIELDS}
    if not moved:
        return body
    parameters = body.get("parameters")
    parameters = dict(parameters) if isinstance(parameters, dict) else {}
    for key, value in moved.items():
        snake, camel = _both_spellings(key)
        if snake not in parameters and camel not in parameters:
            parameters[key] = value
    return {**body, "instances": [instance, *instances[1:]], "parameters": parameters}


def _both_spellings(key: str) -> tuple[str, str]:
    if "_" in key:
        return key, to_camel(key)
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in key)
    return snake, key
