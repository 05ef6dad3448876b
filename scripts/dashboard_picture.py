"""Draw docs/dashboard.png from a real run: the figures of docs/grafana-dashboard.json, computed
from what a real `openreel serve` reports at GET /metrics while it works.

It starts the server on a free loopback port, its data dir in a temporary folder, creates keys for
four projects, and for --seconds runs a mixed workload on the built-in procedural engine:
  - studio (enterprise): 720p 4 s clips at a rate that rises past what the workers render (the
    queue builds) and falls again (it drains), a third of them with a webhook;
  - agency (standard tier, 5 requests a minute): a clip every 6 s, so some are refused with 429;
  - hobby (free tier: 2 a minute, 1 at a time, 10 a day): a clip every 8 s, its webhook receiver
    answering 503, so deliveries are retried and given up;
  - batch (enterprise): a clip every 10 s on a model the catalog here gives a 5 s deadline, every
    third one 1080p 8 s (which misses it and fails), the others 720p 4 s;
  - invalid requests (bad duration, unknown model, no prompt, bad key, 4k on Veo 3) and a cancel.
Meanwhile it scrapes /metrics every --scrape-every seconds, computes each panel the way the
dashboard's PromQL does (sums over a sliding window, histogram_quantile), draws them with
matplotlib, and stops the server it started, by its pid.

    .venv/bin/python scripts/dashboard_picture.py --seconds 90
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

try:
    import matplotlib
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter
except ImportError:
    raise SystemExit("matplotlib is missing: .venv/bin/pip install matplotlib") from None

REPO = Path(__file__).resolve().parent.parent
FAST = "veo-3.0-fast-generate-001"
DEADLINE_MODEL = "veo-3.0-generate-001"
DEADLINE_SECONDS = 5
CATALOG = f'[models."{DEADLINE_MODEL}"]\ntimeout_seconds = {DEADLINE_SECONDS}\n'
SHORT = {"durationSeconds": 4, "resolution": "720p"}
LONG = {"durationSeconds": 8, "resolution": "1080p"}
PROMPTS = ("a lighthouse at dusk, slow pan", "rain on a tram window at night", "a paper boat on a pond",
           "neon signs reflected in puddles", "a hot-air balloon over fields at sunrise")
# Share of --seconds in each phase, and studio's submissions per second in it.
PHASES = (("steady", 0.3, 0.1), ("burst", 0.3, 1.5), ("cool-down", 0.4, 0.05))
DRAIN_SECONDS = 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`openreel serve` in a subprocess on 127.0.0.1 with its own data dir."""

    def __init__(self, data_dir: Path, workers: int) -> None:
        self.data_dir, self.port = data_dir, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (data_dir / "catalog.toml").write_text(CATALOG)
        self.env = {**os.environ, "OPENREEL_DATA_DIR": str(data_dir), "OPENREEL_HOST": "127.0.0.1",
                    "OPENREEL_PORT": str(self.port), "OPENREEL_WORKERS": str(workers),
                    "OPENREEL_CATALOG_PATH": str(data_dir / "catalog.toml"),
                    "OPENREEL_WEBHOOK_ALLOWLIST": "127.0.0.1/32", "OPENREEL_WEBHOOK_RETRY_SECONDS": "[3, 6]"}
        self.process: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "openreel.cli", *args], env=self.env, capture_output=True,
                              text=True, timeout=120, check=True)
        return done.stdout.strip().splitlines()[-1]

    def start(self) -> None:
        log = (self.data_dir / "server.log").open("ab")
        self.process = subprocess.Popen([sys.executable, "-m", "openreel.cli", "serve", "--log-level", "warning"],
                                        env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {(self.data_dir / 'server.log').read_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the server did not become healthy in 60 s")

    def stop(self) -> None:
        if self.process is None:
            return
        print(f"stopping the server (pid {self.process.pid})")
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


def start_receiver() -> ThreadingHTTPServer:
    """Webhook receiver: 200 on /ok, 503 on anything else (the hobby project's broken endpoint)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200 if self.path == "/ok" else 503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    return receiver


# -- the workload ---------------------------------------------------------------------------------

class Workload:
    """Threads that send requests until `ends_at` (monotonic); answers tallied by who and status."""

    def __init__(self, url: str, keys: dict[str, str], hook: str, seconds: float) -> None:
        self.url, self.keys, self.hook, self.seconds = url, keys, hook, seconds
        self.started = time.monotonic()
        self.tally: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.random = random.Random(7)

    def phase(self, elapsed: float) -> tuple[str, float]:
        start = 0.0
        for name, share, rate in PHASES:
            start += share * self.seconds
            if elapsed < start:
                return name, rate
        return "drain", 0.0

    def body(self, clip: dict[str, object], hook: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"instances": [{"prompt": self.random.choice(PROMPTS)}], "parameters": dict(clip)}
        if hook:
            body["webhookConfig"] = {"uris": [f"{self.hook}{hook}"]}
        return body

    def send(self, http: httpx.Client, who: str, model: str, body: dict[str, Any],
             key: str | None = None) -> httpx.Response:
        headers = {"x-goog-api-key": key} if key else {}
        response = http.post(f"/v1beta/models/{model}:predictLongRunning", json=body, headers=headers)
        with self.lock:
            self.tally[f"{who} {response.status_code}"] += 1
        return response

    def every(self, who: str, interval: Callable[[float], float], act: Callable[[httpx.Client, int], object]) -> None:
        def loop() -> None:
            with httpx.Client(base_url=self.url, headers={"x-goog-api-key": self.keys[who]}, timeout=30) as http:
                count = 0
                while (elapsed := time.monotonic() - self.started) < self.seconds:
                    act(http, count)
                    count += 1
                    time.sleep(interval(elapsed) * self.random.uniform(0.7, 1.3))

        threading.Thread(target=loop, name=who, daemon=True).start()

    def start(self) -> None:
        self.every("studio", lambda t: 1 / self.phase(t)[1],
                   lambda http, n: self.send(http, "studio", FAST, self.body(SHORT, "/ok" if n % 3 == 0 else None)))
        self.every("agency", lambda t: 6, lambda http, n: self.send(http, "agency", FAST, self.body(SHORT, "/ok")))
        self.every("hobby", lambda t: 8, lambda http, n: self.send(http, "hobby", FAST, self.body(SHORT, "/down")))
        self.every("batch", lambda t: 10,
                   lambda http, n: self.send(http, "batch", DEADLINE_MODEL, self.body(LONG if n % 3 == 2 else SHORT)))
        self.every("studio", lambda t: 5, self.mischief)

    def mischief(self, http: httpx.Client, n: int) -> None:
        """One of: a request the API refuses, or a submission cancelled at once."""
        kind = n % 6
        if kind == 0:
            self.send(http, "invalid", FAST, self.body({**SHORT, "durationSeconds": 5}))
        elif kind == 1:
            self.send(http, "invalid", "veo-9-imaginary", self.body(SHORT))
        elif kind == 2:
            self.send(http, "invalid", FAST, {"instances": [{}], "parameters": SHORT})
        elif kind == 3:
            self.send(http, "invalid", FAST, self.body(SHORT), key="not-a-key")
        elif kind == 4:
            self.send(http, "invalid", FAST, self.body({**SHORT, "resolution": "4k"}))
        else:
            created = self.send(http, "cancel", FAST, self.body(SHORT))
            if created.status_code == 200:
                cancelled = http.post(f"/v1beta/{created.json()['name']}:cancel")
                with self.lock:
                    self.tally[f"cancel:cancel {cancelled.status_code}"] += 1


# -- scrapes and the dashboard's arithmetic -------------------------------------------------------

Labels = dict[str, str]


@dataclass(frozen=True)
class Scrape:
    t: float
    samples: list[tuple[str, Labels, float]]

    def total(self, name: str, **want: str | tuple[str, ...]) -> float:
        """sum(name{want}): a tuple of values matches any of them."""
        return sum(v for n, labels, v in self.samples if n == name and _matches(labels, want))

    def by(self, name: str, label: str, **want: str | tuple[str, ...]) -> dict[str, float]:
        """sum by (label) (name{want})."""
        out: dict[str, float] = {}
        for n, labels, v in self.samples:
            if n == name and _matches(labels, want):
                out[labels.get(label, "")] = out.get(labels.get(label, ""), 0.0) + v
        return out


def _matches(labels: Labels, want: dict[str, str | tuple[str, ...]]) -> bool:
    return all(labels.get(k) in (v if isinstance(v, tuple) else (v,)) for k, v in want.items())


def scrape(http: httpx.Client, t: float) -> Scrape:
    text = http.get("/metrics").text
    return Scrape(t, [(s.name, dict(s.labels), float(s.value)) for family in text_string_to_metric_families(text)
                      for s in family.samples])


def histogram_quantile(q: float, buckets: dict[float, float]) -> float:
    """Prometheus's histogram_quantile over cumulative bucket counts {le: count}."""
    bounds = sorted(buckets)
    if len(bounds) < 2 or bounds[-1] != math.inf or buckets[math.inf] <= 0:
        return math.nan
    rank = q * buckets[math.inf]
    index = next(i for i, le in enumerate(bounds) if buckets[le] >= rank)
    if index == len(bounds) - 1:
        return bounds[-2]
    if index == 0 and bounds[0] <= 0:
        return bounds[0]
    lower = 0.0 if index == 0 else bounds[index - 1]
    below = 0.0 if index == 0 else buckets[bounds[index - 1]]
    return lower + (bounds[index] - lower) * (rank - below) / (buckets[bounds[index]] - below)


class Window:
    """The scrape at index i and the one `window` seconds before it (or the start: counters of a
    fresh server begin at 0), so increase() is what PromQL's increase(x[window]) approximates."""

    def __init__(self, scrapes: list[Scrape], i: int, window: float) -> None:
        self.now = scrapes[i]
        self.then = next((s for s in reversed(scrapes[:i]) if s.t <= self.now.t - window), Scrape(0.0, []))
        self.seconds = self.now.t - self.then.t

    def increase(self, name: str, **want: str | tuple[str, ...]) -> float:
        return max(0.0, self.now.total(name, **want) - self.then.total(name, **want))

    def increase_by(self, name: str, label: str, **want: str | tuple[str, ...]) -> dict[str, float]:
        now, then = self.now.by(name, label, **want), self.then.by(name, label, **want)
        return {k: max(0.0, v - then.get(k, 0.0)) for k, v in now.items()}

    def per_minute_by(self, name: str, label: str) -> dict[str, float]:
        return {k: 60 * v / self.seconds for k, v in self.increase_by(name, label).items()}

    def quantile(self, q: float, **want: str | tuple[str, ...]) -> float:
        buckets = self.increase_by("openreel_operation_seconds_bucket", "le", **want)
        return histogram_quantile(q, {float(le): v for le, v in buckets.items()})


def ratio(a: float, b: float) -> float:
    return a / b if b > 0 else math.nan


FINISHED = ("succeeded", "failed", "filtered")
LIMIT_NAMES = {"requests_per_minute": "per minute", "requests_per_day": "per day", "concurrent": "concurrent"}


def panels(scrapes: list[Scrape], window: float) -> dict[str, dict[str, list[float]]]:
    """Panel title -> series name -> one value per scrape."""
    out: dict[str, dict[str, list[float]]] = {}

    def put(panel: str, name: str, value: float) -> None:
        out.setdefault(panel, {}).setdefault(name, [math.nan] * len(scrapes))[i] = value

    models = sorted({labels["model"] for s in scrapes for n, labels, _ in s.samples
                     if n == "openreel_operations_total"})
    for i, now in enumerate(scrapes):
        w = Window(scrapes, i, window)
        put("success", "all models", ratio(w.increase("openreel_operations_total", state="succeeded"),
                                           w.increase("openreel_operations_total", state=FINISHED)))
        for model in models:
            put("success", model, ratio(w.increase("openreel_operations_total", state="succeeded", model=model),
                                        w.increase("openreel_operations_total", state=FINISHED, model=model)))
        for q in (0.5, 0.95, 0.99):
            put("latency", f"P{round(q * 100)}", w.quantile(q, stage="total"))
        for stage in ("queue", "generate", "encode", "upload", "total"):
            put("stages", stage, w.quantile(0.95, stage=stage))
        for n, labels, v in now.samples:
            if n == "openreel_quota_utilization_ratio":
                put("quota", f"{labels['project']} {LIMIT_NAMES.get(labels['limit'], labels['limit'])}", v)
        put("queue", "queue depth", now.total("openreel_queue_depth"))
        put("age", "oldest queued age", now.total("openreel_queue_oldest_age_seconds"))
        for state in ("busy", "idle"):
            put("workers", state, now.total("openreel_workers", state=state))
        put("cost", "all models", ratio(w.increase("openreel_cost_usd_total"),
                                        w.increase("openreel_videos_delivered_total")))
        for model in models:
            put("cost", model, ratio(w.increase("openreel_cost_usd_total", model=model),
                                     w.increase("openreel_videos_delivered_total", model=model)))
        put("spend", "spend rate", 3600 * ratio(w.increase("openreel_cost_usd_total"), w.seconds))
        for category, v in w.per_minute_by("openreel_errors_total", "category").items():
            put("errors", category, v)
        for outcome, v in w.per_minute_by("openreel_webhook_deliveries_total", "outcome").items():
            put("webhooks", outcome, v)
    for panel in ("quota", "errors", "webhooks"):  # what never left 0 says nothing
        out[panel] = {k: v for k, v in out.get(panel, {}).items() if any(x > 0 for x in v if not math.isnan(x))}
    return out


GREEN, YELLOW, ORANGE, RED, BLUE = "#73bf69", "#f2cc0c", "#ff780a", "#f2495c", "#8ab8ff"


def stats(scrapes: list[Scrape]) -> list[tuple[str, str, str]]:
    """The dashboard's stat row over the whole run: label, value, colour (its thresholds)."""
    run = Window(scrapes, len(scrapes) - 1, math.inf)
    success = ratio(run.increase("openreel_operations_total", state="succeeded"),
                    run.increase("openreel_operations_total", state=FINISHED))
    p95 = run.quantile(0.95, stage="total")
    videos = run.increase("openreel_videos_delivered_total")
    cost = run.increase("openreel_cost_usd_total")
    peak = max(s.total("openreel_queue_depth") for s in scrapes)
    return [("Success rate", f"{100 * success:.1f} %", RED if success < 0.9 else ORANGE if success < 0.95 else GREEN),
            ("P95 end-to-end", f"{p95:.1f} s", RED if p95 > 600 else ORANGE if p95 > 300 else GREEN),
            ("Submitted", f"{run.increase('openreel_operations_submitted_total'):.0f}", BLUE),
            ("Videos delivered", f"{videos:.0f}", BLUE),
            ("Refused requests", f"{run.increase('openreel_requests_rejected_total'):.0f}", ORANGE),
            ("Total cost", f"${cost:.2f}", BLUE),
            ("Cost per video", f"${ratio(cost, videos):.3f}", BLUE),
            ("Peak queue depth", f"{peak:.0f}", RED if peak > 100 else ORANGE if peak > 20 else GREEN)]


# -- the picture ----------------------------------------------------------------------------------

BACKGROUND, PANEL, TEXT, MUTED, GRID = "#111217", "#181b1f", "#ccccdc", "#9fa7b3", "#2c3235"
PALETTE = (GREEN, YELLOW, BLUE, ORANGE, RED, "#b877d9", "#5fd4d4", "#fade2a", "#37872d")
COLOURS = {"succeeded": GREEN, "busy": ORANGE, "idle": GREEN, "delivered": GREEN, "retrying": YELLOW,
           "gave_up": RED, "queue depth": BLUE, "all models": GREEN, "P50": GREEN, "P95": YELLOW, "P99": RED}


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    unit: str = ""  # "%", "$", "s" or ""
    threshold: float | None = None  # the alert's line
    log: bool = False
    stacked: bool = False
    right: str = ""  # a series of `right` drawn on its own axis, in orange


LAYOUT = (
    Panel("success", "Success rate (succeeded / finished, cancelled left out)", "%", threshold=0.95),
    Panel("latency", "End-to-end latency P50 / P95 / P99", "s"),
    Panel("stages", "P95 by stage (log scale)", "s", log=True),
    Panel("quota", "Quota utilisation (max by project, limit)", "%", threshold=0.9),
    Panel("queue", "Queue depth (left) and oldest queued age (right)", right="age"),
    Panel("workers", "Worker threads, busy and idle", stacked=True),
    Panel("cost", "Cost per delivered video (left) and spend rate (right)", "$", right="spend"),
    Panel("errors", "Errors by class, per minute", stacked=True),
    Panel("webhooks", "Webhook deliveries by outcome, per minute"),
)
RIGHT_FORMATS: dict[str, Callable[[float, object], str]] = {"age": lambda y, _: f"{y:g} s",
                                                           "spend": lambda y, _: f"${y:.0f}/h"}
UNIT_FORMATS: dict[str, Callable[[float, object], str]] = {"s": lambda y, _: f"{y:g} s",
                                                           "$": lambda y, _: f"${y:.2f}"}


def draw(scrapes: list[Scrape], window: float, seconds: float, workers: int, out: Path) -> None:
    data, t = panels(scrapes, window), [s.t for s in scrapes]
    with matplotlib.rc_context({"font.size": 10, "text.color": TEXT, "axes.labelcolor": TEXT, "xtick.color": TEXT,
                                "ytick.color": TEXT, "axes.edgecolor": GRID, "font.family": "DejaVu Sans"}):
        fig = Figure(figsize=(19, 15), facecolor=BACKGROUND)
        fig.text(0.045, 0.962, "openreel dashboard: the figures of docs/grafana-dashboard.json from a real run",
                 fontsize=18, color="white", fontweight="bold")
        fig.text(0.045, 0.942, f"{date.today().isoformat()} · openreel serve with {workers} in-process workers and "
                 f"the procedural engine · {seconds:.0f} s of load, then the queue drains · /metrics scraped every "
                 f"{scrapes[1].t - scrapes[0].t:.0f} s", fontsize=11, color=MUTED)
        fig.text(0.045, 0.926, f"Rates and quantiles over {window:.0f} s windows (the dashboard: $window, 5 min by "
                 f"default) · {DEADLINE_MODEL} is given a {DEADLINE_SECONDS} s deadline here, so its 1080p 8 s "
                 "clips fail · the hobby project's webhook receiver answers 503", fontsize=11, color=MUTED)
        strip = fig.add_gridspec(1, 8, wspace=0.06, left=0.045, right=0.965, top=0.905, bottom=0.855)
        for k, (label, value, colour) in enumerate(stats(scrapes)):
            ax = fig.add_subplot(strip[0, k], facecolor=PANEL)
            ax.set_xticks([]), ax.set_yticks([])
            ax.text(0.5, 0.72, label, ha="center", va="center", fontsize=11.5, color=MUTED, transform=ax.transAxes)
            ax.text(0.5, 0.32, value, ha="center", va="center", fontsize=22, color=colour, fontweight="bold",
                    transform=ax.transAxes)
        grid = fig.add_gridspec(3, 3, hspace=0.62, wspace=0.17, left=0.045, right=0.965, top=0.82, bottom=0.06)
        phases = _phase_spans(seconds, t[-1])
        for k, panel in enumerate(LAYOUT):
            _draw_panel(fig.add_subplot(grid[k // 3, k % 3], facecolor=PANEL), panel, data, t, phases)
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, dpi=100, facecolor=BACKGROUND)


def _phase_spans(seconds: float, end: float) -> list[tuple[str, float, float]]:
    spans, start = [], 0.0
    for name, share, _ in PHASES:
        spans.append((name, start, start + share * seconds))
        start += share * seconds
    return [*spans, ("drain", seconds, end)]


def _draw_panel(ax: Axes, panel: Panel, data: dict[str, dict[str, list[float]]], t: list[float],
                phases: list[tuple[str, float, float]]) -> None:
    ax.set_title(panel.title, loc="left", fontsize=12.5, color="white", pad=16)
    for j, (name, lo, hi) in enumerate(phases):
        ax.axvspan(lo, hi, color="white", alpha=0.04 if j % 2 else 0.0, lw=0)
        ax.text((lo + hi) / 2, 1.01, name, transform=ax.get_xaxis_transform(), ha="center", va="bottom",
                fontsize=8, color="#6e7580")
    series = data.get(panel.key, {})
    if panel.stacked:  # drawn from zero up, in a fixed order
        series = {name: [0.0 if math.isnan(x) else x for x in series[name]] for name in sorted(series)}
    colours = [COLOURS.get(name, PALETTE[i % len(PALETTE)]) for i, name in enumerate(series)]
    if panel.stacked and series:
        ax.stackplot(t, *series.values(), labels=list(series), colors=colours, alpha=0.85)
    else:
        for i, (name, values) in enumerate(series.items()):
            ax.plot(t, values, label=name, lw=2, color=colours[i], ls="-" if i == 0 else (0, (4, 3))
                    if panel.key == "cost" else "-")  # cost: the models' lines often lie on one another
    if panel.threshold is not None:
        ax.axhline(panel.threshold, color=RED, lw=1, ls="--", alpha=0.8, label=f"alert at {panel.threshold:.0%}")
    handles, labels = ax.get_legend_handles_labels()
    if panel.right:
        right = ax.twinx()
        for name, values in data[panel.right].items():
            right.plot(t, values, label=name, lw=1.8, color=ORANGE)
        right.set_ylim(bottom=0)
        right.tick_params(colors=ORANGE)
        right.yaxis.set_major_locator(MaxNLocator(integer=True))
        right.yaxis.set_major_formatter(FuncFormatter(RIGHT_FORMATS[panel.right]))
        more = right.get_legend_handles_labels()
        handles, labels = handles + more[0], labels + more[1]
    if panel.log:
        ax.set_yscale("log")
    else:
        heights = ([sum(column) for column in zip(*series.values(), strict=True)] if panel.stacked
                   else [v for values in series.values() for v in values if not math.isnan(v)])
        ax.set_ylim(0, max(1.05 if panel.unit == "%" else 0, 1.15 * max(heights, default=1)))
    if panel.unit == "%":
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    elif panel.unit in UNIT_FORMATS:
        ax.yaxis.set_major_formatter(FuncFormatter(UNIT_FORMATS[panel.unit]))
    else:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{int(x) // 60}:{int(x) % 60:02d}"))
    ax.set_xlim(0, t[-1])
    ax.grid(color=GRID, lw=0.7)
    for side in ax.spines.values():
        side.set_visible(False)
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(0, -0.1), ncol=min(len(handles), 3),
                  fontsize=9, frameon=False, handlelength=1.4, columnspacing=1.2)
    else:
        ax.text(0.5, 0.5, "no data", ha="center", color=MUTED, transform=ax.transAxes)


# -- the run --------------------------------------------------------------------------------------

def run(seconds: float, scrape_every: float, workers: int) -> list[Scrape]:
    receiver = start_receiver()
    with tempfile.TemporaryDirectory(prefix="openreel-dashboard-") as folder:
        server = Server(Path(folder), workers)
        print(f"starting openreel serve on {server.url} ({workers} workers, data dir {folder})")
        keys = {project: server.cli("keys", "create", "--project", project, "--tier", tier)
                for project, tier in (("studio", "enterprise"), ("agency", "standard"), ("hobby", "free"),
                                      ("batch", "enterprise"))}
        print("keys created: studio (enterprise), agency (standard), hobby (free), batch (enterprise)")
        server.start()
        try:
            return _drive(server, keys, f"http://127.0.0.1:{receiver.server_address[1]}", seconds, scrape_every)
        finally:
            server.stop()
            receiver.shutdown()


def _drive(server: Server, keys: dict[str, str], hook: str, seconds: float, scrape_every: float) -> list[Scrape]:
    workload = Workload(server.url, keys, hook, seconds)
    print(f"running the workload for {seconds:.0f} s: " + ", ".join(
        f"{name} {share * seconds:.0f} s at {rate:g}/s" for name, share, rate in PHASES) +
        " (studio's rate); scraping /metrics every " f"{scrape_every:g} s")
    scrapes: list[Scrape] = []
    with httpx.Client(base_url=server.url, timeout=30) as http:
        scrapes.append(scrape(http, 0.0))
        workload.start()
        last_print = 0.0
        while True:
            time.sleep(max(0.0, scrape_every - (time.monotonic() - workload.started - scrapes[-1].t)))
            now = scrape(http, time.monotonic() - workload.started)
            scrapes.append(now)
            idle = now.total("openreel_queue_depth") == 0 and now.total("openreel_workers", state="busy") == 0
            if now.t >= seconds and (idle or now.t >= seconds + DRAIN_SECONDS):
                break
            if now.t - last_print >= 10:
                last_print = now.t
                done = now.by("openreel_operations_total", "state")
                print(f"  t={now.t:5.1f}s {workload.phase(now.t)[0]:9} queue={now.total('openreel_queue_depth'):.0f}"
                      f" busy={now.total('openreel_workers', state='busy'):.0f} "
                      f"submitted={now.total('openreel_operations_submitted_total'):.0f} "
                      + " ".join(f"{k}={v:.0f}" for k, v in sorted(done.items())))
    print("answers: " + ", ".join(f"{k}: {v}" for k, v in sorted(workload.tally.items())))
    return scrapes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=90, help="how long to send load (then it drains)")
    parser.add_argument("--scrape-every", type=float, default=3, help="seconds between scrapes of /metrics")
    parser.add_argument("--window", type=float, default=30, help="seconds of the rate and quantile windows")
    parser.add_argument("--workers", type=int, default=2, help="the server's in-process workers")
    parser.add_argument("--out", type=Path, default=REPO / "docs/dashboard.png")
    parser.add_argument("--keep-scrapes", type=Path, help="also write the scrapes to this JSON file")
    parser.add_argument("--from-scrapes", type=Path, help="draw from a --keep-scrapes file instead of a new run "
                        "(--seconds, --workers: those of that run)")
    args = parser.parse_args()
    if args.from_scrapes:
        print(f"drawing from {args.from_scrapes}, no server started")
        scrapes = [Scrape(t, [(n, labels, v) for n, labels, v in samples])
                   for t, samples in json.loads(args.from_scrapes.read_text())]
    else:
        scrapes = run(args.seconds, args.scrape_every, args.workers)
    if args.keep_scrapes:
        args.keep_scrapes.write_text(json.dumps([[s.t, s.samples] for s in scrapes]))
        print(f"wrote the scrapes to {args.keep_scrapes}")
    for label, value, _ in stats(scrapes):
        print(f"  {label}: {value}")
    draw(scrapes, args.window, args.seconds, args.workers, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
