"""`openreel keys create | list | revoke`: API keys in this machine's database (the data dir's SQLite
file, or --database-url). Keys are stored as hashes, so no command can show a key again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from openreel.auth import PROJECT_ID_RULE, Tier, is_project_id
from openreel.cli.data_dir import DatabaseUrl, DataDir, check_database_url, open_data_dir, settings_from
from openreel.cli.exit_codes import fail, reported_errors
from openreel.cli.help_format import Command, Group
from openreel.quota.tiers import TIER_LIMITS

if TYPE_CHECKING:
    from openreel.service.keys import KeyService

# A key made on the machine that runs the server is its operator's own: elevated runs every
# README example (two at once, batches of prompts) with limits that still stop a runaway script.
DEFAULT_TIER = Tier.ELEVATED

keys_app = typer.Typer(cls=Group, help="Create, list and revoke API keys (on the machine that runs the server).",
                       no_args_is_help=True)


def _tier_help() -> str:
    limits = TIER_LIMITS[DEFAULT_TIER]
    return (f"Rate-limit tier. The default, {DEFAULT_TIER.value} ({limits.concurrent} operations at once, "
            f"{limits.requests_per_minute} a minute), runs every README example; free allows "
            f"{TIER_LIMITS[Tier.FREE].concurrent} operation at a time.")


@contextmanager
def _key_service(data_dir: DataDir, database_url: DatabaseUrl, *, create: bool) -> Iterator[KeyService]:
    """The keys of the database these flags name; with create=False, the database must exist.
    Which data dir was used is said once the command has succeeded, so that a failure is one line."""
    from openreel.service.keys import KeyService
    from openreel.store.sql import SqlStore

    settings = settings_from(data_dir=data_dir, database_url=database_url)
    check_database_url(settings, lasting=True)
    note = None
    if not settings.database_url:
        if not create and settings.data_dir.is_dir() and not settings.sqlite_path.is_file():
            # Opening SQLite here would leave an empty database file behind.
            raise fail("FAILED_PRECONDITION", f"no keys in data dir {settings.data_dir.resolve()} yet: create one "
                                              "with `openreel keys create` (set OPENREEL_DATA_DIR or --data-dir)")
        note = open_data_dir(settings, create=create)
    with reported_errors():
        store = SqlStore(settings.resolved_database_url)
        try:
            if create:
                store.migrate()
            elif not store.has_schema():
                raise fail("FAILED_PRECONDITION", "this database has no keys yet: create one with "
                                                  "`openreel keys create`")
            yield KeyService(store)
        finally:
            store.close()
    if note is not None:
        typer.echo(note, err=True)


@keys_app.command("create", cls=Command, help="Create an API key; it is printed once, alone on stdout.")
def create_key(
    tier: Annotated[Tier, typer.Option(help=_tier_help())] = DEFAULT_TIER,
    project: Annotated[str, typer.Option(help=f"Project the key acts in (the Vertex path's project): "
                                              f"{PROJECT_ID_RULE}.")] = "default",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    if not is_project_id(project):  # checked before the data dir is touched; KeyService checks it too
        raise fail("INVALID_ARGUMENT", f"--project {project!r}: use {PROJECT_ID_RULE}")
    with _key_service(data_dir, database_url, create=True) as keys:
        key = keys.create(project, tier)
    # The note goes to stderr so that KEY=$(openreel keys create) captures the key alone.
    typer.echo(f"Created key {key.id} ({key.prefix}…) for project '{project}', tier {tier.value}. "
               "Store it now: it is not shown again.", err=True)
    typer.echo(key.plaintext)


@keys_app.command("list", cls=Command, help="Every key: id, prefix, project, tier, when created and revoked.")
def list_keys(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    with _key_service(data_dir, database_url, create=False) as keys:
        records = keys.list_keys()
    rows = [("ID", "PREFIX", "PROJECT", "TIER", "CREATED", "REVOKED")]
    rows += [(r.id, f"{r.prefix}…", r.project, r.tier, _when(r.created_at), _when(r.revoked_at)) for r in records]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


@keys_app.command("revoke", cls=Command, help="Revoke a key: from then on it gets 401 UNAUTHENTICATED.")
def revoke_key(
    key_id: Annotated[str, typer.Argument(metavar="KEY_ID", help="The key's id, as `openreel keys list` shows it.")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    from openreel.service.keys import KEY_CACHE_SECONDS

    with _key_service(data_dir, database_url, create=False) as keys:
        record = keys.revoke(key_id)
    typer.echo(f"Revoked key {record.id} ({record.prefix}…, project '{record.project}') at "
               f"{_when(record.revoked_at)}; a running server refuses it within {KEY_CACHE_SECONDS:.0f} s.")


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment:%Y-%m-%d %H:%M:%S}Z"
