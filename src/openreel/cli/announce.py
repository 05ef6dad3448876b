"""How `openreel serve` and `openreel worker` tell the operator what they do as they start:
printed lines for a terminal, or, with OPENREEL_LOG_FORMAT=json, JSON log lines, so that a log
pipeline reading the process's output sees only JSON."""

from __future__ import annotations

import logging
from typing import Protocol

import typer

from openreel.observability.logs import configure_process_logging


class Announce(Protocol):
    def __call__(self, message: str, *, err: bool = False, problem: bool = False) -> None:
        """err: to stderr (when printed); problem: a warning (when logged)."""


def announcer(log_format: str, log_level: str, *, configure: bool) -> Announce:
    """configure: set up the process's logging now (serve leaves it to uvicorn for plain text)."""
    if configure or log_format == "json":
        configure_process_logging(log_level, log_format)
    if log_format != "json":
        def echo(message: str, *, err: bool = False, problem: bool = False) -> None:
            typer.echo(message, err=err or problem)

        return echo
    log = logging.getLogger("openreel.cli")

    def write(message: str, *, err: bool = False, problem: bool = False) -> None:
        (log.warning if problem else log.info)(message)

    return write
