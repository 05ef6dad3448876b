"""The Veo create-request body, as the Gemini API and Vertex AI clients send it.

Both spellings of every field are accepted (lowerCamelCase as the SDKs send it, snake_case as the
seed guide's REST call and proto3 JSON parsers allow). Scalar coercion is lax on purpose: Google's
docs sometimes quote numbers as strings ("8"). Unknown fields are rejected so a typo gets a 400
naming it instead of being silently ignored, as Google's own endpoints do.

A create body is read by `parse_create_body`, which salvages what it can: a field that fails
validation is dropped and the rest validated again, so the semantic checks still run on what was
valid and a caller learns about every bad field in one answer.

Text must be storable and printable: a string holding NUL or an unpaired UTF-16 surrogate (JSON
"\\u0000", "\\ud800") is refused here, naming its field, because PostgreSQL cannot store NUL and
UTF-8 cannot encode a lone surrogate. Base64 payloads are left to their decoder, which refuses them.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator,
                      ValidationError, model_validator)
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails, PydanticCustomError

BAD_TEXT = "must not contain NUL characters or unpaired surrogates"
# json.loads joins a valid surrogate pair into one character, so any surrogate left is unpaired.
_BAD_CHARACTER = re.compile(r"[\x00\ud800-\udfff]")


def has_bad_text(value: str) -> bool:
    """Whether `value` holds a NUL or an unpaired surrogate (neither can be stored or encoded)."""
    return _BAD_CHARACTER.search(value) is not None


def _text(value: str) -> str:
    if has_bad_text(value):
        raise PydanticCustomError("bad_text", BAD_TEXT)
    return value


def _text_map(value: Any) -> Any:
    # Checked before the items: an item's error would be reported under its key, and a key
    # holding a lone surrogate cannot even be written into the error response.
    if isinstance(value, dict) and any(isinstance(s, str) and has_bad_text(s)
                                       for item in value.items() for s in item):
        raise PydanticCustomError("bad_text", f"keys and values {BAD_TEXT}")
    return value


# Every free-text string of the create body is one of these.
WireText = Annotated[str, AfterValidator(_text)]
WireTextMap = Annotated[dict[str, str], BeforeValidator(_text_map)]


class WireModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_name=True, validate_by_alias=True,
        serialize_by_alias=True, extra="forbid",
    )

    @model_validator(mode="before")
    @classmethod
    def _printable_field_names(cls, data: Any) -> Any:
        # An unknown field is reported by its name, so a name that cannot be printed is
        # reported here instead, at the object that holds it.
        if isinstance(data, dict) and any(isinstance(k, str) and has_bad_text(k) for k in data):
            raise PydanticCustomError("bad_text", f"field names {BAD_TEXT}")
        return data


class WireImage(WireModel):
    bytes_base64_encoded: str | None = None
    mime_type: WireText | None = None
    gcs_uri: WireText | None = None
    uri: WireText | None = None


class WireReferenceImage(WireModel):
    image: WireImage
    reference_type: WireText = "asset"


class WireVideo(WireModel):
    # Gemini spells the video object {uri, encodedVideo, encoding}; Vertex {gcsUri, bytesBase64Encoded, mimeType}.
    uri: WireText | None = None
    encoded_video: str | None = None
    encoding: WireText | None = None
    gcs_uri: WireText | None = None
    bytes_base64_encoded: str | None = None
    mime_type: WireText | None = None


class WireMask(WireModel):
    gcs_uri: WireText | None = None
    bytes_base64_encoded: str | None = None
    mime_type: WireText | None = None
    mask_mode: WireText | None = None


class WireParameters(WireModel):
    sample_count: int | None = None
    duration_seconds: int | None = None
    aspect_ratio: WireText | None = None
    resolution: WireText | None = None
    person_generation: WireText | None = None
    negative_prompt: WireText | None = None
    enhance_prompt: bool | None = None
    generate_audio: bool | None = None
    seed: int | None = None
    temperature: float | None = None
    fps: int | None = None
    storage_uri: WireText | None = None
    compression_quality: WireText | None = None
    resize_mode: WireText | None = None
    pubsub_topic: WireText | None = None


# The seed guide puts generate_audio and aspect_ratio inside the instance; they are accepted
# there and treated as parameters.
PARAMETER_FIELDS = frozenset(WireParameters.model_fields) | frozenset(
    to_camel(name) for name in WireParameters.model_fields
)


class WireInstance(WireModel):
    prompt: WireText | None = None
    image: WireImage | None = None
    last_frame: WireImage | None = None
    reference_images: list[WireReferenceImage] | None = None
    video: WireVideo | None = None
    mask: WireMask | None = None
    # openreel's own: a saved character (characters/ID) and a saved style (styles/ID), whose images
    # join referenceImages (service/saved_references.py). Google's clients never send them.
    character: WireText | None = None
    style_reference: WireText | None = None


class WireWebhookConfig(WireModel):
    uris: list[WireText] = Field(default_factory=list)
    # google-genai sends user_metadata in snake_case (an SDK quirk); both spellings arrive here.
    user_metadata: WireTextMap | None = None


class PredictLongRunningRequest(WireModel):
    instances: list[WireInstance] = Field(min_length=1, max_length=1)
    parameters: WireParameters | None = None
    labels: WireTextMap | None = None
    webhook_config: WireWebhookConfig | None = None

    @model_validator(mode="before")
    @classmethod
    def _hoist(cls, data: Any) -> Any:
        return hoist_instance_parameters(data) if isinstance(data, dict) else data


def _json_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PydanticCustomError("dict_type", "must be a JSON object")
    return value


# The create body as sent, any JSON object: routes take this and the service reads it with
# parse_create_body, so that schema and semantic problems are reported together. OpenAPI still
# documents it as a PredictLongRunningRequest.
RawCreateBody = Annotated[dict[str, Any],
                          PlainValidator(_json_object, json_schema_input_type=PredictLongRunningRequest)]


# The most schema problems one answer lists; past this the rest of the body is not examined.
MAX_SCHEMA_VIOLATIONS = 100


def parse_create_body(raw: dict[str, Any]) -> tuple[PredictLongRunningRequest | None, list[ErrorDetails]]:
    """Validate a create body, salvaging what is valid.

    Returns the request built from every field that passed (None when what is left cannot form
    a request, say with no instance) and pydantic's error for every field that did not. Each bad
    field is dropped and the rest validated again; a field that is missing only because it was
    dropped is not reported a second time. At most MAX_SCHEMA_VIOLATIONS errors are returned.
    """
    body = hoist_instance_parameters(raw)
    problems: list[ErrorDetails] = []
    dropped: set[tuple[int | str, ...]] = set()
    while True:
        try:
            return PredictLongRunningRequest.model_validate(body), problems
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
        reported = {e["loc"] for e in problems}
        problems += [e for e in errors if e["loc"] not in reported and not _under(e["loc"], dropped)]
        if len(problems) >= MAX_SCHEMA_VIOLATIONS:
            # Salvaging costs a copy per bad field and a pass per level: a body this broken is
            # refused on its first problems alone, so that no request can buy minutes of CPU.
            return None, problems[:MAX_SCHEMA_VIOLATIONS]
        salvaged = body
        for error in errors:
            path = _salvage_path(error)
            if path:
                salvaged = _drop(salvaged, path)
                dropped.add(path)
        if salvaged == body:
            return None, problems
        body = salvaged


def _under(loc: tuple[int | str, ...], paths: set[tuple[int | str, ...]]) -> bool:
    return any(loc[:len(path)] == path for path in paths)


def _salvage_path(error: ErrorDetails) -> tuple[int | str, ...]:
    """What to drop for one error: the deepest object member on its path (the holder of a missing
    field, since the field itself is not there). A bad list item takes its list with it, so no
    index the caller sees in an error shifts. Empty when nothing can be dropped."""
    loc = tuple(error["loc"])
    if error["type"] == "missing":
        loc = loc[:-1]
    members = [i for i, part in enumerate(loc) if isinstance(part, str)]
    return loc[:members[-1] + 1] if members else ()


def _drop(data: Any, path: tuple[int | str, ...]) -> Any:
    head, rest = path[0], path[1:]
    if isinstance(data, dict) and head in data:
        if not rest:
            return {key: value for key, value in data.items() if key != head}
        return {**data, head: _drop(data[head], rest)}
    if isinstance(data, list) and isinstance(head, int) and 0 <= head < len(data):
        return [*data[:head], _drop(data[head], rest), *data[head + 1:]]
    return data


class FetchPredictOperationRequest(WireModel):
    operation_name: WireText


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
    parameters = body.get("parameters", {})
    if not isinstance(parameters, dict):
        return body  # leave it for the schema to name `parameters` as not an object
    parameters = dict(parameters)
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
