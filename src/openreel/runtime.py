"""Runtime: every backend wired up for one Settings (store, storage, queue, catalog, engines,
services, workers). The API app, the CLI and the tests build it the same way."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from openreel.engines.catalog import Catalog
from openreel.engines.registry import EngineRegistry
from openreel.preflight import check_data
from openreel.queue.local import LocalQueue
from openreel.quota.tiers import tier_limits
from openreel.service.keys import KeyService
from openreel.service.operations import OperationService
from openreel.service.wire_request import InputLimits
from openreel.settings import Settings
from openreel.storage.base import Storage, storage_from_url
from openreel.store.sql import SqlStore
from openreel.worker.pool import Sweeper, WorkerPool, worker_id
from openreel.worker.scratch import scratch_dir
from openreel.worker.worker import Worker


@dataclass
class Runtime:
    settings: Settings
    store: SqlStore
    storage: Storage
    queue: LocalQueue
    catalog: Catalog
    engines: EngineRegistry
    operations: OperationService
    keys: KeyService
    # Set once the process is going down: workers stop claiming, progress streams end.
    stopping: threading.Event = field(default_factory=threading.Event)
    pool: WorkerPool | None = None

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        """Open the backends; raise StartupRefused when the data dir is not safe to serve."""
        tiers = tier_limits(settings.tier_limits)
        store = SqlStore(settings.resolved_database_url, settings.database_busy_timeout_seconds)
        storage = storage_from_url(settings.resolved_storage_url)
        try:
            check_data(settings, store, storage)
            store.migrate()
        except BaseException:
            store.close()
            raise
        queue = LocalQueue()
        catalog = Catalog.load(settings.catalog_path)
        limits = InputLimits(settings.max_image_bytes, settings.max_image_pixels, settings.max_video_bytes)
        operations = OperationService(store, storage, queue, catalog, limits, tiers,
                                      settings.max_queued, settings.min_free_disk_bytes)
        return cls(settings=settings, store=store, storage=storage, queue=queue, catalog=catalog,
                   engines=EngineRegistry(), operations=operations, keys=KeyService(store))

    def start_workers(self) -> None:
        if self.settings.workers == 0:
            return
        tmp_dir = scratch_dir(self.settings.data_dir / "tmp")
        workers = [Worker(worker_id(i), self.store, self.storage, self.queue, self.catalog,
                          self.engines, self.settings, tmp_dir) for i in range(self.settings.workers)]
        sweeper = Sweeper(self.store, self.queue, self.settings.max_attempts)
        self.pool = WorkerPool(workers, sweeper, sweep_interval=max(self.settings.lease_seconds / 3, 0.5),
                               queue=self.queue, stopping=self.stopping)
        self.pool.start()

    def begin_shutdown(self) -> None:
        """The first step of a graceful stop, safe to call from a signal handler: claim nothing
        more, hand running work back between frames, end progress streams."""
        self.stopping.set()
        self.queue.wake_all()

    def close(self) -> None:
        self.begin_shutdown()
        if self.pool is not None:
            self.pool.stop(self.settings.shutdown_timeout_seconds)
        self.store.close()
