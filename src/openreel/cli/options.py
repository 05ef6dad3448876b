"""Options several commands share, declared once so their flags and help read the same everywhere."""

from __future__ import annotations

from typing import Annotated

import typer

ApiKey = Annotated[str | None, typer.Option("--api-key", "--key", envvar="OPENREEL_API_KEY", show_default=False,
                                            help="API key for the server (OPENREEL_API_KEY).")]
