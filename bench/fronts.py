"""What the new fronts and content credentials cost. Writes bench/results/fronts.json:

- Content credentials: the procedural engine renders and encodes a clip (4 s 720p and 8 s 1080p,
  with audio), then ContentCredentials signs it; the signing time is reported against the
  render-and-encode time of the same clip, measured in the same run, with the bytes it adds.
- Fronts: the app in this process (create_app + httpx.ASGITransport, no workers, so nothing
  renders), a create and a poll of a queued operation through each front: the native Gemini
  shape (the baseline), OpenAI's /v1/videos (multipart, as the SDK sends it) and Interactions.
  Each figure is the median of `--requests` calls, the fronts taken in turn.

Usage: python bench/fronts.py [--clips 5] [--requests 300] [--out bench/results/fronts.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from openreel.api.app import create_app
from openreel.auth import Tier
from openreel.domain.request import GenerationRequest, Resolution
from openreel.engines.procedural import ProceduralEngine
from openreel.provenance.credentials import ContentCredentials
from openreel.provenance.manifest import Generation
from openreel.settings import Settings
from openreel.worker.control import RunControl
from openreel.worker.render import encode_clip
from poll import machine, measured_source  # bench/ is on sys.path when this runs as a script

PROMPT = "a lighthouse on a cliff at dusk, slow pan"


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def credentials_cost(clips: int, root: Path) -> list[dict[str, Any]]:
    credentials = ContentCredentials.from_settings(Settings(data_dir=root / "data"))
    assert credentials is not None
    engine = ProceduralEngine({})
    results = []
    for seconds, resolution in ((4, Resolution.HD), (8, Resolution.FULL_HD)):
        request = GenerationRequest(model="veo-3.1-generate-001", prompt=PROMPT, seed=1, duration_seconds=seconds,
                                    resolution=resolution, generate_audio=True)
        render, sign, added = [], [], []
        for index in range(clips):
            path = root / f"clip-{seconds}-{index}.mp4"
            started = time.perf_counter()
            [clip] = engine.generate(request, RunControl(600, root))
            encode_clip(clip, path, request.compression_quality)
            render.append(time.perf_counter() - started)
            size = path.stat().st_size
            started = time.perf_counter()
            credentials.sign(path, Generation(request.model, "procedural", datetime.now(UTC), trained_model=False))
            sign.append(time.perf_counter() - started)
            added.append(path.stat().st_size - size)
        results.append({"clip": f"{seconds} s {resolution.value} with audio", "render_encode_ms": _median_ms(render),
                        "sign_ms": _median_ms(sign), "sign_over_render_encode": round(
                            statistics.median(sign) / statistics.median(render), 4),
                        "bytes_added": int(statistics.median(added))})
    return results


async def fronts_cost(requests: int, root: Path) -> dict[str, Any]:
    settings = Settings(data_dir=root / "fronts", workers=0, safety_classifier="off", safety_frame_classifier="off",
                        max_queued=1_000_000, content_credentials=False)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        key = app.state.runtime.keys.create("bench", Tier.ENTERPRISE).plaintext
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            http.headers["x-goog-api-key"] = key
            fronts = {
                "gemini (baseline)": (_gemini_create, lambda body: f"/v1beta/{body['name']}"),
                "openai /v1/videos": (_openai_create, lambda body: f"/v1/videos/{body['id']}"),
                "interactions": (_interactions_create, lambda body: f"/v1/interactions/{body['id']}"),
            }
            creates: dict[str, list[float]] = {name: [] for name in fronts}
            polls: dict[str, list[float]] = {name: [] for name in fronts}
            made: dict[str, str] = {}
            for _ in range(requests):
                for name, (create, poll_path) in fronts.items():
                    started = time.perf_counter()
                    answer = await create(http)
                    creates[name].append(time.perf_counter() - started)
                    assert answer.status_code == 200, answer.text
                    made[name] = poll_path(answer.json())
                    started = time.perf_counter()
                    polled = await http.get(made[name])
                    polls[name].append(time.perf_counter() - started)
                    assert polled.status_code == 200, polled.text
    baseline_create, baseline_poll = (statistics.median(creates["gemini (baseline)"]),
                                      statistics.median(polls["gemini (baseline)"]))
    return {name: {"create_p50_ms": _median_ms(creates[name]), "poll_p50_ms": _median_ms(polls[name]),
                   "create_vs_baseline": round(statistics.median(creates[name]) / baseline_create, 3),
                   "poll_vs_baseline": round(statistics.median(polls[name]) / baseline_poll, 3)}
            for name in fronts}


async def _gemini_create(http: httpx.AsyncClient) -> httpx.Response:
    return await http.post("/v1beta/models/veo-3.1-generate-001:predictLongRunning", json={
        "instances": [{"prompt": PROMPT}], "parameters": {"durationSeconds": 4, "resolution": "720p"}})


async def _openai_create(http: httpx.AsyncClient) -> httpx.Response:
    return await http.post("/v1/videos", files={"prompt": (None, PROMPT), "model": (None, "sora-2"),
                                                "seconds": (None, "4"), "size": (None, "1280x720")})


async def _interactions_create(http: httpx.AsyncClient) -> httpx.Response:
    return await http.post("/v1/interactions", json={
        "model": "veo-3.1-generate-001", "input": PROMPT, "background": True,
        "response_format": {"type": "video", "resolution": "720p", "duration": "4s"}})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=5)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "fronts.json")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="openreel-fronts-"))
    try:
        result = {"benchmark": "fronts", "date": datetime.now(UTC).date().isoformat(), "machine": machine(),
                  "openreel": measured_source(),
                  "content_credentials": credentials_cost(args.clips, root),
                  "fronts": asyncio.run(fronts_cost(args.requests, root))}
    finally:
        shutil.rmtree(root, ignore_errors=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
