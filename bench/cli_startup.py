"""CLI start-up benchmark. Writes bench/results/cli_startup.json.

How long a user waits for the CLI to answer: `openreel --help`, and `openreel models` and
`openreel operations list` against a live local `openreel serve`, each as a fresh process, side
by side in the same run with the baseline `python -c "import fastapi"` (the cost of merely loading
the web framework the server is built on). Commands run in turn, round after round (A B C D A B
C D ...), so a noisy neighbour slows all of them alike; figures are medians over rounds, and each
command's ratio is its median over the baseline's.

Usage: python bench/cli_startup.py [--rounds 15] [--out bench/results/cli_startup.json]
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
from pathlib import Path

from poll import machine  # bench/ is on sys.path when this runs as a script

BIN = Path(sys.executable).parent


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results/cli_startup.json")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as data:
        port = _free_port()
        env = {**os.environ, "OPENREEL_DATA_DIR": data, "OPENREEL_PORT": str(port), "OPENREEL_HOST": "127.0.0.1"}
        key = subprocess.run([BIN / "openreel", "keys", "create"], env=env, check=True, capture_output=True,
                             text=True).stdout.strip()
        server = subprocess.Popen([BIN / "openreel", "serve", "--log-level", "warning"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(3)
            remote = ["--server", f"http://127.0.0.1:{port}", "--api-key", key]
            commands = {
                "python -c 'import fastapi' (baseline)": [sys.executable, "-c", "import fastapi"],
                "openreel --help": [str(BIN / "openreel"), "--help"],
                "openreel models": [str(BIN / "openreel"), "models", *remote],
                "openreel operations list": [str(BIN / "openreel"), "operations", "list", *remote],
            }
            for command in commands.values():  # warm the page cache before measuring
                _timed(command, env)
            samples: dict[str, list[float]] = {name: [] for name in commands}
            for _ in range(args.rounds):
                for name, command in commands.items():
                    samples[name].append(_timed(command, env))
        finally:
            server.terminate()
            server.wait(timeout=30)

    baseline = statistics.median(next(iter(samples.values())))
    results = {name: {"median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3),
                      "ratio_to_baseline": round(statistics.median(times) / baseline, 2)}
               for name, times in samples.items()}
    report = {"benchmark": "cli_startup", "date": time.strftime("%Y-%m-%d"), "machine": machine(),
              "load_average": os.getloadavg(), "rounds": args.rounds, "results": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
