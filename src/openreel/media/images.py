"""Load caller-supplied images safely (size and pixel caps) and fit them to an output frame."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageFilter, UnidentifiedImageError

SUPPORTED_MIME_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}


class BadImage(ValueError):
    pass


def load_image(data: bytes, max_pixels: int) -> Image.Image:
    """Decode and fully load an image, refusing decompression bombs before they are decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise BadImage(f"image is {width}x{height} = {width * height} pixels; "
                               f"the limit is {max_pixels}")
            if image.format not in SUPPORTED_MIME_TYPES.values():
                raise BadImage(f"image format {image.format} is not supported; send PNG, JPEG or WebP")
            image.load()
    except UnidentifiedImageError as exc:
        # Pillow's message names the in-memory file object (and its address); say what matters.
        raise BadImage("image could not be decoded: not a PNG, JPEG or WebP image") from exc
    except (OSError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadImage(f"image could not be decoded: {exc}") from exc
    return image


def fit_image(image: Image.Image, size: tuple[int, int], crop: bool) -> Image.Image:
    """Fit to size as RGB: crop fills and trims; pad fits whole over a blurred, filled backdrop."""
    rgb = image.convert("RGB")
    w, h = size
    cover = max(w / rgb.width, h / rgb.height)
    filled = rgb.resize((max(round(rgb.width * cover), w), max(round(rgb.height * cover), h)), Image.Resampling.LANCZOS)
    left, top = (filled.width - w) // 2, (filled.height - h) // 2
    filled = filled.crop((left, top, left + w, top + h))
    if crop or (rgb.width * h == rgb.height * w):
        return filled
    contain = min(w / rgb.width, h / rgb.height)
    inner = rgb.resize((max(round(rgb.width * contain), 1), max(round(rgb.height * contain), 1)), Image.Resampling.LANCZOS)
    backdrop = filled.filter(ImageFilter.GaussianBlur(max(w, h) / 40)).point(lambda v: int(v * 0.6))
    backdrop.paste(inner, ((w - inner.width) // 2, (h - inner.height) // 2))
    return backdrop
