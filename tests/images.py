"""Small real images for requests, made with Pillow."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image


def png_bytes(width: int = 320, height: int = 180, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    base = np.stack([xx * 255 // max(width - 1, 1), yy * 255 // max(height - 1, 1),
                     np.full_like(xx, 90 + 40 * seed % 160)], axis=2).astype(np.uint8)
    noise = rng.integers(0, 12, base.shape, dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(base + noise, "RGB").save(buf, "PNG")
    return buf.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def inline_image(data: bytes | None = None) -> dict[str, str]:
    return {"bytesBase64Encoded": b64(data or png_bytes()), "mimeType": "image/png"}


def tiny_mp4(frames: int = 6, size: tuple[int, int] = (64, 48)) -> bytes:
    """A real H.264 MP4 of a few solid-colour frames."""
    import tempfile
    from pathlib import Path

    from openreel.media.encode import Mp4Encoder

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tiny.mp4"
        with Mp4Encoder(path, size[0], size[1], 24) as encoder:
            for i in range(frames):
                encoder.write_frame(np.full((size[1], size[0], 3), 40 * i, dtype=np.uint8))
        return path.read_bytes()


def smooth_png(width: int, height: int, hue: int = 0) -> bytes:
    """A smooth picture (gradients and a disc) that survives H.264 with high PSNR."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    r = 60 + 150 * xx / width
    g = 40 + 120 * yy / height + hue
    b = 120 + 80 * np.sin(xx / width * 3.1)
    disc = ((xx - width * 0.6) ** 2 + (yy - height * 0.45) ** 2) < (height * 0.2) ** 2
    rgb = np.stack([r, g, b], axis=2)
    rgb[disc] = (230, 200, 90)
    buf = io.BytesIO()
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB").save(buf, "PNG")
    return buf.getvalue()
