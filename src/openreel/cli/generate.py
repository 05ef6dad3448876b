"""`openreel generate PROMPT -o OUT.mp4`: locally (in this process, no server) or on a server with
--server. Both modes check the local files first, build the request with the same client code,
and report a problem with the same line and exit code (see exit_codes.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from openreel.cli.exit_codes import fail
from openreel.cli.options import ApiKey
from openreel.cli.paths import check_writable, output_name, read_input, read_prompts


def generate(
    prompt: Annotated[str | None, typer.Argument(metavar="PROMPT", show_default=False,
                                                 help="What the video should show (or use --prompts-file).")] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the MP4.")] = Path("out.mp4"),
    model: Annotated[str, typer.Option(help="Model id from the catalog.")] = "veo-3.0-generate-001",
    duration: Annotated[int | None, typer.Option(help="Seconds: 4, 6 or 8 for Veo ids; default 8, or the "
                                                      "model's longest (`openreel models` lists them).",
                                                 show_default=False)] = None,
    aspect_ratio: Annotated[str, typer.Option(help="16:9 or 9:16.")] = "16:9",
    resolution: Annotated[str, typer.Option(help="720p, 1080p or 4k, as the model allows.")] = "1080p",
    audio: Annotated[bool, typer.Option("--audio/--no-audio", help="Add ambient sound.")] = False,
    seed: Annotated[int | None, typer.Option(help="Same seed, same video.")] = None,
    image: Annotated[Path | None, typer.Option(help="Animate this image (image-to-video).")] = None,
    negative_prompt: Annotated[str | None, typer.Option(help="What to leave out.")] = None,
    samples: Annotated[int, typer.Option(help="How many videos (1-4): OUT-0.mp4, OUT-1.mp4, ...")] = 1,
    temperature: Annotated[float | None, typer.Option(help="0.0-1.0: variation and motion energy.")] = None,
    server: Annotated[str | None, typer.Option("--server", envvar="OPENREEL_BASE_URL", show_default=False,
                                               help="Generate on this openreel server instead of locally "
                                                    "(OPENREEL_BASE_URL; empty: locally).")] = None,
    api_key: ApiKey = None,
    prompts_file: Annotated[Path | None, typer.Option(help="One prompt per line, instead of PROMPT.")] = None,
    parallel: Annotated[int, typer.Option(min=1, help="With --server: prompts in flight at once (stay within "
                                                       "your key's quota).")] = 2,
    output_template: Annotated[str, typer.Option(help="Names for --prompts-file outputs.")] = "{index:02d}-{slug}.mp4",
) -> None:
    if not model.strip():
        raise fail("INVALID_ARGUMENT", "--model is empty: give a model id (`openreel models` lists a server's)")
    jobs = _jobs(prompt, prompts_file, output, output_template)
    for _, path in jobs:
        check_writable("-o" if prompts_file is None else "--output-template", path)
    options: dict[str, Any] = {
        "duration_seconds": duration, "aspect_ratio": aspect_ratio, "resolution": resolution,
        "generate_audio": audio, "seed": seed, "negative_prompt": negative_prompt, "number_of_videos": samples,
        "temperature": temperature, "image": None if image is None else _client_image(read_input("--image", image))}
    if server is None or not server.strip():  # no --server or an empty one: local, like OPENREEL_BASE_URL=""
        from openreel.cli.local import generate_locally
        generate_locally(jobs, model, options)
    else:
        from openreel.cli.remote import generate_remote
        generate_remote(jobs, model, options, server, api_key, parallel)


def _jobs(prompt: str | None, prompts_file: Path | None, output: Path, template: str) -> list[tuple[str, Path]]:
    """(prompt, output path) for each video to make."""
    if prompts_file is None:
        if prompt is None:
            raise fail("INVALID_ARGUMENT", "give a PROMPT or --prompts-file")
        return [(prompt, output)]
    if prompt is not None:
        raise fail("INVALID_ARGUMENT", "give a PROMPT or --prompts-file, not both")
    prompts = read_prompts(prompts_file)
    try:
        return [(p, output_name(template, i, p)) for i, p in enumerate(prompts)]
    except KeyError as exc:
        reason = f"unknown field {{{exc.args[0]}}}"
    except (IndexError, ValueError) as exc:
        reason = str(exc)
    raise fail("INVALID_ARGUMENT", f"--output-template {template}: {reason}; the fields are {{index}} and {{slug}}")


def _client_image(data: bytes) -> Any:
    from openreel.client.model import Image
    return Image(data)
