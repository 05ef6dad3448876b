"""What every failing CLI command must look like to the user."""

from __future__ import annotations

import subprocess


def assert_one_line_error(done: subprocess.CompletedProcess[str], code: int) -> str:
    """The exit code is `code` and stderr is a single `error: ...` line, never a traceback;
    returns that line."""
    assert done.returncode == code, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]
