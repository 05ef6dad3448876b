"""Per-frame overlays drawn on top of the layers: weather, lights in the sky, the studio product,
and the finishing pass (vignette and grain), all prepared once per sample."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from openreel.engines.procedural.scene import Weather


class Precipitation:
    """Rain streaks or snowflakes drawn once on two tall sheets (far and near) that scroll down
    the frame at their own speeds; `onset` fades them in.

    A sheet is sparse (streaks cover a few percent of the frame), so it is kept as the positions
    and strengths of its drawn pixels, and each frame blends just those into the finished frame:
    a full-frame masked paste per sheet cost more than the rest of a rainy frame's drawing."""

    def __init__(self, weather: Weather, size: tuple[int, int], rng: np.random.Generator,
                 energy: float) -> None:
        self.weather = weather
        self.w, self.h = size
        self.energy = energy
        self.sheets = [_Drops(self._sheet(rng, depth)) for depth in (0.5, 1.0)]
        self.colour = np.array((205, 212, 226) if weather is Weather.RAIN else (246, 248, 255), np.float32)

    def _sheet(self, rng: np.random.Generator, depth: float) -> Image.Image:
        w, h = self.w, self.h
        sheet = Image.new("L", (w, 2 * h), 0)
        draw = ImageDraw.Draw(sheet)
        count = int((520 if self.weather is Weather.RAIN else 300) * w / 1920 * (1.5 - depth))
        for x, y in zip(rng.uniform(0, w, count), rng.uniform(0, 2 * h, count)):
            if self.weather is Weather.RAIN:
                length = h * 0.05 * depth
                draw.line((x, y, x - length * 0.12, y + length), fill=int(150 * depth), width=1 + int(depth > 0.8))
            else:
                r = h * 0.004 * (0.6 + depth)
                draw.ellipse((x - r, y - r, x + r, y + r), fill=int(235 * depth))
        # Drawn at 2x height and wrapped, so the scrolling sheet tiles seamlessly.
        sheet.paste(sheet.crop((0, h, w, 2 * h)), (0, 0), sheet.crop((0, h, w, 2 * h)))
        return sheet

    def draw(self, frame: np.ndarray, seconds: float, onset: float = 1.0,
             colour: np.ndarray | None = None) -> None:
        """Blend the drops into `frame` (uint8 RGB, in place), in `colour` (default: their own)."""
        speed = (2.0 if self.weather is Weather.RAIN else 0.16) * self.energy * self.h
        tint = self.colour if colour is None else colour
        for depth, drops in zip((0.5, 1.0), self.sheets):
            # The frame shows sheet rows [h - offset, 2h - offset): a slice, as drops are in row order.
            offset = int(seconds * speed * depth) % self.h
            lo, hi = np.searchsorted(drops.rows, (self.h - offset, 2 * self.h - offset))
            rows, cols = drops.rows[lo:hi] - (self.h - offset), drops.cols[lo:hi]
            if self.weather is Weather.SNOW:  # a sideways sway, wrapping around the frame
                cols = (cols + int(np.sin(seconds * 0.9 + depth) * self.w * 0.01)) % self.w
            under = frame[rows, cols]
            strength = drops.strength[lo:hi] * onset
            frame[rows, cols] = (under + (tint - under) * strength + 0.5).astype(np.uint8)


class _Drops:
    """The drawn pixels of a precipitation sheet: positions and strengths in [0, 1]."""

    def __init__(self, sheet: Image.Image) -> None:
        pixels = np.asarray(sheet)
        # np.nonzero walks row by row: rows come sorted, so a band of rows is a slice.
        self.rows, self.cols = (axis.astype(np.int32) for axis in np.nonzero(pixels))
        self.strength = (pixels[self.rows, self.cols].astype(np.float32) / 255)[:, None]


