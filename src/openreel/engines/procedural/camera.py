"""Where the camera looks at time u in [0, 1]: a crop box in panorama coordinates per layer, or,
for image-to-video, a box inside the given image."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from openreel.engines.procedural.scene import CameraMove

Box = tuple[float, float, float, float]

PAN_SPAN = 0.10  # of frame width, at the nearest layer, each way
TILT_SPAN = 0.07
ZOOM_SPAN = 0.22
AT_INFINITY = 0.1  # layers with less parallax than this do not scale under a dolly


def travel_axis(move: CameraMove) -> str | None:
    """The axis along which layers translate during this move, if any."""
    if move in (CameraMove.PAN_LEFT, CameraMove.PAN_RIGHT, CameraMove.ORBIT, CameraMove.AERIAL):
        return "x"
    if move in (CameraMove.TILT_UP, CameraMove.TILT_DOWN):
        return "y"
    return None


def view_box(move: CameraMove, u: float, parallax: float, energy: float,
             frame: tuple[int, int], panorama: tuple[int, int]) -> Box:
    """A text-to-video shot: the move is centred on the panorama, so it runs -span..+span."""
    (w, h), (pw, ph) = frame, panorama
    cx, cy, zoom = pw / 2, ph / 2, 1.0
    s = 2 * u - 1
    p = parallax * energy
    # A dolly moves the camera: what sits at infinity (the sky) slides but never grows.
    dolly = 0.0 if parallax < AT_INFINITY else p
    if move is CameraMove.PAN_RIGHT or move is CameraMove.ORBIT:
        cx += p * PAN_SPAN * w * s
    elif move is CameraMove.PAN_LEFT:
        cx -= p * PAN_SPAN * w * s
    elif move is CameraMove.TILT_UP:
        cy -= p * TILT_SPAN * h * s
    elif move is CameraMove.TILT_DOWN:
        cy += p * TILT_SPAN * h * s
    elif move is CameraMove.ZOOM_IN:
        zoom = 1 + dolly * ZOOM_SPAN * u
    elif move is CameraMove.ZOOM_OUT:
        zoom = 1 + dolly * ZOOM_SPAN * (1 - u)
    elif move is CameraMove.AERIAL:
        zoom = 1 + dolly * ZOOM_SPAN * 0.6 * u
        cx += p * PAN_SPAN * 0.5 * w * s
    bw, bh = w / zoom, h / zoom
    return (cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2)


@dataclass(frozen=True)
class ImageMotion:
    """How one sample's camera moves inside a still image. The prompt names the move; the
    sample's seed decides how far it pushes in, which way it drifts off the move's line, how deep
    the parallax runs and which way the light shifts. So samples and seeds differ, a seed repeats,
    and every one of them starts exactly on the image."""

    move: CameraMove
    push: float  # zoom factor reached at the end, less one
    drift: tuple[float, float]  # where the view heads, as a share of the room the push leaves (x, y)
    depth_power: float  # parallax: nearness grows as (row / height) ** depth_power
    light: tuple[float, float, float]  # exposure change of R, G, B by the end

    @classmethod
    def draw(cls, move: CameraMove, energy: float, rng: np.random.Generator) -> ImageMotion:
        if move in (CameraMove.STATIC, CameraMove.ZOOM_OUT):
            # The image is frame 0, so there is nothing outside it to pull back to: hold nearly
            # still, drifting a little toward a side the seed picks.
            push = float(rng.uniform(0.02, 0.045))
            angle = float(rng.uniform(0, 2 * math.pi))
            drift = (math.cos(angle), math.sin(angle))
        else:
            # Every other move pushes in too, so the frame stays filled as it travels, and
            # wanders a little off the line the prompt asked for.
            push = energy * float(rng.uniform(0.10, 0.18))
            wander = float(rng.uniform(-0.5, 0.5))
            if move in (CameraMove.PAN_RIGHT, CameraMove.ORBIT, CameraMove.PAN_LEFT):
                drift = (-1.0 if move is CameraMove.PAN_LEFT else 1.0, wander)
            elif move in (CameraMove.TILT_UP, CameraMove.TILT_DOWN):
                drift = (wander, -1.0 if move is CameraMove.TILT_UP else 1.0)
            else:  # dolly in, aerial: toward a point near the centre
                drift = (float(rng.uniform(-0.4, 0.4)), wander)
        exposure, warmth = rng.uniform(-0.05, 0.05), rng.uniform(-0.04, 0.04)
        light = (float(exposure + warmth), float(exposure), float(exposure - warmth))
        return cls(move, push, drift, float(rng.uniform(1.5, 2.6)), light)


def _ease(u: float) -> float:
    return u * u * (3 - 2 * u)


def image_box(motion: ImageMotion, u: float, frame: tuple[int, int]) -> Box:
    """An image-to-video shot: frame 0 is the image itself, then the camera moves inside it."""
    w, h = frame
    zoom = 1 + motion.push * _ease(u)
    bw, bh = w / zoom, h / zoom
    cx = w / 2 + motion.drift[0] * (w - bw) / 2
    cy = h / 2 + motion.drift[1] * (h - bh) / 2
    return (cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2)


def image_light(motion: ImageMotion, u: float) -> tuple[float, float, float]:
    """Gain of R, G, B at time u: a slow drift of exposure and warmth, exactly 1 at frame 0."""
    eased = _ease(u)
    r, g, b = (1 + change * eased for change in motion.light)
    return r, g, b


PARALLAX_STRIPS = 24


def image_mesh(motion: ImageMotion, u: float, frame: tuple[int, int]) -> list[tuple[Box, tuple[float, ...]]]:
    """Image-to-video parallax: the camera box of image_box, with each horizontal strip moved
    further the nearer it is. Depth is estimated from height in the picture (a ground plane:
    lower rows are nearer), so the foreground slides past the background. Returns PIL MESH data:
    (target strip, source quad NW-SW-SE-NE) pairs."""
    w, h = frame
    x0, y0, x1, y1 = image_box(motion, u, frame)
    eased = _ease(u)
    direction = {CameraMove.PAN_RIGHT: 1.0, CameraMove.ORBIT: 1.0, CameraMove.PAN_LEFT: -1.0}.get(motion.move, 0.0)
    # Keep the nearest row inside the image: it moves at most the slack the push-in leaves.
    reach = min(x0, w - x1) * direction

    def source_row(y: float) -> tuple[float, float, float]:
        depth = (y / h) ** motion.depth_power - 0.5  # far rows move against the camera, near rows with it
        shift = reach * eased * depth
        return x0 + shift, x1 + shift, y0 + (y1 - y0) * y / h

    mesh = []
    for k in range(PARALLAX_STRIPS):
        top, bottom = h * k / PARALLAX_STRIPS, h * (k + 1) / PARALLAX_STRIPS
        (ax0, ax1, ay), (bx0, bx1, by) = source_row(top), source_row(bottom)
        mesh.append(((0, round(top), w, round(bottom)), (ax0, ay, bx0, by, bx1, by, ax1, ay)))
    return mesh  # type: ignore[return-value]
