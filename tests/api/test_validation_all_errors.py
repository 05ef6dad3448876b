"""A create body with several problems gets one 400 naming every bad field, whether the schema
refused it (an unknown field, a string where a number belongs) or a semantic check did (a
duration the model does not offer), on both surfaces; nothing is stored for it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.inprocess import InProcessClient, InProcessServer, explicit_settings
from tests.support import STATIC_PROMPT

GEMINI = "/v1beta/models/veo-3.0-generate-001:predictLongRunning"
VERTEX = ("/v1beta1/projects/my-proj/locations/us-central1/publishers/google/models/"
          "veo-3.0-generate-001:predictLongRunning")
BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    # No workers: anything stored would stay visible as a queued operation.
    with InProcessServer(explicit_settings(tmp_path_factory.mktemp("all-errors"), workers=0)) as app:
        yield app


@pytest.fixture(scope="module")
def http(app_server: InProcessServer, app_key: str) -> InProcessClient:
    return app_server.client(app_key)


def _violations(http: InProcessClient, path: str, body: dict[str, Any]) -> dict[str, str]:
    before = http.get("/v1beta/operations", params={"pageSize": 100}).json().get("operations", [])
    response = http.post(path, json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    [bad_request] = [d for d in error["details"] if d["@type"] == BAD_REQUEST]
    fields = [v["field"] for v in bad_request["fieldViolations"]]
    assert len(fields) == len(set(fields)), f"a field is reported twice: {fields}"
    assert http.get("/v1beta/operations", params={"pageSize": 100}).json().get("operations", []) == before
    return {v["field"]: v["description"] for v in bad_request["fieldViolations"]}


@pytest.mark.parametrize("path", [GEMINI, VERTEX], ids=["gemini", "vertex"])
def test_unknown_field_bad_duration_and_bad_aspect_ratio_are_reported_together(
        http: InProcessClient, path: str) -> None:
    body = {"instances": [{"prompt": STATIC_PROMPT, "promt": "a typo"}],
            "parameters": {"durationSeconds": 5, "aspectRatio": "4:3"}}
    response = http.post(path, json=body)
    assert "(and 2 more)" in response.json()["error"]["message"]
    violations = _violations(http, path, body)
    assert set(violations) == {"instances[0].promt", "parameters.durationSeconds", "parameters.aspectRatio"}
    assert violations["instances[0].promt"] == "unknown field"
    assert "4, 6, 8" in violations["parameters.durationSeconds"]


def test_schema_errors_anywhere_in_the_body_join_the_semantic_ones(http: InProcessClient) -> None:
    body = {"instances": [{"prompt": STATIC_PROMPT,
                           "referenceImages": [{"image": {"bytesBase64Encoded": "AA==", "colour": "red"}}]}],
            "parameters": {"durationSeconds": "eight", "frameRate": 24, "sampleCount": 9, "resolution": "8k",
                           "seed": "lucky"},
            "labels": {"team": 7}}
    assert set(_violations(http, GEMINI, body)) == {
        "instances[0].referenceImages[0].image.colour", "instances[0].referenceImages[0].image.bytesBase64Encoded",
        "parameters.durationSeconds", "parameters.frameRate", "parameters.seed", "labels.team",
        "parameters.sampleCount", "parameters.resolution"}


def test_a_field_the_schema_refused_is_not_reported_again_by_the_semantic_checks(http: InProcessClient) -> None:
    # The NUL prompt is dropped before the semantic checks, which would otherwise add "a prompt
    # is required"; the aspect ratio is still checked.
    violations = _violations(http, GEMINI, {"instances": [{"prompt": "a lake\u0000"}],
                                            "parameters": {"aspectRatio": "1:1"}})
    assert set(violations) == {"instances[0].prompt", "parameters.aspectRatio"}
    assert "NUL" in violations["instances[0].prompt"]


def test_a_body_without_a_usable_instance_still_reports_its_other_schema_errors(http: InProcessClient) -> None:
    violations = _violations(http, GEMINI, {"instances": [], "parameters": {"durationSeconds": "abc", "bogus": 1}})
    assert set(violations) == {"instances", "parameters.durationSeconds", "parameters.bogus"}


def test_parameters_written_inside_the_instance_are_reported_where_they_are_read(http: InProcessClient) -> None:
    violations = _violations(http, GEMINI, {"instances": [{"prompt": STATIC_PROMPT, "durationSeconds": "x",
                                                           "aspectRatio": "4:3", "extra": True}]})
    assert set(violations) == {"parameters.durationSeconds", "parameters.aspectRatio", "instances[0].extra"}


def test_a_valid_body_is_still_accepted(http: InProcessClient) -> None:
    response = http.post(GEMINI, json={"instances": [{"prompt": STATIC_PROMPT}], "parameters": {"durationSeconds": 4}})
    assert response.status_code == 200, response.text


def test_a_missing_required_field_inside_an_object_does_not_hide_the_other_errors(http: InProcessClient) -> None:
    body = {"instances": [{"prompt": STATIC_PROMPT, "referenceImages": [{"referenceType": "asset"}]}],
            "parameters": {"durationSeconds": 99}}
    violations = _violations(http, GEMINI, body)
    assert set(violations) == {"instances[0].referenceImages[0].image", "parameters.durationSeconds"}


def test_parameters_that_are_not_an_object_are_refused_even_beside_instance_parameters(
        http: InProcessClient) -> None:
    body = {"instances": [{"prompt": STATIC_PROMPT, "aspectRatio": "16:9"}], "parameters": "oops"}
    assert "parameters" in _violations(http, GEMINI, body)


def test_a_body_with_thousands_of_bad_fields_lists_the_first_hundred(http: InProcessClient) -> None:
    """Salvaging costs work per bad field, so a flood of them is cut short rather than examined."""
    body = {"instances": [{"prompt": STATIC_PROMPT}], "parameters": {f"unknown{i}": 1 for i in range(5000)}}
    violations = _violations(http, GEMINI, body)
    assert len(violations) == 100
    assert set(violations) <= {f"parameters.unknown{i}" for i in range(5000)}
