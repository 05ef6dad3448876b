"""A JPEG thumbnail of a video's first frame."""

from __future__ import annotations

import io

import av
from PIL import Image


def first_frame_jpeg(data: bytes, width: int = 320) -> bytes:
    with av.open(io.BytesIO(data), mode="r") as container:
        frame = next(container.decode(video=0))
    image = Image.fromarray(frame.to_ndarray(format="rgb24"))
    image.thumbnail((width, width * 2))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()
