"""`openreel generate` without --server: the request is checked exactly as a server checks it, then
rendered and encoded in this process with a progress bar."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn, TimeRemainingColumn

from openreel.cli.data_dir import settings_from
from openreel.cli.exit_codes import file_problem, reported_errors
from openreel.cli.paths import os_error_reason, sample_path
from openreel.client.model import generation_request
from openreel.domain.request import GenerationRequest
from openreel.engines.catalog import Catalog, ModelSpec
from openreel.engines.registry import EngineRegistry
from openreel.service.wire_request import InputLimits, read_generation_request
from openreel.worker.control import RunControl
from openreel.worker.pipeline import encode_clip


class _ProgressContext:
    def __init__(self, control: RunControl, progress: Progress, task: TaskID, offset: int) -> None:
        self.control, self.progress, self.task, self.offset = control, progress, task, offset

    def report(self, done_frames: int, total_frames: int) -> None:
        self.progress.update(self.task, completed=self.offset + done_frames)

    def raise_if_cancelled(self) -> None:
        self.control.raise_if_stopped()


def generate_locally(jobs: list[tuple[str, Path]], model: str, options: dict[str, Any]) -> None:
    settings = settings_from()
    limits = InputLimits(settings.max_image_bytes, settings.max_image_pixels, settings.max_video_bytes)
    with reported_errors():
        spec = Catalog.load(settings.catalog_path).get(model)
        requests = [read_generation_request(generation_request(prompt, **options), spec, limits,
                                            seed_if_absent=secrets.randbelow(2**32), video_exists=lambda _: False)
                    for prompt, _ in jobs]
        for request, (_, output) in zip(requests, jobs):
            _render(spec, request, output, settings.generation_timeout_seconds)


def _render(spec: ModelSpec, request: GenerationRequest, output: Path, timeout_seconds: float) -> None:
    engine = EngineRegistry().get(spec.engine, spec.options)
    total = request.frame_count * request.sample_count
    control = RunControl(total, timeout_seconds)
    paths = [sample_path(output, index, request.sample_count) for index in range(request.sample_count)]
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(),
                  TextColumn("{task.completed}/{task.total} frames"), TimeRemainingColumn(),
                  console=Console(stderr=True)) as progress:
        task = progress.add_task(f"{spec.id} via {spec.engine}", total=total)
        for index, path in enumerate(paths):
            clip = engine.generate(request, index, _ProgressContext(control, progress, task, index * request.frame_count))
            try:
                encode_clip(clip, path, request.compression_quality)
            except OSError as exc:
                progress.live.transient = True  # the error line alone is what the user should see
                raise file_problem("-o", path, os_error_reason(exc)) from None
    for path in paths:
        typer.echo(f"wrote {path} (seed {request.seed})")
