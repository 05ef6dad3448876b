"""A key belongs to a project that a Vertex path can name (projects/P/locations/...)."""

from __future__ import annotations

import pytest

from openreel.auth import Tier
from openreel.errors import InvalidArgument
from tests.inprocess import InProcessServer


@pytest.mark.parametrize("project", ["", "a/b", "two words", "line\nbreak", "-leading-dash", "x" * 64])
def test_a_project_no_vertex_path_can_name_gets_no_key(app_server: InProcessServer, project: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        app_server.runtime.keys.create(project, Tier.FREE)
    assert refused.value.violations[0].field == "project"


def test_project_ids_as_google_spells_them_get_keys(app_server: InProcessServer) -> None:
    key = app_server.runtime.keys.create("your-project-id", Tier.FREE).plaintext
    http = app_server.client(key)
    listed = http.get("/v1/projects/your-project-id/locations/us-central1/operations")
    assert listed.status_code == 200, listed.text
