"""Which resolutions each model serves: 4K on Google's current Veo 3.1 and 3.1 fast ids (GA and
preview), a 400 naming parameters.resolution and listing what the model offers elsewhere, and an
operator's catalog entry declaring its own. Nothing here renders."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.inprocess import InProcessClient, InProcessServer, explicit_settings
from tests.support import STATIC_PROMPT

UHD_MODELS = ["veo-3.1-generate-001", "veo-3.1-fast-generate-001", "veo-3.1-generate-preview",
              "veo-3.1-fast-generate-preview"]
HD_MODELS = ["veo-3.1-lite-generate-001", "veo-3.1-lite-generate-preview", "veo-3.0-generate-001",
             "veo-3.0-fast-generate-001", "veo-2.0-generate-001"]
VERTEX = "/v1beta1/projects/my-proj/locations/us-central1/publishers/google/models"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    data_dir = tmp_path_factory.mktemp("resolutions")
    catalog = data_dir / "catalog.json"
    catalog.write_text(json.dumps({"models": [
        {"id": "small-720", "engine": "procedural", "resolutions": ["720p"]}]}))
    # No workers: an accepted request stays queued instead of rendering.
    with InProcessServer(explicit_settings(data_dir, workers=0, catalog_path=catalog)) as app:
        yield app


@pytest.fixture(scope="module")
def http(app_server: InProcessServer, app_key: str) -> InProcessClient:
    return app_server.client(app_key)


def _create(http: InProcessClient, model: str, resolution: str | None, vertex: bool = False,
            aspect: str = "16:9") -> tuple[int, dict[str, str]]:
    parameters = {"durationSeconds": 8 if model.startswith("veo-2") else 4, "aspectRatio": aspect}
    if resolution is not None:
        parameters["resolution"] = resolution
    path = f"{VERTEX}/{model}:predictLongRunning" if vertex else f"/v1beta/models/{model}:predictLongRunning"
    response = http.post(path, json={"instances": [{"prompt": STATIC_PROMPT}], "parameters": parameters})
    details = response.json().get("error", {}).get("details", [{}])
    return response.status_code, {v["field"]: v["description"] for v in details[0].get("fieldViolations", [])}


@pytest.mark.parametrize("model", UHD_MODELS)
def test_veo_31_and_31_fast_accept_4k_on_both_surfaces(http: InProcessClient, model: str) -> None:
    assert _create(http, model, "4k") == (200, {})
    assert _create(http, model, "4K", vertex=True, aspect="9:16") == (200, {})


@pytest.mark.parametrize("model", HD_MODELS)
def test_other_models_refuse_4k_naming_the_field_and_what_they_offer(http: InProcessClient, model: str) -> None:
    status, violations = _create(http, model, "4k")
    assert status == 400
    assert violations == {"parameters.resolution": f"must be one of 720p, 1080p for {model}"}


def test_an_unknown_resolution_lists_the_models_own(http: InProcessClient) -> None:
    assert _create(http, "veo-3.1-generate-001", "8k") == (
        400, {"parameters.resolution": "must be one of 720p, 1080p, 4k for veo-3.1-generate-001"})


def test_a_catalog_entry_declares_its_resolutions(http: InProcessClient) -> None:
    assert _create(http, "small-720", "1080p") == (400, {"parameters.resolution": "must be one of 720p for small-720"})
    assert _create(http, "small-720", "720p") == (200, {})
    assert _create(http, "small-720", None) == (200, {})  # its only resolution is its default
