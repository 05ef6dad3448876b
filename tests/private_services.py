"""A Redis server and a PostgreSQL cluster of a test's own, on free loopback ports, for tests
that restart them: the machine's shared ones stay untouched (other tests and CI use them)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import redis

from tests.support import free_port, require_or_skip


class PrivateRedis:
    """redis-server with its append-only file (as docs/deploy.md asks), killed and restarted."""

    def __init__(self, data_dir: Path) -> None:
        if shutil.which("redis-server") is None:
            require_or_skip("redis-server is not installed")
        self.dir, self.port = data_dir, free_port()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
             "--appendfsync", "everysec", "--dir", str(self.dir)],
            stdout=(self.dir / "redis.log").open("ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                if redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping():
                    return
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def kill(self) -> None:
        """A crash: kill -9, no chance to write anything more."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


class PrivatePostgres:
    """A PostgreSQL cluster made by initdb (run as the postgres user when this is root)."""

    def __init__(self) -> None:
        self.bin = _postgres_bin()
        # Not under pytest's tmp_path: its parents are private to root, and the server runs as
        # postgres. close() removes it.
        self.dir, self.port = Path(tempfile.mkdtemp(prefix="openreel-pg-")), free_port()
        self.pgdata = self.dir / "pgdata"
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            shutil.chown(self.dir, self.user)
        self._run("initdb", "-D", str(self.pgdata), "-A", "trust", "-U", "postgres", "--no-sync")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.pgdata), "-l", str(self.dir / "postgres.log"), "-w", "-t", "60",
                  "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self, mode: str = "fast") -> None:
        """`immediate` is a crash: no checkpoint, recovery at the next start."""
        self._run("pg_ctl", "-D", str(self.pgdata), "-m", mode, "-w", "stop")

    def close(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr + done.stdout


def _postgres_bin() -> Path:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    if not candidates or not (candidates[0] / "initdb").exists():
        require_or_skip("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        require_or_skip("runuser is needed to run initdb as the postgres user")
    return candidates[0]
