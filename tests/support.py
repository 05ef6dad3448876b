"""Test support: a real `openreel serve` process, and MP4 inspection by decoding."""

from __future__ import annotations

import importlib
import io
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import av
import httpx
import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
STATIC_PROMPT = "a quiet desert at noon, static shot"


def stop_process(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """SIGTERM a process this test started, and SIGKILL it if it has not ended within timeout."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def require_or_skip(reason: str) -> None:
    """Skip on a laptop without the service; fail in CI, where OPENREEL_REQUIRE_SERVICES=1."""
    if os.environ.get("OPENREEL_REQUIRE_SERVICES") == "1":
        pytest.fail(f"required test service missing: {reason}")
    pytest.skip(reason)


def import_or_require(module: str, reason: str) -> ModuleType:
    """Import an optional test dependency, or skip (fail in CI) via require_or_skip."""
    try:
        return importlib.import_module(module)
    except ImportError:
        require_or_skip(reason)
        raise  # not reached: require_or_skip always raises


def client_python(env_var: str, venv: str, reason: str) -> str:
    """The interpreter of a client SDK kept in its own venv (scripts/test makes them), because
    those SDK versions cannot share one environment with the server's test dependencies."""
    candidate = os.environ.get(env_var) or str(REPO / venv / "bin/python")
    if not Path(candidate).exists():
        require_or_skip(f"{reason} (set {env_var})")
    return candidate


def genai_done(client: Any, operation: Any, timeout: float = 300, interval: float = 1) -> Any:
    """Poll a google-genai operation with client.operations.get until it is done (or fail the test
    after `timeout` seconds), as the SDK's own docs poll; returns the finished operation."""
    deadline = time.monotonic() + timeout
    while not operation.done:
        assert time.monotonic() < deadline, f"{operation.name} not done after {timeout} s"
        time.sleep(interval)
        operation = client.operations.get(operation)
    return operation


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def openreel_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "openreel.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout)


class LiveServer:
    """`openreel serve` in its own process on a free loopback port, with its own data dir."""

    def __init__(self, data_dir: Path, **settings: Any) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {"OPENREEL_DATA_DIR": str(data_dir), "OPENREEL_HOST": "127.0.0.1",
                    "OPENREEL_PORT": str(self.port)}
        self.env |= {f"OPENREEL_{k.upper()}": str(v) for k, v in settings.items()}
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "server.log"

    def create_key(self, project: str = "my-proj", tier: str = "enterprise") -> str:
        done = openreel_cli("keys", "create", "--project", project, "--tier", tier, env=self.env)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    def start(self, *, log_level: str = "warning", **overrides: Any) -> LiveServer:
        """Start and wait until healthy; `log_level` is uvicorn's ("info" adds the access log)."""
        env = {**os.environ, **self.env, **{f"OPENREEL_{k.upper()}": str(v) for k, v in overrides.items()}}
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen([sys.executable, "-m", "openreel.cli", "serve", "--log-level", log_level],
                                        env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not become healthy")

    def stop(self, kill: bool = False) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def client(self, key: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"x-goog-api-key": key}, timeout=60)

    def wait_done(self, http: httpx.Client, poll_path: str, timeout: float = 300) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = http.get(poll_path).json()
            if body.get("done"):
                return body
            time.sleep(0.3)
        raise TimeoutError(f"{poll_path} not done after {timeout}s")


@dataclass(frozen=True)
class DecodedVideo:
    codec: str
    pix_fmt: str
    width: int
    height: int
    fps: float
    frame_count: int
    color_primaries: int
    color_trc: int
    colorspace: int
    audio_codec: str | None
    audio_rate: int | None
    audio_channels: int | None
    frames: list[np.ndarray]
    audio: np.ndarray | None
    moov_before_mdat: bool


def decode_mp4(data: bytes, keep_frames: bool = False) -> DecodedVideo:
    """Decode every frame (and the audio) of an MP4: what a player would see."""
    frames: list[np.ndarray] = []
    count = 0
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        ctx = stream.codec_context
        info = dict(codec=ctx.name, pix_fmt=ctx.pix_fmt, width=ctx.width, height=ctx.height,
                    fps=float(stream.average_rate), color_primaries=int(ctx.color_primaries),
                    color_trc=int(ctx.color_trc), colorspace=int(ctx.colorspace))
        for frame in container.decode(video=0):
            count += 1
            if keep_frames:
                frames.append(frame.to_ndarray(format="rgb24"))
    audio_codec = audio_rate = audio_channels = None
    audio = None
    with av.open(io.BytesIO(data)) as container:
        if container.streams.audio:
            a = container.streams.audio[0].codec_context
            audio_codec, audio_rate, audio_channels = a.name, a.sample_rate, a.channels
            chunks = [f.to_ndarray() for f in container.decode(audio=0)]
            audio = np.concatenate(chunks, axis=1) if chunks else None
    return DecodedVideo(**info, frame_count=count, audio_codec=audio_codec, audio_rate=audio_rate,
                        audio_channels=audio_channels, frames=frames, audio=audio,
                        moov_before_mdat=0 <= data.find(b"moov") < data.find(b"mdat"))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)


