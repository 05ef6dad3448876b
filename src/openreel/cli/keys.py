"""`openreel keys create | list | revoke`: API keys in this machine's database (the data dir's SQLite
file, or --database-url). Keys are stored as hashes, so no command can show a key again."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from openreel.auth import PROJECT_ID_RULE, Tier, is_project_id
from openreel.cli.data_dir import DatabaseUrl, DataDir, check_database_url, open_data_dir, settings_from
from openreel.cli.exit_codes import fail, reported_errors
from openreel.cli.help_format import Command, Group
from openreel.quota.tiers import TIER_LIMITS

if TYPE_CHECKING:
    from openreel.service.keys import KeyService
    from openreel.settings import Settings
    from openreel.store.keys import ApiKeyRecord
    from openreel.store.sql import SqlStore

# A key made on the machine that runs the server is its operator's own: elevated runs every
# README example (two at once, batches of prompts) with limits that still stop a runaway script.
DEFAULT_TIER = Tier.ELEVATED

_DURATION = re.compile(r"([0-9]{1,9})([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
EXPIRES_IN_RULE = "a whole number and a unit: 90s, 15m, 12h or 30d"

keys_app = typer.Typer(cls=Group, help="Create, list and revoke API keys (on the machine that runs the server).",
                       no_args_is_help=True)


def _tier_help() -> str:
    limits = TIER_LIMITS[DEFAULT_TIER]
    return (f"Rate-limit tier. The default, {DEFAULT_TIER.value} ({limits.concurrent} operations at once, "
            f"{limits.requests_per_minute} a minute), runs every README example; free allows "
            f"{TIER_LIMITS[Tier.FREE].concurrent} operation at a time.")


@contextmanager
def local_store(data_dir: DataDir, database_url: DatabaseUrl, *, create: bool) -> Iterator[tuple[Settings, SqlStore]]:
    """The settings and the database these flags name (keys, custom limits); with create=False,
    the database must exist. Which data dir was used is said once the command has succeeded, so
    that a failure is one line."""
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
            yield settings, store
        finally:
            store.close()
    if note is not None:
        typer.echo(note, err=True)


@contextmanager
def _key_service(data_dir: DataDir, database_url: DatabaseUrl, *, create: bool) -> Iterator[KeyService]:
    from openreel.service.keys import KeyService

    with local_store(data_dir, database_url, create=create) as (_, store):
        yield KeyService(store)


def parse_expires_in(text: str) -> timedelta | None:
    """`30d` as a timedelta; None for anything but a positive whole number and one of s, m, h, d."""
    match = _DURATION.fullmatch(text.strip())
    if match is None or int(match[1]) == 0:
        return None
    return timedelta(seconds=int(match[1]) * _UNIT_SECONDS[match[2]])


@keys_app.command("create", cls=Command, help="Create an API key; it is printed once, alone on stdout.")
def create_key(
    tier: Annotated[Tier, typer.Option(help=_tier_help())] = DEFAULT_TIER,
    project: Annotated[str, typer.Option(help=f"Project the key acts in (the Vertex path's project): "
                                              f"{PROJECT_ID_RULE}.")] = "default",
    expires_in: Annotated[str | None, typer.Option(show_default=False, metavar="DURATION",
                                                   help=f"The key stops working after this long: "
                                                        f"{EXPIRES_IN_RULE}. Default: never.")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    # Both checked before the data dir is touched; KeyService checks them too.
    if not is_project_id(project):
        raise fail("INVALID_ARGUMENT", f"--project {project!r}: use {PROJECT_ID_RULE}")
    lifetime = None if expires_in is None else parse_expires_in(expires_in)
    if expires_in is not None and lifetime is None:
        raise fail("INVALID_ARGUMENT", f"--expires-in {expires_in!r}: use {EXPIRES_IN_RULE}")
    with _key_service(data_dir, database_url, create=True) as keys:
        expires_at = None if lifetime is None else datetime.now(UTC) + lifetime
        key = keys.create(project, tier, expires_at)
    expiry = "" if expires_at is None else f", expires {_when(expires_at)}"
    # The note goes to stderr so that KEY=$(openreel keys create) captures the key alone.
    typer.echo(f"Created key {key.id} ({key.prefix}…) for project '{project}', tier {tier.value}{expiry}. "
               "Store it now: it is not shown again.", err=True)
    typer.echo(key.plaintext)


@keys_app.command("list", cls=Command,
                  help="Every key: id, prefix, project, tier, when created, when it expires, when revoked.")
def list_keys(
    as_json: Annotated[bool, typer.Option("--json", help="A JSON array, in the admin API's shape "
                                                         "(camelCase, RFC 3339 times, null for never).")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    with _key_service(data_dir, database_url, create=False) as keys:
        records = keys.list_keys()
    now = datetime.now(UTC)
    if as_json:
        typer.echo(json.dumps([_key_json(r, now) for r in records], indent=2))
        return
    rows = [("ID", "PREFIX", "PROJECT", "TIER", "CREATED", "EXPIRES", "REVOKED")]
    rows += [(r.id, f"{r.prefix}…", r.project, r.tier, _when(r.created_at),
              _when(r.expires_at) + (" (expired)" if r.is_expired(now) else ""), _when(r.revoked_at))
             for r in records]
    print_table(rows)


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


def print_table(rows: Sequence[Sequence[str]]) -> None:
    """Rows as columns two spaces apart, the first row being the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment:%Y-%m-%d %H:%M:%S}Z"


def _key_json(record: ApiKeyRecord, now: datetime) -> dict[str, Any]:
    # The fields of api/admin.py's ApiKey, which this command cannot import without the server.
    state = "REVOKED" if record.revoked_at is not None else "EXPIRED" if record.is_expired(now) else "ACTIVE"
    return {"id": record.id, "prefix": record.prefix, "project": record.project, "tier": record.tier,
            "state": state, "createTime": _rfc3339(record.created_at), "expireTime": _rfc3339(record.expires_at),
            "revokeTime": _rfc3339(record.revoked_at)}


def _rfc3339(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
