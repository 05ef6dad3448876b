"""Scale-out benchmark. Writes bench/results/scaleout.json:

- pickup latency: how long a submitted operation waits before a worker claims it, when a worker
  is idle (the operation's started_at - created_at, both stamped in PostgreSQL rows): through
  Celery on Redis to an `openreel worker` process, against the embedded mode's in-process
  wake-up (an `openreel serve` with one worker, same database) measured in the same run;
- dispatch throughput with 1, 2, 4 and 8 `openreel worker` processes: 4 jobs per worker, each a
  fixed 2 s of waiting (the gated test engine's fixed_seconds: next to no CPU), submitted at once;
  jobs per second against one worker's (goal: at least 0.9 N);
- submit and poll latency of an API replica (`openreel serve --workers 0`) on PostgreSQL against
  the same on SQLite: each create call and each GET of an operation, as a client sees it.

Jobs run on the gated test engine in its fixed-time mode, so a job's length is the same
everywhere and the figures measure openreel, not the renderer. Needs PostgreSQL and Redis
(OPENREEL_TEST_DATABASE_URL, OPENREEL_TEST_REDIS_URL) and the gated engine (scripts/test installs it).

Usage: python bench/scaleout.py [--jobs 200] [--calls 200] [--out bench/results/scaleout.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from poll import machine  # noqa: E402  (bench/ is on sys.path when this runs as a script)

from tests.databases import postgres_schema  # noqa: E402
from tests.gates import gated_body  # noqa: E402
from tests.scaleout import Deployment  # noqa: E402
from tests.support import LiveServer  # noqa: E402

QUICK, FIXED = "quick", "fixed"  # catalog models: 0.1 s jobs for pickup, 2 s jobs for throughput
JOB_SECONDS = 2.0


def _catalog(root: Path) -> Path:
    control = root / "gates"
    control.mkdir(parents=True, exist_ok=True)
    models = [{"id": model, "engine": "gated", "durations": [4, 6, 8],
               "options": {"control_dir": str(control), "fixed_seconds": seconds}}
              for model, seconds in ((QUICK, 0.1), (FIXED, JOB_SECONDS))]
    (root / "catalog.json").write_text(json.dumps({"models": models}))
    return root / "catalog.json"


def _create(model: str) -> str:
    return f"/v1beta/models/{model}:predictLongRunning"


def _quantiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50_ms": round(cuts[49] * 1000, 2), "p99_ms": round(cuts[98] * 1000, 2),
            "max_ms": round(max(values) * 1000, 2), "n": len(values)}


def _pickups(server: LiveServer, engine: sqlalchemy.Engine, jobs: int, label: str) -> list[float]:
    """Submit one job at a time to an idle worker; each one's wait between creation and claim."""
    http = server.client(server.create_key(project=label))
    names = []
    for index in range(jobs):
        names.append(http.post(_create(QUICK), json=gated_body(f"{label}{index}")).json()["name"])
        server.wait_done(http, f"/v1beta/{names[-1]}", timeout=120)
        time.sleep(0.05)  # the worker is back to waiting for work
    ids = [name.rsplit("/", 1)[1] for name in names]
    with engine.connect() as conn:
        rows = conn.execute(sqlalchemy.text("SELECT id, created_at, started_at FROM operations WHERE id = ANY(:ids)"),
                            {"ids": ids}).all()
    return [(started - created).total_seconds() for _, created, started in rows]


