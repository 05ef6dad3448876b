"""Service-core benchmark. Writes bench/results/service_core.json:

- submit latency: POST :predictLongRunning on a live server (no workers, so nothing competes)
- poll latency: GET the operation
- one 8 s 1080p clip end to end (submit -> done) with one in-process worker, versus rendering the
  same frames alone and encoding those frames alone (H.264 CRF 21, veryfast)

Usage: python bench/service_core.py [--submits 100] [--polls 300]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from openreel.domain.request import GenerationRequest
from openreel.engines.procedural import ProceduralEngine
from openreel.media.encode import Mp4Encoder
from openreel.worker.control import RunControl


def _quiet() -> RunControl:
    """The worker's run context with nobody following its progress and nothing to cancel it."""
    return RunControl(timeout_seconds=3600, scratch_dir=Path(tempfile.gettempdir()))


PROMPT = ("A serene mountain lake at dawn, mist rising over still water, golden morning light, "
          "slow pan from left to right, cinematic")
SEED = 2024


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def _summary(ms: list[float]) -> dict[str, float]:
    return {"n": len(ms), "p50_ms": round(_percentile(ms, 50), 2), "p99_ms": round(_percentile(ms, 99), 2),
            "mean_ms": round(statistics.fmean(ms), 2)}


class Server:
    def __init__(self, data_dir: Path, workers: int) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "OPENREEL_DATA_DIR": str(data_dir), "OPENREEL_PORT": str(self.port),
                    "OPENREEL_WORKERS": str(workers)}
        key = subprocess.run([sys.executable, "-m", "openreel.cli", "keys", "create", "--project", "bench", "--tier", "enterprise"],
                             env=self.env, capture_output=True, text=True, check=True)
        self.key = key.stdout.strip().splitlines()[-1]
        self.proc = subprocess.Popen([sys.executable, "-m", "openreel.cli", "serve", "--log-level", "warning"],
                                     env=self.env)
        for _ in range(300):
            try:
                if httpx.get(f"{self.url}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        self.http = httpx.Client(base_url=self.url, headers={"x-goog-api-key": self.key})

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()


def api_latency(data_dir: Path, submits: int, polls: int) -> dict[str, object]:
    server = Server(data_dir, workers=0)
    try:
        body = {"instances": [{"prompt": PROMPT}], "parameters": {"durationSeconds": 4, "resolution": "720p"}}
        submit_ms, names = [], []
        for _ in range(submits):
            start = time.perf_counter()
            response = server.http.post("/v1beta/models/veo-3.0-generate-001:predictLongRunning", json=body)
            submit_ms.append((time.perf_counter() - start) * 1000)
            names.append(response.json()["name"])
        poll_ms = []
        for i in range(polls):
            start = time.perf_counter()
            server.http.get(f"/v1beta/{names[i % len(names)]}").raise_for_status()
            poll_ms.append((time.perf_counter() - start) * 1000)
        return {"submit": _summary(submit_ms), "poll": _summary(poll_ms)}
    finally:
        server.stop()


def end_to_end(data_dir: Path) -> float:
    server = Server(data_dir, workers=1)
    try:
        body = {"instances": [{"prompt": PROMPT}],
                "parameters": {"durationSeconds": 8, "resolution": "1080p", "seed": SEED}}
        start = time.perf_counter()
        name = server.http.post("/v1beta/models/veo-3.0-generate-001:predictLongRunning", json=body).json()["name"]
        while not server.http.get(f"/v1beta/{name}").json().get("done"):
            time.sleep(0.05)
        return time.perf_counter() - start
    finally:
        server.stop()




def render_then_encode(tmp: Path) -> tuple[float, float]:
    request = GenerationRequest(model="veo-3.0-generate-001", prompt=PROMPT, seed=SEED)
    start = time.perf_counter()
    clip = ProceduralEngine({}).generate(request, _quiet())[0]
    frames = list(clip.frames)
    render = time.perf_counter() - start
    start = time.perf_counter()
    with Mp4Encoder(tmp / "alone.mp4", clip.width, clip.height, clip.fps) as encoder:
        for frame in frames:
            encoder.write_frame(frame)
    return render, time.perf_counter() - start


def machine() -> dict[str, object]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submits", type=int, default=100)
    parser.add_argument("--polls", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "service_core.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        latency = api_latency(root / "api", args.submits, args.polls)
        e2e = end_to_end(root / "e2e")
        render, encode = render_then_encode(root)
    result = {
        "benchmark": "service_core", "date": time.strftime("%Y-%m-%d"), "machine": machine(),
        **latency,
        "clip": {"duration_s": 8, "resolution": "1920x1080", "frames": 192, "prompt": PROMPT},
        "end_to_end_s": round(e2e, 2), "render_alone_s": round(render, 2), "encode_alone_s": round(encode, 2),
        "end_to_end_over_encode_alone": round(e2e / encode, 2),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
