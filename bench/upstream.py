"""Upstream gateway benchmark. Writes bench/results/upstream.json:

What openreel costs in front of a remote Veo API. A remote openreel (the procedural engine, 2
workers) makes the videos; the same batches of 4 s 720p operations are sent to it directly and,
in turn, through a gateway openreel whose upstream catalog entry forwards to it (Gemini surface,
`--poll` s between polls, 4 workers). Rounds alternate direct and gateway (A B A B ...) so both
see the same machine; figures are medians over rounds.

- latency: each operation's submit → done, as its caller sees it (polled every 50 ms), and the
  batch's makespan (first submit → last done);
- the gateway's CPU time per operation (from /proc/PID/stat, over its batches) and its peak
  resident memory (VmHWM), beside the remote's CPU per operation, which makes the videos.

The gateway adds up to one poll interval to each operation (it learns the remote job is done at
its next poll) plus the download, the MP4 check and the store; the rest is the remote's.

Usage: python bench/upstream.py [--batch 4] [--rounds 3] [--poll 1.0] [--out bench/results/upstream.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/support.py starts `openreel serve` processes
from poll import machine  # noqa: E402  (bench/ is on sys.path when this runs as a script)

from tests.support import LiveServer  # noqa: E402
from tests.tiny_models import catalog_table  # noqa: E402

REMOTE_MODEL = "veo-3.0-generate-001"  # the procedural engine, on the remote
CLK_TCK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(server: LiveServer) -> float:
    assert server.process is not None
    fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def _peak_rss_mib(server: LiveServer) -> float:
    assert server.process is not None
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def _batch(server: LiveServer, key: str, model: str, size: int, label: str) -> tuple[list[float], float]:
    """Submit `size` operations at once; each one's submit → done, and the batch's makespan."""
    body = {"parameters": {"durationSeconds": 4, "resolution": "720p", "sampleCount": 1}}
    with server.client(key) as http:
        started = time.monotonic()
        submitted: dict[str, float] = {}
        for i in range(size):
            prompt = f"a lighthouse on a cliff at dusk, waves below, slow pan ({label} {i})"
            answer = http.post(f"/v1beta/models/{model}:predictLongRunning",
                               json={"instances": [{"prompt": prompt}], **body})
            answer.raise_for_status()
            submitted[answer.json()["name"]] = time.monotonic()
        latencies: list[float] = []
        while submitted:
            for name, at in list(submitted.items()):
                polled = http.get(f"/v1beta/{name}").json()
                if polled.get("done"):
                    if "error" in polled:
                        raise RuntimeError(f"{name} failed: {polled['error']}")
                    latencies.append(time.monotonic() - at)
                    del submitted[name]
            time.sleep(0.05)
        return latencies, time.monotonic() - started


def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        remote = LiveServer(root / "remote", workers=2)
        remote_key = remote.create_key(project="remote", tier="enterprise")
        catalog = root / "gateway-catalog.toml"
        catalog.write_text(catalog_table("veo-via-gateway", {
            "engine": "upstream", "surface": "gemini", "base_url": remote.url, "api_key": remote_key,
            "remote_model": REMOTE_MODEL, "poll_interval_seconds": args.poll}))
        gateway = LiveServer(root / "gateway", catalog_path=catalog, workers=4)
        gateway_key = gateway.create_key(project="gateway", tier="enterprise")
        remote.start()
        gateway.start()
        try:
            _batch(remote, remote_key, REMOTE_MODEL, 1, "warm-up")  # first-render costs, off the figures
            _batch(gateway, gateway_key, "veo-via-gateway", 1, "warm-up")
            direct: list[dict[str, float]] = []
            through: list[dict[str, float]] = []
            for round_ in range(args.rounds):
                for label, server, key, model, runs in (
                        ("direct", remote, remote_key, REMOTE_MODEL, direct),
                        ("gateway", gateway, gateway_key, "veo-via-gateway", through)):
                    cpu_gateway, cpu_remote = _cpu_seconds(gateway), _cpu_seconds(remote)
                    latencies, makespan = _batch(server, key, model, args.batch, f"{label} {round_}")
                    runs.append({"latency_p50_s": statistics.median(latencies), "makespan_s": makespan,
                                 "gateway_cpu_ms_per_op": 1000 * (_cpu_seconds(gateway) - cpu_gateway) / args.batch,
                                 "remote_cpu_ms_per_op": 1000 * (_cpu_seconds(remote) - cpu_remote) / args.batch})
                    print(label, {k: round(v, 3) for k, v in runs[-1].items()}, flush=True)
            peak_rss = _peak_rss_mib(gateway)
        finally:
            gateway.stop()
            remote.stop()

    def median(runs: list[dict[str, float]], field: str) -> float:
        return round(statistics.median(run[field] for run in runs), 3)

    fields = ("latency_p50_s", "makespan_s", "gateway_cpu_ms_per_op", "remote_cpu_ms_per_op")
    result = {"direct": {f: median(direct, f) for f in fields}, "gateway": {f: median(through, f) for f in fields}}
    return {
        "machine": machine(), "batch": args.batch, "rounds": args.rounds, "poll_interval_seconds": args.poll,
        "video": "4 s 720p, procedural engine on the remote (2 workers)", **result,
        "latency_ratio_gateway_over_direct": round(result["gateway"]["latency_p50_s"]
                                                   / result["direct"]["latency_p50_s"], 3),
        "makespan_ratio_gateway_over_direct": round(result["gateway"]["makespan_s"]
                                                    / result["direct"]["makespan_s"], 3),
        "gateway_peak_rss_mib": round(peak_rss, 1),
        "runs": {"direct": direct, "gateway": through},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--poll", type=float, default=1.0, help="the gateway's poll_interval_seconds")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/upstream.json")
    args = parser.parse_args()
    result = benchmark(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=2))


if __name__ == "__main__":
    main()
