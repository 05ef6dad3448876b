"""Idempotency-Key on create: a retried create gets the operation the first one made, is admitted
and charged once; the same key on another request is refused with 409 saying why."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.databases import postgres_schema
from tests.gates import MODEL, Gates, gated_body
from tests.inprocess import InProcessServer, explicit_settings
from tests.support import LiveServer

CREATE = f"/v1beta/models/{MODEL}:predictLongRunning"
VERTEX_CREATE = f"/v1/projects/idem/locations/us-central1/publishers/google/models/{MODEL}:predictLongRunning"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    root = tmp_path_factory.mktemp("idempotency")
    gates = Gates(root / "gates")
    with InProcessServer(explicit_settings(root / "data", catalog_path=gates.write_catalog(root / "c.json"))) as app:
        yield app


def test_the_same_key_and_body_return_the_same_operation_once(server: InProcessServer) -> None:
    http = server.client(server.create_key(project="idem", tier="free"))  # free: one operation at a time
    headers = {"Idempotency-Key": "7f9c2ba4-retry-1"}
    first = http.post(CREATE, json=gated_body("idemone"), headers=headers)
    again = http.post(CREATE, json=gated_body("idemone"), headers=headers)
    # Not a 429 although the free tier's one slot is taken: the retry is the same request.
    assert first.status_code == again.status_code == 200
    assert again.json()["name"] == first.json()["name"]
    listed = http.get("/v1beta/operations").json()["operations"]
    assert [op["name"] for op in listed] == [first.json()["name"]]
    # Key order in the body does not make another request.
    reordered = {"parameters": gated_body("idemone")["parameters"], "instances": gated_body("idemone")["instances"]}
    assert http.post(CREATE, json=reordered, headers=headers).json()["name"] == first.json()["name"]


def test_the_same_key_with_another_body_is_refused_with_409(server: InProcessServer) -> None:
    http = server.client(server.create_key(project="idem2"))
    headers = {"Idempotency-Key": "order-42"}
    assert http.post(CREATE, json=gated_body("idemtwo"), headers=headers).status_code == 200
    refused = http.post(CREATE, json=gated_body("idemthree"), headers=headers)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["status"] == "ABORTED" and "order-42" in error["message"] and "different request" in error["message"]
    assert len(http.get("/v1beta/operations").json()["operations"]) == 1


def test_a_deleted_operations_key_makes_a_new_operation(server: InProcessServer) -> None:
    http = server.client(server.create_key(project="idem-del"))
    headers = {"Idempotency-Key": "delete-then-retry"}
    first = http.post(CREATE, json=gated_body("idemdel"), headers=headers).json()["name"]
    assert http.delete(f"/v1beta/operations/{first.rsplit('/', 1)[1]}").status_code == 200
    again = http.post(CREATE, json=gated_body("idemdel"), headers=headers)
    assert again.status_code == 200 and again.json()["name"] != first


def test_keys_are_per_project(server: InProcessServer) -> None:
    mine = server.client(server.create_key(project="idem-a"))
    theirs = server.client(server.create_key(project="idem-b"))
    headers = {"Idempotency-Key": "shared-key"}
    a = mine.post(CREATE, json=gated_body("idemproj"), headers=headers).json()["name"]
    b = theirs.post(CREATE, json=gated_body("idemproj"), headers=headers).json()["name"]
    assert a != b


@pytest.mark.parametrize("key", [b"", b"x" * 256, b"has space", "naïve".encode()])
def test_an_unusable_key_is_a_400_naming_the_header(server: InProcessServer, key: bytes) -> None:
    http = server.client(server.create_key(project="idem-bad"))
    refused = http.post(CREATE, json=gated_body("idembad"), headers={"Idempotency-Key": key})
    assert refused.status_code == 400
    assert refused.json()["error"]["details"][0]["fieldViolations"][0]["field"] == "Idempotency-Key"
    assert http.get("/v1beta/operations").json().get("operations", []) == []


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_truly_concurrent_duplicates_make_one_operation(tmp_path: Path, database: str) -> None:
    gates = Gates(tmp_path / "gates")
    with ExitStack() as stack:
        url = "" if database == "sqlite" else stack.enter_context(postgres_schema())[0]
        live = LiveServer(tmp_path / "data", catalog_path=gates.write_catalog(tmp_path / "c.json"), database_url=url)
        live.start()
        stack.callback(live.stop)
        _create_sixteen_at_once(live)


def _create_sixteen_at_once(live: LiveServer) -> None:
    """Sixteen identical creates with one Idempotency-Key, eight at a time: one operation."""
    key = live.create_key(project="idem")
    headers = {"x-goog-api-key": key, "Idempotency-Key": "burst-1"}

    def create(_: int) -> httpx.Response:
        return httpx.post(f"{live.url}{VERTEX_CREATE}", json=gated_body("idemburst"), headers=headers, timeout=60)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(create, range(16)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.json()["name"] for a in answers}) == 1
    listed = httpx.get(f"{live.url}/v1/projects/idem/locations/us-central1/operations", headers=headers).json()
    assert len(listed["operations"]) == 1
