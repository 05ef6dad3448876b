"""docs/grafana-dashboard.json and docs/prometheus-alerts.yml query what the server exposes.

The exposition they are checked against is a real GET /metrics of the app in this process after it
ran a success (with a webhook), a failure, a withheld video, refused requests and a free-tier key
(so the histograms, outcome, webhook and quota families all have series). Every metric named in
their PromQL is a sample name of that answer, every label they select or group by is one its
series carry, and the shared-state gauges are aggregated with max. Where promtool is installed,
the PromQL of both files parses, and the alerts fire (or stay quiet) on series they are meant for.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.gates import MODEL, Gates, gated_body
from tests.inprocess import InProcessClient, InProcessServer, explicit_settings
from tests.support import require_or_skip
from tests.webhook_receiver import WebhookReceiver

DOCS = Path(__file__).resolve().parents[2] / "docs"
DASHBOARD = DOCS / "grafana-dashboard.json"
ALERTS = DOCS / "prometheus-alerts.yml"
CREATE = f"/v1beta/models/{MODEL}:predictLongRunning"
METRIC = re.compile(r"\b(openreel_[a-z0-9_]+)\s*(\{[^}]*\})?")
MATCHER_LABEL = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")
GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
# Read from the database by every process, so every process reports the same value.
SHARED_STATE_GAUGES = ("openreel_queue_depth", "openreel_queued_operations", "openreel_queue_oldest_age_seconds",
                       "openreel_quota_utilization_ratio", "openreel_shared_state_up")
# What Grafana puts in place of the dashboard's variables, for promtool.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__range": "1h", "$window": "5m", "$model": ".*",
                     "$project": ".*"}


def _dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def _alert_rules() -> list[dict[str, Any]]:
    return [rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]]


def _graph_panels() -> list[dict[str, Any]]:
    return [p for p in _dashboard()["panels"] if p["type"] != "row"]


def _variable_queries() -> list[str]:
    return [v["definition"] for v in _dashboard()["templating"]["list"] if v["type"] == "query"]


def _expressions() -> list[str]:
    """Every PromQL expression of both files: panel targets, template variables, alert rules."""
    panel_exprs = [t["expr"] for p in _graph_panels() for t in p["targets"]]
    return panel_exprs + _variable_queries() + [rule["expr"] for rule in _alert_rules()]


@pytest.fixture(scope="module")
def exposed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """Sample name -> the label names its series carry, from GET /metrics of a server that has done
    a bit of everything."""
    data_dir = tmp_path_factory.mktemp("monitoring")
    gates = Gates(data_dir / "gates")
    receiver = WebhookReceiver()
    # "mp4": the engine encodes while it generates, so its progress reports fall in the generate
    # stage and the step-time histogram has series too.
    catalog = data_dir / "catalog.json"
    catalog.write_text(json.dumps({"models": [{"id": MODEL, "engine": "gated", "durations": [4],
                                               "options": {"control_dir": str(gates.dir), "output": "mp4"}}]}))
    settings = explicit_settings(data_dir, catalog_path=catalog, workers=1, webhook_allowlist="127.0.0.1/32")
    try:
        with InProcessServer(settings) as server:
            http = server.client(server.create_key("studio"))
            gates.open("ok", 0)
            gates.open("free", 0)
            finished = []
            for tag in ("ok", "refuse", "withhold"):  # succeeds; fails (the engine refuses); filtered
                body = gated_body(tag) | {"webhookConfig": {"uris": [receiver.url]}}
                created = http.post(CREATE, json=body)
                assert created.status_code == 200, created.text
                finished.append(server.wait_done(http, f"/v1beta/{created.json()['name']}", timeout=60))
            assert ["error" in op for op in finished] == [False, True, False]
            invalid = gated_body("bad") | {"parameters": {"durationSeconds": 5, "resolution": "720p"}}
            assert http.post(CREATE, json=invalid).status_code == 400
            free = server.client(server.create_key("hobby", tier="free"))
            statuses = [free.post(CREATE, json=gated_body("free")).status_code for _ in range(3)]
            assert 429 in statuses, statuses
            return _exposition_once_it_has(http, "openreel_webhook_deliveries_total")
    finally:
        receiver.close()


def _exposition_once_it_has(http: InProcessClient, name: str, timeout: float = 30) -> dict[str, set[str]]:
    """Sample name -> label names of GET /metrics, once it has a sample called `name` (webhook
    deliveries are counted in the background, after the receiver answered)."""
    deadline = time.monotonic() + timeout
    while True:
        response = http.get("/metrics")
        assert response.status_code == 200
        samples: dict[str, set[str]] = {}
        for family in text_string_to_metric_families(response.text):
            for sample in family.samples:
                samples.setdefault(sample.name, set()).update(sample.labels)
        if name in samples or time.monotonic() > deadline:
            return samples
        time.sleep(0.1)



def _selectors(expr: str) -> Iterator[tuple[str, list[str]]]:
    """(metric name, the labels its matchers name) for every openreel selector in expr."""
    for match in METRIC.finditer(expr):
        yield match.group(1), MATCHER_LABEL.findall(match.group(2) or "")


def _grouping_labels(expr: str) -> list[str]:
    labels = [label.strip() for group in GROUPING.findall(expr) for label in group.split(",") if label.strip()]
    values_of = re.match(r"label_values\(.*,\s*([a-zA-Z_]\w*)\s*\)$", expr.strip(), re.S)
    return labels + ([values_of.group(1)] if values_of else [])


# -- the dashboard --------------------------------------------------------------------------------

def test_the_dashboard_is_a_grafana_dashboard_on_a_chosen_prometheus() -> None:
    dashboard = _dashboard()
    assert dashboard["schemaVersion"] >= 36 and dashboard["uid"] and dashboard["title"]
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    for name in ("model", "project"):
        assert variables[name]["type"] == "query"
        assert variables[name]["definition"].startswith("label_values(")
        assert variables[name]["datasource"]["uid"] == "${datasource}"
    for panel in _graph_panels():
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        assert all(t["datasource"] == panel["datasource"] for t in panel["targets"]), panel["title"]


def test_every_dashboard_panel_has_a_query_and_its_own_place() -> None:
    panels = _dashboard()["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    for panel in _graph_panels():
        targets = panel["targets"]
        assert targets and all(t["expr"].strip() for t in targets), panel["title"]
        assert len({t["refId"] for t in targets}) == len(targets), panel["title"]
    cells: dict[tuple[int, int], str] = {}
    for panel in panels:
        box = panel["gridPos"]
        assert box["x"] + box["w"] <= 24, panel["title"]
        for x in range(box["x"], box["x"] + box["w"]):
            for y in range(box["y"], box["y"] + box["h"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps {cells[(x, y)]}"
                cells[(x, y)] = panel["title"]


def test_the_dashboard_shows_latency_quantiles_success_quota_cost_errors_queue_workers_and_webhooks() -> None:
    exprs = " ".join(t["expr"] for p in _graph_panels() for t in p["targets"])
    for q in ("0.5", "0.95", "0.99"):
        assert f'histogram_quantile({q}, sum by (le) (rate(openreel_operation_seconds_bucket{{stage="total"' in exprs
    assert "sum by (le, stage)" in exprs  # P95 per stage
    for shown in ('openreel_operations_total{state="succeeded"', "max by (project, limit) "
                  "(openreel_quota_utilization_ratio", "increase(openreel_cost_usd_total",
                  "increase(openreel_videos_delivered_total", "sum by (category) (rate(openreel_errors_total",
                  "max(openreel_queue_depth)", "max(openreel_queue_oldest_age_seconds)",
                  "sum by (state) (openreel_workers)", "sum by (outcome) (rate(openreel_webhook_deliveries_total"):
        assert shown in exprs, shown


# -- both files against a real exposition ---------------------------------------------------------

def test_every_metric_the_promql_names_is_one_the_server_exposes(exposed: dict[str, set[str]]) -> None:
    missing = {name for expr in _expressions() for name, _ in _selectors(expr) if name not in exposed}
    assert not missing, f"not in GET /metrics: {sorted(missing)}"
    assert all(list(_selectors(expr)) for expr in _expressions())


def test_every_label_the_promql_selects_or_groups_by_is_on_its_series(exposed: dict[str, set[str]]) -> None:
    wrong = []
    for expr in _expressions():
        selectors = list(_selectors(expr))
        wrong += [f"{name}{{{label}}}" for name, labels in selectors for label in labels
                  if label not in exposed.get(name, set())]
        carried = set().union(*(exposed.get(name, set()) for name, _ in selectors))
        wrong += [f"by ({label}) in {expr!r}" for label in _grouping_labels(expr) if label not in carried]
    assert not wrong, wrong


def test_the_shared_state_gauges_are_aggregated_with_max_not_sum() -> None:
    """Every process reads them from the database, so a sum counts the same queue once per process."""
    for expr in _expressions():
        for match in METRIC.finditer(expr):
            if match.group(1) in SHARED_STATE_GAUGES:
                assert re.search(r"\b(max|min)(\s+by\s*\([^)]*\))?\s*\(\s*$", expr[:match.start()]), expr


# -- the alert rules ------------------------------------------------------------------------------

def test_every_alert_has_a_duration_a_severity_and_a_summary() -> None:
    rules = _alert_rules()
    assert len({rule["alert"] for rule in rules}) == len(rules)
    for rule in rules:
        assert rule["expr"].strip() and re.fullmatch(r"\d+[smh]", rule["for"]), rule["alert"]
        assert rule["labels"]["severity"] in ("critical", "warning", "info"), rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]


def test_the_alerts_watch_success_latency_quota_and_the_queue() -> None:
    watched = {name for rule in _alert_rules() for name, _ in _selectors(rule["expr"])}
    assert {"openreel_operations_total", "openreel_operation_seconds_bucket", "openreel_quota_utilization_ratio",
            "openreel_queue_depth", "openreel_queue_oldest_age_seconds"} <= watched


def _promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        require_or_skip("promtool is not installed (Debian: apt-get install prometheus)")
    assert path is not None
    return path


def _promtool_run(*args: str, cwd: Path) -> None:
    done = subprocess.run([_promtool(), *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_parses_the_alert_rules_and_every_dashboard_query(tmp_path: Path) -> None:
    _promtool_run("check", "rules", str(ALERTS), cwd=tmp_path)
    queries = [t["expr"] for p in _graph_panels() for t in p["targets"]]
    for variable, value in GRAFANA_VARIABLES.items():
        queries = [q.replace(variable, value) for q in queries]
    assert "$" not in "".join(queries)
    recording = {"groups": [{"name": "dashboard", "rules": [{"record": f"dashboard:query_{i}", "expr": q}
                                                            for i, q in enumerate(queries)]}]}
    (tmp_path / "dashboard.yml").write_text(yaml.safe_dump(recording))
    _promtool_run("check", "rules", "dashboard.yml", cwd=tmp_path)


def test_the_alert_conditions_hold_on_the_series_they_watch_and_not_on_doubled_shared_state(tmp_path: Path) -> None:
    """Each alert's expression evaluated by promtool on series of two scraped processes (a and b):
    it is true where it should fire, and a gauge both processes report is not counted twice."""
    expr = {rule["alert"]: rule["expr"] for rule in _alert_rules()}
    fin, total = 'openreel_operations_total{state="%s", model="%s", instance="%s"}', "openreel_operation_seconds_bucket"
    series = [
        # model m: 3 of 4 finished per minute succeed; model quiet: half fail, but 3 in 15 min.
        (fin % ("succeeded", "m", "a"), "0+2x40"), (fin % ("succeeded", "m", "b"), "0+1x40"),
        (fin % ("failed", "m", "a"), "0+1x40"), (fin % ("cancelled", "m", "a"), "0+50x40"),
        (fin % ("succeeded", "quiet", "a"), "0+0.1x40"), (fin % ("failed", "quiet", "a"), "0+0.1x40"),
        # every operation of model m takes between 600 and 900 s
        (f'{total}{{stage="total", model="m", le="600", instance="a"}}', "0x40"),
        (f'{total}{{stage="total", model="m", le="900", instance="a"}}', "0+1x40"),
        (f'{total}{{stage="total", model="m", le="+Inf", instance="a"}}', "0+1x40"),
        # both processes report the database's figures
        *[(f'openreel_quota_utilization_ratio{{project="{p}", limit="concurrent", instance="{i}"}}', v)
          for p, v in (("busy", "0.95x40"), ("half", "0.5x40")) for i in "ab"],
        *[(f'openreel_queue_depth{{instance="{i}"}}', "60x40") for i in "ab"],
        *[(f'openreel_queue_oldest_age_seconds{{instance="{i}"}}', "0+60x40") for i in "ab"],
        ('openreel_shared_state_up{instance="a"}', "1x40"), ('openreel_shared_state_up{instance="b"}', "0x40"),
        ('openreel_webhook_deliveries_total{outcome="gave_up", instance="a"}', "0x20 1x20"),
    ]
    cases: list[tuple[str, list[tuple[str, float]]]] = [
        ("OpenreelSuccessRateLow", [('{model="m"}', 0.75)]),  # quiet: 50 %, but too few to judge
        ("OpenreelLatencyP95High", [('{model="m"}', 885)]),
        ("OpenreelQuotaNearLimit", [('{project="busy", limit="concurrent"}', 0.95)]),  # half: 0.5, not 1.0
        ("OpenreelQueueDeep", []),  # 60 queued, reported by two processes: not 120
        ("OpenreelQueueBacklogGrowing", [("{}", 1800)]),
        ("OpenreelSharedStateDown", [("{}", 0)]),
        ("OpenreelWebhooksGivingUp", [("{}", 1)])]
    assert {name for name, _ in cases} == set(expr)
    tests = {"rule_files": [], "evaluation_interval": "1m", "tests": [{
        "interval": "1m", "input_series": [{"series": s, "values": v} for s, v in series],
        "promql_expr_test": [{"expr": expr[name], "eval_time": "30m",
                              "exp_samples": [{"labels": labels, "value": value} for labels, value in samples]}
                             for name, samples in cases]}]}
    (tmp_path / "alerts_test.yml").write_text(yaml.safe_dump(tests, sort_keys=False))
    _promtool_run("test", "rules", "alerts_test.yml", cwd=tmp_path)
