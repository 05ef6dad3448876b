"""The subjects' pictures: stylised, layered shapes seen from the side, facing right.

Each kind is drawn once per pose (a walk or a wing beat is a few poses) at three times the size
it is shown at, then scaled down, so its edges are smooth; actors.py moves and mirrors them.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PIL import Image, ImageDraw

from openreel.engines.procedural.cast import Kind, Pace

RGB = tuple[float, float, float]
Colour = tuple[int, int, int, int]
SUPERSAMPLE = 3

# Width over height of each kind's picture, and how many poses one cycle of its motion has.
ASPECT: dict[Kind, float] = {Kind.CAR: 2.6, Kind.BOAT: 1.6, Kind.PLANE: 2.4, Kind.TRAIN: 9.0, Kind.CAT: 1.3,
                             Kind.DOG: 1.35, Kind.BIRD: 1.6, Kind.FISH: 2.0, Kind.HORSE: 1.3, Kind.PERSON: 0.5}
POSES: dict[Kind, int] = {Kind.CAR: 1, Kind.BOAT: 1, Kind.PLANE: 1, Kind.TRAIN: 1, Kind.CAT: 6, Kind.DOG: 6,
                          Kind.BIRD: 4, Kind.FISH: 4, Kind.HORSE: 6, Kind.PERSON: 8}


def rgba(colour: RGB, light: float = 1.0, alpha: int = 255) -> Colour:
    return (int(min(1.0, colour[0] * light) * 255), int(min(1.0, colour[1] * light) * 255),
            int(min(1.0, colour[2] * light) * 255), alpha)


def shade(colour: RGB, amount: float) -> RGB:
    """Darker (amount < 1) or lighter (amount > 1, toward white) versions of a colour."""
    if amount <= 1:
        return (colour[0] * amount, colour[1] * amount, colour[2] * amount)
    t = min(amount - 1, 1.0)
    return (colour[0] + (1 - colour[0]) * t, colour[1] + (1 - colour[1]) * t, colour[2] + (1 - colour[2]) * t)


def figure(kind: Kind, colour: RGB, height: int, pose: int, pace: Pace, light: float,
           style: str = "") -> Image.Image:
    """The picture of one pose, `height` pixels tall, lit by `light` (1 at noon). `style` varies a
    kind by place: "astronaut" and "diver" for a person on the moon or under water."""
    h = max(height, 4) * SUPERSAMPLE
    w = max(int(h * ASPECT[kind]), 4)
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    phase = 2 * math.pi * pose / POSES[kind]
    _DRAWERS[kind](draw, w, h, colour, phase, pace, light, style)
    return image.resize((max(w // SUPERSAMPLE, 1), max(h // SUPERSAMPLE, 1)), Image.Resampling.LANCZOS)


Drawer = Callable[[ImageDraw.ImageDraw, int, int, RGB, float, Pace, float, str], None]


def _car(draw: ImageDraw.ImageDraw, w: int, h: int, colour: RGB, phase: float, pace: Pace, light: float,
         style: str) -> None:
    body = rgba(colour, light)
    wheel_r = h * 0.19
    base = h - wheel_r
    draw.rounded_rectangle((w * 0.02, h * 0.42, w * 0.98, base), radius=h * 0.14, fill=body)
    draw.polygon([(w * 0.2, h * 0.44), (w * 0.32, h * 0.08), (w * 0.66, h * 0.08), (w * 0.8, h * 0.44)], fill=body)
    glass = rgba((0.55, 0.68, 0.8), light)
    draw.polygon([(w * 0.26, h * 0.42), (w * 0.35, h * 0.15), (w * 0.48, h * 0.15), (w * 0.48, h * 0.42)], fill=glass)
    draw.polygon([(w * 0.52, h * 0.42), (w * 0.52, h * 0.15), (w * 0.64, h * 0.15), (w * 0.74, h * 0.42)], fill=glass)
    draw.rectangle((w * 0.05, h * 0.58, w * 0.95, h * 0.62), fill=rgba(shade(colour, 0.6), light))
    draw.ellipse((w * 0.93, h * 0.47, w * 0.99, h * 0.56), fill=rgba((1.0, 0.95, 0.7), max(light, 0.9)))
    draw.ellipse((w * 0.005, h * 0.47, w * 0.04, h * 0.56), fill=rgba((0.9, 0.1, 0.1), max(light, 0.8)))
    for cx in (w * 0.22, w * 0.78):
        draw.ellipse((cx - wheel_r, h - 2 * wheel_r, cx + wheel_r, h), fill=rgba((0.05, 0.05, 0.06), 1))
        draw.ellipse((cx - wheel_r * 0.5, h - 1.5 * wheel_r, cx + wheel_r * 0.5, h - 0.5 * wheel_r),
                     fill=rgba((0.6, 0.62, 0.65), light))


def _boat(draw: ImageDraw.ImageDraw, w: int, h: int, colour: RGB, phase: float, pace: Pace, light: float,
          style: str) -> None:
    hull = rgba(colour, light)
    draw.polygon([(0, h * 0.62), (w, h * 0.62), (w * 0.86, h), (w * 0.1, h)], fill=hull)
    draw.rectangle((0, h * 0.62, w, h * 0.68), fill=rgba(shade(colour, 0.55), light))
    draw.line((w * 0.45, h * 0.62, w * 0.45, 0), fill=rgba((0.3, 0.25, 0.2), light), width=max(int(h * 0.03), 1))
    sail = rgba((0.96, 0.95, 0.92), light)
    draw.polygon([(w * 0.47, h * 0.02), (w * 0.47, h * 0.58), (w * 0.85, h * 0.58)], fill=sail)
    draw.polygon([(w * 0.43, h * 0.1), (w * 0.43, h * 0.58), (w * 0.16, h * 0.58)], fill=rgba((0.88, 0.87, 0.84),
                                                                                                  light))


def _plane(draw: ImageDraw.ImageDraw, w: int, h: int, colour: RGB, phase: float, pace: Pace, light: float,
           style: str) -> None:
    skin = rgba(colour, light)
    dark = rgba(shade(colour, 0.7), light)
    draw.polygon([(w * 0.02, h * 0.2), (w * 0.12, h * 0.2), (w * 0.22, h * 0.5), (w * 0.06, h * 0.5)], fill=dark)
    draw.rounded_rectangle((w * 0.04, h * 0.42, w * 0.96, h * 0.66), radius=h * 0.12, fill=skin)
    draw.polygon([(w * 0.4, h * 0.55), (w * 0.6, h * 0.55), (w * 0.44, h * 0.98), (w * 0.34, h * 0.98)], fill=dark)
    for k in range(9):
        x = w * (0.3 + k * 0.06)
        draw.ellipse((x, h * 0.47, x + w * 0.02, h * 0.53), fill=rgba((0.2, 0.25, 0.35), light))


def _train(draw: ImageDraw.ImageDraw, w: int, h: int, colour: RGB, phase: float, pace: Pace, light: float,
           style: str) -> None:
    paint = rgba(colour, light)
    window = rgba((0.85, 0.85, 0.7), max(light, 0.7))
    cars = 4
    car_w = w / cars
    for c in range(cars):
        x0, x1 = c * car_w + car_w * 0.02, (c + 1) * car_w - car_w * 0.02
        if c == cars - 1:  # the locomotive leads, on the right
            draw.rounded_rectangle((x0, h * 0.12, x1, h * 0.85), radius=h * 0.2, fill=paint)
            draw.rectangle((x0 + car_w * 0.6, h * 0.22, x1 - car_w * 0.12, h * 0.45), fill=window)
        else:
            draw.rounded_rectangle((x0, h * 0.15, x1, h * 0.85), radius=h * 0.06, fill=paint)
            for k in range(5):
                wx = x0 + car_w * (0.08 + k * 0.18)
                draw.rectangle((wx, h * 0.28, wx + car_w * 0.12, h * 0.5), fill=window)
        draw.rectangle((x0, h * 0.66, x1, h * 0.72), fill=rgba(shade(colour, 0.5), light))
        for wx in (x0 + car_w * 0.15, x1 - car_w * 0.15):
            draw.ellipse((wx - h * 0.1, h * 0.8, wx + h * 0.1, h), fill=rgba((0.08, 0.08, 0.08), 1))


def _legs(draw: ImageDraw.ImageDraw, hips: list[tuple[float, float]], length: float, phase: float, swing: float,
          colour: Colour, width: int) -> None:
    """Legs from each hip, swinging in a gait; neighbouring legs move in opposite phase."""
    for number, (x, y) in enumerate(hips):
        angle = math.sin(phase + math.pi * number) * swing
        draw.line((x, y, x + math.sin(angle) * length, y + math.cos(angle) * length), fill=colour, width=width)


def _quadruped(draw: ImageDraw.ImageDraw, w: int, h: int, colour: RGB, phase: float, pace: Pace, light: float,
               kind: Kind) -> None:
    fur = rgba(colour, light)
    dark = rgba(shade(colour, 0.7), light)
    moving = pace is not Pace.STILL
    swing = (0.55 if pace is Pace.RUN else 0.35) if moving else 0.0
    bob = abs(math.sin(phase)) * h * (0.04 if moving else 0.0)
    neck = 0.35 if kind is Kind.HORSE else 0.2
    top, bottom = h * (0.28 + neck * 0.3) - bob, h * (0.62 + neck * 0.05) - bob
    leg = h - bottom + h * 0.04
    width = max(int(w * (0.06 if kind is Kind.HORSE else 0.07)), 1)
    _legs(draw, [(w * 0.3, bottom - h * 0.05), (w * 0.72, bottom - h * 0.05)], leg, phase, swing, dark, width)
    draw.ellipse((w * 0.18, top, w * 0.84, bottom), fill=fur)
    _legs(draw, [(w * 0.24, bottom - h * 0.05), (w * 0.78, bottom - h * 0.05)], leg, phase + math.pi / 2, swing,
          fur, width)
    head_y = top - h * neck
    if kind is Kind.HORSE:
        draw.polygon([(w * 0.72, top + h * 0.1), (w * 0.8, head_y), (w * 0.9, head_y), (w * 0.86, top + h * 0.2)],
                     fill=fur)
        draw.polygon([(w * 0.8, head_y), (w * 0.99, head_y + h * 0.14), (w * 0.95, head_y + h * 0.22),
                      (w * 0.82, head_y + h * 0.14)], fill=fur)
        draw.line((w * 0.74, top + h * 0.05, w * 0.82, head_y), fill=dark, width=max(int(w * 0.03), 1))  # mane
        draw.line((w * 0.18, top + h * 0.06, w * 0.06, top + h * 0.34), fill=dark, width=max(int(w * 0.05), 1))
        return
    r = h * (0.16 if kind is Kind.CAT else 0.17)
    cx, cy = w * 0.84, head_y + r * 1.2
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fur)
    if kind is Kind.CAT:
        for ex in (cx - r * 0.6, cx + r * 0.2):
            draw.polygon([(ex, cy - r * 0.6), (ex + r * 0.2, cy - r * 1.5), (ex + r * 0.5, cy - r * 0.6)], fill=fur)
        tail = math.sin(phase) * h * 0.1
        draw.line((w * 0.2, top + h * 0.1, w * 0.04, top - h * 0.2 + tail), fill=fur, width=max(int(w * 0.04), 1))
    else:
        draw.ellipse((cx, cy - r * 0.3, cx + r * 1.3, cy + r * 0.5), fill=fur)  # muzzle
        draw.ellipse((cx - r * 0.7, cy - r * 0.6, cx - r * 0.1, cy + r * 0.7), fill=dark)  # ear
        draw.line((w * 0.2, top + h * 0.12, w * 0.06, top - h * 0.06), fill=fur, width=max(int(w * 0.045), 1))
    draw.ellipse((cx + r * 0.25, cy - r * 0.3, cx + r * 0.45, cy - r * 0.1), fill=(10, 10, 10, 255))


def _animal(kind: Kind) -> Drawer:
    def draw_it(draw: ImageDraw.ImageDraw, w: int, h: int, colour: RGB, phase: float, pace: Pace, light: float,
                style: str) -> None:
        _quadruped(draw, w, h, colour, phase, pace, light, kind)
    return draw_it


def _bird(draw: ImageDraw.ImageDraw, w: int, h: int, colour: RGB, phase: float, pace: Pace, light: float,
          style: str) -> None:
    feathers = rgba(colour, light)
    lift = math.sin(phase) * h * 0.4
    cx, cy = w * 0.5, h * 0.55
    width = max(int(h * 0.12), 1)
    draw.line((w * 0.05, cy - lift, cx, cy), fill=feathers, width=width)
    draw.line((cx, cy, w * 0.95, cy - lift), fill=feathers, width=width)
    draw.ellipse((cx - w * 0.1, cy - h * 0.1, cx + w * 0.12, cy + h * 0.14), fill=feathers)


def _fish(draw: ImageDraw.ImageDraw, w: int, h: int, colour: RGB, phase: float, pace: Pace, light: float,
          style: str) -> None:
    scales = rgba(colour, light)
    wag = math.sin(phase) * h * 0.15
    draw.polygon([(w * 0.3, h * 0.5), (w * 0.02, h * 0.15 + wag), (w * 0.02, h * 0.85 + wag)],
                 fill=rgba(shade(colour, 0.75), light))
    draw.ellipse((w * 0.2, h * 0.18, w * 0.98, h * 0.82), fill=scales)
    draw.ellipse((w * 0.78, h * 0.35, w * 0.86, h * 0.48), fill=(15, 15, 20, 255))


def _person(draw: ImageDraw.ImageDraw, w: int, h: int, colour: RGB, phase: float, pace: Pace, light: float,
            style: str) -> None:
    moving = pace is not Pace.STILL
    run = pace is Pace.RUN
    swing = (0.75 if run else 0.45) if moving else 0.0
    shirt = rgba(colour, light)
    trousers = rgba((0.15, 0.17, 0.25) if style != "astronaut" else (0.85, 0.85, 0.85), light)
    skin = rgba((0.85, 0.66, 0.52) if style == "" else (0.9, 0.9, 0.92), light)
    bob = abs(math.sin(phase)) * h * (0.02 if moving else 0)
    cx = w * 0.5
    head_r = h * 0.065
    shoulder, hip = h * 0.2 - bob, h * 0.52 - bob
    limb = max(int(w * (0.2 if style == "astronaut" else 0.14)), 1)
    leg = h - hip
    _legs(draw, [(cx, hip)], leg, phase, swing, trousers, limb)
    _legs(draw, [(cx, shoulder + h * 0.02)], h * 0.3, phase + math.pi, swing * 0.8, shirt, max(limb * 3 // 4, 1))
    draw.rounded_rectangle((cx - w * 0.18, shoulder, cx + w * 0.18, hip + h * 0.04), radius=w * 0.1, fill=shirt)
    _legs(draw, [(cx, hip)], leg, phase + math.pi, swing, trousers, limb)
    _legs(draw, [(cx, shoulder + h * 0.02)], h * 0.3, phase, swing * 0.8, shirt, max(limb * 3 // 4, 1))
    head_y = shoulder - head_r * 2.1
    if style == "astronaut":
        draw.ellipse((cx - head_r * 1.5, head_y - head_r * 0.4, cx + head_r * 1.5, head_y + head_r * 2.4), fill=skin)
        draw.ellipse((cx - head_r * 0.6, head_y + head_r * 0.3, cx + head_r * 1.3, head_y + head_r * 1.6),
                     fill=rgba((0.85, 0.65, 0.2), max(light, 0.8)))
        draw.rectangle((cx - w * 0.3, shoulder + h * 0.02, cx - w * 0.16, hip - h * 0.05), fill=skin)  # pack
        return
    if style == "diver":
        draw.rectangle((cx - w * 0.32, shoulder, cx - w * 0.16, hip - h * 0.06), fill=rgba((0.8, 0.8, 0.2), light))
    draw.ellipse((cx - head_r, head_y, cx + head_r, head_y + 2 * head_r), fill=skin)
    draw.chord((cx - head_r, head_y - head_r * 0.1, cx + head_r, head_y + head_r * 1.3), 180, 360,
               fill=rgba((0.2, 0.13, 0.08), light))


_DRAWERS: dict[Kind, Drawer] = {
    Kind.CAR: _car, Kind.BOAT: _boat, Kind.PLANE: _plane, Kind.TRAIN: _train, Kind.CAT: _animal(Kind.CAT),
    Kind.DOG: _animal(Kind.DOG), Kind.HORSE: _animal(Kind.HORSE), Kind.BIRD: _bird, Kind.FISH: _fish,
    Kind.PERSON: _person,
}
