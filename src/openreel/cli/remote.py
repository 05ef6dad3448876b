"""The CLI against a running server: generate with live progress (several prompts in parallel),
operations list / get / cancel / wait, and the model list.

The client (httpx, the wire schemas) and rich's progress bars load inside the commands, so that
`openreel --help` and the quick commands start fast (tests/cli/test_cli_imports.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from openreel.cli.concepts import echo_concepts
from openreel.cli.exit_codes import fail, reported_errors
from openreel.cli.help_format import Command, Group
from openreel.cli.options import ApiKey
from openreel.cli.paths import sample_path, write_output
from openreel.cli.server_url import client_config

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from openreel.client.model import Operation
    from openreel.client.operations import OperationsClient

Server = Annotated[str | None, typer.Option("--server", envvar="OPENREEL_BASE_URL", show_default=False,
                                            help="openreel server URL (OPENREEL_BASE_URL; default "
                                                 "http://127.0.0.1:8000). An empty one is refused: it means "
                                                 "local mode, which only `generate` has.")]
Name = Annotated[str, typer.Argument(metavar="NAME", help="Operation name, or just its id (the last segment).")]
# Inline media fields of the two response shapes, and what a summary puts in their place.
_INLINE_FIELDS = ("bytesBase64Encoded", "encodedVideo")

operations_app = typer.Typer(cls=Group, help="List, inspect, cancel and wait for operations on a server.",
                             no_args_is_help=True)


@contextmanager
def _operations(server: str | None, api_key: str | None) -> Iterator[OperationsClient]:
    from openreel.client.operations import OperationsClient

    config = client_config(server, api_key)
    with reported_errors(config.base_url):
        yield OperationsClient(config)


def _checked(name: str) -> str:
    """NAME as given, refused (exit 2) when it names no operation: the client would otherwise ask
    for the operations collection itself."""
    if not name.strip("/").strip():
        raise fail("INVALID_ARGUMENT", f"NAME {name!r} names no operation: give an operation's name or id")
    return name


def _describe(op: Operation) -> str:
    meta = op.metadata
    if meta.get("state") == "QUEUED":
        return f"queued at position {meta.get('queuePosition', 0) + 1}"
    return str(meta.get("state", "")).lower()


def _follow(op: Operation, progress: Progress, task: TaskID, label: str, poll: float) -> None:
    while not op.done():
        progress.update(task, completed=op.metadata.get("progressPercent", 0),
                        description=f"{label} [dim]{_describe(op)}")
        time.sleep(poll)
    progress.update(task, completed=100, description=f"{label} [dim]{_describe(op)}")


def generate_remote(jobs: list[tuple[str, Path]], model: str, options: dict[str, Any],
                    server: str | None, api_key: str | None, parallel: int, poll: float = 0.5) -> None:
    """Submit each prompt (at most `parallel` at once, to stay within the key's quota), follow
    them with one progress bar each, and save every sample."""
    from concurrent.futures import ThreadPoolExecutor

    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    from openreel.client.model import VideoGenerationModel

    config = client_config(server, api_key)
    with reported_errors(config.base_url):
        generator = VideoGenerationModel(model, config)
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True)) as progress:
        def run(job: tuple[str, Path]) -> Saved:
            prompt, output = job
            return _saved(generator.generate_video(prompt=prompt, **options), progress, output, poll)

        try:
            with reported_errors(config.base_url), ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
                saved = list(pool.map(run, jobs))
        except typer.Exit:
            progress.live.transient = True  # the error line alone is what the user should see
            raise
    for each in saved:
        each.echo()


def storyboard_remote(scenes: list[dict[str, Any]], options: dict[str, Any], model: str, output: Path,
                      server: str | None, api_key: str | None, poll: float = 0.5) -> None:
    """Submit a storyboard, follow it with a progress bar, and save its video."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    from openreel.client.model import VideoGenerationModel

    config = client_config(server, api_key)
    with reported_errors(config.base_url):
        generator = VideoGenerationModel(model, config)
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True)) as progress:
        try:
            with reported_errors(config.base_url):
                saved = _saved(generator.generate_storyboard(scenes, **options), progress, output, poll)
        except typer.Exit:
            progress.live.transient = True  # the error line alone is what the user should see
            raise
    saved.echo()


@dataclass(frozen=True)
class Saved:
    """An operation's videos written to disk, and what its engine said it drew."""

    paths: list[Path]
    concepts: dict[str, Any] | None

    def echo(self) -> None:
        for path in self.paths:
            typer.echo(f"wrote {path}")
        echo_concepts(self.concepts)


