"""A JPEG thumbnail of a video's first frame."""

from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO

import av
from PIL import Image


def first_frame_jpeg(source: Path | BinaryIO | bytes, width: int = 320) -> bytes:
    """The first frame, at most `width` wide, as JPEG; source is a file, an open file or bytes."""
    opened = io.BytesIO(source) if isinstance(source, bytes) else source
    with av.open(str(opened) if isinstance(opened, Path) else opened, mode="r") as container:
        frame = next(container.decode(video=0))
    image = Image.fromarray(frame.to_ndarray(format="rgb24"))
    image.thumbnail((width, width * 2))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()
