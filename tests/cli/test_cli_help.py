"""Every --help screen reads cleanly: flags show no value type, every option says what it is for."""

from __future__ import annotations

from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from openreel.cli.main import app


def _commands() -> list[tuple[list[str], Any]]:
    """Every command and group of the CLI with the words that name it ([] for `openreel` itself)."""
    found: list[tuple[list[str], Any]] = []

    def walk(command: Any, path: list[str]) -> None:
        found.append((path, command))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


@pytest.mark.parametrize(("path", "command"), _commands(), ids=lambda p: " ".join(["openreel", *p])
                         if isinstance(p, list) else "")
def test_help_shows_no_value_type_on_flags_and_every_parameter_has_help(path: list[str], command: Any) -> None:
    done = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"}, prog_name="openreel")
    assert done.exit_code == 0, done.output
    assert "<bool>" not in done.output and "Show this message and exit." in done.output
    for param in command.params:
        assert param.help, f"openreel {' '.join(path)}: {param.name} has no help text"


def test_top_level_help_lists_the_exit_codes() -> None:
    done = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"}, prog_name="openreel")
    assert "Exit codes: 2 invalid argument or unusable file" in done.output
    assert "8 server unavailable" in done.output
