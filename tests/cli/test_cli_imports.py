"""The CLI answers at once because its entry point loads no heavy module: each command imports the
server, the database, the engines or the client when it runs. Asserted on imports, not on time."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support import free_port

HEAVY = {"fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "av", "numpy", "PIL", "pydantic_settings"}

# Runs the CLI in-process with the given arguments (none: only import it), then reports on stderr
# which top-level packages got loaded.
_PROBE = """
import json, sys
args = json.loads(sys.argv[1])
sys.argv = ["openreel", *args]
from openreel.cli.main import app
if args:
    try:
        app()
    except SystemExit:
        pass
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})), file=sys.stderr)
"""


def _top_level_modules_after(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(args)], capture_output=True, text=True,
                          check=False, timeout=60)
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_importing_the_entry_point_loads_no_heavy_module() -> None:
    assert _top_level_modules_after() & HEAVY == set()


@pytest.mark.parametrize("args", [["--help"], ["generate", "--help"], ["keys", "create", "--help"], ["stats", "--help"],
                                  ["models"], ["operations", "list"], ["operations", "get", "abc"]],
                         ids=" ".join)
def test_quick_commands_load_no_heavy_module(args: list[str]) -> None:
    server = ["--server", f"http://127.0.0.1:{free_port()}", "--api-key", "ork_x"] if "--help" not in args else []
    assert _top_level_modules_after(*args, *server) & HEAVY == set()
