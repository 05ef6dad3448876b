"""Runtime: every backend wired up for one Settings (store, storage, queue, catalog, engines,
services, workers). The API app, the CLI and the tests build it the same way."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path

from openreel.billing.metering import UsageMeter
from openreel.billing.pricing import PriceTable
from openreel.billing.remote_cost import RemoteCostEstimator
from openreel.engines.catalog import Catalog
from openreel.engines.registry import EngineRegistry
from openreel.errors import FailedPrecondition
from openreel.observability.cluster import SharedState, SharedStateCollector
from openreel.observability.metrics import Metrics
from openreel.observability.outcomes import OutcomeMetrics
from openreel.preflight import check_data
from openreel.queue.base import WorkQueue, queue_from_url
from openreel.queue.local import LocalQueue
from openreel.quota.limits import LimitResolver
from openreel.quota.tiers import tier_limits
from openreel.quota.utilization import project_utilization
from openreel.provenance.credentials import ContentCredentials
from openreel.safety.filter import SafetyFilter
from openreel.service.keys import KeyService
from openreel.service.models import ModelService
from openreel.service.operations import OperationService
from openreel.service.usage import UsageService
from openreel.service.video_links import VideoLinks
from openreel.service.saved_references import SavedReferenceService
from openreel.service.webhooks import WebhookService
from openreel.service.wire_request import InputLimits
from openreel.settings import Settings
from openreel.storage.base import Storage
from openreel.storage.destinations import Destinations
from openreel.storage.factory import storage_from_settings
from openreel.store.abandoned import AbandonedWorkStore
from openreel.store.base import store_from_url
from openreel.store.clock import utcnow
from openreel.store.keys import KeyStore
from openreel.store.limits import LimitStore
from openreel.store.saved_references import SavedReferenceStore
from openreel.store.monitoring import MonitoringStore
from openreel.store.sql import SqlStore
from openreel.store.webhooks import WebhookStore
from openreel.webhooks.dispatcher import WebhookDispatcher
from openreel.webhooks.events import WebhookOutbox
from openreel.webhooks.retry_schedule import RetrySchedule
from openreel.webhooks.ssrf import AddressPolicy, guarded_client
from openreel.worker.abandoned import AbandonedWorkSweeper
from openreel.worker.periodic import run_every
from openreel.worker.pool import WorkerPool, worker_id
from openreel.worker.retention import RetentionSweeper
from openreel.worker.scratch import scratch_dir
from openreel.worker.sweeper import Sweeper
from openreel.worker.worker import Worker

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    store: SqlStore
    storage: Storage
    queue: WorkQueue
    catalog: Catalog
    engines: EngineRegistry
    models: ModelService
    operations: OperationService
    keys: KeyService
    webhooks: WebhookService
    saved: SavedReferenceService  # the project's characters and styles
    destinations: Destinations
    usage: UsageService
    rate_limits: LimitResolver
    metrics: Metrics
    safety: SafetyFilter
    # Signs every video this process's workers make (None: OPENREEL_CONTENT_CREDENTIALS is off).
    credentials: ContentCredentials | None
    # Set once the process is going down: workers stop claiming, progress streams end.
    stopping: threading.Event = field(default_factory=threading.Event)
    pool: WorkerPool | None = None
    # Whether this process runs jobs: in-process workers, or an `openreel worker`'s Celery consumer.
    runs_engines: bool = False
    _threads: list[threading.Thread] = field(default_factory=list)

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        """Open the backends; raise StartupRefused when the data dir is not safe to serve, and
        FailedPrecondition, naming the setting's problem, when a setting cannot be used."""
        try:  # every setting that is read into an object, before anything is opened
            tiers = tier_limits(settings.tier_limits)
            prices = PriceTable(settings.pricing)
            remote_costs = RemoteCostEstimator(settings.remote_pricing)
            storage = storage_from_settings(settings)
            retention = timedelta(hours=settings.retention_hours) if settings.retention_hours else None
            policy = AddressPolicy(settings.webhook_allowlist)
            schedule = RetrySchedule.from_seconds(settings.webhook_retry_seconds)
            destinations = Destinations(settings)
            queue = queue_from_url(settings.queue_url, settings.queue_visibility_timeout_seconds)
            metrics = Metrics()
            safety = SafetyFilter.from_settings(settings, metrics)
            credentials = ContentCredentials.from_settings(settings)
        except (ValueError, OverflowError, OSError) as exc:
            raise FailedPrecondition(f"Settings cannot be used: {exc}") from None
        catalog = Catalog.load(settings.catalog_path)
        unknown = [m for m in settings.served_models or () if m not in catalog.ids()]
        if unknown:
            raise FailedPrecondition(f"OPENREEL_WORKER_MODELS names models the catalog lacks: {', '.join(unknown)}")
        _check_queue(settings, queue, catalog)
        try:
            store = store_from_url(settings.resolved_database_url, settings.database_busy_timeout_seconds, retention)
        except ValueError as exc:
            raise FailedPrecondition(str(exc)) from None
        try:
            check_data(settings, store, storage)
            store.migrate()
        except BaseException:
            store.close()
            raise
        engines = EngineRegistry()
        # Usage first: the webhook payload written next carries the usage record.
        store.finish_listeners += [UsageMeter(catalog, prices, remote_costs), WebhookOutbox()]
        store.finished_hooks.append(OutcomeMetrics(metrics, catalog))
        links = _video_links(settings, store, storage)
        client = guarded_client(policy, settings.webhook_timeout_seconds)
        webhook_store = WebhookStore(store)
        dispatcher = WebhookDispatcher(webhook_store, links.url, client, schedule,
                                       settings.webhook_disable_after_failures, settings.poll_interval_seconds,
                                       settings.webhook_timeout_seconds, metrics)
        webhooks = WebhookService(webhook_store, policy, dispatcher)
        limits = InputLimits(settings.max_image_bytes, settings.max_image_pixels, settings.max_video_bytes)
        rate_limits = LimitResolver(LimitStore(store), tiers)
        metrics.add_collector(SharedStateCollector(partial(_shared_state, store, rate_limits), catalog.ids))
        saved_store = SavedReferenceStore(store)
        operations = OperationService(store, storage, queue, catalog, engines.capabilities, limits,
                                      rate_limits.for_principal, settings.max_queued, settings.min_free_disk_bytes,
                                      webhooks.check_uri, destinations, metrics, safety, saved_store)
        saved = SavedReferenceService(saved_store, storage, limits, settings.min_free_disk_bytes,
                                      operations.owned_video_bytes, safety)
        return cls(settings=settings, store=store, storage=storage, queue=queue, catalog=catalog,
                   engines=engines, models=ModelService(catalog, engines), operations=operations, saved=saved,
                   keys=KeyService(store), webhooks=webhooks,
                   destinations=destinations, usage=UsageService(store, links), rate_limits=rate_limits,
                   metrics=metrics, safety=safety, credentials=credentials)

    def start_background(self, runs_engines: bool = False) -> None:
        """The threads of every process: webhook delivery and retention (an API-only replica's
        cancels make deliveries too), and the sweeper of expired leases and lost messages (every
        process runs one: it needs no leader). With in-process workers, or `runs_engines` (an
        `openreel worker` process, whose Celery consumer runs the jobs), the stopping of
        abandoned remote work too; with in-process workers, their pool."""
        layers = self.safety.layers
        # Say at start what checks prompts and videos here: loudly when an optional model is missing.
        log.log(logging.INFO if layers.semantic and layers.frames else logging.WARNING,
                "safety: %s", "; ".join(layers.notes))
        if self.credentials is not None and self.credentials.certificate.is_development:
            log.warning("content credentials: videos are signed with a development certificate (%s), which "
                        "readers report as untrusted; set OPENREEL_C2PA_CERT and OPENREEL_C2PA_KEY for production",
                        self.credentials.certificate.root)
        retention = RetentionSweeper(self.store, self.storage,
                                     timedelta(seconds=self.settings.live_stream_keep_seconds))
        sweep_interval = max(self.settings.lease_seconds / 3, 0.5)
        sweeper = Sweeper(self.store, self.queue, self.settings.max_attempts, self.settings.queue_resend_seconds,
                          self.metrics)
        self._threads += [
            threading.Thread(target=self.webhooks.dispatcher.run_forever, args=(self.stopping,),
                             name="webhook-dispatcher", daemon=True),
            threading.Thread(target=run_every, args=(retention.sweep, self.settings.retention_sweep_seconds,
                                                     self.stopping, "retention"), name="retention", daemon=True),
            # The first sweep at once: work left running by a process that died is picked up.
            threading.Thread(target=run_every, args=(sweeper.sweep, sweep_interval, self.stopping, "queue"),
                             name="sweeper", daemon=True)]
        if not runs_engines:  # an API process: the prompt classifier's weights, read before the first create
            self._threads.append(threading.Thread(target=self.safety.warm, name="safety-warm-up", daemon=True))
        self.runs_engines = self.settings.workers > 0 or runs_engines
        if self.runs_engines:  # the processes that hold the engines' credentials
            abandoned = AbandonedWorkSweeper(AbandonedWorkStore(self.store), self.catalog, self.engines,
                                             self.settings.served_models, self.stopping)
            self._threads.append(threading.Thread(target=run_every, args=(
                abandoned.sweep, sweep_interval, self.stopping, "abandoned work"), name="abandoned-work", daemon=True))
        for thread in self._threads:
            thread.start()
        if self.settings.workers == 0:
            return
        tmp_dir = scratch_dir(self.settings.data_dir / "tmp")
        assert isinstance(self.queue, LocalQueue)  # _check_queue refused in-process workers otherwise
        workers = [self.worker(worker_id(i), tmp_dir) for i in range(self.settings.workers)]
        self.pool = WorkerPool(workers, self.queue, self.stopping, check_interval=sweep_interval)
        self.metrics.add_workers(len(workers))
        self.pool.start()

    def worker(self, worker_id: str, tmp_dir: Path) -> Worker:
        return Worker(worker_id, self.store, self.storage, self.queue, self.catalog, self.engines,
                      self.settings, tmp_dir, self.destinations, self.metrics, self.safety, self.credentials)

    def begin_shutdown(self) -> None:
        """The first step of a graceful stop, safe to call from a signal handler: claim nothing
        more, hand running work back between frames, end progress streams."""
        self.stopping.set()
        self.queue.wake_all()
        self.webhooks.dispatcher.wake.set()

    def close(self) -> None:
        self.begin_shutdown()
        if self.pool is not None:
            self.pool.stop(self.settings.shutdown_timeout_seconds)
        for thread in self._threads:
            thread.join(self.settings.webhook_timeout_seconds)
        # After the threads: the abandoned-work one may still be calling an engine's remote.
        self.engines.close()
        self.webhooks.dispatcher.client.close()
        self.queue.close()
        self.store.close()


