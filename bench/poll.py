"""Poll benchmark. Writes bench/results/poll.json:

GET of a finished operation on a live `openreel serve` (SQLite, one in-process worker, idle by
then) side by side with a bare FastAPI app under the same uvicorn options (one process, same log
level, uvicorn's auto loop/http) that returns the exact bytes the openreel GET returned. Both
servers run for the whole benchmark and are loaded in turn, openreel then bare, `--rounds` times
(A B A B ...); every figure is the median over rounds.

- closed loop: wrk, one thread, 8 keep-alive connections, `--duration` s per run -> requests/s,
  p50/p99 (wrk times each request from its write to the end of its response), and the server's
  CPU time per request (from /proc/PID/stat).
- open loop: a paced asyncio client in its own process starts one request every 1/rate s
  (`--rate`, default 200/s) for `--open-duration` s on a pool of keep-alive connections, opening
  another when none is idle, so a slow response never delays the next send. A thread keeps the
  schedule; latency runs from a request's scheduled start to the last byte of its response, so it
  includes any lateness of the client itself (reported as `send_lag_p99_ms`) and a stalled server
  cannot hide behind coordinated omission.

The load generators take little CPU (wrk's share is in `client_cpu_cores`), which matters on a
small machine; nothing is pinned to a core. Runs about 2.5 minutes with the defaults.

wrk needs the Debian package `wrk` (apt-get install -y wrk).

Usage: python bench/poll.py [--duration 10] [--open-duration 10] [--rate 200] [--rounds 3]
                            [--log-level info] [--out bench/results/poll.json]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

MODEL = "veo-3.0-generate-001"
SUBMIT_BODY = {"instances": [{"prompt": "a quiet desert at noon, static shot"}],
               "parameters": {"durationSeconds": 4, "resolution": "720p"}}
CONNECTIONS = 8

# wrk's summary as one JSON line; wrk reports microseconds.
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"duration_us":%d,"errors":%d,"non_2xx":%d,' ..
    '"p50_us":%d,"p99_us":%d,"max_us":%d}\\n', summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50),
    latency:percentile(99), latency.max))
end
"""


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _wait_ready(url: str, headers: dict[str, str], proc: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before it was ready")
        try:
            if httpx.get(url, headers=headers).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} was not ready after 60 s")


class Target:
    """One server under test: its URL, request headers and process."""

    def __init__(self, label: str, proc: subprocess.Popen[bytes], url: str, path: str,
                 headers: dict[str, str]) -> None:
        self.label, self.proc, self.url, self.path, self.headers = label, proc, url, path, headers

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()