def media_packets(mp4: bytes) -> list[tuple[int, bytes]]:
    """Every packet of every stream, (stream index, bytes), in file order: what a decoder is fed."""
    with av.open(io.BytesIO(mp4)) as container:
        return [(packet.stream.index, bytes(packet)) for packet in container.demux() if packet.size]


@dataclass(frozen=True)
class Credentials:
    """What c2pa's own Reader makes of a video's content credentials."""

    state: str  # Trusted, Valid or Invalid
    failures: list[str]  # the validation failure codes (signingCredential.untrusted for a development certificate)
    source_types: list[str]  # the digitalSourceType of each action
    generation: dict[str, Any]  # openreel's org.openreel.generation assertion
    claim_generator: list[dict[str, Any]]
    # The credentials the video came with, kept as ingredients: relationship, and their generation assertion.
    ingredients: list[dict[str, Any]]


def content_credentials(mp4: bytes, trust_anchors: bytes | None = None) -> Credentials | None:
    """The video's content credentials as c2pa reads them, or None when it carries none."""
    import tempfile

    from openreel.provenance.credentials import read_manifest

    with tempfile.NamedTemporaryFile(suffix=".mp4") as file:
        file.write(mp4)
        file.flush()
        store = read_manifest(Path(file.name), trust_anchors)
    if store is None:
        return None
    manifest = store["manifests"][store["active_manifest"]]
    assertions = {a["label"]: a["data"] for a in manifest["assertions"]}
    actions = assertions.get("c2pa.actions.v2", assertions.get("c2pa.actions", {})).get("actions", [])
    results = (store.get("validation_results") or {}).get("activeManifest") or {}
    ingredients = []
    for ingredient in manifest.get("ingredients", []):
        kept = store["manifests"].get(ingredient.get("active_manifest"), {})
        generation = {a["label"]: a["data"] for a in kept.get("assertions", [])}.get("org.openreel.generation")
        ingredients.append({"relationship": ingredient.get("relationship"), "generation": generation})
    return Credentials(state=store["validation_state"], failures=[f["code"] for f in results.get("failure", [])],
                       source_types=[a.get("digitalSourceType", "") for a in actions],
                       generation=assertions.get("org.openreel.generation", {}),
                       claim_generator=manifest.get("claim_generator_info", []), ingredients=ingredients)


def assert_signed_copy(stored: bytes, made: bytes, engine: str, model: str, came_from: str | None = None) -> None:
    """`stored` is the engine's MP4 `made`, every packet unchanged, with openreel's content
    credentials naming the engine and model; with `came_from`, keeping as an ingredient the
    credentials of the (remote openreel's) engine it arrived signed by."""
    assert media_packets(stored) == media_packets(made)
    credentials = content_credentials(stored)
    assert credentials is not None and credentials.state in ("Valid", "Trusted"), credentials
    assert (credentials.generation["engine"], credentials.generation["model"]) == (engine, model)
    assert [i["generation"]["engine"] for i in credentials.ingredients] == ([came_from] if came_from else [])
