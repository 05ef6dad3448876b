"""The subjects in motion: where each one is at every moment of the shot, and its picture there.

An actor lives in panorama coordinates at a depth (its parallax), so the camera moves past it as
it moves past the layers at that depth; it travels as the prompt says (left, right, towards the
camera or away), at its kind's pace, on the ground, road, water or sky world.py names. Its poses
are drawn once (figures.py); each frame pastes one, mirrored when it faces left, scaled when it
comes nearer or the camera dollies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from openreel.engines.procedural.camera import view_box
from openreel.engines.procedural.cast import Heading, Kind, Pace, SubjectSpec
from openreel.engines.procedural.figures import POSES, figure
from openreel.engines.procedural.scene import SceneDescription, Setting
from openreel.engines.procedural.world import Ground

RGB = tuple[float, float, float]

# Each kind's height as a fraction of the frame's height where it stands nearest, its speed in
# frame widths a second at its ordinary pace, and how many poses a second its gait runs through.
_HEIGHT = {Kind.CAR: 0.15, Kind.BOAT: 0.16, Kind.PLANE: 0.07, Kind.TRAIN: 0.11, Kind.CAT: 0.1, Kind.DOG: 0.13,
           Kind.BIRD: 0.035, Kind.FISH: 0.06, Kind.HORSE: 0.3, Kind.PERSON: 0.3}
_SPEED = {Kind.CAR: 0.14, Kind.BOAT: 0.04, Kind.PLANE: 0.08, Kind.TRAIN: 0.12, Kind.CAT: 0.05, Kind.DOG: 0.08,
          Kind.BIRD: 0.1, Kind.FISH: 0.05, Kind.HORSE: 0.1, Kind.PERSON: 0.05}
_GAIT = {Kind.CAT: 6.0, Kind.DOG: 8.0, Kind.HORSE: 7.0, Kind.PERSON: 6.0, Kind.BIRD: 9.0, Kind.FISH: 5.0}
# Their own colours, when the prompt names none: one is chosen per actor by the seed.
_OWN_COLOURS: dict[Kind, tuple[RGB, ...]] = {
    Kind.CAR: ((0.8, 0.1, 0.1), (0.1, 0.25, 0.7), (0.9, 0.9, 0.9), (0.15, 0.15, 0.17), (0.6, 0.62, 0.66)),
    Kind.BOAT: ((0.9, 0.9, 0.9), (0.15, 0.25, 0.55), (0.7, 0.15, 0.12)),
    Kind.PLANE: ((0.92, 0.92, 0.94),), Kind.TRAIN: ((0.75, 0.15, 0.12), (0.15, 0.3, 0.6), (0.85, 0.75, 0.2)),
    Kind.CAT: ((0.9, 0.55, 0.2), (0.2, 0.2, 0.22), (0.6, 0.6, 0.62)), Kind.DOG: ((0.78, 0.58, 0.3), (0.4, 0.27, 0.15),
                                                                               (0.2, 0.18, 0.17)),
    Kind.BIRD: ((0.12, 0.12, 0.14), (0.9, 0.9, 0.9)), Kind.FISH: ((1.0, 0.55, 0.15), (0.95, 0.85, 0.2),
                                                                  (0.3, 0.6, 0.95)),
    Kind.HORSE: ((0.45, 0.28, 0.16), (0.2, 0.14, 0.1), (0.85, 0.83, 0.8)),
    Kind.PERSON: ((0.75, 0.2, 0.2), (0.2, 0.4, 0.7), (0.9, 0.75, 0.3), (0.25, 0.5, 0.3), (0.85, 0.85, 0.85)),
}
_SCALE_STEPS = 24  # a subject that changes size is shown at this many sizes, not resized every frame
_LARGEST_ZOOM = 1.35  # the most a dolly in magnifies the nearest layers (camera.ZOOM_SPAN at full energy)


@dataclass
class _Actor:
    spec: SubjectSpec
    colour: RGB
    style: str
    x0: float  # panorama x at the start, where the picture's centre is
    travel: float  # panorama pixels a second along x (negative: leftwards)
    y_far: float  # panorama row of its base when farthest away (towards or away), or where it stays
    y_near: float
    parallax: float
    height: float  # its height in pixels where it is nearest
    phase: float
    bob: float  # how far it rises and falls on water or in flight, in pixels


class Cast:
    """Every subject of a shot, drawn onto each composed frame."""

    def __init__(self, scene: SceneDescription, frame: tuple[int, int], panorama: tuple[int, int], ground: Ground,
                 energy: float, rng: np.random.Generator) -> None:
        self.scene, self.frame, self.panorama, self.energy = scene, frame, panorama, energy
        # Lit a little more than the place at night (street lights, the moon), so they still read.
        self.light = max(ground.light.ambient, 0.5)
        self.actors = [actor for spec in scene.subjects for actor in self._actors(spec, ground, rng)]
        self.actors.sort(key=lambda actor: actor.y_near)  # the nearest are drawn last
        self._masters: dict[tuple[int, int], Image.Image] = {}
        self._pictures: dict[tuple[int, int, int], Image.Image] = {}

    def _actors(self, spec: SubjectSpec, ground: Ground, rng: np.random.Generator) -> list[_Actor]:
        w, h = self.frame
        pw, ph = self.panorama
        kind = spec.kind
        base_row, parallax, bob = self._place(kind, ground, rng)
        style = {Setting.MOON: "astronaut", Setting.UNDERWATER: "diver"}.get(self.scene.setting, "")
        # A train keeps to its track: towards or away from the camera, it crosses the view instead.
        in_depth = spec.heading in (Heading.TOWARD, Heading.AWAY) and kind is not Kind.TRAIN
        speed = 0.0 if spec.pace is Pace.STILL or in_depth else \
            _SPEED[kind] * (1.8 if spec.pace is Pace.RUN else 1.0) * w * (0.6 + 0.4 * self.energy)
        sign = -1.0 if spec.heading is Heading.LEFT else 1.0
        actors = []
        for number in range(spec.count):
            spread = 0.0 if spec.count == 1 else (number / (spec.count - 1) - 0.5)
            # A single subject starts a little off centre, against its direction, so it crosses the middle.
            start = pw / 2 - sign * w * (0.22 if speed else 0.0) + spread * w * 0.6
            depth = rng.uniform(0.75, 1.0) if spec.count > 1 else 1.0
            y = base_row + (spread * ph * (0.2 if kind in (Kind.BIRD, Kind.FISH) else 0.015)
                            if spec.count > 1 else 0.0)
            y_far, y_near = y, y
            if in_depth:
                # Far away is near the horizon: just above it in the sky, just below it on the ground;
                # under water, where there is no horizon to see, only smaller.
                far = {Kind.BIRD: -0.03, Kind.PLANE: -0.03}.get(kind, 0.02) + ground.horizon
                y_far, y_near = (y if self.scene.setting is Setting.UNDERWATER else far * ph), y
            colours = _OWN_COLOURS[kind]
            if ground.light.is_night:  # a black bird or car would vanish into the night
                colours = tuple(c for c in colours if sum(c) > 0.9) or colours
            colour = spec.colour or colours[int(rng.integers(0, len(colours)))]
            if style == "astronaut" and kind is Kind.PERSON and spec.colour is None:
                colour = (0.92, 0.92, 0.93)
            actors.append(_Actor(spec, colour, style, start + rng.normal(0, w * 0.03) * (spec.count > 1),
                                 sign * speed * depth, y_far, y_near, parallax,
                                 _HEIGHT[kind] * h * depth * _height_boost(kind, spec), rng.uniform(0, 2 * math.pi),
                                 bob * h))
        return actors

    def _place(self, kind: Kind, ground: Ground, rng: np.random.Generator) -> tuple[float, float, float]:
        """The panorama row its base is on, its parallax, and how much it bobs (a fraction of h)."""
        ph = self.panorama[1]
        if kind in (Kind.BIRD, Kind.PLANE):
            return rng.uniform(*ground.sky) * ph, 0.35, 0.004 if kind is Kind.BIRD else 0.0
        if kind is Kind.FISH or (kind is Kind.PERSON and self.scene.setting is Setting.UNDERWATER):
            return rng.uniform(0.45, 0.7) * ph, 0.6, 0.006
        if kind is Kind.BOAT:
            return (ground.water or ground.horizon + 0.05) * ph + ph * 0.01, 0.8, 0.003
        if kind in (Kind.CAR, Kind.TRAIN) and ground.lane is not None:
            return ground.lane * ph, 0.95 if not self.scene.bridge else 0.6, 0.0
        return rng.uniform(ground.stand[0] + (ground.stand[1] - ground.stand[0]) * 0.55, ground.stand[1]) * ph, 1.0, 0.0

    def draw(self, canvas: Image.Image, u: float, seconds: float) -> None:
        w, h = self.frame
        pw, _ = self.panorama
        for actor in self.actors:
            box = view_box(self.scene.camera, u, actor.parallax, self.energy, self.frame, self.panorama)
            zoom = w / (box[2] - box[0])
            nearness = 1.0
            if actor.spec.heading is Heading.TOWARD:
                nearness = u
            elif actor.spec.heading is Heading.AWAY:
                nearness = 1 - u
            y = actor.y_far + (actor.y_near - actor.y_far) * nearness
            if actor.y_far != actor.y_near:
                nearness = 0.25 + 0.75 * nearness  # farthest, it is a quarter of its size
            # Travelling across, it wraps round a span a little wider than the panorama.
            span = pw + w * 0.6
            x = (actor.x0 + actor.travel * seconds + w * 0.3) % span - w * 0.3
            fx, fy = (x - box[0]) * zoom, (y - box[1]) * zoom
            fy += math.sin(seconds * 2.4 + actor.phase) * actor.bob
            step = max(round(nearness * zoom * _SCALE_STEPS), 1)
            height = max(int(actor.height * step / _SCALE_STEPS), 3)
            moving = actor.travel != 0 or actor.y_far != actor.y_near or actor.spec.pace is not Pace.STILL
            gait = _GAIT.get(actor.spec.kind, 0.0) * (1.6 if actor.spec.pace is Pace.RUN else 1.0)
            pose = int(seconds * gait + actor.phase) % POSES[actor.spec.kind] if moving and gait else 0
            picture = self._picture(actor, height, pose)
            left = int(fx - picture.width / 2)
            top = int(fy - picture.height)
            if left > w or left + picture.width < 0 or top > h or top + picture.height < 0:
                continue
            if actor.parallax >= 0.9 and actor.spec.kind not in (Kind.BOAT, Kind.FISH):
                _shadow(canvas, fx, fy, picture.width)
            canvas.paste(picture, (left, top), picture)

    def _picture(self, actor: _Actor, height: int, pose: int) -> Image.Image:
        """The pose at `height` pixels: drawn once at the largest size it is shown at (drawing is
        the slow part), then scaled down for each smaller size."""
        key = (id(actor), height, pose)
        picture = self._pictures.get(key)
        if picture is None:
            master = self._masters.get((id(actor), pose))
            if master is None:
                largest = max(int(actor.height * _LARGEST_ZOOM), height)
                master = figure(actor.spec.kind, actor.colour, largest, pose, actor.spec.pace, self.light, actor.style)
                if actor.travel < 0 or actor.spec.heading is Heading.LEFT:
                    master = ImageOps.mirror(master)
                self._masters[(id(actor), pose)] = master
            scale = height / master.height
            picture = master if scale >= 1 else master.resize(
                (max(int(master.width * scale), 1), height), Image.Resampling.BILINEAR, reducing_gap=2.0)
            self._pictures[key] = picture
        return picture


def _height_boost(kind: Kind, spec: SubjectSpec) -> float:
    """A lone animal or person is the shot's subject: it is shown larger than one of a group (a
    lone eagle much larger than a bird of a flock)."""
    if spec.count > 1:
        return 1.0
    return {Kind.CAT: 1.3, Kind.DOG: 1.3, Kind.PERSON: 1.3, Kind.BIRD: 3.0, Kind.FISH: 2.0}.get(kind, 1.0)


def _shadow(canvas: Image.Image, x: float, y: float, width: int) -> None:
    """A soft contact shadow under something standing on the ground."""
    shadow_w, shadow_h = max(int(width * 0.9), 2), max(int(width * 0.12), 2)
    mask = Image.new("L", (shadow_w + 8, shadow_h + 8), 0)
    ImageDraw.Draw(mask).ellipse((4, 4, shadow_w + 4, shadow_h + 4), fill=110)
    canvas.paste((0, 0, 0), (int(x - shadow_w / 2 - 4), int(y - shadow_h / 2 - 4)), mask.filter(ImageFilter.BoxBlur(2)))
