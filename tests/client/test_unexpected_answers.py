"""The client against URLs that are not (quite) an openreel server: every odd answer becomes one
OpenreelAPIError with a short message, never a JSONDecodeError, an AttributeError or a poll that
never ends. Also the URL paths it builds from names and model ids, escaped."""

from __future__ import annotations

from pathlib import Path

import pytest

from openreel.client import (
    InvalidArgument,
    NotFound,
    OpenreelAPIError,
    ServiceUnavailable,
    UnexpectedResponse,
    VideoGenerationModel,
)
from openreel.client.config import ClientConfig
from openreel.client.model import generation_request
from openreel.client.operations import OperationsClient
from openreel.client.wire import parse_operation, route_for
from tests.client.canned_server import Answer, canned_server, plain_http_server

OPERATION = "/v1beta/models/veo-3.0-generate-001/operations/abc"
CREATE = "/v1beta/models/veo-3.0-generate-001:predictLongRunning"


def _model(url: str) -> VideoGenerationModel:
    return VideoGenerationModel("veo-3.0-generate-001", ClientConfig(base_url=url, api_key="ork_x", retry=None))


@pytest.mark.parametrize(("answer", "reason"), [
    (Answer("<!DOCTYPE html><html><body>Welcome</body></html>", content_type="text/html"),
     f"POST {CREATE} answered an HTML page, not JSON"),
    (Answer("null"), f"POST {CREATE} answered JSON null, not an object"),
    (Answer("[]"), f"POST {CREATE} answered JSON [], not an object"),
    (Answer('"x"'), f'POST {CREATE} answered JSON "x", not an object'),
    (Answer("{}"), "it sent an operation without a name"),
    (Answer('{"done": true, "error": {"code": "x"}}'), "it sent an operation without a name"),
], ids=["html", "null", "list", "string", "empty-object", "malformed-error"])
def test_a_200_that_is_no_operation_raises_unexpected_response(answer: Answer, reason: str) -> None:
    with canned_server(answer) as server, pytest.raises(UnexpectedResponse) as caught:
        _model(server.url).generate_video(prompt="a lake")
    error = caught.value
    assert isinstance(error, OpenreelAPIError) and not isinstance(error, ServiceUnavailable)  # not retried
    assert error.status == "UNAVAILABLE" and error.reason == reason
    assert error.message.endswith(f"does not answer like an openreel server: {reason}")


@pytest.mark.parametrize("poll", ["{}", '{"name": "x", "done": true, "error": {"code": "x"}}',
                                  '{"name": "x", "done": "yes"}', '{"name": "x", "metadata": {"progressPercent": "9"}}',
                                  '{"name": "x", "done": true, "response": {"videos": [{"bytesBase64Encoded": "@"}]}}'],
                         ids=["nameless", "error-code-not-a-number", "done-not-a-bool", "progress-not-a-number",
                              "video-not-base64"])
def test_a_poll_answer_that_is_no_operation_ends_the_wait_at_once(poll: str) -> None:
    created = Answer('{"name": "models/veo-3.0-generate-001/operations/abc", "done": false}')
    with canned_server(Answer(poll), **{CREATE: created}) as server:
        operation = _model(server.url).generate_video(prompt="a lake")
        with pytest.raises(UnexpectedResponse, match="does not answer like an openreel server"):
            operation.result(timeout=30)
    assert server.paths[1] == OPERATION


def test_an_operation_that_failed_with_a_well_formed_error_raises_that_error() -> None:
    done = Answer('{"name": "models/m/operations/abc", "done": true, "error": {"code": 5, "message": "gone"}}')
    with canned_server(done) as server, pytest.raises(NotFound, match="gone"):
        _model(server.url).generate_video(prompt="a lake").result(timeout=30)


def test_python_http_server_is_named_as_not_openreel_with_its_status_line_only(tmp_path: Path) -> None:
    with plain_http_server(tmp_path) as url:
        with pytest.raises(UnexpectedResponse) as created:
            _model(url).generate_video(prompt="a lake")
        with pytest.raises(UnexpectedResponse) as listed:
            OperationsClient(ClientConfig(base_url=url, retry=None)).list_models()
    assert created.value.reason == (f"POST {CREATE} answered HTTP 501 Unsupported method ('POST') with an HTML "
                                    "page, not a google.rpc error")
    assert listed.value.reason == ("GET /v1beta/models answered HTTP 404 File not found with an HTML page, "
                                   "not a google.rpc error")
    assert created.value.message.startswith(f"{url} does not answer like an openreel server: ")


