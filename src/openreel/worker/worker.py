"""Worker: claim an operation, render every sample through its engine, encode, store the videos
and finish the operation, all writes fenced by the claim's token.

Each attempt (claim) writes its videos under keys of its own (the fencing token is part of the
key), and only the fenced completion publishes them by recording them on the operation. A worker
that lost its claim (paused, partitioned, cancelled) therefore removes only its own attempt's
files and can never touch the videos of the attempt that finished the operation.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path

from openreel.backoff import Backoff
from openreel.domain.concepts import ConceptAccount
from openreel.domain.naming import storage_key, thumbnail_key, vertex_object_key, video_blob_keys, video_file_id
from openreel.domain.operation import Operation, OperationError, VideoFile
from openreel.domain.request import GenerationRequest, VideoInput
from openreel.engines.base import Deferred, FilteredOut
from openreel.engines.catalog import Catalog
from openreel.engines.registry import EngineRegistry
from openreel.errors import (Cancelled, DeadlineExceeded, FailedPrecondition, InternalError, NotFound, OpenreelError,
                             OperationFailed, OutOfMemory, ServiceUnavailable)
from openreel.media.thumbnail import first_frame_jpeg
from openreel.observability.logs import log_context
from openreel.observability.metrics import Metrics
from openreel.observability.tracing import continued, span
from openreel.queue.base import WorkQueue
from openreel.queue.handoff import dispatch
from openreel.provenance.credentials import ContentCredentials
from openreel.safety.filter import SafetyFilter
from openreel.settings import Settings
from openreel.storage.base import Storage
from openreel.storage.destinations import Destinations
from openreel.storage.inputs import InputBlobs
from openreel.storage.live import LiveUpload, live_prefix
from openreel.store.base import OperationStore
from openreel.store.clock import utcnow
from openreel.store.sql import Claim
from openreel.worker.control import ClaimedRecord, Heartbeat, RunControl, ShuttingDown
from openreel.sequence import drawn_concepts
from openreel.sequence.long_video import engine_calls
from openreel.worker.render import checked_enhanced_prompt, render_samples
from openreel.worker.stage_times import StageTimes

log = logging.getLogger(__name__)
MP4 = "video/mp4"
JPEG = "image/jpeg"
# Before an operation that met an outage goes back to the queue: 30 s after its first attempt,
# 60 s after its second, never more than two minutes.
OUTAGE_WAIT_SECONDS = 30.0
MAX_OUTAGE_WAIT_SECONDS = 120.0


class Worker:
    def __init__(self, worker_id: str, store: OperationStore, storage: Storage, queue: WorkQueue,
                 catalog: Catalog, engines: EngineRegistry, settings: Settings, tmp_dir: Path,
                 destinations: Destinations | None, metrics: Metrics, safety: SafetyFilter,
                 credentials: ContentCredentials | None) -> None:
        self.id, self.store, self.storage, self.queue = worker_id, store, storage, queue
        # Signs every video before it is stored; None only where OPENREEL_CONTENT_CREDENTIALS is off.
        self.credentials = credentials
        self.metrics = metrics  # its owner counts it among the idle workers (Metrics.add_workers)
        self.safety = safety  # an enhanced prompt, and every video before it is stored
        # Where a Vertex storageUri delivers its videos (None: no bucket is writable).
        self.destinations = destinations
        self.catalog, self.engines, self.settings = catalog, engines, settings
        self.inputs = InputBlobs(storage)
        # Partial MP4s live here until stored; a process killed mid-encode leaves them for the
        # next start-up to remove (worker/scratch.py).
        self.tmp_dir = tmp_dir

    def run_forever(self, stopping: threading.Event, wait_for_work: Callable[[float], None]) -> None:
        """The embedded loop: claim the oldest queued operation this worker serves, run it, and
        when there is none wait for a wake-up or the poll interval."""
        self.preload(stopping)
        backoff = Backoff()
        while not stopping.is_set():
            try:
                claim = self.store.claim(self.id, self.settings.lease_seconds, models=self.settings.served_models,
                                         not_models=self.engines.at_capacity(self.catalog.all()))
            except Exception as exc:  # the database is down or damaged: wait and try again
                delay = backoff.next_delay()
                log.warning("worker %s: cannot claim work (%s); retrying in %.1f s", self.id, exc, delay)
                stopping.wait(delay)
                continue
            backoff.reset()
            if claim is None:
                wait_for_work(self.settings.poll_interval_seconds)
                continue
            self.run_in_slot(claim, stopping)

    def claim_dispatched(self, model: str) -> Claim | None:
        """A queue's message said an operation of `model` is ready: claim the oldest queued one
        of that model (so an operation handed back after its worker died goes first, as in the
        embedded mode, instead of queueing behind the backlog its new message joined). None when
        there is none: the message was a duplicate or stale one."""
        return self.store.claim(self.id, self.settings.lease_seconds, models=[model])

    def run_in_slot(self, claim: Claim, stopping: threading.Event) -> bool:
        """Run the claim in one of its engine's job slots. Another worker of this process may
        have taken the last one between this worker's look and its claim: then the claim goes
        straight back to the queue, its attempt not counted (and this returns False)."""
        try:
            spec = self.catalog.get(claim.operation.model)
        except NotFound:
            spec = None  # run() fails the operation, naming the model the catalog no longer has
        if spec is not None and not self.engines.try_begin(spec):
            self._hand_back(claim)
            return False
        op = claim.operation
        if spec is not None:
            self.metrics.expect_outcomes(spec.id, spec.engine, op.project)
        try:
            with self.metrics.busy(), log_context(operation=op.name, project=op.project, model=op.model,
                                                  attempt=op.attempt, worker=self.id), continued(op.trace_context):
                log.info("%s: claimed by %s (attempt %d, token %d)", op.name, self.id, op.attempt,
                         claim.fencing_token)
                with span("openreel.queue", start=op.created_at):
                    pass  # the wait, from the create to this claim
                with span("openreel.run", model=op.model, attempt=op.attempt, worker=self.id):
                    self.run(claim, stopping)
            return True
        finally:
            if spec is not None:
                self.engines.end(spec)

    def _hand_back(self, claim: Claim) -> None:
        """Back to the queue, its attempt not counted, and dispatched again."""
        op = claim.operation
        if self.store.release(op.id, claim.fencing_token):
            dispatch(self.queue, self.store, op.id, op.model)

    def preload(self, stopping: threading.Event) -> None:
        """Load the models this worker serves before taking work, so the first job does not pay
        for loading weights. A model that cannot load is logged; its jobs then fail saying why."""
        for model_id in self.settings.served_models or ():
            if stopping.is_set():
                return
            try:
                self.engines.loaded(self.catalog.get(model_id))
            except Exception as exc:
                log.error("worker %s: model %s could not be loaded: %s", self.id, model_id, exc)

    def run(self, claim: Claim, stopping: threading.Event | None = None) -> None:
        """Run one claimed operation to its one outcome: published, failed, handed back, or
        (cancelled or taken over) nothing at all; files not published are removed."""
        op, token = claim.operation, claim.fencing_token
        request = op.request
        # This attempt's own folder for the MP4s it encodes; made when the run starts using it.
        scratch = self.tmp_dir / f"{op.id}-{token}"
        control = RunControl(self._timeout(op.model), scratch, stopping, saved_state=op.engine_state,
                             record=ClaimedRecord(self.store, op.id, token))
        heartbeat = Heartbeat(self.store, op.id, token, control, self.settings.heartbeat_seconds,
                              self.settings.lease_seconds)
        heartbeat.start()
        written: list[str] = []
        outcome: Callable[[], bool] | None = None  # the one fenced write that settles this run
        publishes = requeues = False
        failure: BaseException | None = None  # what went wrong, for the error metrics
        ending, lost = "", False  # how the run ended, for its last log line
        try:
            made = self._generate(op, token, self._resolve_inputs(request), control, written)
            outcome = partial(self.store.complete, op.id, token, made.files, made.enhanced_prompt, made.filtered,
                              made.concepts)
            publishes = True
            ending = f"finished: succeeded with {len(made.files)} video(s)" + (
                f", {len(made.filtered)} withheld by the safety filter" if made.filtered else "")
        except OperationFailed as exc:  # a remote's own outcome: as it said it
            failure, ending = exc, f"finished: failed ({exc.message})"
            outcome = partial(self.store.fail, op.id, token, OperationError(exc.code, exc.message))
        except Cancelled as exc:  # cancelled, or another worker holds it now: nothing to record
            ending, lost = f"lost: {exc.message}", True
        except ShuttingDown:
            outcome, requeues = partial(self.store.release, op.id, token), True
            ending = "handed back to the queue: this worker is shutting down"
        except Deferred as wait:
            outcome, ending = self._deferral(claim, wait), f"deferred: {wait.reason}"
        except (ServiceUnavailable, OutOfMemory) as exc:
            failure = exc
            # Another attempt may well succeed: the database or storage was away for now, or the
            # engine ran out of memory (it freed what the attempt held, and runs leaner next time).
            retry = op.attempt < self.settings.max_attempts
            log.warning("%s: %s; %s", op.name, exc.message, "requeued" if retry else "no attempts left")
            if retry and isinstance(exc, ServiceUnavailable):
                # Not at once: wait (the heartbeat keeps the claim) so that an outage of a minute
                # or two does not use up every attempt.
                (stopping or threading.Event()).wait(min(OUTAGE_WAIT_SECONDS * op.attempt, MAX_OUTAGE_WAIT_SECONDS))
            outcome = (partial(self.store.release, op.id, token, count_attempt=True) if retry
                       else partial(self.store.fail, op.id, token, OperationError(exc.grpc_code, exc.message)))
            requeues = retry
            ending = f"{'handed back to the queue' if retry else 'finished: failed'} ({exc.message})"
        except OpenreelError as exc:
            failure, ending = exc, f"finished: failed ({exc.message})"
            outcome = partial(self.store.fail, op.id, token, OperationError(exc.grpc_code, exc.message))
        except Exception as exc:
            failure, ending = exc, f"finished: failed ({type(exc).__name__})"
            log.exception("generation of %s failed", op.name)
            outcome = partial(self.store.fail, op.id, token, OperationError(
                InternalError.grpc_code, f"Generation failed: {type(exc).__name__}: {exc}"))
        finally:
            heartbeat.finish()
            with span("openreel.finish"):
                recorded = outcome is not None and self._settle(outcome, op.name, stopping)
            if not (publishes and recorded):
                self._discard(written)
            if requeues and recorded:
                dispatch(self.queue, self.store, op.id, op.model)
            shutil.rmtree(scratch, ignore_errors=True)
            self._count(op.model, control.times, failure, published=publishes and recorded)
            if outcome is not None and not recorded:
                ending, lost = f"lost: its claim ended before its outcome was recorded ({ending})", True
            log.log(logging.WARNING if lost else logging.INFO, "%s: %s", op.name, ending)

    def _count(self, model: str, times: StageTimes, failure: BaseException | None, published: bool) -> None:
        """The run's stage and step times (of runs that published: the latencies users got) and
        the class of what made it fail, if anything did (retried attempts count too)."""
        for step in times.steps:
            self.metrics.step_seconds.labels(model).observe(step)
        if published:
            for stage, seconds in times.seconds.items():
                self.metrics.stage_seconds.labels(stage, model).observe(seconds)
        if failure is not None:
            self.metrics.error(failure_category(failure))

    def _deferral(self, claim: Claim, wait: Deferred) -> Callable[[], bool]:
        """Back to the queue until the engine can go on (claimed again at the model's deadline at
        the latest), or, once the model's max_wait_seconds from the operation's creation have
        passed, failed with DEADLINE_EXCEEDED."""
        op = claim.operation
        now = utcnow()
        deadline = op.created_at + timedelta(seconds=self._spec_value(op.model, "max_wait_seconds"))
        if now >= deadline:
            waited = (now - op.created_at).total_seconds()
            error = OperationError(DeadlineExceeded.grpc_code, (
                f"The operation waited {waited:.0f} s, past the model's max_wait_seconds "
                f"({(deadline - op.created_at).total_seconds():g} s), and still cannot start: {wait.reason}"))
            self.metrics.error("deadline")
            return partial(self.store.fail, op.id, claim.fencing_token, error)
        # Clamped before any datetime is made: a remote may ask for any wait at all (inf, 1e12 s).
        seconds = wait.seconds if math.isfinite(wait.seconds) else math.inf
        until = now + timedelta(seconds=max(0.0, min(seconds, (deadline - now).total_seconds())))
        log.info("%s: deferred for %.1f s: %s", op.name, (until - now).total_seconds(), wait.reason)
        return partial(self.store.defer, op.id, claim.fencing_token, until, wait.reason, wait.waiting_on)

    def _settle(self, write: Callable[[], bool], name: str, stopping: threading.Event | None) -> bool:
        """Make the outcome's fenced write, retrying through database outages for up to one
        lease (past that the sweeper will have handed the operation on) or until the process
        is stopping (shutdown stays bounded; the sweeper requeues the operation later)."""
        backoff = Backoff()
        waited = 0.0
        while True:
            try:
                return write()
            except Exception as exc:
                if waited >= self.settings.lease_seconds or (stopping is not None and stopping.is_set()):
                    log.error("%s: could not record its outcome (%s); leaving it to the sweeper", name, exc)
                    return False
                delay = backoff.next_delay()
                log.warning("%s: recording its outcome failed (%s); retrying in %.1f s", name, exc, delay)
                time.sleep(delay)
                waited += delay

    def _generate(self, op: Operation, token: int, request: GenerationRequest, control: RunControl,
                  written: list[str]) -> Made:
        op_id = op.id
        control.scratch_dir.mkdir(parents=True, exist_ok=True)
        spec = self.catalog.get(request.model)
        control.report(0.0, "loading model")
        files: list[VideoFile] = []
        filtered: list[str] = []
        engine = self.engines.loaded(spec)
        enhanced = checked_enhanced_prompt(engine, request, self.safety, op.project, op.name)
        # The model's deadline is per engine call: a storyboard or a long video makes several.
        control.timeout_seconds *= engine_calls(engine.capabilities().durations, request)
        control.start_clock()  # the deadline is for generating, not for loading weights
        # Each sample is streamed live while it is encoded (api/live.py serves it).
        live = partial(_live_upload, self.storage, op_id, token)
        for sample in render_samples(engine, request, control, self.safety.output_screen(op.project, op.name),
                                     self.credentials, live):
            if isinstance(sample, FilteredOut):
                filtered.append(sample.reason)
                continue
            path, index = sample, len(files)
            control.report(control.fraction, f"storing video {index + 1} of {request.sample_count}")
            key = storage_key(op_id, token, index)
            written += video_blob_keys(key)
            with control.times.timing("upload"):
                size = self.storage.put_file(key, path, MP4)
                self.storage.put_bytes(thumbnail_key(key), first_frame_jpeg(path), JPEG)
                if request.storage_uri:
                    self._deliver(request.storage_uri, op_id, index, path)
            files.append(VideoFile(id=video_file_id(op_id, index), operation_id=op_id,
                                   sample_index=index, storage_key=key, mime_type=MP4, size_bytes=size))
        return Made(files, enhanced, filtered, drawn_concepts(engine, request))

    def _timeout(self, model_id: str) -> float:
        """The model's own generation deadline (a large model's catalog entry sets a longer one)."""
        return self._spec_value(model_id, "timeout_seconds")

    def _spec_value(self, model_id: str, name: str) -> float:
        """A deadline the model's catalog entry sets, or the server's default for it."""
        default = {"timeout_seconds": self.settings.generation_timeout_seconds,
                   "max_wait_seconds": self.settings.max_wait_seconds}[name]
        try:
            return float(getattr(self.catalog.get(model_id), name) or default)
        except NotFound:
            return default

    def _deliver(self, storage_uri: str, op_id: str, index: int, path: Path) -> None:
        """Write the video where the request's storageUri says, as Vertex writes to Cloud
        Storage; the operation's gcsUri names this object. It is the caller's copy: retention
        and discarded attempts leave it alone (a later attempt writes the same object)."""
        if self.destinations is None:
            raise FailedPrecondition(f"storageUri {storage_uri} cannot be written: no bucket is writable.")
        try:
            destination = self.destinations.resolve(storage_uri)
        except ValueError as exc:  # the operator changed the writable buckets since the create
            raise FailedPrecondition(f"storageUri cannot be written: {exc}") from None
        destination.storage.put_file(vertex_object_key(op_id, index), path, MP4)

    def _resolve_inputs(self, request: GenerationRequest) -> GenerationRequest:
        """Engines see only bytes: load stored inputs, and a video named by file id (extension)."""
        try:
            request = self.inputs.load(request)
        except FileNotFoundError as exc:
            raise FailedPrecondition(f"An input of this operation is missing from storage ({exc.filename}).") from exc
        video = request.video
        if video is None or video.data is not None or video.file_id is None:
            return request
        found = self.store.get_video(video.file_id)
        if found is None:
            raise FailedPrecondition(f"The video to extend (files/{video.file_id}) no longer exists.")
        try:
            data = self.storage.read_bytes(found[0].storage_key)
        except FileNotFoundError:
            raise FailedPrecondition(f"The video to extend (files/{video.file_id}) is missing from storage.") from None
        return dataclasses.replace(request, video=VideoInput(data=data, file_id=video.file_id))

    def _discard(self, keys: list[str]) -> None:
        self.storage.delete_best_effort(keys)


# The error classes of failed work that are not the engine's own (docs/monitoring.md).
_WORK_FAILURES = frozenset({"deadline", "storage", "database", "upstream"})


@dataclass(frozen=True)
class Made:
    """What an attempt made, for the operation's completion."""

    files: list[VideoFile]  # the stored videos
    enhanced_prompt: str | None
    filtered: list[str]  # the reasons of the samples withheld
    concepts: ConceptAccount | None  # what the engine says it drew of the prompt


def _live_upload(storage: Storage, op_id: str, token: int, sample_index: int) -> LiveUpload:
    return LiveUpload(storage, live_prefix(op_id, token, sample_index))


def failure_category(exc: BaseException) -> str:
    """The error class of a failed attempt: the storage, the database, the remote API behind the
    engine, the deadline, or else the engine (its refusals, crashes and running out of memory)."""
    category = exc.metric_category if isinstance(exc, OpenreelError) else ""
    return category if category in _WORK_FAILURES else "engine"
