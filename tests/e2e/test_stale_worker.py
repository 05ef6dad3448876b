"""A stale worker never touches a finished operation: two servers share one data dir; the one
running a job is paused (SIGSTOP) mid-job, the other takes the job over when the lease expires and
finishes it, then the first resumes. Every sample of the result must download and decode."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

import numpy as np

from openreel_gated import sample_colour
from tests.gates import MODEL, Gates, gated_body
from tests.support import LiveServer, decode_mp4


def _attempt_files(data_dir: Path, op_id: str, attempt_pid_token: int) -> list[Path]:
    # The storage root is <data>/videos; video keys start with videos/ too.
    return list((data_dir / "videos" / "videos" / op_id).glob(f"attempt-{attempt_pid_token}/*.mp4"))


def _pause_holding_no_lock(pid: int, database: Path) -> None:
    """SIGSTOP the server at a moment it holds no SQLite write lock. Paused inside a write (a
    heartbeat, say) it would lock every other process out of the one database file until it
    resumes: an outage of the whole embedded deployment, not the lost claim this test is about."""
    for _ in range(100):
        os.kill(pid, signal.SIGSTOP)
        probe = sqlite3.connect(database, timeout=0.2, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return
        except sqlite3.OperationalError:  # locked: let it finish that write, then try again
            os.kill(pid, signal.SIGCONT)
            time.sleep(0.05)
        finally:
            probe.close()
    raise AssertionError("the server never paused outside a write")


def test_paused_worker_that_lost_its_claim_leaves_the_finished_videos_alone(tmp_path: Path) -> None:
    gates = Gates(tmp_path / "gates")
    catalog = gates.write_catalog(tmp_path / "catalog.json")
    data = tmp_path / "shared-data"
    settings = dict(lease_seconds=3, heartbeat_seconds=0.5, catalog_path=catalog)
    first, second = LiveServer(data, **settings), LiveServer(data, **settings)
    key = first.create_key()
    first.start()
    try:
        http = first.client(key)
        name = http.post(f"/v1beta/models/{MODEL}:predictLongRunning", json=gated_body("takeover", samples=2)).json()["name"]
        op_id = name.rsplit("/", 1)[1]
        gates.open("takeover", 0)
        gates.wait_started("takeover", 1)  # sample 0 is encoded and stored by the first server
        assert _attempt_files(data, op_id, 1), "the first attempt stored sample 0"
        assert first.process is not None
        _pause_holding_no_lock(first.process.pid, data / "openreel.db")
        try:
            second.start()
            # The second server takes over once the paused one's lease expires: its own start of sample 1.
            gates.wait_started("takeover", 1, times=2)
            gates.open("takeover", 1)
            done = second.wait_done(second.client(key), f"/v1beta/{name}", timeout=300)
        finally:
            os.kill(first.process.pid, signal.SIGCONT)
        assert "response" in done and done["metadata"]["attempt"] == 2

        # The first server wakes up, finds its claim gone, and removes only its own attempt's files.
        deadline = time.monotonic() + 60
        while _attempt_files(data, op_id, 1) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _attempt_files(data, op_id, 1)

        samples = done["response"]["generateVideoResponse"]["generatedSamples"]
        assert len(samples) == 2
        for index, sample in enumerate(samples):
            file_id = sample["video"]["uri"].split("files/")[1].split(":")[0]
            for server in (first, second):
                response = server.client(key).get(f"/v1beta/files/{file_id}:download", params={"alt": "media"})
                assert response.status_code == 200, response.text
                video = decode_mp4(response.content, keep_frames=True)
                assert video.frame_count == 96
                assert np.abs(video.frames[0].mean(axis=(0, 1)) - sample_colour(index)).max() < 8
    finally:
        second.stop()
        first.stop()
