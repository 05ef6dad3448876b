"""S3rverServer: s3rver (npm), a second real S3 API on a loopback port, in its own node process.
Unlike moto it checks SigV4 signatures and refuses presigned URLs past their X-Amz-Expires, as
AWS, R2 and MinIO do, so presigned-URL expiry is tested against it."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from tests.support import free_port, stop_process

S3RVER = Path(__file__).parent / "js" / "node_modules" / "s3rver" / "bin" / "s3rver.js"
# s3rver's own fixed credentials: any other key is refused (InvalidAccessKeyId).
ACCESS_KEY_ID = SECRET_ACCESS_KEY = "S3RVER"


def s3rver_available() -> bool:
    return shutil.which("node") is not None and S3RVER.is_file()


class S3rverServer:
    def __init__(self, *buckets: str, start_timeout: float = 30.0) -> None:
        self.buckets, self.start_timeout = buckets, start_timeout
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self._dir = tempfile.TemporaryDirectory(prefix="s3rver-")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> S3rverServer:
        command = ["node", str(S3RVER), "-d", self._dir.name, "-a", "127.0.0.1", "-p", str(self.port),
                   "--silent", "--no-vhost-buckets"]
        for bucket in self.buckets:
            command += ["--configure-bucket", bucket]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                said = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"s3rver exited: {said}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"s3rver did not listen within {self.start_timeout} s")

    def env(self) -> dict[str, str]:
        """Environment for an `openreel serve` that should use this server."""
        return {"AWS_ACCESS_KEY_ID": ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
                "AWS_DEFAULT_REGION": "us-east-1", "OPENREEL_S3_ENDPOINT_URL": self.endpoint_url}

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None
        self._dir.cleanup()

    def __enter__(self) -> S3rverServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()
