"""Inputs are stored once, outside the operation row: images and videos a create call sends are
written to storage under the operation's keys, the row keeps only those keys (so polls and
listings never decode them), the worker reads them back to render, and deleting the operation
removes them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.images import inline_image, png_bytes
from tests.support import LiveServer, decode_mp4

CREATE = "/v1beta/models/veo-3.1-generate-001:predictLongRunning"


def test_inputs_live_in_storage_not_in_the_operation_row(tmp_path: Path) -> None:
    live = LiveServer(tmp_path / "server")
    key = live.create_key()
    live.start(workers=0)
    try:
        http = live.client(key)
        body = {"instances": [{"prompt": "a lake at dawn", "image": inline_image(png_bytes(640, 360, seed=1)),
                               "lastFrame": inline_image(png_bytes(640, 360, seed=2))}],
                "parameters": {"durationSeconds": 4, "resolution": "720p"}}
        name = http.post(CREATE, json=body).json()["name"]
        op_id = name.rsplit("/", 1)[1]
        inputs = live.data_dir / "videos" / "inputs" / op_id
        assert sorted(p.name for p in inputs.iterdir()) == ["image", "last_frame"]
        assert (inputs / "image").read_bytes() == png_bytes(640, 360, seed=1)

        with sqlite3.connect(live.data_dir / "openreel.db") as db:
            (row,) = db.execute("SELECT request FROM operations WHERE id = ?", (op_id,)).fetchone()
        request = json.loads(row)
        assert request["image"] == {"key": f"inputs/{op_id}/image", "mimeType": "image/png"}
        assert len(row) < 2000
    finally:
        live.stop()

    live.start(workers=1)
    try:
        http = live.client(key)
        done = live.wait_done(http, f"/v1beta/{name}")
        uri = done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
        file_id = uri.split("files/")[1].split(":")[0]
        assert decode_mp4(http.get(f"/v1beta/files/{file_id}:download?alt=media").content).frame_count == 96
        assert http.delete(f"/v1beta/operations/{op_id}").status_code == 200
        assert not inputs.exists()
        assert not list((live.data_dir / "videos").rglob("*.mp4"))
    finally:
        live.stop()
