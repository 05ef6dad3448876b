"""An upstream catalog entry as an operator writes it: a mistake is named in the model listing and
refuses creates (nothing queued), and what the remote Veo model cannot do is a 400 before anything
is queued or counted against the remote's limits. No remote is needed: nothing here is sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.images import inline_image
from tests.inprocess import InProcessServer, explicit_settings
from tests.tiny_models import catalog_table


def _server(tmp_path: Path, **entries: dict[str, Any]) -> InProcessServer:
    catalog = tmp_path / "catalog.toml"
    catalog.write_text("\n".join(catalog_table(model, {"engine": "upstream", **fields})
                                 for model, fields in entries.items()))
    return InProcessServer(explicit_settings(tmp_path / "data", workers=0, catalog_path=catalog))


@pytest.mark.parametrize(("fields", "named"), [
    ({"surface": "gemini", "remote_model": "veo-3.1-generate-preview"}, "needs api_key or api_key_env"),
    ({"surface": "vertex", "remote_model": "veo-3.1-generate-001"}, "needs project"),
    ({"surface": "gemini", "api_key": "k", "remote_model": "veo-3.1-generate-preview", "rpm": -1}, "rpm"),
    ({"surface": "gemini", "api_key": "k"}, "remote_model"),
    ({"surface": "vertex", "api_key": "k", "remote_model": "veo-3.1-generate-001", "storage_uri": "s3://b/"},
     "storage_uri is a gs:// prefix"),
    ({"surface": "gemini", "api_key": "k", "remote_model": "v", "pollinterval": 1}, "pollinterval"),
    ({"surface": "gemini", "api_key": "k", "remote_model": "v", "base_url": "example.com"}, "base_url must be"),
    # Credentials that cannot be had are named up front, not by every operation failing as it runs.
    ({"surface": "gemini", "api_key_env": "OPENREEL_TEST_UNSET_KEY", "remote_model": "veo-3.1-generate-preview"},
     "api_key_env (OPENREEL_TEST_UNSET_KEY) is empty or not set"),
    ({"surface": "vertex", "project": "p", "credentials_file": "/nonexistent/account.json",
      "remote_model": "veo-3.1-generate-001"}, "credentials_file /nonexistent/account.json cannot be read"),
])
def test_a_broken_entry_is_named_in_the_listing_and_refuses_creates(tmp_path: Path, fields: dict[str, Any],
                                                                    named: str) -> None:
    with _server(tmp_path, **{"veo-google": fields}) as server:
        key = server.create_key()
        http = server.client(key)
        listed = http.get("/v1beta/models/veo-google").json()
        assert named in listed["unavailable"]
        answer = http.post("/v1beta/models/veo-google:predictLongRunning", json={"instances": [{"prompt": "a"}]})
        assert answer.status_code == 400 and named in answer.json()["error"]["message"]
        assert server.runtime.store.list_operations("my-proj", 10, None)[0] == []


def test_what_the_remote_veo_model_cannot_do_is_refused_before_anything_is_queued(tmp_path: Path) -> None:
    veo3 = {"surface": "vertex", "api_key": "k", "remote_model": "veo-3.0-generate-001"}
    with _server(tmp_path, **{"veo-3": veo3}) as server:
        http = server.client(server.create_key())
        for instance, parameters, field in (
                ({"prompt": "a", "image": inline_image(), "lastFrame": inline_image()}, {}, "instances[0].lastFrame"),
                ({"prompt": "a"}, {"resolution": "4k"}, "parameters.resolution"),
                ({"prompt": "a"}, {"durationSeconds": 5}, "parameters.durationSeconds")):
            answer = http.post("/v1beta/models/veo-3:predictLongRunning",
                               json={"instances": [instance], "parameters": parameters})
            assert answer.status_code == 400, answer.text
            violations = [v["field"] for d in answer.json()["error"]["details"] for v in d.get("fieldViolations", [])]
            assert violations == [field]
        assert server.runtime.store.list_operations("my-proj", 10, None)[0] == []
        capabilities = http.get("/v1beta/models/veo-3").json()["capabilities"]
        assert capabilities["durationsSeconds"] == [4, 6, 8] and "4k" not in capabilities["resolutions"]
        assert capabilities["lastFrame"] is False and capabilities["maxSamples"] == 4
