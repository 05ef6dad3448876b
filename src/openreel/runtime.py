"""Runtime: every backend wired up for one Settings (store, storage, queue, catalog, engines,
services, workers). The API app, the CLI and the tests build it the same way."""

from __future__ import annotations

from dataclasses import dataclass

from openreel.service.wire_request import InputLimits
from openreel.engines.catalog import Catalog
from openreel.engines.registry import EngineRegistry
from openreel.queue.local import LocalQueue
from openreel.service.keys import KeyService
from openreel.service.operations import OperationService
from openreel.settings import Settings
from openreel.storage.base import Storage, storage_from_url
from openreel.store.sql import SqlStore
from openreel.worker.pool import Sweeper, WorkerPool, worker_id
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

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        store = SqlStore(settings.resolved_database_url)
        store.migrate()
        storage = storage_from_url(settings.resolved_storage_url)
        queue = LocalQueue()
        catalog = Catalog.load(settings.catalog_path)
        limits = InputLimits(settings.max_image_bytes, settings.max_image_pixels, settings.max_video_bytes)
        return cls(settings=settings, store=store, storage=storage, queue=queue, catalog=catalog,
                   engines=EngineRegistry(),
                   operations=OperationService(store, storage, queue, catalog, limits, settings.max_queued),
                   keys=KeyService(store))

    def worker_pool(self) -> WorkerPool:
        workers = [Worker(worker_id(i), self.store, self.storage, self.queue, self.catalog,
                          self.engines, self.settings) for i in range(self.settings.workers)]
        sweeper = Sweeper(self.store, self.queue, self.settings.max_attempts)
        return WorkerPool(workers, sweeper, sweep_interval=max(self.settings.lease_seconds / 3, 0.5),
                          queue=self.queue)

    def close(self) -> None:
        self.store.close()
