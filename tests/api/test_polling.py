"""The fast poll path keeps answering what a caller must see: a finished operation served from
memory is gone as soon as it is deleted, another project never sees it, and a running one moves
on (only finished operations are kept)."""

from __future__ import annotations

from pathlib import Path

from tests.gates import MODEL, Gates, gated_body
from tests.inprocess import InProcessServer, explicit_settings


def test_cached_polls_follow_progress_deletion_and_project_scope(tmp_path: Path) -> None:
    gates = Gates(tmp_path / "gates")
    settings = explicit_settings(tmp_path / "data", catalog_path=gates.write_catalog(tmp_path / "catalog.json"))
    with InProcessServer(settings) as server:
        http = server.client(server.create_key(project="mine"))
        stranger = server.client(server.create_key(project="theirs"))
        name = http.post(f"/v1beta/models/{MODEL}:predictLongRunning", json=gated_body("polled")).json()["name"]
        op_id = name.rsplit("/", 1)[1]
        gates.wait_started("polled", 0)
        assert http.get(f"/v1beta/{name}").json()["done"] is False  # running: read afresh on every poll
        gates.open("polled", 0)
        done = server.wait_done(http, f"/v1beta/{name}")
        assert "response" in done
        for path in (f"/v1beta/{name}", f"/v1beta/operations/{op_id}"):
            assert http.get(path).json() == done  # served again, now from memory
            assert stranger.get(path).status_code == 404

        assert http.delete(f"/v1beta/operations/{op_id}").status_code == 200
        for path in (f"/v1beta/{name}", f"/v1beta/operations/{op_id}"):
            gone = http.get(path)
            assert gone.status_code == 404 and gone.json()["error"]["status"] == "NOT_FOUND"
