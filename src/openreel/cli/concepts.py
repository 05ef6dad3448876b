"""How the CLI tells what the engine drew of a prompt (an operation's metadata.concepts), so a
user sees at once whether the engine could draw what was asked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import typer


def echo_concepts(concepts: Mapping[str, Any] | None) -> None:
    """Print the rendered and not-rendered concepts, when the engine said (procedural)."""
    if not concepts:
        return
    for label, key in (("rendered", "rendered"), ("not rendered", "notRendered")):
        if concepts.get(key):
            typer.echo(f"  {label}: {', '.join(concepts[key])}")
