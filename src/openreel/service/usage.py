"""UsageService: a project's usage report (records, totals, groups), for `openreel usage` and
the HTTP usage endpoint alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from openreel.billing.report import GroupBy, usage_report
from openreel.domain.usage import Usage
from openreel.service.video_links import VideoLinks
from openreel.store.sql import SqlStore
from openreel.store.usage import list_usage


class UsageService:
    def __init__(self, store: SqlStore, links: VideoLinks) -> None:
        self.store, self.links = store, links

    def report(self, project: str, since: datetime | None, by: GroupBy | None) -> dict[str, Any]:
        records = list_usage(self.store.engine, project, since)
        files = self.store.videos_of([r.operation_id for r in records if r.samples])

        def urls(record: Usage) -> list[str]:
            # Files past retention have no URL left to give; their records still count.
            links = (self.links.url_of(video) for video in files.get(record.operation_id, []))
            return [link for link in links if link is not None]

        return usage_report(project, since, records, by, urls)
