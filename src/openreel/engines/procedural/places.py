"""More of the world, drawn as layers like layers.py's landscapes: the moon's surface, the sea
floor, snowfields, and the roads, railways, bridges and beaches that subjects travel along.

The moon and the sea floor draw their own backdrop (a black sky with the earth in it, deep water),
so they replace the sky layer; the rest go on top of a landscape.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from openreel.engines.procedural.layers import Layer, gradient, quantise, ridge, silhouette, soft_blot
from openreel.engines.procedural.palette import Light, dimmed, mix, to_bytes
from openreel.engines.procedural.scene import Road, SceneDescription, Setting

RGB = tuple[float, float, float]


# The far ridge's shade and light, and the near ground's: grey on the moon, rust on Mars.
_REGOLITH: dict[bool, tuple[RGB, RGB, RGB, RGB]] = {
    False: ((0.2, 0.2, 0.21), (0.42, 0.42, 0.43), (0.3, 0.3, 0.31), (0.62, 0.62, 0.6)),
    True: ((0.35, 0.16, 0.08), (0.6, 0.3, 0.16), (0.45, 0.2, 0.1), (0.78, 0.42, 0.24)),
}


def moon(scene: SceneDescription, light: Light, w: int, h: int, horizon: float,
         rng: np.random.Generator) -> list[Layer]:
    """The moon: a black sky full of stars with the earth hanging in it, over grey, cratered
    ground. Mars: a dusty butterscotch sky over rust-red ground."""
    if scene.red_planet:
        dust = gradient((0.55, 0.38, 0.26), (0.85, 0.62, 0.42), w, h)
        backdrop = Image.fromarray(quantise(np.ascontiguousarray(dust), rng), "RGB")
    else:
        sky = np.zeros((h, w, 3), np.uint8)
        count = int(w * h / 1500)
        ys, xs = rng.integers(0, int(h * horizon), count), rng.integers(0, w, count)
        sky[ys, xs] = (rng.uniform(0.4, 1.0, (count, 1)) * 255).astype(np.uint8)
        backdrop = Image.fromarray(sky, "RGB")
        _earth(backdrop, (w * 0.68, h * 0.27), h * 0.075, rng)
    far_shade, far_lit, near_shade, near_lit = _REGOLITH[scene.red_planet]
    far = ridge(rng, w, 0.5) * h * 0.06
    near_heights = h * horizon + ridge(rng, w, 0.45) * h * 0.03
    layers = [Layer(backdrop.convert("RGBA"), 0.04),
              Layer(silhouette(h * horizon - far, w, h, far_shade, far_lit), 0.35)]
    ground = silhouette(near_heights, w, h, near_shade, near_lit)
    draw = ImageDraw.Draw(ground)
    bowl, rim = to_bytes(dimmed(near_shade, 0.8)) + (255,), to_bytes(dimmed(near_lit, 1.15)) + (255,)
    for _ in range(18):  # craters: a shadowed bowl with a lit rim, flattened by perspective
        cx, cy = rng.uniform(0, w), rng.uniform(horizon + 0.06, 0.97) * h
        rx = h * rng.uniform(0.02, 0.07) * (0.4 + cy / h)
        draw.ellipse((cx - rx, cy - rx * 0.3, cx + rx, cy + rx * 0.3), fill=bowl)
        draw.arc((cx - rx, cy - rx * 0.3, cx + rx, cy + rx * 0.3), 20, 160, fill=rim, width=max(int(rx * 0.12), 1))
    layers.append(Layer(ground, 0.8))
    return layers


def _earth(image: Image.Image, centre: tuple[float, float], radius: float, rng: np.random.Generator) -> None:
    """The earth from the moon: a blue disc with white cloud bands, lit on one side."""
    size = int(radius * 2) + 2
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) - radius
    inside = np.hypot(xx, yy) <= radius
    lit = np.clip(0.25 + 0.9 * ((xx - yy * 0.3) / radius + 0.6), 0.15, 1.0)
    clouds = 0.5 + 0.5 * np.sin(yy / radius * 7 + np.sin(xx / radius * 3 + rng.uniform(0, 6)) * 2)
    ocean = np.array([0.12, 0.35, 0.8], np.float32)
    colour = ocean + (np.array([0.95, 0.97, 1.0], np.float32) - ocean) * np.clip(clouds - 0.55, 0, 1)[..., None] * 1.8
    rgb = Image.fromarray(quantise(np.clip(colour * lit[..., None], 0, 1)), "RGB")
    mask = Image.fromarray((inside * 255).astype(np.uint8), "L").filter(ImageFilter.GaussianBlur(1))
    soft_blot(image, centre, radius * 1.25, (0.3, 0.5, 0.9), 50, radius * 0.3)
    image.paste(rgb, (int(centre[0] - radius), int(centre[1] - radius)), mask)


def underwater(scene: SceneDescription, light: Light, w: int, h: int, horizon: float,
               rng: np.random.Generator) -> list[Layer]:
    """Deep water lit from above: shafts of light, a sandy floor, rocks and coral at two depths."""
    depth = 0.6 if light.is_night else 1.0
    water = gradient((0.12 * depth, 0.55 * depth, 0.72 * depth), (0.0, 0.12 * depth, 0.25 * depth), w, h)
    backdrop = Image.fromarray(quantise(np.ascontiguousarray(water), rng), "RGB")
    shafts = Image.new("L", (w // 4, h // 4), 0)
    draw = ImageDraw.Draw(shafts)
    for _ in range(6):
        x = rng.uniform(0, w / 4)
        spread = rng.uniform(0.02, 0.06) * w / 4
        draw.polygon([(x, 0), (x + spread, 0), (x + spread * 3 - h / 16, h / 4), (x - h / 16, h / 4)],
                     fill=int(rng.uniform(25, 55)))
    shafts = shafts.filter(ImageFilter.GaussianBlur(h / 120)).resize((w, h), Image.Resampling.BILINEAR)
    backdrop.paste(Image.new("RGB", (w, h), (200, 240, 255)), (0, 0), shafts)
    layers = [Layer(backdrop.convert("RGBA"), 0.04)]
    floor_line = h * horizon
    for number, tint in enumerate(((0.15, 0.35, 0.4), (0.55, 0.5, 0.38))):
        heights = floor_line + h * 0.05 * number - ridge(rng, w, 0.5) * h * (0.1 - 0.05 * number)
        layer = silhouette(heights, w, h, mix(tint, (0.0, 0.15, 0.25), 0.4 - 0.3 * number), tint)
        if number:
            draw = ImageDraw.Draw(layer)
            corals = ((1.0, 0.45, 0.4), (1.0, 0.75, 0.3), (0.85, 0.4, 0.75), (0.4, 0.85, 0.6))
            for x in rng.uniform(0, w, 14):
                base = float(np.interp(x, np.arange(w), heights)) + h * 0.01
                colour = to_bytes(corals[int(rng.integers(0, len(corals)))]) + (255,)
                for _ in range(4):  # a coral: a few branches fanning up
                    tip = (x + rng.normal(0, h * 0.03), base - h * rng.uniform(0.04, 0.09))
                    draw.line((x, base, *tip), fill=colour, width=max(int(h * 0.008), 2))
                    draw.ellipse((tip[0] - h * 0.008, tip[1] - h * 0.008, tip[0] + h * 0.008, tip[1] + h * 0.008),
                                 fill=colour)
        layers.append(Layer(layer, 0.45 + 0.45 * number))
    return layers


def snowfield(scene: SceneDescription, light: Light, w: int, h: int, horizon: float,
              rng: np.random.Generator) -> list[Layer]:
    """Low white hills under the sky, and a flat field of snow with blue shadows."""
    snow = dimmed((0.93, 0.95, 1.0), max(light.ambient, 0.3))
    shadow = mix(snow, (0.45, 0.55, 0.8), 0.35)
    far = silhouette(h * horizon - ridge(rng, w, 0.5) * h * 0.08, w, h, mix(shadow, light.horizon, 0.3),
                     mix(snow, light.horizon, 0.25))
    near = silhouette(np.full(w, h * (horizon + 0.04)), w, h, shadow, snow)
    return [Layer(far, 0.3), Layer(near, 0.9)]


# Bands of the near ground, as fractions of the panorama's height below the horizon.
ROAD_TOP = 0.15
ROAD_DEPTH = {Road.ROAD: 0.09, Road.HIGHWAY: 0.13, Road.RAILWAY: 0.05}
BEACH_TOP = 0.08


def road_band(scene: SceneDescription, horizon: float) -> tuple[float, float]:
    assert scene.road is not None
    top = min(horizon + ROAD_TOP, 0.8)  # a high horizon (a sky scene) still leaves the road in view
    return top, top + ROAD_DEPTH[scene.road]


def verge_colour(scene: SceneDescription) -> RGB:
    """The ground beside a road: what the setting's ground is made of."""
    return {Setting.DESERT: (0.72, 0.56, 0.36), Setting.SEA: (0.76, 0.68, 0.5), Setting.SNOWFIELD: (0.9, 0.92, 0.96),
            Setting.FOREST: (0.2, 0.32, 0.16)}.get(scene.setting, (0.3, 0.42, 0.2))


