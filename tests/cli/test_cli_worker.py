"""`openreel worker` and `openreel serve` refuse, with exit code 2 and a line saying what to do,
the scale-out settings they cannot run with; never with a traceback, never printing a password."""

from __future__ import annotations

from pathlib import Path

from tests.support import openreel_cli

BROKER = "redis://:hunter2-secret@127.0.0.1:6379/9"


def _refused(*args: str, env: dict[str, str]) -> str:
    done = openreel_cli(*args, env=env, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "hunter2" not in done.stdout + done.stderr
    return done.stderr


def test_a_worker_needs_a_broker(tmp_path: Path) -> None:
    err = _refused("worker", "--data-dir", str(tmp_path), env={"OPENREEL_QUEUE_URL": ""})
    assert "set OPENREEL_QUEUE_URL (or --queue-url) to the Celery broker" in err


def test_a_worker_refuses_models_the_catalog_lacks(tmp_path: Path) -> None:
    err = _refused("worker", "--models", "veo-9-imaginary", "--data-dir", str(tmp_path),
                   env={"OPENREEL_QUEUE_URL": BROKER})
    assert "names models the catalog lacks: veo-9-imaginary" in err


def test_serve_with_a_broker_runs_no_workers_of_its_own(tmp_path: Path) -> None:
    err = _refused("serve", "--data-dir", str(tmp_path), "--workers", "2", env={"OPENREEL_QUEUE_URL": BROKER})
    assert "start the API with --workers 0" in err


def test_a_queue_url_that_is_no_broker_is_refused_naming_the_setting(tmp_path: Path) -> None:
    err = _refused("serve", "--data-dir", str(tmp_path), "--workers", "0",
                   env={"OPENREEL_QUEUE_URL": "kafka://broker:9092"})
    assert "OPENREEL_QUEUE_URL must be empty (in-process workers) or a Celery broker URL" in err
