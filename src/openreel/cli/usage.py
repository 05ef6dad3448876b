"""`openreel usage --project P [--since DATE] [--by model|day] [--json]`: what a project's
operations delivered and cost, read from this machine's database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from openreel.cli.data_dir import DatabaseUrl, DataDir
from openreel.cli.exit_codes import fail
from openreel.cli.keys import local_store, print_table

if TYPE_CHECKING:
    from openreel.service.usage import UsageService
    from openreel.settings import Settings
    from openreel.store.sql import SqlStore


class ByOption(StrEnum):
    MODEL = "model"
    DAY = "day"


def usage(
    project: Annotated[str, typer.Option(help="The project to report on.")],
    since: Annotated[str | None, typer.Option(show_default=False,
                                              help="Only operations finished since: a date (2026-12-01), an "
                                                   "RFC 3339 time, or a span back from now (12h, 7d).")] = None,
    by: Annotated[ByOption | None, typer.Option(show_default=False, help="Also total by model or by day.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object with total_cost_usd and records "
                                                         "(one per operation), as the HTTP usage endpoint.")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    from openreel.billing.report import SINCE_RULE, parse_since

    try:
        start = None if since is None else parse_since(since, datetime.now(UTC))
    except ValueError:
        raise fail("INVALID_ARGUMENT", f"--since {since!r}: use {SINCE_RULE}") from None
    with local_store(data_dir, database_url, create=False) as (settings, store):
        report = _usage_service(settings, store).report(project, start, None if by is None else by.value)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    _print(report)


def _usage_service(settings: Settings, store: SqlStore) -> UsageService:
    from openreel.service.usage import UsageService
    from openreel.service.video_links import VideoLinks
    from openreel.storage.factory import storage_from_settings

    public_url = settings.public_url.rstrip("/") or f"http://{settings.host}:{settings.port}"
    links = VideoLinks(store, storage_from_settings(settings), public_url, settings.presigned_url_seconds)
    return UsageService(store, links)


def _print(report: dict[str, Any]) -> None:
    rows = [("FINISHED", "OPERATION", "MODEL", "STATE", "VIDEOS", "SECONDS", "COST USD")]
    rows += [(r["finished_at"], r["operation"], r["model"], r["state"], str(r["samples"]), str(r["video_seconds"]),
              f"{r['cost_usd']:.4f}") for r in report["records"]]
    print_table(rows)
    for group in report.get("groups", []):
        label = group.get("model") or group.get("day")
        typer.echo(f"{label}: {group['operations']} operation(s), {group['videos']} video(s), "
                   f"{group['video_seconds']} s, ${group['cost_usd']:.4f}")
    typer.echo(f"Total for project '{report['project']}': {report['operations']} operation(s), "
               f"{report['total_video_seconds']} s of video, ${report['total_cost_usd']:.4f}")