@pytest.mark.parametrize(("status", "expected"), [(502, ServiceUnavailable), (401, OpenreelAPIError),
                                                  (413, OpenreelAPIError), (500, OpenreelAPIError)])
def test_an_error_page_from_a_proxy_maps_by_its_status_with_a_short_message(status: int,
                                                                            expected: type[Exception]) -> None:
    page = Answer("<html>" + "x" * 5000 + "</html>", status=status, content_type="text/html")
    with canned_server(page) as server, pytest.raises(expected) as caught:
        OperationsClient(ClientConfig(base_url=server.url, retry=None)).list_models()
    assert not isinstance(caught.value, UnexpectedResponse)
    assert caught.value.code == status and "<html>" not in caught.value.message
    assert caught.value.message.startswith(f"the server answered HTTP {status} ") and len(caught.value.message) < 200
    assert {401: "UNAUTHENTICATED", 413: "FAILED_PRECONDITION", 500: "INTERNAL", 502: "UNAVAILABLE"}[status] \
        == caught.value.status


def test_an_html_event_stream_is_unexpected() -> None:
    with canned_server(Answer("<html></html>", content_type="text/html")) as server:
        stream = OperationsClient(ClientConfig(base_url=server.url, retry=None)).stream_operation("abc")
        with pytest.raises(UnexpectedResponse, match="not an event stream"):
            next(stream)


@pytest.mark.parametrize(("name", "path"), [
    ("?key=x", "/v1beta/operations/%3Fkey%3Dx"),
    ("#frag", "/v1beta/operations/%23frag"),
    ("%2e%2e%2f", "/v1beta/operations/%252e%252e%252f"),
    ("..", "/v1beta/operations/%2E%2E"),
    ("models/m/operations/a b", "/v1beta/operations/a%20b"),
])
def test_operation_names_are_escaped_into_one_path_segment(name: str, path: str) -> None:
    operation = Answer('{"name": "models/m/operations/abc"}')
    with canned_server(operation) as server:
        OperationsClient(ClientConfig(base_url=server.url, retry=None)).get_operation(name)
    assert server.paths == [path]


@pytest.mark.parametrize("name", ["", "/", "//"])
def test_an_empty_operation_name_is_refused_before_any_request(name: str) -> None:
    with pytest.raises(InvalidArgument, match="has no id"):
        OperationsClient(ClientConfig(base_url="http://127.0.0.1:9", retry=None)).get_operation(name)


def test_model_ids_are_escaped_and_impossible_ones_refused() -> None:
    config = ClientConfig(project="p q", location="us-central1")
    assert route_for(ClientConfig(), "a?b#c%").create_path == "/v1beta/models/a%3Fb%23c%25:predictLongRunning"
    assert route_for(config, "m").create_path == ("/v1beta1/projects/p%20q/locations/us-central1/publishers/"
                                                  "google/models/m:predictLongRunning")
    with pytest.raises(InvalidArgument, match="empty"):
        route_for(ClientConfig(), "models/")
    with pytest.raises(NotFound, match="Model '../../etc' was not found"):
        route_for(ClientConfig(), "../../etc")


def test_zero_videos_is_sent_as_zero_for_the_server_to_refuse() -> None:
    assert generation_request("a lake", number_of_videos=0)["parameters"]["sampleCount"] == 0
    assert generation_request("a lake", sample_count=2)["parameters"]["sampleCount"] == 2
    assert "sampleCount" not in generation_request("a lake")["parameters"]


def test_safety_reasons_sent_as_one_string_are_one_reason_and_any_other_shape_is_unexpected() -> None:
    body = {"name": "op", "done": True, "response": {"generateVideoResponse": {
        "raiMediaFilteredCount": 1, "raiMediaFilteredReasons": "a single reason"}}}
    assert parse_operation(body).rai_filtered_reasons == ["a single reason"]
    body["response"]["generateVideoResponse"]["raiMediaFilteredReasons"] = [1, 2]
    with pytest.raises(UnexpectedResponse):
        parse_operation(body)
