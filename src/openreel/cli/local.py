"""`openreel generate` without --server: the request is checked exactly as a server checks it, then
rendered in this process through the worker's own render path, with a progress bar."""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from openreel.cli.concepts import echo_concepts
from openreel.cli.data_dir import settings_from
from openreel.cli.exit_codes import file_problem, reported_errors
from openreel.cli.paths import os_error_reason, sample_path
from openreel.client.model import generation_request
from openreel.domain.request import GenerationRequest
from openreel.engines.base import Deferred, Engine, FilteredOut
from openreel.engines.catalog import Catalog, ModelSpec
from openreel.engines.registry import EngineRegistry
from openreel.errors import FailedPrecondition
from openreel.observability.metrics import Metrics
from openreel.provenance.credentials import ContentCredentials
from openreel.safety.filter import SafetyFilter
from openreel.safety.output import OutputScreen
from openreel.sequence import drawn_concepts
from openreel.service.storyboard_request import read_storyboard_request
from openreel.service.wire_request import InputLimits, Lookups, RequestReader, TargetModel, read_generation_request
from openreel.settings import Settings
from openreel.worker.control import RunControl
from openreel.worker.render import checked_enhanced_prompt, render_samples


def generate_locally(jobs: list[tuple[str, Path]], model: str, options: dict[str, Any]) -> None:
    _run_locally(model, [(generation_request(prompt, **options), output) for prompt, output in jobs],
                 read_generation_request)


def storyboard_locally(body: dict[str, Any], model: str, output: Path) -> None:
    """A storyboard's video, its body checked exactly as a server checks it."""
    _run_locally(model, [(body, output)], read_storyboard_request)


def _run_locally(model: str, jobs: list[tuple[dict[str, Any], Path]], reader: RequestReader) -> None:
    """Read every body as a server would (`reader`), then render each to its output."""
    settings = settings_from()
    limits = InputLimits(settings.max_image_bytes, settings.max_image_pixels, settings.max_video_bytes)
    engines = EngineRegistry()
    with reported_errors():
        # The same safety filter as a server's, under this machine's policy, before any rendering.
        safety = _safety_filter(settings)
        credentials = _content_credentials(settings)
        spec = Catalog.load(settings.catalog_path).get(model)
        target = TargetModel(spec.id, engines.capabilities(spec))
        requests = [reader(body, target, limits, seed_if_absent=secrets.randbelow(2**32), lookups=Lookups())
                    for body, _ in jobs]
        for request in requests:
            safety.check_request(request, None)
        try:
            for request, (_, output) in zip(requests, jobs):
                _render(engines, spec, request, output, settings.generation_timeout_seconds, safety,
                        credentials)
        finally:
            engines.close()


def _safety_filter(settings: Settings) -> SafetyFilter:
    # The review log is an operator's: here the user sees the refusal itself, once. (Without a
    # handler of its own, Python would print the log line on stderr beside it.)
    reviews = logging.getLogger("openreel.safety")
    if not reviews.handlers:
        reviews.addHandler(logging.NullHandler())
    try:
        return SafetyFilter.from_settings(settings, Metrics())
    except ValueError as exc:
        raise FailedPrecondition(str(exc)) from None


def _content_credentials(settings: Settings) -> ContentCredentials | None:
    try:
        return ContentCredentials.from_settings(settings)
    except (ValueError, OSError) as exc:
        raise FailedPrecondition(f"Content credentials cannot be signed: {exc}") from None


def _render(engines: EngineRegistry, spec: ModelSpec, request: GenerationRequest, output: Path,
            timeout_seconds: float, safety: SafetyFilter, credentials: ContentCredentials | None) -> None:
    paths = [sample_path(output, index, request.sample_count) for index in range(request.sample_count)]
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(),
                  TextColumn("{task.fields[phase]}"), TimeRemainingColumn(),
                  console=Console(stderr=True)) as progress:
        task = progress.add_task(f"{spec.id} via {spec.engine}", total=100, phase="loading model")
        engine = engines.loaded(spec)
        # Scratch beside the output, so each finished video is renamed into place.
        with _output_problems(progress, output), \
                tempfile.TemporaryDirectory(dir=output.parent, prefix=".openreel-") as scratch:
            control = RunControl(timeout_seconds, Path(scratch), on_report=lambda run: progress.update(
                task, completed=100 * run.fraction, phase=run.phase))
            written: list[Path] = []
            filtered: list[str] = []
            checked_enhanced_prompt(engine, request, safety, None, "local")
            for rendered in _when_ready(engine, request, control, safety.output_screen(None, "local"),
                                        credentials):
                if isinstance(rendered, FilteredOut):
                    filtered.append(rendered.reason)
                    continue
                path = paths[len(written)]
                with _output_problems(progress, path):
                    os.replace(rendered, path)
                written.append(path)
        progress.update(task, completed=100, phase="done")
    for path in written:
        typer.echo(f"wrote {path} (seed {request.seed})")
    account = drawn_concepts(engine, request)
    echo_concepts(None if account is None else account.to_json())
    for reason in filtered:
        typer.echo(f"a video was filtered out: {reason}")


def _when_ready(engine: Engine, request: GenerationRequest, control: RunControl, screen: OutputScreen | None,
                credentials: ContentCredentials | None) -> Iterator[Path | FilteredOut]:
    """render_samples, waiting here as long as the engine defers (a remote API's limits): there is
    no queue to go back to in this process."""
    while True:
        try:
            yield from render_samples(engine, request, control, screen, credentials)
            return
        except Deferred as wait:
            control.report(control.fraction, f"waiting {wait.seconds:.0f} s: {wait.reason}")
            time.sleep(wait.seconds)


@contextmanager
def _output_problems(progress: Progress, output: Path) -> Iterator[None]:
    """An OSError writing the scratch folder or the output is a problem with -o."""
    try:
        yield
    except OSError as exc:
        progress.live.transient = True  # the error line alone is what the user should see
        raise file_problem("-o", output, os_error_reason(exc)) from None
