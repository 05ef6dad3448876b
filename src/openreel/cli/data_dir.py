"""Settings for the commands that work on this machine's data (serve, keys), and the one stderr line
that says which data dir they use: run from the wrong folder, a command would otherwise quietly
create a fresh, empty ./data there."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from openreel.cli.exit_codes import fail, reported_errors

if TYPE_CHECKING:
    from openreel.settings import Settings

DataDir = Annotated[Path | None, typer.Option("--data-dir", show_default=False,
                                              help="Folder of the SQLite file and local videos "
                                                   "(OPENREEL_DATA_DIR; default ./data).")]
DatabaseUrl = Annotated[str | None, typer.Option("--database-url", show_default=False,
                                                 help="A postgresql+psycopg:// URL instead of the SQLite file "
                                                      "(OPENREEL_DATABASE_URL).")]
_HINT = "(set OPENREEL_DATA_DIR or --data-dir)"


def settings_from(**flags: Any) -> Settings:
    """Settings from the environment, overridden by the flags the user actually gave."""
    from openreel.settings import Settings

    with reported_errors():
        return Settings(**{name: value for name, value in flags.items() if value is not None})


def announce_data_dir(settings: Settings, create: bool) -> None:
    """Print which data dir is used (and whether it was just created) on one stderr line. With
    create=False a missing data dir is an error: there is nothing there to read."""
    path = settings.data_dir.resolve()
    if path.is_dir():
        typer.echo(f"using data dir {path} {_HINT}", err=True)
        return
    if not create:
        raise fail("FAILED_PRECONDITION", f"no data dir at {path} {_HINT}")
    try:
        path.mkdir(parents=True)
    except OSError as exc:
        raise fail("FAILED_PRECONDITION", f"cannot create data dir {path}: {exc.strerror} {_HINT}") from None
    typer.echo(f"created new data dir {path} {_HINT}", err=True)

