"""Storage streaming benchmark. Writes bench/results/storage_stream.json.

What "reads and writes stream" buys on S3-compatible storage: a video moved through
S3Storage.put_file / iter_chunks (what openreel does) against the same bytes moved whole,
put_bytes(file.read_bytes()) / read_bytes() (the baseline), on moto's standalone S3 server over
loopback HTTP, in the same run. Peak Python memory (tracemalloc) and wall time per transfer;
rounds alternate streamed and whole, figures are medians, ratios are streamed ÷ whole.

Usage: python bench/storage_stream.py [--megabytes 128] [--rounds 3] [--out bench/results/storage_stream.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import httpx

from poll import machine  # bench/ is on sys.path when this runs as a script

from openreel.storage.s3 import S3Options, S3Storage


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _measured(action: Callable[[], object]) -> tuple[float, int]:
    """Seconds taken and peak Python memory allocated while `action` ran."""
    tracemalloc.start()
    start = time.perf_counter()
    action()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results/storage_stream.json")
    args = parser.parse_args()

    port = _free_port()
    moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench-secret", AWS_DEFAULT_REGION="us-east-1")
    try:
        endpoint = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(f"{endpoint}/moto-api/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        storage = S3Storage("bench", "", S3Options(endpoint_url=endpoint))
        storage_client = S3Options(endpoint_url=endpoint).client()
        storage_client.create_bucket(Bucket="bench")
        with tempfile.TemporaryDirectory() as tmp:
            source, target = Path(tmp) / "video.mp4", Path(tmp) / "copy.mp4"
            with source.open("wb") as out:
                for _ in range(args.megabytes):
                    out.write(os.urandom(1024 * 1024))
            transfers: dict[str, Callable[[], object]] = {
                "upload_streamed": lambda: storage.put_file("streamed.mp4", source, "video/mp4"),
                "upload_whole": lambda: storage.put_bytes("whole.mp4", source.read_bytes(), "video/mp4"),
                "download_streamed": lambda: storage.download_to("streamed.mp4", target),
                "download_whole": lambda: target.write_bytes(storage.read_bytes("whole.mp4")),
            }
            samples: dict[str, list[tuple[float, int]]] = {name: [] for name in transfers}
            for _ in range(args.rounds):
                for name, action in transfers.items():
                    samples[name].append(_measured(action))
    finally:
        moto.terminate()
        moto.wait()

    figures = {name: {"seconds": round(statistics.median(s for s, _ in runs), 3),
                      "peak_python_mib": round(statistics.median(p for _, p in runs) / 2**20, 1)}
               for name, runs in samples.items()}
    result = {
        "machine": machine(), "date": time.strftime("%Y-%m-%d"), "megabytes": args.megabytes, "rounds": args.rounds,
        "figures": figures,
        "ratios_streamed_over_whole": {
            direction: {"seconds": round(figures[f"{direction}_streamed"]["seconds"]
                                         / figures[f"{direction}_whole"]["seconds"], 2),
                        "peak_memory": round(figures[f"{direction}_streamed"]["peak_python_mib"]
                                             / figures[f"{direction}_whole"]["peak_python_mib"], 3)}
            for direction in ("upload", "download")},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
