"""The wire body parses in both spellings, hoists the guide's instance-level parameters, rejects
unknown fields by name, and a body with bad fields is salvaged: every bad field reported, the
rest kept for the semantic checks."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from openreel.protocol.rpc import describe_error
from openreel.protocol.veo import PredictLongRunningRequest, hoist_instance_parameters, parse_create_body


def test_camel_and_snake_case_parse_to_the_same_request() -> None:
    camel = PredictLongRunningRequest.model_validate(
        {"instances": [{"prompt": "p", "lastFrame": {"bytesBase64Encoded": "AA==", "mimeType": "image/png"}}],
         "parameters": {"durationSeconds": 6, "sampleCount": 2, "generateAudio": True, "aspectRatio": "9:16"},
         "webhookConfig": {"uris": ["https://h/x"], "userMetadata": {"a": "1"}}})
    snake = PredictLongRunningRequest.model_validate(
        {"instances": [{"prompt": "p", "last_frame": {"bytes_base64_encoded": "AA==", "mime_type": "image/png"}}],
         "parameters": {"duration_seconds": 6, "sample_count": 2, "generate_audio": True, "aspect_ratio": "9:16"},
         "webhook_config": {"uris": ["https://h/x"], "user_metadata": {"a": "1"}}})
    assert camel == snake


def test_numbers_and_booleans_sent_as_strings_are_accepted() -> None:
    body = PredictLongRunningRequest.model_validate(
        {"instances": [{"prompt": "p"}], "parameters": {"durationSeconds": "8", "seed": "42", "generateAudio": "true"}})
    assert body.parameters is not None
    assert (body.parameters.duration_seconds, body.parameters.seed, body.parameters.generate_audio) == (8, 42, True)


def test_guide_instance_level_parameters_move_to_parameters() -> None:
    hoisted = hoist_instance_parameters(
        {"instances": [{"prompt": "p", "generate_audio": True, "aspect_ratio": "16:9"}],
         "parameters": {"duration_seconds": 8, "aspectRatio": "9:16"}})
    assert hoisted["instances"] == [{"prompt": "p"}]
    # The documented location wins when both are given.
    assert hoisted["parameters"] == {"duration_seconds": 8, "aspectRatio": "9:16", "generate_audio": True}


def test_unknown_fields_are_rejected_by_location() -> None:
    with pytest.raises(ValidationError) as caught:
        PredictLongRunningRequest.model_validate({"instances": [{"prompt": "p", "promt": "typo"}]})
    assert caught.value.errors()[0]["loc"] == ("instances", 0, "promt")


def test_a_body_with_bad_fields_keeps_the_good_ones_and_names_every_bad_one() -> None:
    body, problems = parse_create_body(
        {"instances": [{"prompt": "p", "promt": "typo", "aspectRatio": 7}],
         "parameters": {"durationSeconds": "x", "sampleCount": 2, "seed": "3"},
         "webhookConfig": {"uris": [5]}})
    assert body is not None and body.parameters is not None
    assert (body.instances[0].prompt, body.parameters.sample_count, body.parameters.seed) == ("p", 2, 3)
    assert (body.parameters.duration_seconds, body.parameters.aspect_ratio) == (None, None)
    assert body.webhook_config is not None and body.webhook_config.uris == []
    assert sorted(describe_error(p)[0] for p in problems) == [
        "instances[0].promt", "parameters.aspectRatio", "parameters.durationSeconds", "webhookConfig.uris[0]"]
    assert dict(describe_error(p) for p in problems)["instances[0].promt"] == "unknown field"


def test_a_body_that_cannot_be_salvaged_reports_only_what_the_caller_sent_wrong() -> None:
    body, problems = parse_create_body({"instances": [{"prompt": "a"}, {"prompt": "b"}], "parameters": {"fps": "x"}})
    assert body is None
    # Dropping the bad instances list leaves it missing; that is not reported a second time.
    assert [describe_error(p)[0] for p in problems] == ["instances", "parameters.fps"]


def test_a_valid_body_has_no_problems() -> None:
    body, problems = parse_create_body({"instances": [{"prompt": "p"}]})
    assert body is not None and problems == []
