"""`openreel limits set | show | clear | list`: custom rate limits of a project or a key, over its
tier's, in this machine's database (like `openreel keys`). A running server applies a change within
a few seconds (quota/limits.py's LIMITS_CACHE_SECONDS)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from openreel.cli.data_dir import DatabaseUrl, DataDir
from openreel.cli.exit_codes import fail
from openreel.cli.help_format import Command, Group
from openreel.cli.keys import local_store, print_table

if TYPE_CHECKING:
    from openreel.quota.limits import LimitResolver
    from openreel.store.keys import ApiKeyRecord

limits_app = typer.Typer(cls=Group, no_args_is_help=True,
                         help="Custom rate limits of a project or a key, over its tier's (on the machine that runs "
                              "the server).")

# Flag, the limit's name in the database and the admin API's.
_FLAGS = {"--rpm": "requests_per_minute", "--rpd": "requests_per_day", "--concurrent": "concurrent"}
_VALUE_RULE = "use a whole number >= 0, or none for no limit"

Project = Annotated[str | None, typer.Option("--project", show_default=False,
                                             help="The project whose limits these are.")]
KeyId = Annotated[str | None, typer.Option("--key-id", show_default=False,
                                           help="The key whose own limits these are (its id, as `openreel keys "
                                                "list` shows it); they win over its project's.")]
AsJson = Annotated[bool, typer.Option("--json", help="JSON in the admin API's shape.")]


def _limit_option(flag: str, what: str) -> Any:
    return typer.Option(flag, show_default=False, metavar="N|none",
                        help=f"{what}; none: no limit at all. Left out: unchanged.")


@dataclass(frozen=True)
class _Subject:
    subject: str
    project: str
    key: ApiKeyRecord | None


@contextmanager
def _limits(data_dir: DataDir, database_url: DatabaseUrl, project: str | None, key_id: str | None, *,
            create: bool) -> Iterator[tuple[LimitResolver, _Subject]]:
    """The resolver over this database, and the subject the flags name (checked against it)."""
    if project is None and key_id is None:
        raise fail("INVALID_ARGUMENT", "name whose limits these are: --project P, --key-id ID, or both")
    from openreel.auth import PROJECT_ID_RULE, is_project_id
    from openreel.quota.limits import LimitResolver, key_subject, project_subject
    from openreel.quota.tiers import tier_limits
    from openreel.service.keys import KeyService
    from openreel.store.limits import LimitStore

    if project is not None and not is_project_id(project):
        raise fail("INVALID_ARGUMENT", f"--project {project!r}: use {PROJECT_ID_RULE}")
    with local_store(data_dir, database_url, create=create) as (settings, store):
        resolver = LimitResolver(LimitStore(store), tier_limits(settings.tier_limits))
        if key_id is None:
            assert project is not None
            yield resolver, _Subject(project_subject(project), project, None)
            return
        key = KeyService(store).get(key_id)
        if project is not None and key.project != project:
            raise fail("INVALID_ARGUMENT", f"--key-id {key_id}: the key belongs to project '{key.project}', "
                                           f"not '{project}'")
        yield resolver, _Subject(key_subject(key.id), key.project, key)


def _parse(flag: str, value: str) -> int | None:
    text = value.strip().lower()
    if text in ("none", "null", "unlimited"):
        return None
    if re.fullmatch(r"[0-9]{1,18}", text) is None:
        raise fail("INVALID_ARGUMENT", f"{flag} {value!r}: {_VALUE_RULE}")
    return int(text)


@limits_app.command("set", cls=Command,
                    help="Set limits of a project or a key; the limits not named keep their value.")
def set_limits(
    project: Project = None,
    key_id: KeyId = None,
    rpm: Annotated[str | None, _limit_option("--rpm", "Requests per minute")] = None,
    rpd: Annotated[str | None, _limit_option("--rpd", "Requests per day")] = None,
    concurrent: Annotated[str | None, _limit_option("--concurrent", "Operations queued or running at once")] = None,
    as_json: AsJson = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    given = {flag: value for flag, value in (("--rpm", rpm), ("--rpd", rpd), ("--concurrent", concurrent))
             if value is not None}
    if not given:
        raise fail("INVALID_ARGUMENT", "name a limit to set: --rpm, --rpd or --concurrent (N, or none for no limit)")
    changes = {_FLAGS[flag]: _parse(flag, value) for flag, value in given.items()}
    # Limits may be set for a project before it has keys; a key's need the key, so its database.
    with _limits(data_dir, database_url, project, key_id, create=key_id is None) as (resolver, subject):
        resolver.update(subject.subject, changes)
        _show(resolver, subject, as_json)
    from openreel.quota.limits import LIMITS_CACHE_SECONDS

    typer.echo(f"A running server applies them within {LIMITS_CACHE_SECONDS:.0f} s.", err=True)


@limits_app.command("show", cls=Command,
                    help="The custom limits of a project or a key; for a key, also what its create calls meet.")
def show_limits(project: Project = None, key_id: KeyId = None, as_json: AsJson = False,
                data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    with _limits(data_dir, database_url, project, key_id, create=False) as (resolver, subject):
        _show(resolver, subject, as_json)


@limits_app.command("clear", cls=Command,
                    help="Remove every custom limit of a project or a key: the tier's (or project's) apply again.")
def clear_limits(project: Project = None, key_id: KeyId = None,
                 data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    with _limits(data_dir, database_url, project, key_id, create=False) as (resolver, subject):
        had = resolver.clear(subject.subject)
    what = f"key {subject.key.id}" if subject.key is not None else f"project '{subject.project}'"
    typer.echo(f"Cleared the custom limits of {what}." if had else f"{what.capitalize()} had no custom limits.")


@limits_app.command("list", cls=Command, help="Every project and key that has custom limits.")
def list_limits(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    from openreel.store.limits import LimitStore

    with local_store(data_dir, database_url, create=False) as (_, store):
        every = LimitStore(store).list()
    rows = [("SUBJECT", *(flag.removeprefix("--").upper() for flag in _FLAGS))]
    rows += [(subject, *(_cell(values, name) for name in _FLAGS.values())) for subject, values in every.items()]
    print_table(rows)


def _show(resolver: LimitResolver, subject: _Subject, as_json: bool) -> None:
    from openreel.auth import Principal, Tier
    from openreel.quota.limits import project_subject

    project_values = resolver.get(project_subject(subject.project))
    key = subject.key
    if key is None:
        if as_json:
            typer.echo(json.dumps({"project": subject.project, "limits": _camel(project_values)}, indent=2))
        else:
            print_table([("LIMIT", "PROJECT"), *((name, _cell(project_values, name)) for name in _FLAGS.values())])
        return
    principal = Principal(project=key.project, tier=Tier(key.tier), key_id=key.id)
    key_values, tier = resolver.get(subject.subject), resolver.tiers[principal.tier]
    effective = resolver.resolve(principal)
    effective_values = {name: getattr(effective, name) for name in _FLAGS.values()}
    if as_json:
        typer.echo(json.dumps({"keyId": key.id, "project": key.project, "tier": key.tier,
                               "limits": _camel(key_values), "projectLimits": _camel(project_values),
                               "effective": _camel(effective_values)}, indent=2))
        return
    rows = [("LIMIT", "KEY", "PROJECT", f"TIER ({key.tier})", "EFFECTIVE")]
    rows += [(name, _cell(key_values, name), _cell(project_values, name), _number(getattr(tier, name)),
              _number(effective_values[name])) for name in _FLAGS.values()]
    print_table(rows)


def _cell(values: dict[str, int | None], name: str) -> str:
    """A subject's own value; `-` when it sets none, so the next layer's applies."""
    return _number(values[name]) if name in values else "-"


def _number(value: int | None) -> str:
    return "unlimited" if value is None else str(value)


def _camel(values: dict[str, int | None]) -> dict[str, int | None]:
    from pydantic.alias_generators import to_camel

    return {to_camel(name): values[name] for name in _FLAGS.values() if name in values}
