"""What the engine drew: a finished operation's metadata lists the prompt's concepts the
procedural engine rendered and those it could not, in the Gemini and the Vertex shapes alike;
an engine that cannot say adds nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gates import MODEL as GATED, Gates
from tests.inprocess import InProcessClient, InProcessServer, explicit_settings

# A prompt partly outside the procedural engine's world (no dragons), partly in it (sea, sunset).
PROMPT = "a red dragon flying over the sea at sunset"
ACCOUNT = {"rendered": ["sea", "sunset"], "notRendered": ["red", "dragon"]}
VERTEX = "/v1beta1/projects/my-proj/locations/us-central1/publishers/google/models"
PARAMETERS = {"durationSeconds": 4, "resolution": "720p", "seed": 2}


@pytest.fixture(scope="module")
def http(app_server: InProcessServer, app_key: str) -> InProcessClient:
    return app_server.client(app_key)


def test_the_gemini_shape_lists_rendered_and_not_rendered_concepts(app_server: InProcessServer,
                                                                   http: InProcessClient) -> None:
    stub = http.post("/v1beta/models/veo-3.1-generate-preview:predictLongRunning",
                     json={"instances": [{"prompt": PROMPT}], "parameters": PARAMETERS})
    assert stub.status_code == 200, stub.text
    done = app_server.wait_done(http, f"/v1beta/{stub.json()['name']}")
    assert done["response"]["generateVideoResponse"]["generatedSamples"]
    assert done["metadata"]["concepts"] == ACCOUNT
    listed = http.get("/v1beta/operations").json()["operations"]
    assert next(op for op in listed if op["name"] == done["name"])["metadata"]["concepts"] == ACCOUNT


def test_the_vertex_shape_lists_them_too(app_server: InProcessServer, http: InProcessClient) -> None:
    model = f"{VERTEX}/veo-3.1-generate-001"
    stub = http.post(f"{model}:predictLongRunning", json={"instances": [{"prompt": PROMPT}], "parameters": PARAMETERS})
    assert stub.status_code == 200, stub.text
    name = stub.json()["name"]
    app_server.wait_done(http, f"/v1beta1/{name}")
    done = http.post(f"{model}:fetchPredictOperation", json={"operationName": name}).json()
    assert done["response"]["videos"]
    assert done["metadata"]["concepts"] == ACCOUNT


def test_a_storyboard_lists_what_any_of_its_scenes_drew(app_server: InProcessServer, http: InProcessClient) -> None:
    stub = http.post("/v1beta/models/procedural:generateStoryboard", json={
        "scenes": [{"prompt": "a dragon on the beach at noon", "durationSeconds": 4},
                   {"prompt": "the sea at night", "durationSeconds": 4, "camera": "pan_left"}],
        "parameters": {"resolution": "720p", "seed": 2}})
    assert stub.status_code == 200, stub.text
    done = app_server.wait_done(http, f"/v1beta/{stub.json()['name']}")
    assert done["metadata"]["concepts"] == {"rendered": ["beach", "day", "sea", "night", "pan"],
                                            "notRendered": ["dragon"]}


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[InProcessServer, InProcessClient]]:
    root: Path = tmp_path_factory.mktemp("gated-concepts")
    catalog = Gates(root / "gates").write_catalog(root / "catalog.json", fixed_seconds=0.1)
    with InProcessServer(explicit_settings(root / "data", catalog_path=catalog)) as server:
        yield server, server.client(server.create_key())


def test_an_engine_that_cannot_say_adds_no_account(gated: tuple[InProcessServer, InProcessClient]) -> None:
    server, http = gated
    stub = http.post(f"/v1beta/models/{GATED}:predictLongRunning",
                     json={"instances": [{"prompt": PROMPT}], "parameters": {"durationSeconds": 4}})
    assert stub.status_code == 200, stub.text
    done = server.wait_done(http, f"/v1beta/{stub.json()['name']}")
    assert "response" in done and "concepts" not in done["metadata"]
