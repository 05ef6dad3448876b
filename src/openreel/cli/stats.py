"""`openreel stats [--server URL] [--model M] [--json]`: the monitoring figures of one running
server for people without Prometheus, computed from its /metrics (observability/metrics.py).

The figures are one process's, since it started: an `openreel serve` counts what its in-process
workers did; in a scale-out deployment each `openreel worker` counts its own jobs on its
--metrics-port, which this command can read too (use Prometheus to sum across processes).

--json prints one object with these keys (null where a figure has no data, the "n/a" of the table):
    server            the URL read
    model             the --model given, or null for all models
    operations        counts: submitted, succeeded, failed, cancelled, filtered (every video withheld)
    success_rate      succeeded / (succeeded + failed + filtered); cancelled operations are the
                      caller's choice and left out
    latency_seconds   per stage (total: created to finished, end to end; queue, generate, encode,
                      upload): {count, p50, p95, p99}
    videos            delivered, seconds (of video delivered), filtered (videos withheld)
    cost_usd          total, per_video (total / videos delivered)
    errors            {class: count} of the classes seen, most frequent first (all models)
    queue             depth (operations queued, of --model only when given), oldest_age_seconds
                      (all models); null when the server could not read its database
    workers           busy, idle (this process's worker threads)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

import typer

from openreel.cli.exit_codes import fail, reported_errors
from openreel.cli.remote import Server
from openreel.cli.server_url import client_config

STAGES = ("total", "queue", "generate", "encode", "upload")  # end to end first
QUANTILES = {"p50": 0.5, "p95": 0.95, "p99": 0.99}
OUTCOMES = ("succeeded", "failed", "cancelled", "filtered")
Series = tuple[str, dict[str, str], float]  # sample name, labels, value
HELP = ("A running server's success rate, latency percentiles, cost per video, errors, queue and workers, "
        "from its /metrics. The success rate leaves cancelled operations out: cancelling is the caller's choice.")


def stats(
    server: Server = None,
    model: Annotated[str | None, typer.Option(show_default=False, help="Only this model's figures (errors, "
                                                                       "queue age and workers stay "
                                                                       "server-wide).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object of the figures (keys in "
                                                         "`pydoc openreel.cli.stats`).")] = False,
) -> None:
    base_url = client_config(server, None).base_url
    with reported_errors(base_url):
        series = read_metrics(base_url)
    if model is not None and model not in {labels["model"] for _, labels, _ in series if "model" in labels}:
        raise fail("NOT_FOUND", f"model {model!r} appears in none of {base_url}'s metrics")
    report = {"server": base_url, "model": model, **figures(Scrape(series, model))}
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    _print(report)


def read_metrics(base_url: str) -> list[Series]:
    """Every sample of the server's /metrics; an answer that is not openreel's metrics exits 8."""
    import httpx
    from prometheus_client.parser import text_string_to_metric_families

    def not_openreel(reason: str) -> typer.Exit:
        return fail("UNAVAILABLE", f"{base_url} does not answer like an openreel server: {reason}")

    response = httpx.get(f"{base_url}/metrics", timeout=30)
    if response.status_code != 200:
        raise not_openreel(f"/metrics answered HTTP {response.status_code} {response.reason_phrase}")
    try:
        series = [(s.name, s.labels, s.value) for family in text_string_to_metric_families(response.text)
                  for s in family.samples]
    except ValueError:
        raise not_openreel("/metrics is not in the Prometheus text format") from None
    if not any(name.startswith("openreel_") for name, _, _ in series):
        raise not_openreel("/metrics holds no openreel_ metric")
    return series


class Scrape:
    """The samples of one scrape, narrowed to one model's series where a series has a model label.
    Counters are read by sample name (openreel_operations_total): the parser drops `_total` from
    the family's name only."""

    def __init__(self, series: Iterable[Series], model: str | None) -> None:
        self.series = [s for s in series if model is None or s[1].get("model", model) == model]

    def values(self, name: str, **labels: str) -> list[float]:
        return [value for sample, have, value in self.series if sample == name and _has(have, labels)]

    def total(self, name: str, **labels: str) -> float:
        return sum(self.values(name, **labels))

    def by(self, label: str, name: str) -> dict[str, float]:
        """Sums by the value of one label, as `sum by (label)` would."""
        sums: dict[str, float] = {}
        for sample, labels, value in self.series:
            if sample == name and label in labels:
                sums[labels[label]] = sums.get(labels[label], 0.0) + value
        return sums

    def buckets(self, histogram: str, **labels: str) -> list[tuple[float, float]]:
        """(upper bound, cumulative count) pairs of the matching series, summed by bound."""
        sums: dict[float, float] = {}
        for sample, have, value in self.series:
            if sample == f"{histogram}_bucket" and _has(have, labels):
                bound = float(have["le"])
                sums[bound] = sums.get(bound, 0.0) + value
        return list(sums.items())


def _has(labels: dict[str, str], wanted: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in wanted.items())


