"""Quotas hold exactly under truly simultaneous creates (threads released together by a
barrier), on SQLite and PostgreSQL: admission and insert are one atomic step, so a burst admits
exactly the limit, whether the binding limit is concurrency, requests per minute, requests per
day or the server's queue cap, and every refused create leaves nothing stored."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.databases import postgres_schema
from tests.support import STATIC_PROMPT, LiveServer

CREATE = "/v1beta/models/veo-3.0-generate-001:predictLongRunning"
BODY = {"instances": [{"prompt": STATIC_PROMPT}], "parameters": {"durationSeconds": 4, "resolution": "720p"}}
# Overrides that make one limit the binding one for a tier (null: unlimited).
TIERS = {"standard": {"requests_per_minute": 4, "requests_per_day": None, "concurrent": None},
         "enterprise": {"requests_per_minute": None, "requests_per_day": 6, "concurrent": None}}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    with ExitStack() as stack:
        yield "" if request.param == "sqlite" else stack.enter_context(postgres_schema())[0]


def _server(data_dir: Path, database_url: str, **settings: object) -> LiveServer:
    # No workers: admitted operations stay queued, so they all count as active.
    live = LiveServer(data_dir, workers=0, tier_limits=json.dumps(TIERS), **settings)
    if database_url:
        live.env["OPENREEL_DATABASE_URL"] = database_url
    return live.start()


def _burst(live: LiveServer, key: str, count: int) -> Counter[int]:
    """`count` creates at the same instant, each on its own warm connection."""
    clients = [live.client(key) for _ in range(count)]
    for client in clients:
        client.get("/v1beta/models")
    barrier = threading.Barrier(count)
    codes: list[int] = []

    def create(client: httpx.Client) -> None:
        barrier.wait()
        codes.append(client.post(CREATE, json=BODY).status_code)

    threads = [threading.Thread(target=create, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    return Counter(codes)


def _stored(live: LiveServer, key: str) -> int:
    return len(live.client(key).get("/v1beta/operations", params={"pageSize": 100}).json().get("operations", []))


@pytest.mark.parametrize(("tier", "count", "limit"), [
    ("elevated", 30, 10),   # 10 concurrent operations
    ("free", 8, 1),         # 1 concurrent operation
    ("standard", 30, 4),    # 4 requests per minute (override)
    ("enterprise", 30, 6),  # 6 requests per day (override)
])
def test_a_simultaneous_burst_admits_exactly_the_limit(tmp_path: Path, database_url: str, tier: str,
                                                        count: int, limit: int) -> None:
    live = _server(tmp_path / "server", database_url)
    try:
        key = live.create_key(project=f"burst-{tier}", tier=tier)
        codes = _burst(live, key, count)
        assert codes == Counter({200: limit, 429: count - limit})
        assert _stored(live, key) == limit
    finally:
        live.stop()


def test_a_simultaneous_burst_fills_the_queue_exactly_to_its_cap(tmp_path: Path, database_url: str) -> None:
    live = _server(tmp_path / "server", database_url, max_queued=5)
    try:
        key = live.create_key(project="burst-queue", tier="enterprise")
        codes = _burst(live, key, 30)
        assert codes == Counter({200: 5, 503: 25})
        assert _stored(live, key) == 5
    finally:
        live.stop()
