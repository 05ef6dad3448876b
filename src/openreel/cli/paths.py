"""The local files `openreel generate` reads and writes, checked before any work starts: a missing
--image or an -o in a folder that does not exist fails at once (exit 2, naming the flag), not
after minutes of rendering."""

from __future__ import annotations

import os
import re
from pathlib import Path

from openreel.cli.exit_codes import file_problem


def os_error_reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


def read_input(flag: str, path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise file_problem(flag, path, os_error_reason(exc)) from None


def read_prompts(path: Path) -> list[str]:
    """One prompt per non-blank line."""
    try:
        prompts = [line.strip() for line in read_input("--prompts-file", path).decode().splitlines()]
    except UnicodeDecodeError:
        raise file_problem("--prompts-file", path, "not UTF-8 text") from None
    prompts = [p for p in prompts if p]
    if not prompts:
        raise file_problem("--prompts-file", path, "no prompts in it (one per line)")
    return prompts


def check_writable(flag: str, path: Path) -> None:
    """Raise unless `path` can be created or overwritten (its folder is not created for it)."""
    folder = path.parent
    if path.is_dir():
        raise file_problem(flag, path, "is a directory")
    if not folder.is_dir():
        raise file_problem(flag, path, f"folder {folder} does not exist" if not folder.exists()
                           else f"{folder} is not a folder")
    if not os.access(path if path.exists() else folder, os.W_OK):
        raise file_problem(flag, path, "permission denied")


def write_output(flag: str, path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise file_problem(flag, path, os_error_reason(exc)) from None


def sample_path(output: Path, index: int, count: int) -> Path:
    """out.mp4 for one sample; out-0.mp4, out-1.mp4, ... for several (local and server mode alike)."""
    return output if count == 1 else output.with_name(f"{output.stem}-{index}{output.suffix}")


def output_name(template: str, index: int, prompt: str) -> Path:
    """e.g. "{index:02d}-{slug}.mp4" -> 03-a-serene-mountain-lake.mp4"""
    slug = re.sub(r"[^a-z0-9]+", "-", prompt.lower()).strip("-")[:40] or "video"
    return Path(template.format(index=index, slug=slug))
