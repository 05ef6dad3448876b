"""Every video a server makes carries content credentials c2pa verifies, whichever front asked for
it; switched off, the same request gives the same frames and no manifest. (The diffusers and
upstream engines' videos are checked in their own tests; the signing itself in tests/provenance.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

import openreel
from openreel.errors import FailedPrecondition
from openreel.provenance.manifest import ALGORITHMIC_MEDIA
from openreel.runtime import Runtime
from tests.inprocess import InProcessClient, InProcessServer, explicit_settings
from tests.support import content_credentials, decode_mp4

PROMPT = {"instances": [{"prompt": "a red kite over green hills, slow pan"}],
          "parameters": {"durationSeconds": 4, "resolution": "720p", "seed": 11, "generateAudio": True}}


def _served(root: Path, **settings: object) -> InProcessServer:
    return InProcessServer(explicit_settings(root, safety_classifier="off", safety_frame_classifier="off",
                                             **settings))


@pytest.fixture(scope="module")
def signing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with _served(tmp_path_factory.mktemp("signing")) as app:
        yield app


def _made(server: InProcessServer, http: InProcessClient) -> tuple[dict[str, object], bytes]:
    name = http.post("/v1beta/models/veo-3.1-generate-001:predictLongRunning", json=PROMPT).json()["name"]
    done = server.wait_done(http, f"/v1beta/{name}", timeout=120)
    uri = done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    file_id = re.search(r"files/([a-z0-9]+)", uri).group(1)  # type: ignore[union-attr]
    return done, http.get(f"/v1beta/files/{file_id}:download", params={"alt": "media"}).content


def test_a_served_video_states_what_made_it_and_when(signing: InProcessServer) -> None:
    done, video = _made(signing, signing.client(signing.create_key()))
    credentials = content_credentials(video)
    assert credentials is not None and credentials.state == "Valid"
    assert credentials.source_types == [ALGORITHMIC_MEDIA]  # the procedural renderer is no trained model
    generation = credentials.generation
    assert (generation["model"], generation["engine"], generation["generator_version"]) == (
        "veo-3.1-generate-001", "procedural", openreel.__version__)
    metadata = done["metadata"]
    assert isinstance(metadata, dict)
    created = datetime.fromisoformat(generation["created"])
    assert datetime.fromisoformat(str(metadata["createTime"])).replace(microsecond=0) <= created
    assert created <= datetime.fromisoformat(str(metadata["updateTime"]))
    # Trusted by a reader that adds the server's development root to its anchors.
    root = signing.runtime.settings.data_dir / "c2pa" / "root_ca.pem"
    trusted = content_credentials(video, trust_anchors=root.read_bytes())
    assert trusted is not None and trusted.state == "Trusted"


def test_switched_off_the_same_request_gives_the_same_frames_without_a_manifest(
        signing: InProcessServer, tmp_path: Path) -> None:
    _, signed = _made(signing, signing.client(signing.create_key()))
    with _served(tmp_path, content_credentials=False) as plain:
        _, unsigned = _made(plain, plain.client(plain.create_key()))
    assert content_credentials(unsigned) is None
    assert not (tmp_path / "c2pa").exists()
    a, b = decode_mp4(signed, keep_frames=True), decode_mp4(unsigned, keep_frames=True)
    assert a.frame_count == b.frame_count == 96
    assert all(np.array_equal(x, y) for x, y in zip(a.frames, b.frames))
    assert a.audio is not None and b.audio is not None and np.array_equal(a.audio, b.audio)


def test_a_certificate_that_cannot_sign_stops_the_start(tmp_path: Path) -> None:
    (tmp_path / "chain.pem").write_text("not a certificate")
    (tmp_path / "key.pem").write_text("not a key")
    settings = explicit_settings(tmp_path / "data", c2pa_cert=tmp_path / "chain.pem", c2pa_key=tmp_path / "key.pem")
    with pytest.raises(FailedPrecondition, match="Settings cannot be used"):
        Runtime.build(settings)
