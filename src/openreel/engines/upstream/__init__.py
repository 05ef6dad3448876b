"""The upstream engine: openreel as a gateway in front of Google's Veo (Vertex AI first, or the
Gemini API) or any Veo-compatible API, such as another openreel.

One operation here is one operation there. Its life, each step surviving a restart:
  1. admission: the create call is counted against the remote's limits, shared by every worker
     (RunContext.admit_remote_call); no room yet, or a 429/5xx from the remote, puts the
     operation back in the queue (Deferred) with the reason and a jittered, growing wait that
     honours the remote's RetryInfo and Retry-After;
  2. create: the remote operation's name is saved the moment it is known (and an idempotency key
     before the call), so a later attempt polls that operation instead of making another;
  3. poll, with progress saying where the remote job is; a cancel or a deadline here cancels the
     remote job too (a takeover by another worker does not: that worker polls it);
  4. collect: inline bytes, a gs:// object, or a Gemini file download, handed on as the MP4s the
     remote encoded. A remote failure or safety filtering reaches the caller as the remote said it.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from openreel.backoff import Backoff, exponential_delay
from openreel.client.exceptions import UnexpectedResponse
from openreel.client.wire import ParsedOperation, VideoRef, download_path, parse_operation
from openreel.domain.request import GenerationRequest
from openreel.engines.base import Deferred, EncodedVideo, FilteredOut, RunContext, Sample
from openreel.engines.capabilities import Capabilities
from openreel.engines.upstream.credentials import CredentialsUnusable, credentials_for, missing_credentials
from openreel.engines.upstream.models import veo_capabilities
from openreel.engines.upstream.options import UpstreamOptions
from openreel.engines.upstream.remote import RemoteApi, RemoteError
from openreel.engines.upstream.wire import Routes, create_body
from openreel.errors import (Cancelled, ClaimLost, DeadlineExceeded, Deleted, FailedPrecondition, InternalError,
                             NotFound, OpenreelError, OperationFailed, PermissionDenied, RemoteUnavailable,
                             ServiceUnavailable, Unauthenticated, grpc_code_for_status)
from openreel.media.remux import without_audio
from openreel.media.probe import UnreadableVideo, probe_video

log = logging.getLogger(__name__)
# How often a cancellation or deadline is looked for while waiting between polls.
CANCEL_CHECK_SECONDS = 0.2
UNEXPLAINED_FILTER = "The remote returned fewer videos than were asked for and did not say why."
# How long a remote job's name is tried to be saved through a store outage before giving up on it.
SAVE_PATIENCE_SECONDS = 60.0


@dataclass(frozen=True)
class RemoteJob:
    """What is saved with the operation (RunContext.save_state) to resume it on a later attempt."""

    idempotency_key: str | None = None  # chosen before the first create call
    operation: str | None = None  # the remote operation's name, once the remote answered
    # Create calls in a row that were refused (429, 5xx) or got no answer: the backoff grows with them.
    refusals: int = 0

    @classmethod
    def load(cls, saved: str | None) -> RemoteJob:
        if not saved:
            return cls()
        try:
            return cls(**json.loads(saved))
        except (TypeError, ValueError):
            return cls()  # another engine's state (the model was moved to this one): start afresh

    def dump(self) -> str:
        return json.dumps(asdict(self))


class UpstreamEngine:
    name = "upstream"
    description = "Forwards to a remote Veo API (Google's Vertex AI or Gemini API, or another openreel)"
    # Remote concurrency is counted in the store for every process; a worker waiting on a remote
    # job only sleeps between polls.
    max_concurrent_jobs = None

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = UpstreamOptions.parse(options)
        self.routes = Routes(self.options)
        self._api: RemoteApi | None = None
        self._lock = threading.Lock()

    def capabilities(self) -> Capabilities:
        # Checked here so that the listing names it and creates are refused, rather than every
        # operation failing when it runs.
        missing = missing_credentials(self.options)
        if missing:
            raise FailedPrecondition(f"{missing}; the remote cannot be called without it.")
        return veo_capabilities(self.options.remote_model, self.options.surface)

    def load(self) -> None:
        pass  # credentials are read at the first job, whose messages can name the catalog entry

    def close(self) -> None:
        with self._lock:
            if self._api is not None:
                self._api.close()
                self._api = None

    def enhance_prompt(self, request: GenerationRequest) -> str | None:
        return None  # the remote rewrites the prompt its own way and does not say how

    def generate(self, request: GenerationRequest, ctx: RunContext) -> Sequence[Sample]:
        entry = f'[models."{request.model}"]'
        try:
            return self._forward(request, ctx, entry)
        except CredentialsUnusable as exc:
            raise FailedPrecondition(f"{entry}: {exc.message}") from None

    def _forward(self, request: GenerationRequest, ctx: RunContext, entry: str) -> Sequence[Sample]:
        api = self._remote()
        job = RemoteJob.load(ctx.saved_state)
        if job.operation is None:
            job = self._create(api, request, ctx, job, entry)
        assert job.operation is not None
        try:
            done = self._wait(api, job.operation, ctx, entry)
        except ClaimLost:
            raise  # another worker polls the remote job now
        except (Cancelled, DeadlineExceeded) as stop:
            self._abandon(api, job.operation, delete=isinstance(stop, Deleted))
            raise
        return self._collect(api, done, request, ctx)

    # -- steps ---------------------------------------------------------------------------------

    def _remote(self) -> RemoteApi:
        with self._lock:
            if self._api is None:
                self._api = RemoteApi(self.routes, credentials_for(self.options),
                                      self.options.request_timeout_seconds, self.options.max_answer_bytes,
                                      self.options.max_video_bytes)
            return self._api

    def _create(self, api: RemoteApi, request: GenerationRequest, ctx: RunContext, job: RemoteJob,
                entry: str) -> RemoteJob:
        limits = self.options.limits()
        admission = ctx.admit_remote_call(limits)
        if not admission.admitted:
            # Woken early when a slot frees; a window's wait is exact, and a refusal's is the remote's.
            raise Deferred(admission.wait_seconds, f"waiting for the remote limit of {admission.limit} "
                                                   f"({self.options.remote_model})",
                           waiting_on=limits.key if admission.waits_for_slot else None)
        if job.idempotency_key is None:
            job = replace(job, idempotency_key=secrets.token_hex(16))
            ctx.save_state(job.dump())
        assert job.idempotency_key is not None
        ctx.report(0.01, f"sending to {self.options.remote_model}")
        try:
            answer = api.create(create_body(request, self.options), job.idempotency_key)
        except RemoteError as exc:
            if exc.http_status:
                ctx.release_remote_calls()  # refused: no remote operation holds a slot
            if not exc.retryable:
                raise self._failure(exc, entry, "create") from None
            wait = self._backoff(job.refusals, exc.retry_after)
            ctx.save_state(replace(job, refusals=job.refusals + 1).dump())
            # The wait first: a long remote message is cut at the end of the metadata's reason.
            what = (f"the remote answered {exc}" if exc.http_status else
                    f"the create call got no answer ({exc.message}); the remote may have made an operation")
            raise Deferred(wait, f"trying again in {wait:.0f} s: {what}") from None
        name = answer.get("name")
        if not isinstance(name, str) or not name:
            raise InternalError(f"The remote answered the create call without an operation name: {str(answer)[:200]}")
        try:
            _save_through_outage(ctx, RemoteJob(operation=name).dump())
        except ClaimLost:
            # Whoever holds the operation now resumes from its idempotency key: another openreel
            # answers with this same operation, Google makes a second (rare: heartbeats keep the
            # claim while the call is on its way).
            raise
        except Cancelled as stop:  # cancelled, deleted or given up while the call was on its way
            self._abandon(api, name, delete=isinstance(stop, Deleted))
            raise
        except ServiceUnavailable:
            # The store stayed away: the next attempt cannot know this job and makes another.
            self._abandon(api, name, delete=False)
            raise
        return RemoteJob(operation=name)

    def _wait(self, api: RemoteApi, name: str, ctx: RunContext, entry: str) -> ParsedOperation:
        """Poll until the remote operation is done; its progress is reported as it comes."""
        started, errors = time.monotonic(), 0
        while True:
            try:
                parsed = parse_operation(api.poll(name))
                errors = 0
            except UnexpectedResponse as exc:
                raise InternalError(f"The remote sent an operation openreel cannot read ({exc.reason}).") from None
            except RemoteError as exc:
                if not exc.retryable:
                    raise self._failure(exc, entry, "poll") from None
                errors += 1
                wait = self._backoff(errors - 1, exc.retry_after)
                ctx.report(0.02, f"remote unavailable ({exc.http_status or 'no answer'}); "
                                 f"polling again in {wait:.0f} s")
                _sleep(ctx, wait)
                continue
            if parsed.done:
                return parsed
            ctx.report(*_progress(parsed.metadata, time.monotonic() - started))
            _sleep(ctx, self.options.poll_interval_seconds)

    def _collect(self, api: RemoteApi, done: ParsedOperation, request: GenerationRequest,
                 ctx: RunContext) -> list[Sample]:
        if done.error is not None:
            # The remote's own failure, as it said it: the same code and message.
            raise OperationFailed(int(done.error["code"]), str(done.error.get("message", "")))
        if len(done.videos) > request.sample_count:
            raise InternalError(f"The remote returned {len(done.videos)} videos; "
                                f"{request.sample_count} were asked for.")
        samples: list[Sample] = []
        for index, video in enumerate(done.videos):
            ctx.raise_if_cancelled()
            ctx.report(0.9 + 0.1 * index / request.sample_count,
                       f"collecting video {index + 1} of {len(done.videos)} from the remote")
            samples.append(EncodedVideo(self._fetch(api, video, request, ctx.scratch_dir / f"remote-{index}.mp4")))
        reasons = done.rai_filtered_reasons
        samples += [FilteredOut(reasons[min(i, len(reasons) - 1)] if reasons else UNEXPLAINED_FILTER)
                    for i in range(request.sample_count - len(samples))]
        return samples

    def _fetch(self, api: RemoteApi, video: VideoRef, request: GenerationRequest, path: Path) -> Path:
        """The video's bytes in `path`, with its sound track dropped when none was asked for (the
        Gemini API's Veo 3 always adds one); the picture is never re-encoded."""
        fetched = path.with_suffix(".download.mp4")
        try:
            if video.data is not None:
                fetched.write_bytes(video.data)
            elif video.uri and video.uri.startswith("gs://"):
                api.download(self.routes.gcs_object(video.uri), fetched)
            elif video.uri and (file_path := download_path(video.uri)):
                # As Google's SDK does: the file id from the URI, fetched from the configured remote.
                version_path = file_path.replace("/v1beta/", f"/{self.options.version}/", 1)
                api.download(f"{self.options.root_url}{version_path}?alt=media", fetched)
            else:
                raise InternalError(f"The remote returned a video openreel cannot fetch: {str(video.uri)[:200]}")
        except RemoteError as exc:
            if exc.retryable:  # the next attempt polls the same remote operation and fetches again
                raise RemoteUnavailable(f"Fetching a video from the remote failed ({exc}).") from None
            raise InternalError(f"A video the remote made could not be fetched ({exc}).") from None
        try:
            has_audio = probe_video(fetched).has_audio
        except UnreadableVideo:
            raise InternalError("The remote returned a video that is not an MP4 openreel can read.") from None
        if not request.generate_audio and has_audio:
            without_audio(fetched, path)
        else:
            fetched.rename(path)
        return path

    def abandon(self, saved_state: str, delete: bool) -> None:
        """WorkAbandoner: stop the remote job of an operation that ended while no worker polled it.
        No answer, or a 429 or 5xx, raises RemoteError: the worker asks again later."""
        job = RemoteJob.load(saved_state)
        if job.operation is None:
            return  # no remote job was made (or the create's answer never came: its name is unknown)
        self._abandon(self._remote(), job.operation, delete, retry_later=True)

    def _abandon(self, api: RemoteApi, name: str, delete: bool, retry_later: bool = False) -> None:
        """Cancel the remote job, and delete it too when the local operation was deleted (best
        effort: a remote may support neither). With `retry_later`, a remote that did not answer
        raises, for the caller to try again."""
        for step, call in (("cancel", api.cancel), ("delete", api.delete))[:2 if delete else 1]:
            try:
                call(name)
            except RemoteError as exc:
                if retry_later and exc.retryable:
                    raise
                log.info("could not %s remote operation %s: %s", step, name, exc)
            except FailedPrecondition as exc:
                log.info("could not %s remote operation %s: %s", step, name, exc)

    # -- policy --------------------------------------------------------------------------------

    def _backoff(self, retry: int, asked: float | None) -> float:
        """Exponential with jitter; never shorter than the remote asked (plus a little jitter, so
        that workers told the same time do not all come back at once)."""
        wait = exponential_delay(retry, self.options.first_backoff_seconds, cap=self.options.max_backoff_seconds)
        if asked is not None:
            wait = max(wait, asked + exponential_delay(0, 1.0))
        return wait

    def _failure(self, exc: RemoteError, entry: str, call: str) -> OpenreelError:
        """The local error for a remote's error answer: credentials refused fail fast, naming what to
        fix; anything else is the remote's own error, unchanged."""
        credentials = ("api_key or api_key_env" if self.options.api_key or self.options.api_key_env
                       else "credentials_file (or the application-default credentials) and project")
        if exc.http_status == 401:
            return Unauthenticated(f"The remote refused {entry}'s credentials on {call} ({exc}). "
                                   f"Check {credentials} in the catalog.")
        if exc.http_status == 403:
            return PermissionDenied(f"The remote denied {entry} access on {call} ({exc}). Check {credentials}, "
                                    f"and that the remote project may use remote_model {self.options.remote_model}.")
        if exc.http_status == 404 and call == "create":
            return NotFound(f"The remote has no model {self.options.remote_model} ({exc}). Check remote_model "
                            f"and base_url of {entry} in the catalog.")
        if exc.http_status == 404:
            return NotFound(f"The remote operation is gone ({exc}).")
        if 300 <= exc.http_status < 400:
            return FailedPrecondition(f"The remote answered {exc} on {call}. Check base_url of {entry} in the catalog.")
        return OperationFailed(grpc_code_for_status(exc.status), exc.message)


