"""`openreel generate PROMPT -o OUT.mp4`: one generation on this machine, no server."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from openreel.service.wire_request import InputLimits, to_generation_request
from openreel.engines.catalog import Catalog
from openreel.engines.registry import EngineRegistry
from openreel.errors import InvalidArgument, OpenreelError
from openreel.protocol.veo import PredictLongRunningRequest
from openreel.settings import Settings
from openreel.worker.control import RunControl
from openreel.worker.pipeline import encode_clip


class _ProgressContext:
    def __init__(self, control: RunControl, progress: Progress, task: Any, offset: int) -> None:
        self.control, self.progress, self.task, self.offset = control, progress, task, offset

    def report(self, done_frames: int, total_frames: int) -> None:
        self.progress.update(self.task, completed=self.offset + done_frames)

    def raise_if_cancelled(self) -> None:
        self.control.raise_if_stopped()


def _body(prompt: str, image: Path | None, **parameters: Any) -> dict[str, Any]:
    instance: dict[str, Any] = {"prompt": prompt}
    if image is not None:
        instance["image"] = {"bytesBase64Encoded": base64.b64encode(image.read_bytes()).decode()}
    return {"instances": [instance], "parameters": {k: v for k, v in parameters.items() if v is not None}}


def sample_path(output: Path, index: int, count: int) -> Path:
    return output if count == 1 else output.with_name(f"{output.stem}-{index}{output.suffix}")


def generate(
    prompt: Annotated[str, typer.Argument(help="What the video should show.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the MP4.")] = Path("out.mp4"),
    model: Annotated[str, typer.Option(help="Model id from the catalog.")] = "veo-3.0-generate-001",
    duration: Annotated[int, typer.Option(help="Seconds: 4, 6 or 8.")] = 8,
    aspect_ratio: Annotated[str, typer.Option(help="16:9 or 9:16.")] = "16:9",
    resolution: Annotated[str, typer.Option(help="720p or 1080p.")] = "1080p",
    audio: Annotated[bool, typer.Option("--audio/--no-audio", help="Add ambient sound.")] = False,
    seed: Annotated[int | None, typer.Option(help="Same seed, same video.")] = None,
    image: Annotated[Path | None, typer.Option(help="Animate this image (image-to-video).")] = None,
    negative_prompt: Annotated[str | None, typer.Option(help="What to leave out.")] = None,
    samples: Annotated[int, typer.Option(help="How many videos (1-4).")] = 1,
    temperature: Annotated[float | None, typer.Option(help="0.0-1.0: variation and motion energy.")] = None,
    server: Annotated[str | None, typer.Option("--server", envvar="OPENREEL_BASE_URL",
                                               help="Generate on this openreel server instead of locally.")] = None,
    api_key: Annotated[str | None, typer.Option("--api-key", envvar="OPENREEL_API_KEY")] = None,
    prompts_file: Annotated[Path | None, typer.Option(help="One prompt per line; needs --server.")] = None,
    parallel: Annotated[int, typer.Option(help="Prompts in flight at once (stay within your quota).")] = 2,
    output_template: Annotated[str, typer.Option(help="Names for --prompts-file outputs.")] = "{index:02d}-{slug}.mp4",
) -> None:
    if server is not None:
        from openreel.cli.remote import generate_remote, output_name
        prompts = ([line.strip() for line in prompts_file.read_text().splitlines() if line.strip()]
                   if prompts_file else [prompt])
        outputs = ([output_name(output_template, i, p) for i, p in enumerate(prompts)] if prompts_file else [output])
        options = {"duration_seconds": duration, "aspect_ratio": aspect_ratio, "resolution": resolution,
                   "generate_audio": audio, "seed": seed, "negative_prompt": negative_prompt,
                   "number_of_videos": samples, "temperature": temperature,
                   "image": None if image is None else _client_image(image)}
        generate_remote(prompts, outputs, model, options, server, api_key, parallel)
        return
    settings = Settings()
    catalog = Catalog.load(settings.catalog_path)
    try:
        spec = catalog.get(model)
        body = PredictLongRunningRequest.model_validate(_body(
            prompt, image, durationSeconds=duration, aspectRatio=aspect_ratio, resolution=resolution,
            generateAudio=audio, seed=seed, negativePrompt=negative_prompt, sampleCount=samples,
            temperature=temperature))
        request = to_generation_request(
            body, spec, InputLimits(settings.max_image_bytes, settings.max_image_pixels, settings.max_video_bytes),
            seed_if_absent=secrets.randbelow(2**32), video_exists=lambda _: False)
    except ValidationError as exc:
        raise _fail(f"invalid argument: {exc.errors()[0]['msg']}", 2) from exc
    except InvalidArgument as exc:
        raise _fail(f"invalid argument: {'; '.join(f'{v.field}: {v.description}' for v in exc.violations) or exc.message}", 2) from exc
    except OpenreelError as exc:
        raise _fail(f"{exc.status}: {exc.message}", 1) from exc

    engine = EngineRegistry().get(spec.engine, spec.options)
    total = request.frame_count * request.sample_count
    control = RunControl(total, settings.generation_timeout_seconds)
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(),
                  TextColumn("{task.completed}/{task.total} frames"), TimeRemainingColumn()) as progress:
        task = progress.add_task(f"{spec.id} via {spec.engine}", total=total)
        for index in range(request.sample_count):
            context = _ProgressContext(control, progress, task, index * request.frame_count)
            clip = engine.generate(request, index, context)
            encode_clip(clip, sample_path(output, index, request.sample_count), request.compression_quality)
    for index in range(request.sample_count):
        typer.echo(f"wrote {sample_path(output, index, request.sample_count)} (seed {request.seed})")


def _client_image(path: Path) -> Any:
    from openreel.client import Image
    return Image.load_from_file(path)


def _fail(message: str, code: int) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)
