"""A second openreel on loopback as the remote an upstream engine forwards to: its model `gated`
is held at gates the test opens (tests/gates.py), and its keys are on the seed guide's tiers, so
its own admission answers 429 as Google's would. A gateway openreel in front of it serves upstream
catalog entries."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.gates import MODEL, Gates
from tests.support import LiveServer
from tests.tiny_models import catalog_table

# Fast enough for tests; a real deployment polls Google every 10 s (the engine's default).
MINUTE = timedelta(seconds=60)
FAST = {"poll_interval_seconds": 0.2, "first_backoff_seconds": 0.5, "max_backoff_seconds": 5.0}


SHORT_MODEL = "gated-short"  # the remote's model that makes 4 s videos only


class Remote:
    def __init__(self, tmp: Path) -> None:
        self.gates = Gates(tmp / "gates")
        # Its engine encodes the MP4s itself and keeps a copy (<tag>.<i>.made.mp4), so a test can
        # check that what the gateway stored is the remote's file, byte for byte.
        options = {"control_dir": str(self.gates.dir), "output": "mp4"}
        catalog = tmp / "remote-catalog.toml"
        catalog.write_text(catalog_table(MODEL, {"engine": "gated", "durations": [4, 6, 8], **options}) + "\n"
                           + catalog_table(SHORT_MODEL, {"engine": "gated", "durations": [4], **options}))
        self.server = LiveServer(tmp / "remote", catalog_path=catalog, workers=4)

    def start(self) -> Remote:
        self.server.start(log_level="info")  # its access log says what it answered (answered())
        return self

    def answered(self, path: str, status: int) -> int:
        """How many requests to `path` the remote answered with `status`, from its access log."""
        return sum(1 for line in self.server.log_path.read_text().splitlines()
                   if f" {path} HTTP/1.1\" {status} " in line)

    def key(self, project: str, tier: str = "free") -> str:
        return self.server.create_key(project=project, tier=tier)

    def operations(self, key: str) -> list[dict[str, Any]]:
        """Every operation the remote made for the key's project, oldest first (its own records)."""
        ops: list[dict[str, Any]] = []
        token = None
        with self.server.client(key) as http:
            while True:
                params = {"pageSize": 100, **({"pageToken": token} if token else {})}
                page = http.get("/v1beta/operations", params=params)
                assert page.status_code == 200, page.text
                ops += page.json().get("operations", [])
                if not (token := page.json().get("nextPageToken")):
                    break
        return sorted(ops, key=lambda op: op["metadata"]["createTime"])

    def made(self, tag: str, sample: int = 0) -> bytes:
        """The MP4 the remote's engine made for sample `sample` of the job tagged `tag`."""
        return (self.gates.dir / f"{tag}.{sample}.made.mp4").read_bytes()

    def calls(self, tag: str) -> int:
        """How many times the remote's engine was asked for the job tagged `tag`."""
        path = self.gates.dir / f"{tag}.calls"
        return len(path.read_text().split()) if path.exists() else 0


def upstream_entry(model_id: str, remote: Remote, key: str | None, surface: str = "gemini", **fields: Any) -> str:
    """A gateway's catalog entry forwarding to `remote` with `key` (None: no api_key, for Vertex OAuth)."""
    return catalog_table(model_id, {"engine": "upstream", "base_url": remote.server.url, "surface": surface,
                                    "remote_model": MODEL, **FAST, **({"api_key": key} if key else {}), **fields})


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def most_in_any_minute(ops: list[dict[str, Any]]) -> int:
    """The most of these operations created within any sliding 60 s."""
    times = [_time(op["metadata"]["createTime"]) for op in ops]
    return max((sum(1 for t in times if start <= t < start + MINUTE) for start in times), default=0)


def most_at_once(ops: list[dict[str, Any]]) -> int:
    """The most of these (finished) operations that were active at one moment: each from its
    creation until its last update, when it finished."""
    spans = [(_time(op["metadata"]["createTime"]), _time(op["metadata"]["updateTime"])) for op in ops]
    return max((sum(1 for start, end in spans if start <= moment < end) for moment, _ in spans), default=0)


def wait_all_done(http: httpx.Client, names: list[str], timeout: float,
                  seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Poll every operation until all are done, keeping each poll's metadata in `seen`."""
    deadline = time.monotonic() + timeout
    done: dict[str, dict[str, Any]] = {}
    while len(done) < len(names):
        assert time.monotonic() < deadline, f"{len(names) - len(done)} operations not done after {timeout} s"
        for name in names:
            if name in done:
                continue
            body = http.get(f"/v1beta/{name}").json()
            seen.append(body.get("metadata", {}))
            if body.get("done"):
                done[name] = body
        time.sleep(0.25)
    return [done[name] for name in names]