def _save_through_outage(ctx: RunContext, state: str) -> None:
    """Save the engine state, waiting out a short store outage (a busy SQLite, a PostgreSQL
    failover): the remote job exists now, and an attempt that cannot find its name makes another."""
    backoff, deadline = Backoff(first=0.5, cap=5.0), time.monotonic() + SAVE_PATIENCE_SECONDS
    while True:
        try:
            ctx.save_state(state)
            return
        except ServiceUnavailable:
            if time.monotonic() >= deadline:
                raise
            time.sleep(backoff.next_delay())


def _sleep(ctx: RunContext, seconds: float) -> None:
    """Wait, looking for a cancellation or the deadline all along."""
    until = time.monotonic() + seconds
    while (left := until - time.monotonic()) > 0:
        ctx.raise_if_cancelled()
        time.sleep(min(CANCEL_CHECK_SECONDS, left))
    ctx.raise_if_cancelled()


def _progress(metadata: dict[str, Any], waited: float) -> tuple[float, str]:
    """(fraction, phase) from the remote operation's metadata: another openreel reports its state,
    queue position and percent; Google reports nothing, so the phase says how long it has run."""
    state = str(metadata.get("state", "")).lower()
    if state == "queued":
        position = metadata.get("queuePosition")
        return 0.02, "queued at the remote" + (f" (position {position})" if position is not None else "")
    percent = metadata.get("progressPercent")
    if isinstance(percent, int | float) and not isinstance(percent, bool):
        return 0.02 + 0.88 * min(max(float(percent), 0.0), 100.0) / 100, f"running at the remote: {percent:.0f}%"
    return 0.05, f"running at the remote for {waited:.0f} s"
