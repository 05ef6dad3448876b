"""Settings for the commands that work on this machine's data (serve, keys): the one stderr line
that says which data dir they use (run from the wrong folder, a command would otherwise quietly
create a fresh, empty ./data there), and the check of a --database-url before anything connects."""

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
_SUPPORTED = "use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/DATABASE"


def settings_from(**flags: Any) -> Settings:
    """Settings from the environment, overridden by the flags the user actually gave."""
    from openreel.settings import Settings

    with reported_errors():
        return Settings(**{name: value for name, value in flags.items() if value is not None})


def open_data_dir(settings: Settings, create: bool) -> str:
    """The line that says which data dir is used (and whether it was just created), for the caller
    to print. With create=False a missing data dir is an error: there is nothing there to read."""
    path = settings.data_dir.resolve()
    if path.is_dir():
        return f"using data dir {path} {_HINT}"
    if not create:
        raise fail("FAILED_PRECONDITION", f"no data dir at {path} {_HINT}")
    try:
        path.mkdir(parents=True)
    except OSError as exc:
        raise fail("FAILED_PRECONDITION", f"cannot create data dir {path}: {exc.strerror} {_HINT}") from None
    return f"created new data dir {path} {_HINT}"


def check_database_url(settings: Settings, *, lasting: bool = False) -> None:
    """Refuse (exit 2) a --database-url / OPENREEL_DATABASE_URL that SQLAlchemy cannot use: one that
    does not parse, names an unknown database, or needs a driver that is not installed. With
    lasting=True also an in-memory SQLite database, which is gone when the command ends."""
    if not settings.database_url:
        return  # the data dir's SQLite file
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    flag = "--database-url / OPENREEL_DATABASE_URL"
    try:
        url = make_url(settings.database_url)
    except ArgumentError:
        raise fail("INVALID_ARGUMENT", f"{flag} is not a database URL: {_SUPPORTED}") from None
    shown = settings.database_url if url.password is None else url.render_as_string(hide_password=True)
    try:
        url.get_dialect().import_dbapi()
    except ArgumentError:  # NoSuchModuleError: no such dialect
        raise fail("INVALID_ARGUMENT", f"{flag} {shown}: unknown database {url.drivername!r}; {_SUPPORTED}") from None
    except ImportError as exc:
        raise fail("INVALID_ARGUMENT", f"{flag} {shown}: its driver is not installed "
                                       f"({exc.name or exc}); {_SUPPORTED}") from None
    in_memory = url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"
    if lasting and url.get_backend_name() == "sqlite" and in_memory:
        raise fail("INVALID_ARGUMENT", f"{flag} {shown} is an in-memory database, gone when this command "
                                       f"ends; {_SUPPORTED}")