def road(scene: SceneDescription, light: Light, w: int, h: int, horizon: float) -> Layer:
    """A road, a highway or a railway seen side-on, with the verge in front of it."""
    assert scene.road is not None
    top, bottom = (int(h * f) for f in road_band(scene, horizon))
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    lit = max(light.ambient, 0.3)
    verge = to_bytes(dimmed(verge_colour(scene), lit)) + (255,)
    draw.rectangle((0, bottom, w, h), fill=verge)
    if scene.road is Road.RAILWAY:
        draw.rectangle((0, top, w, bottom), fill=to_bytes((0.35 * lit, 0.32 * lit, 0.3 * lit)) + (255,))
        for x in range(0, w, max(h // 40, 4)):  # sleepers
            draw.rectangle((x, top + (bottom - top) * 0.35, x + h // 110 + 1, bottom), fill=(60, 45, 35, 255))
        for y in (top + (bottom - top) * 0.3, top + (bottom - top) * 0.55):
            draw.rectangle((0, y, w, y + max(h // 300, 1)), fill=to_bytes((0.7 * lit, 0.7 * lit, 0.72 * lit)) + (255,))
        return Layer(layer, 0.95)
    draw.rectangle((0, top, w, bottom), fill=to_bytes((0.17 * lit, 0.17 * lit, 0.18 * lit)) + (255,))
    line = to_bytes((0.9 * lit, 0.88 * lit, 0.8 * lit)) + (255,)
    thick = max(h // 250, 1)
    for y in (top + thick, bottom - 2 * thick):
        draw.rectangle((0, y, w, y + thick), fill=line)
    lanes = 3 if scene.road is Road.HIGHWAY else 2
    for k in range(1, lanes):
        y = top + (bottom - top) * k / lanes
        for x in range(0, w, h // 8):
            draw.rectangle((x, y, x + h // 16, y + thick), fill=line)
    if scene.road is Road.HIGHWAY:  # a guard rail along the far edge
        draw.rectangle((0, top - h * 0.012, w, top - h * 0.006), fill=to_bytes((0.6 * lit,) * 3) + (255,))
        for x in range(0, w, h // 12):
            draw.rectangle((x, top - h * 0.012, x + thick * 2, top), fill=to_bytes((0.45 * lit,) * 3) + (255,))
    return Layer(layer, 0.95)


BRIDGE_DECK = 0.05  # below the horizon


def bridge(scene: SceneDescription, light: Light, w: int, h: int, horizon: float, rng: np.random.Generator) -> Layer:
    """A long bridge across the view: a deck on arches, a railing, the water or valley beneath."""
    lit = max(light.ambient, 0.3)
    stone = to_bytes(dimmed((0.55, 0.5, 0.46), lit)) + (255,)
    dark = to_bytes(dimmed((0.33, 0.3, 0.28), lit)) + (255,)
    deck = int(h * (horizon + BRIDGE_DECK))
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    thickness = int(h * 0.025)
    draw.rectangle((0, deck, w, deck + thickness), fill=stone)
    span = h * 0.3
    for x in np.arange(-span / 2 + rng.uniform(0, span / 2), w + span, span):
        draw.rectangle((x - h * 0.02, deck + thickness, x + h * 0.02, h * (horizon + 0.2)), fill=dark)
        draw.arc((x, deck - span * 0.1, x + span, deck + span * 0.5), 180, 360, fill=dark, width=int(h * 0.012))
    for x in range(0, w, max(h // 60, 3)):
        draw.line((x, deck, x, deck - h * 0.015), fill=dark, width=1)
    draw.line((0, deck - h * 0.015, w, deck - h * 0.015), fill=dark, width=max(h // 400, 1))
    return Layer(layer, 0.6)


def beach(scene: SceneDescription, light: Light, w: int, h: int, horizon: float) -> Layer:
    """Sand from the water's edge to the foreground, a line of foam where the waves end."""
    lit = max(light.ambient, 0.3)
    top = int(h * (horizon + BEACH_TOP))
    sand = gradient(dimmed((0.85, 0.76, 0.56), lit), dimmed((0.78, 0.66, 0.46), lit),
                    w, h - top)
    rgba = np.dstack([quantise(np.ascontiguousarray(sand)), np.full((h - top, w), 255, np.uint8)])
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    layer.paste(Image.fromarray(rgba, "RGBA"), (0, top))
    ImageDraw.Draw(layer).rectangle((0, top, w, top + max(h // 150, 2)),
                                    fill=to_bytes((0.95 * lit, 0.97 * lit, 1.0 * lit)) + (255,))
    return Layer(layer, 1.0)