class Mist:
    """A soft band of fog over the horizon that drifts sideways."""

    def __init__(self, size: tuple[int, int], horizon: float, rng: np.random.Generator,
                 colour: tuple[int, int, int]) -> None:
        w, h = size
        noise = rng.random((h // 24 + 2, (2 * w) // 24 + 2))
        # Fog is soft: shaped and blurred at an eighth of the size, then scaled up.
        small = Image.fromarray((noise * 255).astype(np.uint8)).resize((2 * w // 8, h // 8), Image.Resampling.BICUBIC)
        field = np.asarray(small.filter(ImageFilter.GaussianBlur(h / 240)).resize((2 * w, h), Image.Resampling.BILINEAR),
                           dtype=np.float32) / 255
        heights = np.arange(h, dtype=np.float32)[:, None] / h
        band = np.exp(-((heights - horizon) / 0.16) ** 2)
        alpha = np.clip((0.45 + 0.55 * field) * band * 200, 0, 255).astype(np.uint8)
        used = np.nonzero(alpha.max(axis=1) > 2)[0]
        self.top, bottom = (int(used[0]), int(used[-1]) + 1) if used.size else (0, 0)
        self.alpha = Image.fromarray(alpha[self.top:bottom], "L")
        self.colour = Image.new("RGB", (w, max(bottom - self.top, 1)), colour)
        self.w = w

    def draw(self, canvas: Image.Image, seconds: float) -> None:
        offset = int(seconds * self.w * 0.02) % self.w
        band = self.alpha.crop((offset, 0, offset + self.w, self.alpha.height))
        canvas.paste(self.colour, (0, self.top), band)


class FlyingLights:
    """Flying cars / drones: small lit craft with trails crossing the sky at several depths."""

    def __init__(self, size: tuple[int, int], horizon: float, rng: np.random.Generator) -> None:
        self.w, self.h = size
        count = 9
        self.y = rng.uniform(0.12, horizon * 0.8, count) * self.h
        self.x0 = rng.uniform(0, self.w, count)
        self.speed = rng.uniform(0.05, 0.18, count) * self.w * rng.choice([-1, 1], count)
        self.scale = rng.uniform(0.4, 1.0, count)

    def draw(self, canvas: Image.Image, seconds: float) -> None:
        draw = ImageDraw.Draw(canvas, "RGBA")
        for y, x0, v, s in zip(self.y, self.x0, self.speed, self.scale):
            x = (x0 + v * seconds) % (self.w * 1.2) - self.w * 0.1
            size = self.h * 0.008 * s
            trail = -np.sign(v) * self.w * 0.05 * s
            draw.line((x, y, x + trail, y), fill=(120, 200, 255, 120), width=max(int(size * 0.6), 1))
            draw.ellipse((x - size * 2, y - size, x + size * 2, y + size), fill=(40, 44, 60, 255))
            draw.ellipse((x - size * 0.5, y - size * 0.5, x + size * 0.5, y + size * 0.5), fill=(255, 240, 200, 255))


class Crowd:
    """People walking along the pavement: dark figures with a gait bob, at two depths."""

    def __init__(self, size: tuple[int, int], ground: float, rng: np.random.Generator) -> None:
        self.w, self.h = size
        count = 34
        self.depth = rng.uniform(0.55, 1.0, count)
        self.x0 = rng.uniform(-0.1, 1.1, count) * self.w
        self.speed = rng.uniform(0.02, 0.05, count) * self.w * rng.choice([-1, 1], count)
        self.base = (ground + 0.02 + 0.2 * (self.depth - 0.55)) * self.h
        self.phase = rng.uniform(0, 2 * np.pi, count)
        self.shade = rng.integers(10, 45, count)
        self.order = np.argsort(self.depth)

    def draw(self, canvas: Image.Image, seconds: float) -> None:
        draw = ImageDraw.Draw(canvas)
        for i in self.order:
            height = self.h * 0.16 * self.depth[i]
            x = (self.x0[i] + self.speed[i] * seconds) % (self.w * 1.2) - self.w * 0.1
            bob = abs(math.sin(seconds * 7 + self.phase[i])) * height * 0.02
            top = self.base[i] - height - bob
            width = height * 0.26
            shade = int(self.shade[i])
            draw.rounded_rectangle((x - width / 2, top + height * 0.17, x + width / 2, self.base[i] - bob),
                                   radius=width * 0.3, fill=(shade, shade, shade + 8))
            head = height * 0.085
            draw.ellipse((x - head, top, x + head, top + 2 * head), fill=(shade, shade, shade + 8))


class TurntableProduct:
    """A luxury watch on a turntable: its width follows cos(angle) and a highlight sweeps the case."""

    def __init__(self, size: tuple[int, int], horizon: float, tint: tuple[float, float, float] | None) -> None:
        self.w, self.h = size
        self.horizon = horizon
        self.metal = tuple(int(c * 255) for c in (tint or (0.85, 0.72, 0.45)))

    def draw(self, canvas: Image.Image, u: float, turns: float) -> None:
        angle = 2 * math.pi * turns * u
        side = int(self.h * 0.46)
        face = Image.new("RGBA", (side, side), (0, 0, 0, 0))
        draw = ImageDraw.Draw(face)
        r = side / 2
        draw.rectangle((r - r * 0.32, 0, r + r * 0.32, side), fill=(25, 22, 20, 255))  # strap
        draw.ellipse((r * 0.18, r * 0.18, side - r * 0.18, side - r * 0.18), fill=self.metal + (255,))
        draw.ellipse((r * 0.3, r * 0.3, side - r * 0.3, side - r * 0.3), fill=(12, 14, 20, 255))
        for k in range(12):
            a = k * math.pi / 6
            draw.line((r + math.sin(a) * r * 0.58, r - math.cos(a) * r * 0.58,
                       r + math.sin(a) * r * 0.66, r - math.cos(a) * r * 0.66), fill=self.metal + (255,), width=3)
        for length, turn in ((0.45, 1.0), (0.6, 12.0)):
            a = angle * turn * 0.05 + 1.2 * length
            draw.line((r, r, r + math.sin(a) * r * length, r - math.cos(a) * r * length), fill=(230, 230, 235, 255), width=4)
        glint = Image.new("L", (side, side), 0)
        gx = r + math.sin(angle) * r * 0.5
        ImageDraw.Draw(glint).ellipse((gx - r * 0.25, r * 0.2, gx + r * 0.25, r * 0.7), fill=110)
        face.paste(Image.new("RGBA", (side, side), (255, 255, 255, 255)), (0, 0),
                   Image.composite(glint.filter(ImageFilter.GaussianBlur(r * 0.12)), Image.new("L", (side, side), 0),
                                   face.getchannel("A")))
        width = max(int(side * (0.3 + 0.7 * abs(math.cos(angle)))), 2)
        face = face.resize((width, side), Image.Resampling.BILINEAR)
        x, y = (self.w - width) // 2, int(self.h * self.horizon) - side + int(side * 0.08)
        pad = int(side * 0.2)
        shadow = Image.new("L", (width + 2 * pad, int(side * 0.14) + 2 * pad), 0)
        ImageDraw.Draw(shadow).ellipse((pad - width * 0.1, pad, pad + width * 1.1, shadow.height - pad), fill=160)
        shadow = shadow.filter(ImageFilter.GaussianBlur(self.h / 80))
        canvas.paste((0, 0, 0), (x - pad, int(y + side * 0.86) - pad), shadow)
        canvas.paste(face, (x, y), face)


_SLACK = 64


class Finish:
    """Vignette and/or film grain, folded into a few multiply masks prepared once per sample."""

    def __init__(self, size: tuple[int, int], rng: np.random.Generator, grain: bool, vignette: bool) -> None:
        w, h = size
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        radius = np.hypot((xx - w / 2) / (w / 2), (yy - h / 2) / (h / 2)) / math.sqrt(2)
        shade = 1 - np.clip(radius - 0.45, 0, 1) ** 1.6 * 0.75 if vignette else np.ones((h, w), np.float32)
        self.size = size
        self.masks = []
        # Grain is cut from larger tiles at a different offset every frame, so no pattern repeats
        # in place (a repeating grain reads as dirt on the lens).
        for _ in range(3 if grain else 1):
            noise = (rng.standard_normal(((h + _SLACK) // 2, (w + _SLACK) // 2)).astype(np.float32) * 0.018
                     if grain else np.zeros(((h + _SLACK) // 2, (w + _SLACK) // 2), np.float32))
            noise = np.repeat(np.repeat(noise, 2, axis=0), 2, axis=1)
            padded = np.pad(shade, ((0, noise.shape[0] - h), (0, noise.shape[1] - w)), mode="edge")
            factor = np.clip(padded * (0.985 + noise), 0, 1) * 255 if grain else padded * 255
            self.masks.append(Image.fromarray(np.round(factor).astype(np.uint8), "L").convert("RGB"))
        self.moving = grain

    def draw(self, canvas: Image.Image, frame_index: int) -> Image.Image:
        w, h = self.size
        dx, dy = ((frame_index * 37) % _SLACK, (frame_index * 53) % _SLACK) if self.moving else (0, 0)
        mask = self.masks[frame_index % len(self.masks)].crop((dx, dy, dx + w, dy + h))
        return ImageChops.multiply(canvas, mask)