def histogram_quantile(q: float, buckets: Sequence[tuple[float, float]]) -> float | None:
    """The q-quantile (0 < q <= 1) of a histogram given as (upper bound, cumulative count) pairs,
    one of them +Inf, as Prometheus' histogram_quantile() computes it: find the bucket holding
    the rank q * count, and interpolate linearly within it (from 0 for the first bucket, unless its
    bound is at most 0: then that bound). A rank in the +Inf bucket gives the highest finite bound.
    None when there is no observation (or no +Inf bucket, where Prometheus answers NaN)."""
    if not 0 < q <= 1:
        raise ValueError(f"quantile {q} is not in (0, 1]")
    ordered = sorted(buckets)
    if len(ordered) < 2 or ordered[-1][0] != float("inf") or ordered[-1][1] == 0:
        return None
    rank = q * ordered[-1][1]
    b = next(i for i, (_, count) in enumerate(ordered) if count >= rank)
    if b == len(ordered) - 1:
        return ordered[-2][0]
    if b == 0 and ordered[0][0] <= 0:
        return ordered[0][0]
    start, below = ordered[b - 1] if b > 0 else (0.0, 0.0)
    end, count = ordered[b]
    return start + (end - start) * (rank - below) / (count - below)


def figures(scrape: Scrape) -> dict[str, Any]:
    """The --json object's figures: every key of the module docstring after server and model."""
    outcomes = {state: int(scrape.total("openreel_operations_total", state=state)) for state in OUTCOMES}
    judged = outcomes["succeeded"] + outcomes["failed"] + outcomes["filtered"]
    videos = int(scrape.total("openreel_videos_delivered_total"))
    cost = scrape.total("openreel_cost_usd_total")
    errors = {category: int(count) for category, count in scrape.by("category", "openreel_errors_total").items()
              if count}
    queue_read = scrape.total("openreel_shared_state_up") > 0  # without the database the gauges are absent
    oldest = scrape.values("openreel_queue_oldest_age_seconds")
    return {
        "operations": {"submitted": int(scrape.total("openreel_operations_submitted_total")), **outcomes},
        "success_rate": outcomes["succeeded"] / judged if judged else None,
        "latency_seconds": {stage: _latency(scrape.buckets("openreel_operation_seconds", stage=stage))
                            for stage in STAGES},
        "videos": {"delivered": videos, "seconds": scrape.total("openreel_video_seconds_delivered_total"),
                   "filtered": int(scrape.total("openreel_samples_filtered_total"))},
        "cost_usd": {"total": round(cost, 6), "per_video": round(cost / videos, 6) if videos else None},
        "errors": dict(sorted(errors.items(), key=lambda item: (-item[1], item[0]))),
        # Summed over the per-model gauge, which --model narrows; it adds up to openreel_queue_depth.
        "queue": {"depth": int(scrape.total("openreel_queued_operations")) if queue_read else None,
                  "oldest_age_seconds": max(oldest) if queue_read and oldest else None},
        "workers": {state: int(scrape.total("openreel_workers", state=state)) for state in ("busy", "idle")},
    }


def _latency(buckets: list[tuple[float, float]]) -> dict[str, Any]:
    count = int(max((count for _, count in buckets), default=0))
    return {"count": count, **{name: histogram_quantile(q, buckets) for name, q in QUANTILES.items()}}


def _print(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    ops, cost, queue, workers = report["operations"], report["cost_usd"], report["queue"], report["workers"]
    judged = ops["succeeded"] + ops["failed"] + ops["filtered"]
    rate = "n/a" if report["success_rate"] is None else f"{report['success_rate']:.1%}"
    summary = Table("Figure", "Value", title=f"openreel stats: {report['server']} ({report['model'] or 'all models'})",
                    caption="Counted since the server process started.")
    summary.add_row("Success rate", f"{rate} ({ops['succeeded']} of {judged}; cancelled ones not counted)")
    summary.add_row("Submitted", f"{ops['submitted']} operations")
    summary.add_row("Finished", ", ".join(f"{ops[state]} {state}" for state in OUTCOMES))
    summary.add_row("Videos delivered", f"{report['videos']['delivered']} ({report['videos']['seconds']:g} s), "
                                        f"{report['videos']['filtered']} withheld by the safety filter")
    summary.add_row("Cost per video", _usd(cost["per_video"]))
    summary.add_row("Total cost", _usd(cost["total"]))
    summary.add_row("Queue", "n/a" if queue["depth"] is None else f"{queue['depth']} queued" if not queue["depth"]
                    else f"{queue['depth']} queued, the oldest for {_seconds(queue['oldest_age_seconds'])}")
    summary.add_row("Workers", f"{workers['busy']} busy, {workers['idle']} idle")
    latency = Table("Stage", "Count", *(name.upper() for name in QUANTILES), title="Latency (total: end to end)")
    for stage, figure in report["latency_seconds"].items():
        latency.add_row(stage, str(figure["count"]), *(_seconds(figure[name]) for name in QUANTILES))
    errors = Table("Class", "Count", title="Errors by class")
    for category, count in report["errors"].items():
        errors.add_row(category, str(count))
    Console().print(summary, latency, errors if report["errors"] else "No errors.")


def _usd(amount: float | None) -> str:
    return "n/a" if amount is None else f"${amount:.4f}"


def _seconds(value: float | None) -> str:
    # Encode and upload stages take milliseconds, generating takes minutes: three decimals below a second.
    return "n/a" if value is None else f"{value:.3f} s" if value < 1 else f"{value:.2f} s"