def _check_queue(settings: Settings, queue: WorkQueue, catalog: Catalog) -> None:
    """In-process workers need the in-process queue; a broker's visibility timeout must outlast
    the longest job, or Redis would hand a running job's message to a second worker."""
    if not queue.in_process and settings.workers > 0:
        raise FailedPrecondition(
            "OPENREEL_QUEUE_URL sends work to `openreel worker` processes: start the API with --workers 0 "
            "(OPENREEL_WORKERS=0).")
    longest = max([settings.generation_timeout_seconds,
                   *(spec.timeout_seconds or 0.0 for spec in catalog.all())])
    if not queue.in_process and settings.queue_visibility_timeout_seconds <= longest:
        raise FailedPrecondition(
            f"OPENREEL_QUEUE_VISIBILITY_TIMEOUT_SECONDS ({settings.queue_visibility_timeout_seconds:g}) must be "
            f"longer than the longest job ({longest:g} s, a model's timeout_seconds or "
            f"OPENREEL_GENERATION_TIMEOUT_SECONDS)")


def _shared_state(store: SqlStore, limits: LimitResolver) -> SharedState:
    now = utcnow()
    queued, deferred = MonitoringStore(store).queued_by_model(now)
    return SharedState(queued, deferred, project_utilization(store, KeyStore(store), limits, now), now)


def _video_links(settings: Settings, store: SqlStore, storage: Storage) -> VideoLinks:
    # Payload and report links to openreel's own download URL need an address receivers can
    # reach: the public URL when there is one (behind a proxy), else where this server listens.
    public_url = settings.public_url.rstrip("/") or f"http://{settings.host}:{settings.port}"
    if not settings.public_url and settings.resolved_storage_url.startswith("file:"):  # no presigned URLs
        log.info("OPENREEL_PUBLIC_URL is not set: webhook payloads and usage reports link videos under %s, "
                 "which receivers on other machines may not reach", public_url)
    return VideoLinks(store, storage, public_url, settings.presigned_url_seconds)
