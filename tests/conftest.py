from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.inprocess import InProcessServer, explicit_settings
from tests.support import LiveServer
from tests.tiny_models import build_tiny_models

os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One live server per test module (SQLite + local disk, one in-process worker)."""
    live = LiveServer(tmp_path_factory.mktemp("server"), public_url="https://openreel.test")
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    """The fast tier: `server`'s settings, but the app runs in this process (see tests/inprocess.py)."""
    settings = explicit_settings(tmp_path_factory.mktemp("app"), public_url="https://openreel.test")
    with InProcessServer(settings) as app:
        yield app


@pytest.fixture(scope="module")
def api_key(server: LiveServer) -> str:
    return server.create_key(project="my-proj")


@pytest.fixture(scope="module")
def app_key(app_server: InProcessServer) -> str:
    return app_server.create_key(project="my-proj")


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server this test may stop, kill and restart."""
    live = LiveServer(tmp_path / "server")
    yield live
    live.stop(kill=True)


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny random-weight Wan T2V, Wan I2V and LTX-2 pipelines saved with save_pretrained (built
    once per session, offline); skipped without the diffusers extra, failed in CI."""
    return build_tiny_models(tmp_path_factory.mktemp("tiny-models"))
