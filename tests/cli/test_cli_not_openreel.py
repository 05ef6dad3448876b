"""The CLI pointed at something that is not an openreel server: a page, JSON of the wrong shape,
`python -m http.server`. Every command ends at once with one line, exit 8, saying so."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.lines import assert_one_line_error
from tests.client.canned_server import Answer, canned_server, plain_http_server
from tests.support import openreel_cli

COMMANDS = [["models"], ["operations", "list"], ["operations", "get", "abc"], ["operations", "wait", "abc"],
            ["generate", "a lake", "-o", "{tmp}/x.mp4"]]
NOT_OPERATIONS = {
    "html": Answer("<!DOCTYPE html><html><body>It works!</body></html>", content_type="text/html"),
    "null": Answer("null"), "list": Answer("[]"), "string": Answer('"x"'),
}


def _run(args: list[str], url: str, tmp_path: Path) -> str:
    done = openreel_cli(*[a.format(tmp=tmp_path) for a in args], "--server", url, "--api-key", "ork_x", timeout=60)
    return assert_one_line_error(done, 8)


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("body", NOT_OPERATIONS)
def test_a_200_that_is_not_a_json_object_exits_8_naming_the_server(body: str, args: list[str], tmp_path: Path) -> None:
    with canned_server(NOT_OPERATIONS[body]) as server:
        line = _run(args, server.url, tmp_path)
    assert line.startswith(f"error: UNAVAILABLE: {server.url} does not answer like an openreel server: ")
    assert "<" not in line and len(line) < 300


@pytest.mark.parametrize("body", ["{}", '{"done": false}', '{"done": true, "error": {"code": "x"}}',
                                  '{"name": "models/m/operations/abc", "done": true, "error": {"code": "x"}}'],
                         ids=["empty", "nameless-running", "nameless-failed", "malformed-error"])
@pytest.mark.parametrize("args", [["generate", "a lake", "-o", "{tmp}/x.mp4"], ["operations", "get", "abc"]],
                         ids=" ".join)
def test_an_operation_without_a_name_or_with_a_malformed_error_exits_8_at_once(
        body: str, args: list[str], tmp_path: Path) -> None:
    with canned_server(Answer(body)) as server:
        line = _run(args, server.url, tmp_path)
    assert "does not answer like an openreel server: " in line
    assert not (tmp_path / "x.mp4").exists()


def test_an_event_stream_with_a_malformed_error_exits_8() -> None:
    event = 'event: done\ndata: {"name": "models/m/operations/abc", "done": true, "error": {"code": "x"}}\n\n'
    with canned_server(Answer(event, content_type="text/event-stream")) as server:
        line = _run(["operations", "wait", "abc"], server.url, Path())
    assert "does not answer like an openreel server: operation models/m/operations/abc is malformed" in line


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_python_http_server_exits_8_with_its_status_line_not_its_page(args: list[str], tmp_path: Path) -> None:
    with plain_http_server(tmp_path) as url:
        line = _run(args, url, tmp_path)
    assert line.startswith(f"error: UNAVAILABLE: {url} does not answer like an openreel server: ")
    assert ("answered HTTP 404 File not found with an HTML page" in line
            or "answered HTTP 501 Unsupported method ('POST') with an HTML page" in line)
    assert "DOCTYPE" not in line and len(line) < 300
