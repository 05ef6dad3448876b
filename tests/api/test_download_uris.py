"""Video URIs on the default settings (no OPENREEL_PUBLIC_URL), in process: they name the scheme
and host each request came in on, even for answers served from the finished-operation cache, and
the download path that Google's SDKs build from an http:// URI serves the video."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest

from tests.inprocess import InProcessClient, InProcessServer, explicit_settings
from tests.support import STATIC_PROMPT, decode_mp4

CREATE = "/v1beta/models/veo-3.0-generate-001:predictLongRunning"


@pytest.fixture(scope="module")
def default_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(explicit_settings(tmp_path_factory.mktemp("uris"))) as app:
        yield app


@pytest.fixture(scope="module")
def finished(default_server: InProcessServer) -> tuple[InProcessClient, str, str]:
    """(client, operation name, video file id) of one finished 4 s clip."""
    http = default_server.client(default_server.create_key())
    created = http.post(CREATE, json={"instances": [{"prompt": STATIC_PROMPT}],
                                      "parameters": {"durationSeconds": 4, "resolution": "720p"}})
    assert created.status_code == 200, created.text
    done = default_server.wait_done(http, f"/v1beta/{created.json()['name']}")
    uri = done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    return http, done["name"], uri.split("/files/")[1].split(":")[0]


def _uri(http: InProcessClient, name: str, host: str) -> str:
    body = http.get(f"/v1beta/{name}", headers={"host": host}).json()
    uri: str = body["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    return uri


def test_each_poll_gets_uris_on_the_host_it_came_in_on(finished: tuple[InProcessClient, str, str]) -> None:
    http, name, file_id = finished
    # Polled twice per host, so the second answer of each comes from the finished-operation cache.
    for host in ("127.0.0.1:8000", "videos.internal:8080", "127.0.0.1:8000"):
        for _ in range(2):
            assert _uri(http, name, host) == f"http://{host}/v1beta/files/{file_id}:download?alt=media"


def test_the_path_sdks_build_from_an_http_uri_serves_the_video(finished: tuple[InProcessClient, str, str]) -> None:
    """google-genai and @google/genai only strip https:// URIs down to the file id; an http:// one
    arrives whole: GET /v1beta/files/http%3A//HOST/v1beta/files/ID%3Adownload?alt=media:download."""
    http, _, file_id = finished
    direct = http.get(f"/v1beta/files/{file_id}:download", params={"alt": "media"})
    assert direct.status_code == 200
    embedded = quote(f"http://127.0.0.1:8000/v1beta/files/{file_id}", safe="/")
    mangled = http.get(f"/v1beta/files/{embedded}:download", params={"alt": "media:download"})
    assert mangled.status_code == 200, mangled.text
    assert mangled.content == direct.content
    assert decode_mp4(mangled.content).frame_count == 96


@pytest.mark.parametrize("path", ["http%3A//127.0.0.1%3A8000/v1beta/files/nosuchfile",
                                  "http%3A//127.0.0.1%3A8000/v1beta/other/x",
                                  "..%2F..%2Fetc%2Fpasswd", "a/../../b"])
def test_a_mangled_path_without_a_video_of_ours_is_404(finished: tuple[InProcessClient, str, str], path: str) -> None:
    http, _, _ = finished
    response = http.get(f"/v1beta/files/{path}:download")
    assert response.status_code == 404, response.text
    assert response.json()["error"]["status"] == "NOT_FOUND"
