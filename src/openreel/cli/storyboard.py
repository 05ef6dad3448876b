"""`openreel storyboard FILE -o OUT.mp4`: one video from a storyboard file (YAML or JSON), made
locally (in this process, no server) or on a server with --server, with a progress bar.

    model: procedural            # optional; the procedural renderer by default
    aspect_ratio: "16:9"         # and resolution, seed, audio, style: shared by every scene
    resolution: 720p
    seed: 7
    audio: true
    scenes:
      - {prompt: "a mountain lake at dawn, static shot", duration: 4}
      - {prompt: "a city skyline at night", duration: 6, transition: dissolve, camera: dolly_in}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from openreel.cli.exit_codes import file_problem
from openreel.cli.options import ApiKey
from openreel.cli.paths import check_writable, read_input

DEFAULT_MODEL = "procedural"
BOARD_KEYS = ("model", "aspect_ratio", "resolution", "seed", "audio", "style", "negative_prompt", "scenes")
SCENE_KEYS = {"prompt": "prompt", "duration": "durationSeconds", "transition": "transition", "camera": "camera"}


def storyboard(
    file: Annotated[Path, typer.Argument(metavar="FILE", show_default=False,
                                         help="The storyboard: YAML or JSON with scenes (prompt, duration, "
                                              "transition, camera) and the settings they share.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the MP4.")] = Path("storyboard.mp4"),
    server: Annotated[str | None, typer.Option("--server", envvar="OPENREEL_BASE_URL", show_default=False,
                                               help="Make it on this openreel server instead of locally "
                                                    "(OPENREEL_BASE_URL; empty: locally).")] = None,
    api_key: ApiKey = None,
) -> None:
    model, scenes, options = read_board(file)
    check_writable("-o", output)
    if server is None or not server.strip():
        from openreel.cli.local import storyboard_locally
        from openreel.client.storyboard import storyboard_body
        storyboard_locally(storyboard_body(scenes, **options), model, output)
    else:
        from openreel.cli.remote import storyboard_remote
        storyboard_remote(scenes, options, model, output, server, api_key)


def read_board(path: Path) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    """The file's model, its scenes as the API takes them, and the client's options for what they
    share (storyboard_body's); the server checks every value."""
    board = _parsed(path)
    unknown = [key for key in board if key not in BOARD_KEYS]
    if unknown:
        raise file_problem("FILE", path, f"unknown key {unknown[0]!r}; a storyboard has {', '.join(BOARD_KEYS)}")
    scenes = board.get("scenes")
    if not isinstance(scenes, list) or not scenes:
        raise file_problem("FILE", path, "no scenes: give `scenes`, a list of {prompt, duration, transition}")
    wire_scenes = []
    for index, scene in enumerate(scenes):
        if not isinstance(scene, dict):
            raise file_problem("FILE", path, f"scenes[{index}] is not a mapping of prompt, duration, transition")
        extra = [key for key in scene if key not in SCENE_KEYS]
        if extra:
            raise file_problem("FILE", path, f"scenes[{index}]: unknown key {extra[0]!r}; "
                                             f"a scene has {', '.join(SCENE_KEYS)}")
        wire_scenes.append({SCENE_KEYS[key]: value for key, value in scene.items()})
    model = board.get("model", DEFAULT_MODEL)
    if not isinstance(model, str) or not model.strip():
        raise file_problem("FILE", path, "model must be a model id (`openreel models` lists a server's)")
    options = {"style": board.get("style"), "aspect_ratio": board.get("aspect_ratio"),
               "resolution": board.get("resolution"), "seed": board.get("seed"), "generate_audio": board.get("audio"),
               "negative_prompt": board.get("negative_prompt")}
    return model, wire_scenes, options


def _parsed(path: Path) -> dict[str, Any]:
    try:
        text = read_input("FILE", path).decode()
    except UnicodeDecodeError:
        raise file_problem("FILE", path, "not UTF-8 text") from None
    try:
        if path.suffix.lower() == ".json":
            board = json.loads(text)
        else:  # YAML, which also reads JSON
            import yaml
            board = yaml.safe_load(text)
    except (ValueError, RecursionError) as exc:
        raise file_problem("FILE", path, f"not valid JSON: {exc}") from None
    except Exception as exc:  # yaml.YAMLError: where the file stops being YAML
        raise file_problem("FILE", path, f"not valid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(board, dict):
        raise file_problem("FILE", path, "a storyboard is a mapping with `scenes`")
    return board