def _saved(op: Operation, progress: Progress, output: Path, poll: float) -> Saved:
    """Follow `op` with a progress bar of its own, then write each of its videos."""
    label = f"[bold]{output.name}"
    task = progress.add_task(label, total=100)
    _follow(op, progress, task, label, poll)
    videos = op.result().videos
    paths = [sample_path(output, n, len(videos)) for n in range(len(videos))]
    for video, path in zip(videos, paths):
        write_output("-o", path, video.video_bytes)
    return Saved(paths, op.metadata.get("concepts"))


@operations_app.command("list", cls=Command, help="Recent operations of your project, newest first.")
def list_operations(server: Server = None, api_key: ApiKey = None,
                    limit: Annotated[int, typer.Option(min=1, help="How many.")] = 20) -> None:
    with _operations(server, api_key) as client:
        ops = client.list_operations(limit)
    for op in ops:
        meta = op.metadata
        typer.echo(f"{op.name}\t{meta.get('state')}\t{meta.get('progressPercent', 0)}%\t{meta.get('createTime')}")


@operations_app.command("get", cls=Command, help="One operation as JSON; inline videos are summarised unless --full.")
def get_operation(name: Name, server: Server = None, api_key: ApiKey = None,
                  full: Annotated[bool, typer.Option("--full", help="Print inline video bytes (base64) "
                                                                     "too.")] = False) -> None:
    with _operations(server, api_key) as client:
        body = client.get_operation(_checked(name))
    typer.echo(json.dumps(body if full else summarised(body), indent=2))


def summarised(value: Any) -> Any:
    """The JSON with each inline video's base64 replaced by "<N bytes of video/mp4, use --full>"."""
    if isinstance(value, list):
        return [summarised(item) for item in value]
    if not isinstance(value, dict):
        return value
    mime_type = value.get("mimeType") or value.get("encoding") or "data"
    return {key: f"<{_decoded_size(item)} bytes of {mime_type}, use --full>"
            if key in _INLINE_FIELDS and isinstance(item, str) else summarised(item)
            for key, item in value.items()}


def _decoded_size(base64_text: str) -> int:
    return len(base64_text) * 3 // 4 - (len(base64_text) - len(base64_text.rstrip("=")))


@operations_app.command("cancel", cls=Command, help="Cancel an operation.")
def cancel_operation(name: Name, server: Server = None, api_key: ApiKey = None) -> None:
    with _operations(server, api_key) as client:
        client.cancel_operation(_checked(name))
    typer.echo(f"cancelled {name}")


@operations_app.command("wait", cls=Command, help="Follow an operation's streamed progress until it finishes.")
def wait_operation(name: Name, server: Server = None, api_key: ApiKey = None) -> None:
    from openreel.client.exceptions import from_operation_error

    with _operations(server, api_key) as client:
        for event, op in client.stream_operation(_checked(name)):
            typer.echo(f"{event}\t{op.metadata.get('state')}\t{op.metadata.get('progressPercent', 0)}%", err=True)
        if op.error is not None:
            raise from_operation_error(op.error)
    typer.echo(op.name)


def list_models(server: Server = None, api_key: ApiKey = None) -> None:
    with _operations(server, api_key) as client:
        models = client.list_models()
    for model in models:
        model_id = model["name"].removeprefix("models/")
        typer.echo(f"{model_id}\t{model.get('engine', '')}\t{model.get('displayName', '')}")
        if "capabilities" in model:
            typer.echo(f"    {_capabilities(model['capabilities'])}")
        if "unavailable" in model:
            typer.echo(f"    unavailable: {model['unavailable']}")
        if "license" in model:
            typer.echo(f"    license: {model['license']}")


def _capabilities(caps: dict[str, Any]) -> str:
    """One line: '4, 6, 8 s · 720p, 1080p · 16:9, 9:16 · text, image, last frame, extension · audio · 1-4 samples'."""
    inputs = [name for name, key in (("text", "textToVideo"), ("image", "imageToVideo"), ("last frame", "lastFrame"),
                                     ("extension", "videoExtension")) if caps.get(key)]
    inputs += [f"{kind} references" for kind in caps.get("referenceImageTypes", [])]
    parts = [_seconds(caps.get("durationsSeconds", [])),
             ", ".join(caps.get("resolutions", [])), ", ".join(caps.get("aspectRatios", [])), ", ".join(inputs),
             "audio" if caps.get("audio") else "silent", f"1-{caps.get('maxSamples', 1)} samples"]
    return " · ".join(parts)

def _seconds(durations: list[int]) -> str:
    """'4, 6, 8 s', or '4-60 s' for a run of whole seconds."""
    if len(durations) > 3 and durations == list(range(durations[0], durations[-1] + 1)):
        return f"{durations[0]}-{durations[-1]} s"
    return ", ".join(map(str, durations)) + " s"