def pickup(jobs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, postgres_schema() as (url, _):
        root = Path(tmp)
        catalog = _catalog(root)
        deployment = Deployment(root, url, catalog_path=catalog)
        try:
            api = deployment.api()
            deployment.worker()
            celery = _pickups(api, deployment.sql(), jobs, "celery")
            deployment.close()
            embedded = LiveServer(root / "embedded", database_url=url, catalog_path=catalog,
                                  storage_url=deployment.settings["storage_url"], workers=1).start()
            deployment.apis.append(embedded)
            local = _pickups(embedded, deployment.sql(), jobs, "local")
        finally:
            deployment.close()
    result = {"celery_redis": _quantiles(celery), "embedded_wakeup": _quantiles(local)}
    result["p50_ratio_celery_vs_embedded"] = round(
        result["celery_redis"]["p50_ms"] / result["embedded_wakeup"]["p50_ms"], 2)
    return result


def _api_calls(server: LiveServer, calls: int) -> dict[str, Any]:
    http = server.client(server.create_key(project="bench"))
    submits, polls, names = [], [], []
    for index in range(calls):
        started = time.perf_counter()
        response = http.post(_create(QUICK), json=gated_body(f"api{index}"))
        submits.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
        names.append(response.json()["name"])
    for name in names:
        started = time.perf_counter()
        assert http.get(f"/v1beta/{name}").status_code == 200
        polls.append(time.perf_counter() - started)
    return {"submit": _quantiles(submits), "poll": _quantiles(polls)}


def submit_and_poll(calls: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, postgres_schema() as (url, _):
        root = Path(tmp)
        catalog = _catalog(root)
        results = {}
        for label, extra in (("sqlite", {}), ("postgresql", {"database_url": url})):
            server = LiveServer(root / label, catalog_path=catalog, workers=0, max_queued=10 * calls, **extra).start()
            try:
                results[label] = _api_calls(server, calls)
            finally:
                server.stop()
    for what in ("submit", "poll"):
        results[f"{what}_p50_ratio_postgresql_vs_sqlite"] = round(
            results["postgresql"][what]["p50_ms"] / results["sqlite"][what]["p50_ms"], 2)
    return results


def _makespan(deployment: Deployment, workers: int, jobs: int) -> float:
    """Start `workers` worker processes, submit `jobs` at once, and time first submit to last done."""
    processes = [deployment.worker(models=FIXED) for _ in range(workers)]
    api = deployment.apis[0]
    http = api.client(api.create_key(project=f"throughput-{workers}"))
    engine = deployment.sql()
    with engine.connect() as conn:
        before = conn.execute(sqlalchemy.text("SELECT count(*) FROM operations WHERE state = 'SUCCEEDED'")).scalar_one()
    started = time.monotonic()
    for index in range(jobs):
        assert http.post(_create(FIXED), json=gated_body(f"w{workers}-{index}")).status_code == 200
    while True:
        with engine.connect() as conn:
            done = conn.execute(sqlalchemy.text(
                "SELECT count(*) FROM operations WHERE state = 'SUCCEEDED'")).scalar_one() - before
        if done >= jobs:
            break
        time.sleep(0.02)
    makespan = time.monotonic() - started
    for process in processes:
        process.stop()
    return makespan


def throughput(counts: list[int], jobs_per_worker: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, postgres_schema() as (url, _):
        root = Path(tmp)
        deployment = Deployment(root, url, catalog_path=_catalog(root), max_queued=10_000)
        try:
            deployment.api()
            _makespan(deployment, 1, 1)  # warm-up: the engine's one encode of the MP4 it hands out
            rows = {}
            for count in counts:
                jobs = count * jobs_per_worker
                makespan = _makespan(deployment, count, jobs)
                rows[str(count)] = {"jobs": jobs, "makespan_s": round(makespan, 2),
                                    "jobs_per_s": round(jobs / makespan, 3)}
        finally:
            deployment.close()
    one = rows[str(counts[0])]["jobs_per_s"]
    for count in counts:
        rows[str(count)]["speedup_vs_1"] = round(rows[str(count)]["jobs_per_s"] / one, 2)
        rows[str(count)]["efficiency"] = round(rows[str(count)]["jobs_per_s"] / one / count, 2)
    return {"job_seconds": JOB_SECONDS, "jobs_per_worker": jobs_per_worker,
            "ideal_makespan_s": JOB_SECONDS * jobs_per_worker, "workers": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--workers", default="1,2,4,8", help="worker process counts for the throughput runs")
    parser.add_argument("--jobs-per-worker", type=int, default=4)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/scaleout.json")
    args = parser.parse_args()
    result = {"machine": machine(), "pickup": pickup(args.jobs),
              "throughput": throughput([int(n) for n in args.workers.split(",")], args.jobs_per_worker),
              "api": submit_and_poll(args.calls)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
