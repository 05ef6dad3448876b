"""The landscapes' layers: wide RGBA panoramas, each at a depth that sets its parallax, and the
drawing helpers the other places share (world.py puts a scene's layers together).

Everything is drawn once per sample; per-frame work is only cropping, compositing and effects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from openreel.engines.procedural.palette import RGB, Light, mix, to_bytes
from openreel.engines.procedural.scene import SceneDescription, Setting

# The panorama is this much larger than the frame so pans and zooms never run off its edge.
MARGIN = 1.34


@dataclass
class Layer:
    image: Image.Image  # RGBA while the scene is drawn
    # 0 = at infinity (does not move with the camera), 1 = nearest layer.
    parallax: float

    def split(self) -> tuple[Image.Image, Image.Image | None]:
        """RGB and an alpha mask (None when opaque): resizing RGBA in PIL premultiplies and costs
        two full-frame conversions, so frames are composed from these with paste(mask=...)."""
        alpha = self.image.getchannel("A")
        opaque = alpha.getextrema() == (255, 255)
        return self.image.convert("RGB"), None if opaque else alpha


# The settings whose sky has clouds in it (by day).
CLOUDY = frozenset({Setting.SKY, Setting.MOUNTAINS, Setting.SEA, Setting.DESERT, Setting.SNOWFIELD})


def panorama_size(width: int, height: int) -> tuple[int, int]:
    # An even margin on each axis keeps the centred, unmoving axis on whole pixels.
    margin_x, margin_y = round(width * (MARGIN - 1) / 2), round(height * (MARGIN - 1) / 2)
    return width + 2 * margin_x, height + 2 * margin_y


def ridge(rng: np.random.Generator, n: int, roughness: float, octaves: int = 6) -> np.ndarray:
    """A 1-D fractal height profile in [0, 1] of n samples (sum of smoothed random octaves)."""
    profile = np.zeros(n)
    amplitude, total = 1.0, 0.0
    for octave in range(octaves):
        points = 2 + 3 * 2**octave
        knots = rng.random(points)
        profile += amplitude * np.interp(np.linspace(0, points - 1, n), np.arange(points), knots)
        total += amplitude
        amplitude *= roughness
    profile /= total
    normalised: np.ndarray = (profile - profile.min()) / max(float(np.ptp(profile)), 1e-6)
    return normalised


def gradient(top: RGB, bottom: RGB, w: int, h: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    column = np.array(top, np.float32)[None, None, :] * (1 - t) + np.array(bottom, np.float32)[None, None, :] * t
    return np.broadcast_to(column, (h, w, 3))


def sky(scene: SceneDescription, light: Light, w: int, h: int, horizon: float,
         rng: np.random.Generator) -> Image.Image:
    horizon_px = max(int(h * horizon), 2)
    if scene.setting is Setting.SPACE:
        space = gradient((0.0, 0.0, 0.02), (0.03, 0.02, 0.08), w, h) + \
            _nebula(rng, w, h) * np.array([0.35, 0.12, 0.45], np.float32)
        sky = quantise(space, rng)
    else:
        column = np.empty((h, 3), np.float32)
        column[:horizon_px] = gradient(light.sky_top, light.horizon, 1, horizon_px)[:, 0]
        column[horizon_px:] = np.array(light.horizon, np.float32) * 0.9
        sky = dithered_rows(column, w, rng)
    if light.is_night or scene.setting is Setting.SPACE:
        count = int(w * h / 1800)
        ys, xs = rng.integers(0, h, count), rng.integers(0, w, count)
        keep = np.ones(count, bool) if scene.setting is Setting.SPACE else ys < horizon_px
        sky[ys[keep], xs[keep]] = (rng.uniform(0.5, 1.0, (int(keep.sum()), 1)) * 255).astype(np.uint8)
    image = Image.fromarray(sky, "RGB")
    _sun(image, scene, light, horizon_px)
    if scene.setting in CLOUDY and not light.is_night:
        _clouds(image, light, rng, horizon_px)
    return image.convert("RGBA")


def _nebula(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    small = rng.random((h // 40 + 2, w // 40 + 2))
    field = np.asarray(Image.fromarray((small * 255).astype(np.uint8)).resize((w // 8, h // 8), Image.Resampling.BICUBIC)
                       .filter(ImageFilter.GaussianBlur(h / 200)).resize((w, h), Image.Resampling.BILINEAR),
                       dtype=np.float32) / 255
    return (np.clip(field - 0.35, 0, 1) * 1.6)[:, :, None]


def soft_blot(image: Image.Image, centre: tuple[float, float], radius: float, colour: RGB, strength: int,
               blur: float) -> None:
    """Paint a blurred disc of colour, blurring only the square around it."""
    cx, cy = centre
    reach = int(radius + 3 * blur) + 2
    box = (int(cx) - reach, int(cy) - reach, int(cx) + reach, int(cy) + reach)
    mask = Image.new("L", (2 * reach, 2 * reach), 0)
    ImageDraw.Draw(mask).ellipse((reach - radius, reach - radius, reach + radius, reach + radius), fill=strength)
    if blur > 0:
        mask = mask.filter(ImageFilter.GaussianBlur(blur))
    image.paste(Image.new("RGB", mask.size, to_bytes(colour)), box[:2], mask)


def _sun(image: Image.Image, scene: SceneDescription, light: Light, horizon_px: int) -> None:
    w, h = image.size
    radius = h * (0.035 if light.is_night else 0.05)
    cx = w * (0.62 if scene.setting is not Setting.SPACE else 0.7)
    cy = horizon_px - (horizon_px - radius) * light.sun_height if scene.setting is not Setting.SPACE else h * 0.35
    soft_blot(image, (cx, cy), radius * 5, light.sun, 90, radius * 2.5)
    soft_blot(image, (cx, cy), radius, mix(light.sun, (1, 1, 1), 0.5), 255, 1.5)


def _clouds(image: Image.Image, light: Light, rng: np.random.Generator, horizon_px: int) -> None:
    """Soft cloud banks, drawn and blurred at a quarter of the size, then scaled up."""
    w, h = image.size
    q = 4
    mask = Image.new("L", (w // q, max(horizon_px // q, 1)), 0)
    draw = ImageDraw.Draw(mask)
    for _ in range(14):
        cx, cy = rng.uniform(0, w), rng.uniform(0.08, 0.6) * horizon_px
        for _ in range(6):
            rx, ry = rng.uniform(0.04, 0.1) * w, rng.uniform(0.015, 0.035) * h
            ox, oy = rng.normal(0, rx * 0.6), rng.normal(0, ry * 0.4)
            draw.ellipse(((cx + ox - rx) / q, (cy + oy - ry) / q, (cx + ox + rx) / q, (cy + oy + ry) / q),
                         fill=int(rng.uniform(50, 110)))
    mask = mask.filter(ImageFilter.GaussianBlur(h / 60 / q)).resize((w, horizon_px), Image.Resampling.BILINEAR)
    image.paste(Image.new("RGB", mask.size, to_bytes(mix(light.horizon, (1, 1, 1), 0.55))), (0, 0), mask)


def silhouette(heights: np.ndarray, w: int, h: int, colour: RGB, top_shade: RGB | None = None) -> Image.Image:
    """An RGBA layer filled below a per-column height line (heights are pixel rows): lit
    `top_shade` at the highest peak, falling to `colour` a quarter frame lower."""
    top = int(max(0.0, np.floor(heights.min())))
    solid_from = int(min(h, np.ceil(heights.max()) + 1))
    t = np.clip((np.arange(h, dtype=np.float32) - top) / (h * 0.25), 0, 1)[:, None]
    column = np.array(top_shade or colour, np.float32) * (1 - t) + np.array(colour, np.float32) * t
    rgb = Image.fromarray(quantise(column[:, None, :]), "RGB").resize((w, h), Image.Resampling.NEAREST)
    # Coverage of each edge pixel, so ridgelines are anti-aliased and do not shimmer in motion.
    mask = np.zeros((h, w), np.uint8)
    mask[solid_from:] = 255
    rows = np.arange(top, solid_from, dtype=np.float32)[:, None]
    mask[top:solid_from] = (np.clip(rows - heights[None, :].astype(np.float32) + 0.5, 0, 1) * 255).astype(np.uint8)
    rgb.putalpha(Image.fromarray(mask, "L"))
    return rgb


def dithered_rows(column: np.ndarray, w: int, rng: np.random.Generator) -> np.ndarray:
    """A (h, w, 3) uint8 image whose every row is column[row] (float RGB in [0, 1]), dithered:
    the same as quantise on the broadcast image, in a fraction of the time."""
    scaled = column * np.float32(255.0)
    whole = np.floor(scaled)
    threshold = ((scaled - whole) * 256).astype(np.uint16)
    h = column.shape[0]
    tile = rng.integers(0, 256, (64, 64), dtype=np.uint16)
    noise = np.tile(tile, (h // 64 + 1, w // 64 + 1))[:h, :w, None]
    rounded = whole.astype(np.uint8)[:, None, :] + (noise < threshold[:, None, :])
    return np.minimum(rounded, 255).astype(np.uint8)


def quantise(rgb: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    """Float RGB in [0, 1] to uint8; with rng, dithered so smooth gradients do not band: each
    pixel rounds up when a tiled noise threshold falls under its fractional part."""
    scaled = rgb * np.float32(255.0)
    whole = np.floor(scaled)
    if rng is None:
        threshold: np.ndarray | float = 0.5
    else:
        h, w = scaled.shape[:2]
        tile = rng.random((64, 64), dtype=np.float32)
        threshold = np.tile(tile, (h // 64 + 1, w // 64 + 1))[:h, :w, None]
    result: np.ndarray = np.clip(whole + (scaled - whole > threshold), 0, 255).astype(np.uint8)
    return result


def _ridges(scene: SceneDescription, light: Light, w: int, h: int, horizon: float,
            rng: np.random.Generator, base: RGB, peaks: tuple[float, ...], roughness: float) -> list[Layer]:
    layers = []
    horizon_px = h * horizon
    for i, peak in enumerate(peaks):
        depth = i / max(len(peaks) - 1, 1)
        haze = 0.75 - 0.6 * depth + (0.2 if scene.weather.value == "mist" else 0.0)
        colour = mix(tuple(c * light.ambient for c in base), light.horizon, min(haze, 0.92))  # type: ignore[arg-type]
        lit = mix(colour, light.sun, 0.25 * (1 - depth) * light.ambient)
        heights = horizon_px - ridge(rng, w, roughness) * h * peak - h * 0.02 * depth
        layers.append(Layer(silhouette(heights, w, h, colour, lit), 0.25 + 0.65 * depth))
    return layers


def mountains(scene: SceneDescription, light: Light, w: int, h: int, horizon: float,
               rng: np.random.Generator) -> list[Layer]:
    layers = _ridges(scene, light, w, h, horizon, rng, (0.32, 0.36, 0.42), (0.34, 0.24, 0.12), 0.55)
    if not scene.has_water:
        layers.append(_ground(light, w, h, horizon, (0.22, 0.30, 0.18)))
    return layers


def sea(scene: SceneDescription, light: Light, w: int, h: int, horizon: float,
         rng: np.random.Generator) -> list[Layer]:
    return _ridges(scene, light, w, h, horizon, rng, (0.30, 0.33, 0.36), (0.05,), 0.5)


def forest(scene: SceneDescription, light: Light, w: int, h: int, horizon: float,
            rng: np.random.Generator) -> list[Layer]:
    layers = _ridges(scene, light, w, h, horizon, rng, (0.20, 0.30, 0.22), (0.18,), 0.5)
    for i, (size, count) in enumerate(((0.10, 90), (0.22, 40))):
        layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        colour = mix(tuple(c * light.ambient for c in (0.08, 0.22, 0.10)), light.horizon, 0.35 - 0.3 * i)  # type: ignore[arg-type]
        base_y = h * (horizon + 0.04 + 0.18 * i)
        for x in np.sort(rng.uniform(0, w, count)):
            tree_h = h * size * rng.uniform(0.7, 1.3)
            draw.polygon([(x, base_y - tree_h), (x - tree_h * 0.28, base_y), (x + tree_h * 0.28, base_y)],
                         fill=to_bytes(colour) + (255,))
        draw.rectangle((0, base_y, w, h), fill=to_bytes(colour) + (255,))
        layers.append(Layer(layer.filter(ImageFilter.GaussianBlur(0.7)), 0.55 + 0.4 * i))
    return layers


def desert(scene: SceneDescription, light: Light, w: int, h: int, horizon: float,
            rng: np.random.Generator) -> list[Layer]:
    layers = []
    for i in range(3):
        depth = i / 2
        x = np.linspace(0, 2 * np.pi * (2 + i), w)
        heights = h * horizon - h * (0.05 + 0.04 * (1 - depth)) * (0.6 + 0.4 * np.sin(x + rng.uniform(0, 6))
                                                                   * np.cos(0.37 * x + rng.uniform(0, 6)))
        heights += h * 0.12 * depth
        sand = mix(tuple(c * light.ambient for c in (0.85, 0.62, 0.38)), light.horizon, 0.45 - 0.35 * depth)  # type: ignore[arg-type]
        layers.append(Layer(silhouette(heights, w, h, mix(sand, (0.3, 0.18, 0.1), 0.3), sand), 0.3 + 0.6 * depth))
    return layers


def _ground(light: Light, w: int, h: int, horizon: float, colour: RGB) -> Layer:
    heights = np.full(w, h * (horizon + 0.1))
    lit = tuple(c * light.ambient for c in colour)
    return Layer(silhouette(heights, w, h, mix(lit, (0, 0, 0), 0.3), lit), 1.0)  # type: ignore[arg-type]


def water(layers: list[Layer], light: Light, w: int, h: int, horizon: float,
           rng: np.random.Generator) -> Layer:
    """Mirror what stands above the horizon into a darker, rippled water surface."""
    scene_img = layers[0].image.copy()
    for layer in layers[1:]:
        scene_img.alpha_composite(layer.image)
    horizon_px = int(h * horizon)
    above = np.asarray(scene_img.convert("RGB"), dtype=np.float32)[:horizon_px][::-1]
    water_h = h - horizon_px
    reflection = np.empty((water_h, w, 3), dtype=np.float32)
    reflection[:min(water_h, horizon_px)] = above[:water_h]
    if water_h > horizon_px:
        reflection[horizon_px:] = above[-1]
    rows = np.arange(water_h)
    shift = (np.sin(rows * 0.9) * (1 + rows / water_h * 6)).astype(int)
    cols = (np.arange(w)[None, :] + shift[:, None]) % w
    reflection = reflection[rows[:, None], cols]
    depth = (rows / max(water_h, 1))[:, None, None]
    tint = np.array(mix(light.horizon, (0.05, 0.12, 0.18), 0.6)) * 255
    reflection = reflection * (0.72 - 0.3 * depth) + tint * (0.28 + 0.3 * depth)
    rgba = np.concatenate([np.clip(reflection, 0, 255), np.full((water_h, w, 1), 255.0)], axis=2)
    surface = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    surface.paste(Image.fromarray(rgba.astype(np.uint8), "RGBA"), (0, horizon_px))
    return Layer(surface, 0.9)


def city(scene: SceneDescription, light: Light, w: int, h: int, horizon: float,
          rng: np.random.Generator) -> list[Layer]:
    layers = []
    night = light.is_night or scene.time_of_day.value == "sunset"
    for i in range(3):
        depth = i / 2
        layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        body = mix(tuple(c * max(light.ambient, 0.25) for c in (0.28, 0.3, 0.36)), light.horizon, 0.55 - 0.45 * depth)  # type: ignore[arg-type]
        base_y = h * (horizon + 0.02 + 0.05 * depth)
        x = 0.0
        while x < w:
            bw = w * rng.uniform(0.025, 0.06) * (1 + depth)
            bh = h * rng.uniform(0.12, 0.42) * (1.2 - 0.3 * depth)
            draw.rectangle((x, base_y - bh, x + bw, base_y), fill=to_bytes(body) + (255,))
            if night or rng.random() < 0.3:
                _windows(draw, rng, x, base_y - bh, bw, bh, night, depth)
            if scene.neon and depth > 0 and rng.random() < 0.35:
                neon = [(1.0, 0.2, 0.6), (0.2, 0.9, 1.0), (0.7, 0.3, 1.0), (1.0, 0.5, 0.1)][int(rng.integers(0, 4))]
                sy = base_y - bh * rng.uniform(0.3, 0.8)
                draw.rectangle((x + bw * 0.15, sy, x + bw * 0.85, sy + h * 0.025), fill=to_bytes(neon) + (255,))
            x += bw + w * rng.uniform(0.0, 0.01)
        if scene.neon and depth > 0:
            glow = layer.filter(ImageFilter.GaussianBlur(h / 90))
            glow.alpha_composite(layer)
            layer = glow
        layers.append(Layer(layer, 0.25 + 0.5 * depth))
    layers.append(_street(scene, light, w, h, horizon, layers))
    return layers


def _windows(draw: ImageDraw.ImageDraw, rng: np.random.Generator, x: float, top: float,
             bw: float, bh: float, night: bool, depth: float) -> None:
    step_x, step_y = max(bw / 5, 3), max(bh / 14, 3)
    lit = (1.0, 0.85, 0.55) if night else (0.55, 0.62, 0.7)
    for wy in np.arange(top + step_y, top + bh - step_y, step_y):
        for wx in np.arange(x + step_x * 0.5, x + bw - step_x * 0.5, step_x):
            if rng.random() < (0.45 if night else 0.7):
                draw.rectangle((wx, wy, wx + step_x * 0.5, wy + step_y * 0.45),
                               fill=to_bytes(tuple(c * (0.6 + 0.4 * depth) for c in lit)) + (255,))  # type: ignore[arg-type]


def _street(scene: SceneDescription, light: Light, w: int, h: int, horizon: float,
            buildings: list[Layer]) -> Layer:
    """The street in front: dark asphalt that mirrors the lights above when it is wet."""
    top = int(h * (horizon + 0.12))
    street = np.zeros((h - top, w, 3), dtype=np.float32)
    street[:] = np.array(mix((0.09, 0.09, 0.1), light.horizon, 0.1)) * 255 * max(light.ambient, 0.4)
    if scene.wet_ground or scene.weather.value == "rain":
        lights = buildings[-1].image.copy()
        above = np.asarray(lights.convert("RGB"), dtype=np.float32)[:top][::-1][: h - top]
        blurred = np.asarray(Image.fromarray(above.astype(np.uint8)).filter(ImageFilter.GaussianBlur(4)).resize(
            (w, above.shape[0])), dtype=np.float32)
        street[: blurred.shape[0]] = street[: blurred.shape[0]] * 0.55 + blurred * 0.6
    rgba = np.concatenate([np.clip(street, 0, 255), np.full((h - top, w, 1), 255.0)], axis=2)
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    layer.paste(Image.fromarray(rgba.astype(np.uint8), "RGBA"), (0, top))
    return Layer(layer, 1.0)


def sky_only(scene: SceneDescription, light: Light, w: int, h: int, horizon: float,
              rng: np.random.Generator) -> list[Layer]:
    return _ridges(scene, light, w, h, horizon, rng, (0.5, 0.55, 0.6), (0.03,), 0.5)


def space(scene: SceneDescription, light: Light, w: int, h: int, horizon: float,
           rng: np.random.Generator) -> list[Layer]:
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    r = h * 0.28
    cx, cy = w * 0.35, h * 0.72
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)
    yy, xx = np.mgrid[0:h, 0:w]
    lit = np.clip(1.1 - np.hypot(xx - (cx + r * 0.5), yy - (cy - r * 0.5)) / (r * 1.6), 0.05, 1)[:, :, None]
    bands = 0.5 + 0.5 * np.sin(yy / r * 9 + rng.uniform(0, 6))[:, :, None]
    colour = np.array([0.25, 0.45, 0.75]) * (0.7 + 0.3 * bands) * lit
    planet = Image.fromarray((np.clip(colour, 0, 1) * 255).astype(np.uint8), "RGB")
    layer.paste(planet, (0, 0), mask.filter(ImageFilter.GaussianBlur(1)))
    return [Layer(layer, 0.45)]


def product(scene: SceneDescription, light: Light, w: int, h: int, horizon: float,
             rng: np.random.Generator) -> list[Layer]:
    """A dark studio: backdrop falling off from a key light and a glossy surface. The light is
    smooth, so it is computed at a quarter of the size and scaled up."""
    q = 4
    yy, xx = np.mgrid[0:h // q, 0:w // q].astype(np.float32)
    spot = np.clip(1 - np.hypot((xx - w / q / 2) / (w / q), (yy - h / q * 0.45) / (h / q)) * 2.2, 0, 1)[:, :, None]
    key = np.array(scene.tint if scene.tint else (0.55, 0.52, 0.5), np.float32)
    backdrop = Image.fromarray(quantise(0.03 + key * 0.35 * spot**1.5), "RGB").resize((w, h), Image.Resampling.BILINEAR)
    surface_top = int(h * horizon)
    floor = backdrop.crop((0, surface_top, w, h)).point(lambda v: int(v * 0.55))
    backdrop.paste(floor, (0, surface_top))
    ImageDraw.Draw(backdrop).rectangle((0, surface_top, w, surface_top + 1), fill=(60, 58, 56))
    return [Layer(backdrop.convert("RGBA"), 0.2)]


_VIVID: tuple[RGB, ...] = ((0.95, 0.3, 0.55), (0.3, 0.55, 1.0), (1.0, 0.75, 0.25), (0.35, 0.9, 0.75),
                           (0.7, 0.35, 0.95))


def abstract(scene: SceneDescription, light: Light, w: int, h: int, horizon: float,
              rng: np.random.Generator) -> list[Layer]:
    """Soft glowing shapes and ribbons in the prompt's palette, at three depths, drawn small and
    blurred, then scaled up (they are soft, so nothing is lost)."""
    palette = [mix(c, scene.tint, 0.6) for c in _VIVID] if scene.tint else list(_VIVID)
    q = 4
    layers = []
    for depth in (0.3, 0.6, 0.95):
        mask = Image.new("L", (w // q, h // q), 0)
        colour = Image.new("RGB", (w // q, h // q), 0)
        draw, paint = ImageDraw.Draw(mask), ImageDraw.Draw(colour)
        for _ in range(int(7 - 3 * depth)):
            r = rng.uniform(0.05, 0.16) * h / q * (0.6 + depth)
            cx, cy = rng.uniform(0, w / q), rng.uniform(0.1, 0.9) * h / q
            fill = to_bytes(palette[int(rng.integers(0, len(palette)))])
            if rng.random() < 0.5:
                draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=int(150 + 100 * depth))
                paint.ellipse((cx - r * 1.4, cy - r * 1.4, cx + r * 1.4, cy + r * 1.4), fill=fill)
            else:  # a ribbon: a thick sine stroke across
                xs = np.linspace(cx - 3 * r, cx + 3 * r, 24)
                ys = cy + np.sin((xs - cx) / r * 1.3) * r * 0.6
                points = list(zip(xs.tolist(), ys.tolist()))
                draw.line(points, fill=int(140 + 100 * depth), width=max(int(r * 0.35), 2))
                paint.line(points, fill=fill, width=max(int(r * 0.9), 3))
        blur = h / q / 90 * (1.6 - depth)
        rgb = colour.filter(ImageFilter.GaussianBlur(blur * 2)).resize((w, h), Image.Resampling.BILINEAR)
        rgb.putalpha(mask.filter(ImageFilter.GaussianBlur(blur)).resize((w, h), Image.Resampling.BILINEAR))
        layers.append(Layer(rgb, depth))
    # The two far depths move as one: every full-frame soft layer costs a blend per frame, and
    # three of them under a dolly kept this scene from real time at 1080p (bench/scenes.py).
    far = layers[0].image
    far.alpha_composite(layers[1].image)
    return [Layer(far, 0.45), layers[2]]
