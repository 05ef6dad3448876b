"""Scratch folders: where workers encode MP4s before storing them, one folder per process
(`<data_dir>/tmp/<host>-<pid>`), so a start-up can tell a dead process's leftovers from the
work of another server sharing the data dir, and remove only the former."""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import time
from pathlib import Path

log = logging.getLogger(__name__)
_OWNED = re.compile(r"^(?P<host>.+)-(?P<pid>\d+)$")
# Another host's folder can't be checked for a live process; past this age it is abandoned.
FOREIGN_MAX_AGE_SECONDS = 24 * 3600


def scratch_dir(tmp_root: Path) -> Path:
    return tmp_root / f"{socket.gethostname()}-{os.getpid()}"


def remove_stale_scratch(tmp_root: Path) -> list[Path]:
    """Remove the scratch folders of processes that are gone; return what was removed."""
    if not tmp_root.is_dir():
        return []
    removed = []
    host = socket.gethostname()
    for entry in tmp_root.iterdir():
        match = _OWNED.match(entry.name)
        if match and match["host"] == host:
            stale = not _alive(int(match["pid"]))
        else:  # another host's, or a folder of a version that named them differently
            stale = time.time() - entry.stat().st_mtime > FOREIGN_MAX_AGE_SECONDS
        if stale:
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
            removed.append(entry)
    if removed:
        log.info("removed %d scratch folder(s) left by stopped workers", len(removed))
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
