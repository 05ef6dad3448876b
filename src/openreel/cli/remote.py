"""The CLI against a running server: generate with live progress (several prompts in parallel),
operations list / get / cancel / wait, and the model list."""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn, TimeRemainingColumn

from openreel.cli.exit_codes import fail
from openreel.client import config as client_config
from openreel.client.exceptions import OpenreelAPIError
from openreel.client.model import Operation, VideoGenerationModel
from openreel.client.operations import OperationsClient

Server = Annotated[str | None, typer.Option("--server", envvar="OPENREEL_BASE_URL", help="openreel server URL.")]
ApiKey = Annotated[str | None, typer.Option("--api-key", envvar="OPENREEL_API_KEY", help="API key.")]

operations_app = typer.Typer(help="List, inspect, cancel and wait for operations on a server.", no_args_is_help=True)


def _config(server: str | None, api_key: str | None) -> client_config.ClientConfig:
    return client_config.init(base_url=server, api_key=api_key)


def output_name(template: str, index: int, prompt: str) -> Path:
    """e.g. "{index:02d}-{slug}.mp4" -> 03-a-serene-mountain-lake.mp4"""
    slug = re.sub(r"[^a-z0-9]+", "-", prompt.lower()).strip("-")[:40] or "video"
    return Path(template.format(index=index, slug=slug))


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


def generate_remote(prompts: list[str], outputs: list[Path], model: str, options: dict[str, Any],
                    server: str | None, api_key: str | None, parallel: int, poll: float = 0.5) -> None:
    """Submit each prompt (at most `parallel` at once, to stay within the key's quota), follow
    them with one progress bar each, and save every sample."""
    _config(server, api_key)
    generator = VideoGenerationModel.from_pretrained(model)
    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console) as progress:
        def run(index: int) -> list[Path]:
            label = f"[bold]{outputs[index].name}"
            op = generator.generate_video(prompt=prompts[index], **options)
            task = progress.add_task(label, total=100)
            _follow(op, progress, task, label, poll)
            result = op.result()
            paths = [outputs[index] if n == 0 else outputs[index].with_name(f"{outputs[index].stem}-{n}.mp4")
                     for n in range(len(result.videos))]
            for video, path in zip(result.videos, paths):
                video.save(path)
            return paths

        try:
            with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
                written = [p for paths in pool.map(run, range(len(prompts))) for p in paths]
        except OpenreelAPIError as error:
            progress.live.transient = True  # the error line alone is what the user should see
            raise fail(error) from error
    for path in written:
        typer.echo(f"wrote {path}")


@operations_app.command("list", help="Recent operations of your project, newest first.")
def list_operations(server: Server = None, api_key: ApiKey = None,
                    limit: Annotated[int, typer.Option(help="How many.")] = 20) -> None:
    try:
        ops = OperationsClient(_config(server, api_key)).list_operations(limit)
    except OpenreelAPIError as error:
        raise fail(error) from error
    for op in ops:
        meta = op.get("metadata", {})
        typer.echo(f"{op['name']}\t{meta.get('state')}\t{meta.get('progressPercent', 0)}%\t{meta.get('createTime')}")


@operations_app.command("get", help="One operation as JSON.")
def get_operation(name: str, server: Server = None, api_key: ApiKey = None) -> None:
    try:
        typer.echo(json.dumps(OperationsClient(_config(server, api_key)).get_operation(name), indent=2))
    except OpenreelAPIError as error:
        raise fail(error) from error


@operations_app.command("cancel", help="Cancel an operation.")
def cancel_operation(name: str, server: Server = None, api_key: ApiKey = None) -> None:
    try:
        OperationsClient(_config(server, api_key)).cancel_operation(name)
    except OpenreelAPIError as error:
        raise fail(error) from error
    typer.echo(f"cancelled {name}")


@operations_app.command("wait", help="Follow an operation's streamed progress until it finishes.")
def wait_operation(name: str, server: Server = None, api_key: ApiKey = None) -> None:
    from openreel.client.exceptions import from_operation_error
    try:
        final: dict[str, Any] = {}
        for event, body in OperationsClient(_config(server, api_key)).stream_operation(name):
            meta = body.get("metadata", {})
            typer.echo(f"{event}\t{meta.get('state')}\t{meta.get('progressPercent', 0)}%", err=True)
            final = body
        if final.get("error"):
            raise from_operation_error(final["error"])
    except OpenreelAPIError as error:
        raise fail(error) from error
    typer.echo(final.get("name", name))


def list_models(server: Server = None, api_key: ApiKey = None) -> None:
    try:
        models = OperationsClient(_config(server, api_key)).list_models()
    except OpenreelAPIError as error:
        raise fail(error) from error
    for model in models:
        typer.echo(f"{model['name'].removeprefix('models/')}\t{model.get('engine', '')}\t{model.get('displayName', '')}")