def start_openreel(root: Path, log_level: str, log: Any) -> tuple[Target, bytes]:
    """A real `openreel serve` with one job done; returns it and the finished GET's body."""
    data_dir, port = root / "openreel", _free_port()
    cli = [sys.executable, "-m", "openreel.cli"]
    created = subprocess.run([*cli, "keys", "create", "--project", "P", "--tier", "enterprise",
                              "--data-dir", str(data_dir)], capture_output=True, text=True, check=True)
    headers = {"x-goog-api-key": created.stdout.strip().splitlines()[-1]}
    proc = subprocess.Popen([*cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir",
                             str(data_dir), "--workers", "1", "--log-level", log_level],
                            stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    _wait_ready(f"{url}/healthz", {}, proc)
    with httpx.Client(base_url=url, headers=headers) as http:
        submitted = http.post(f"/v1beta/models/{MODEL}:predictLongRunning", json=SUBMIT_BODY)
        submitted.raise_for_status()
        path = f"/v1beta/{submitted.json()['name']}"
        deadline = time.monotonic() + 120
        while not (finished := http.get(path)).json().get("done"):
            if time.monotonic() > deadline:
                raise RuntimeError("the job was not done after 120 s")
            time.sleep(0.1)
    if "response" not in finished.json():
        raise RuntimeError(f"the job did not succeed: {finished.text}")
    return Target("openreel", proc, url, path, headers), finished.content


def start_bare(root: Path, body: bytes, path: str, headers: dict[str, str], log_level: str, log: Any) -> Target:
    body_file, port = root / "body.json", _free_port()
    body_file.write_bytes(body)
    proc = subprocess.Popen([sys.executable, __file__, "--bare-server", str(body_file), "--port", str(port),
                             "--log-level", log_level], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    _wait_ready(url + path, headers, proc)
    served = httpx.get(url + path, headers=headers).content
    if served != body:
        raise RuntimeError("the bare app does not serve the same bytes as openreel")
    return Target("bare", proc, url, path, headers)


def serve_bare(body_file: Path, port: int, log_level: str) -> None:
    """The reference: FastAPI's minimal route returning the same dict, run as `openreel serve`
    runs its app (uvicorn.run with host, port and log level, everything else default)."""
    import uvicorn
    from fastapi import FastAPI

    body = json.loads(body_file.read_bytes())
    app = FastAPI()

    @app.get("/v1beta/{name:path}")
    async def get_operation(name: str) -> dict[str, Any]:
        return body  # type: ignore[no-any-return]

    uvicorn.run(app, host="127.0.0.1", port=port, log_level=log_level)


def closed_loop(target: Target, wrk: str, script: Path, duration: int) -> dict[str, float]:
    command = [wrk, "-t1", f"-c{CONNECTIONS}", f"-d{duration}s", "-s", str(script)]
    for name, value in target.headers.items():
        command += ["-H", f"{name}: {value}"]
    cpu_before = _cpu_seconds(target.proc.pid)
    client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([*command, target.url + target.path], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed: {out.stderr}")
    client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = _cpu_seconds(target.proc.pid) - cpu_before
    report = json.loads(out.stdout.strip().splitlines()[-1])
    if report["errors"] or report["non_2xx"]:
        raise RuntimeError(f"{target.label}: wrk saw errors: {report}")
    seconds = report["duration_us"] / 1e6
    client_cpu = (client_after.ru_utime + client_after.ru_stime) - (client_before.ru_utime + client_before.ru_stime)
    return {"requests_per_s": round(report["requests"] / seconds, 1), "p50_ms": report["p50_us"] / 1000,
            "p99_ms": report["p99_us"] / 1000, "max_ms": report["max_us"] / 1000,
            "server_cpu_us_per_request": round(server_cpu / report["requests"] * 1e6, 1),
            "server_cpu_cores": round(server_cpu / seconds, 2), "client_cpu_cores": round(client_cpu / seconds, 2)}


def open_loop(target: Target, rate: float, duration: float) -> dict[str, float]:
    command = [sys.executable, __file__, "--paced-client", target.url + target.path, "--rate", str(rate),
               "--open-duration", str(duration)]
    for name, value in target.headers.items():
        command += ["--header", f"{name}: {value}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    report: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    if report["errors"]:
        raise RuntimeError(f"{target.label}: the paced client saw errors: {report}")
    return report


async def _paced(url: str, headers: list[str], rate: float, duration: float) -> dict[str, float]:
    parsed = httpx.URL(url)
    host, port = parsed.host, parsed.port or 80
    request = (f"GET {parsed.raw_path.decode()} HTTP/1.1\r\nHost: {host}:{port}\r\n"
               + "".join(f"{h}\r\n" for h in headers) + "\r\n").encode()
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    latencies: list[float] = []
    lags: list[float] = []
    counts = {"errors": 0, "connections": 0}

    async def one(scheduled: float) -> None:
        lags.append(time.perf_counter() - scheduled)
        for attempt in range(2):
            reused = bool(idle) and attempt == 0
            try:
                if reused:
                    reader, writer = idle.pop()
                else:
                    reader, writer = await asyncio.open_connection(host, port)
                    counts["connections"] += 1
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                await reader.readexactly(length)
            except (OSError, asyncio.IncompleteReadError, StopIteration):
                if reused:
                    writer.close()
                    continue  # the server closed a keep-alive connection that sat idle: resend on a new one
                counts["errors"] += 1
                return
            latencies.append(time.perf_counter() - scheduled)
            if head.split(b" ", 2)[1] != b"200":
                counts["errors"] += 1
            idle.append((reader, writer))
            return

    # The event loop's timers round to whole milliseconds, so a thread keeps time (time.sleep is
    # precise to tens of microseconds) and hands each request to the loop when it is due.
    loop = asyncio.get_running_loop()
    tasks: list[asyncio.Task[None]] = []
    start = time.perf_counter() + 0.05

    def launch(scheduled: float) -> None:
        tasks.append(loop.create_task(one(scheduled)))

    def pace() -> None:
        for i in range(int(rate * duration)):
            scheduled = start + i / rate
            if (delay := scheduled - time.perf_counter()) > 0:
                time.sleep(delay)
            loop.call_soon_threadsafe(launch, scheduled)

    await loop.run_in_executor(None, pace)
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    ms = [x * 1000 for x in latencies]
    return {"requests": len(ms), "achieved_per_s": round(len(ms) / elapsed, 1),
            "p50_ms": round(_percentile(ms, 50), 3), "p99_ms": round(_percentile(ms, 99), 3),
            "max_ms": round(max(ms), 3), "send_lag_p99_ms": round(_percentile(lags, 99) * 1000, 3),
            "connections": counts["connections"], "errors": counts["errors"]}


def _median(runs: list[dict[str, float]]) -> dict[str, Any]:
    summary: dict[str, Any] = {key: round(statistics.median(run[key] for run in runs), 3) for key in runs[0]}
    return summary | {"runs": runs}


def measured_source() -> dict[str, object]:
    """Which openreel answered: its version, and the commit of the checkout it was imported from."""
    import openreel

    package = Path(openreel.__file__).parent
    source: dict[str, object] = {"version": openreel.__version__, "path": str(package)}
    commit = subprocess.run(["git", "-C", str(package), "rev-parse", "HEAD"], capture_output=True, text=True)
    if commit.returncode == 0:
        dirty = subprocess.run(["git", "-C", str(package), "status", "--porcelain", "--", "."],
                               capture_output=True, text=True)
        source |= {"commit": commit.stdout.strip(), "uncommitted_changes": bool(dirty.stdout.strip())}
    return source


def machine() -> dict[str, object]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def _uvicorn_options(log_level: str) -> dict[str, str]:
    """What uvicorn's "auto" loop and http settings resolve to in this environment."""
    return {"loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
            "http": "httptools" if importlib.util.find_spec("httptools") else "h11",
            "log_level": log_level, "processes": "1"}


def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk not found: apt-get install -y wrk")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        script = root / "report.lua"
        script.write_text(WRK_REPORT)
        with open(root / "servers.log", "wb") as log:
            openreel, body = start_openreel(root, args.log_level, log)
            bare = None
            try:
                bare = start_bare(root, body, openreel.path, openreel.headers, args.log_level, log)
                targets = [openreel, bare]
                for target in targets:
                    closed_loop(target, wrk, script, 2)  # warm up: connections, caches, the threadpool
                closed: dict[str, list[dict[str, float]]] = {t.label: [] for t in targets}
                paced: dict[str, list[dict[str, float]]] = {t.label: [] for t in targets}
                for _ in range(args.rounds):
                    for target in targets:
                        closed[target.label].append(closed_loop(target, wrk, script, args.duration))
                    for target in targets:
                        paced[target.label].append(open_loop(target, args.rate, args.open_duration))
            finally:
                openreel.stop()
                if bare is not None:
                    bare.stop()
    closed_summary = {label: _median(runs) for label, runs in closed.items()}
    open_summary = {label: _median(runs) for label, runs in paced.items()}
    ratio = closed_summary["openreel"]["requests_per_s"] / closed_summary["bare"]["requests_per_s"]
    return {
        "benchmark": "poll", "date": time.strftime("%Y-%m-%d"), "machine": machine(), "openreel": measured_source(),
        "request": {"method": "GET", "path": "/v1beta/models/{model}/operations/{id}", "operation": "succeeded",
                    "response_bytes": len(body)},
        "uvicorn": _uvicorn_options(args.log_level), "rounds": args.rounds,
        "closed_loop": {"load": f"wrk -t1 -c{CONNECTIONS} -d{args.duration}s", **closed_summary,
                        "openreel_over_bare": round(ratio, 3)},
        "open_loop": {"load": f"paced asyncio client, {args.rate:g} requests/s for {args.open_duration:g} s, "
                              "latency from scheduled start", **open_summary},
        "goals": {"openreel_over_bare_at_least_0.5": ratio >= 0.5,
                  "openreel_p99_under_10ms_at_200_per_s": open_summary["openreel"]["p99_ms"] < 10},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="GET of a finished operation: openreel vs a bare FastAPI app.")
    parser.add_argument("--duration", type=int, default=10, help="seconds per closed-loop run")
    parser.add_argument("--open-duration", type=float, default=10, help="seconds per fixed-rate run")
    parser.add_argument("--rate", type=float, default=200, help="requests/s in the fixed-rate phase")
    parser.add_argument("--rounds", type=int, default=3, help="openreel/bare alternations; figures are medians")
    parser.add_argument("--log-level", default="info", help="uvicorn log level for both servers")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "poll.json")
    # The two child processes this script starts run this file again with one of these.
    parser.add_argument("--bare-server", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--paced-client", help=argparse.SUPPRESS)
    parser.add_argument("--header", action="append", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        serve_bare(args.bare_server, args.port, args.log_level)
        return
    if args.paced_client:
        print(json.dumps(asyncio.run(_paced(args.paced_client, args.header, args.rate, args.open_duration))))
        return
    result = benchmark(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
