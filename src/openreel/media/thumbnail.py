"""Still images of a video: a JPEG of its first frame, and a spritesheet of frames across it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO

import av
from PIL import Image

from openreel.media.probe import frames_at, probe_video

# A spritesheet's grid: columns x rows tiles, each this wide.
SPRITE_GRID = (4, 4)
SPRITE_WIDTH = 240


def first_frame_jpeg(source: Path | BinaryIO | bytes, width: int | None = 320) -> bytes:
    """The first frame, at most `width` wide (None: full size), as JPEG; source is a file, an
    open file or bytes."""
    opened = io.BytesIO(source) if isinstance(source, bytes) else source
    with av.open(str(opened) if isinstance(opened, Path) else opened, mode="r") as container:
        frame = next(container.decode(video=0))
    image = Image.fromarray(frame.to_ndarray(format="rgb24"))
    if width is not None:
        image.thumbnail((width, width * 2))
    return _jpeg(image)


def spritesheet_jpeg(path: Path) -> bytes:
    """Frames evenly spaced from the first to the last, left to right and top to bottom, in one
    JPEG (OpenAI's `spritesheet` variant)."""
    info = probe_video(path)
    columns, rows = SPRITE_GRID
    count = max(1, round(info.duration_seconds * info.fps))
    tiles = columns * rows
    indices = sorted({round(i * (count - 1) / (tiles - 1)) for i in range(tiles)})
    frames = [Image.fromarray(frame) for frame in frames_at(path, indices)]
    for frame in frames:
        frame.thumbnail((SPRITE_WIDTH, SPRITE_WIDTH * 2))
    width, height = frames[0].size
    sheet = Image.new("RGB", (columns * width, rows * height))
    for index, frame in enumerate(frames):
        sheet.paste(frame, ((index % columns) * width, (index // columns) * height))
    return _jpeg(sheet)


def as_webp(jpeg: bytes) -> bytes:
    """A JPEG still as WebP (OpenAI's thumbnails are WebP)."""
    out = io.BytesIO()
    Image.open(io.BytesIO(jpeg)).save(out, "WEBP", quality=82)
    return out.getvalue()


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()
