"""MotoServer: moto's standalone server, a real S3 API over HTTP on a free loopback port, in its
own process. Tests reach it exactly as openreel reaches AWS, R2 or MinIO: through boto3 and an
endpoint URL, never through in-process mocks. moto checks neither signatures nor presigned URLs'
expiry: tests of those use tests/s3rver_server.py.

    with MotoServer() as s3:
        s3.create_bucket("videos")
        env = s3.env() | {"OPENREEL_STORAGE_URL": "s3://videos"}   # for an `openreel serve`
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from types import TracebackType
from typing import Any

import boto3  # type: ignore[import-untyped]
import httpx

from tests.support import free_port, stop_process

ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing-secret-key"  # distinct from the key id, so tests can look for leaks
REGION = "us-east-1"


class MotoServer:
    def __init__(self, start_timeout: float = 30.0) -> None:
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self.start_timeout = start_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()
        self._client: Any = None

    def start(self) -> MotoServer:
        """Start the server and wait until it answers HTTP."""
        self.process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                        stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto server exited:\n{self.log()}")
            try:
                httpx.get(f"{self.endpoint_url}/moto-api/", timeout=1)
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto server did not answer within {self.start_timeout} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process is None:
            return
        stop_process(self.process)
        self.process = None

    def log(self) -> str:
        """What the server printed so far (its request log and any traceback)."""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def reset(self) -> None:
        """Forget every bucket and object (moto's own reset API)."""
        httpx.post(f"{self.endpoint_url}/moto-api/reset", timeout=10).raise_for_status()

    def env(self) -> dict[str, str]:
        """Environment for a child process (an `openreel serve`) that should use this server."""
        return {"AWS_ACCESS_KEY_ID": ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
                "AWS_DEFAULT_REGION": REGION, "OPENREEL_S3_ENDPOINT_URL": self.endpoint_url}

    def client(self) -> Any:
        """A boto3 S3 client for this server, with the test credentials spelled out (made once:
        clients are slow to make, and thread-safe)."""
        if self._client is None:
            self._client = boto3.session.Session().client(
                "s3", endpoint_url=self.endpoint_url, region_name=REGION,
                aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY)
        return self._client

    def create_bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()
        self._log.close()
