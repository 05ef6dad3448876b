"""`openreel db upgrade`: bring the database (the data dir's SQLite file, or --database-url /
OPENREEL_DATABASE_URL, e.g. PostgreSQL) to the latest schema with the same Alembic migrations
`openreel serve` applies at start-up. Run it once before starting several API replicas and
workers on a new release, so that none of them migrates while the others serve."""

from __future__ import annotations

import typer

from openreel.cli.data_dir import DatabaseUrl, DataDir, check_database_url, open_data_dir, settings_from
from openreel.cli.exit_codes import reported_errors
from openreel.cli.help_format import Command, Group

db_app = typer.Typer(cls=Group, help="The database's schema.", no_args_is_help=True)


@db_app.command("upgrade", cls=Command, help="Apply the schema migrations this release has and the database lacks.")
def upgrade(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    from openreel.store.sql import SqlStore

    settings = settings_from(data_dir=data_dir, database_url=database_url)
    check_database_url(settings, lasting=True)
    note = None if settings.database_url else open_data_dir(settings, create=True)
    with reported_errors():
        store = SqlStore(settings.resolved_database_url)
        try:
            before = store.schema_revision()
            store.migrate()
            after = store.schema_revision()
        finally:
            store.close()
    typer.echo(f"the schema is already at {after}, the latest" if before == after else
               f"the schema went from {before or 'empty'} to {after}, the latest")
    if note is not None:
        typer.echo(note, err=True)
