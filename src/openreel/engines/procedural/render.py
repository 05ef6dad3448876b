"""Render one sample's frames: layers through the camera, overlays, then the colour finish."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from openreel.concurrency import prefetch
from openreel.engines.procedural import effects
from openreel.engines.procedural.camera import (
    Box,
    ImageMotion,
    image_box,
    image_light,
    image_mesh,
    travel_axis,
    view_box,
)
from openreel.engines.procedural.compositor import Compositor
from openreel.engines.procedural.actors import Cast
from openreel.engines.procedural.layers import Layer, panorama_size
from openreel.engines.procedural.palette import LIGHTS, grade_lut, to_bytes
from openreel.engines.procedural.scene import CameraMove, SceneDescription, Setting, Weather
from openreel.engines.procedural.world import Ground, build_world


@dataclass(frozen=True)
class ShotInputs:
    """Pictures that steer the shot, already fitted to the output size where it matters."""

    first_frame: Image.Image | None = None  # image-to-video or the end of a clip to extend
    last_frame: Image.Image | None = None
    assets: tuple[Image.Image, ...] = ()


RAIN_ONSET_SECONDS = 0.5
FLASH_DECAY_SECONDS = 0.09


class Shot:
    def __init__(self, scene: SceneDescription, size: tuple[int, int], frame_count: int, fps: int,
                 energy: float, rng: np.random.Generator, inputs: ShotInputs,
                 flashes: tuple[float, ...] = ()) -> None:
        self.scene, self.size, self.frame_count, self.fps = scene, size, frame_count, fps
        self.energy, self.inputs, self.flashes = energy, inputs, flashes
        self.panorama = panorama_size(*size)
        self.compositor: Compositor | None = None
        self.horizon = 0.6
        self.image_motion: ImageMotion | None = None
        self.cast: Cast | None = None
        ground: Ground | None = None  # where subjects and crowds go; none when animating an image
        if inputs.first_frame is not None:
            self.image_motion = ImageMotion.draw(scene.camera, energy, rng)
        else:
            layers, ground = build_world(scene, self.panorama[0], self.panorama[1], rng)
            self.horizon = ground.horizon
            if scene.subjects:
                # Its own generator, spawned without drawing from the shot's: naming a subject or
                # not leaves the rain, mist, crowd and grain of the same seed as they were.
                self.cast = Cast(scene, size, self.panorama, ground, energy, rng.spawn(1)[0])
            layers += [_asset_layer(a, self.panorama, self.horizon) for a in inputs.assets]
            ends = [[view_box(scene.camera, u, layer.parallax, energy, size, self.panorama) for layer in layers]
                    for u in (0.0, 1.0)]
            self.compositor = Compositor(layers, size, travel_axis(scene.camera), ends[0], ends[1])
        self._background: tuple[list[Box], Image.Image] | None = None
        self.lut = grade_lut(scene)
        self.precipitation = (effects.Precipitation(scene.weather, size, rng, energy)
                              if scene.weather in (Weather.RAIN, Weather.SNOW) else None)
        mist_colour = to_bytes(LIGHTS[scene.time_of_day].horizon)
        self.mist = (effects.Mist(size, self.horizon, rng, mist_colour)
                     if scene.weather is Weather.MIST and inputs.first_frame is None else None)
        self.flying = effects.FlyingLights(size, self.horizon, rng) if scene.flying_objects else None
        self.crowd = None
        if scene.crowd and ground is not None:
            # Where the crowd walks (a pavement, a beach), moved from panorama rows to frame rows
            # (the camera is centred).
            pavement = (ground.stand[0] * self.panorama[1] - (self.panorama[1] - size[1]) / 2) / size[1]
            self.crowd = effects.Crowd(size, pavement, rng)
        self.product = (effects.TurntableProduct(size, self.horizon, scene.tint)
                        if scene.setting is Setting.PRODUCT and inputs.first_frame is None else None)
        wants_finish = scene.film_grain or scene.vignette
        self.finish_pass = (effects.Finish(size, rng, grain=scene.film_grain, vignette=scene.vignette)
                            if inputs.first_frame is None and wants_finish else None)

    def frames(self) -> Iterator[np.ndarray]:
        # Two stages on two threads: composing the picture, then finishing it (grade, vignette,
        # grain, the move to numpy); the encoder is a third.
        for index, canvas in enumerate(prefetch(map(self.compose, range(self.frame_count)), depth=4)):
            yield self.finish(index, canvas)

    def frame(self, index: int) -> np.ndarray:
        return self.finish(index, self.compose(index))

    def compose(self, index: int) -> Image.Image:
        """The picture of frame `index` before colour finishing."""
        u = index / max(self.frame_count - 1, 1)
        seconds = index / self.fps
        if self.inputs.first_frame is not None:
            canvas = self._animate_image(u)
        else:
            canvas = self._compose_layers(u, seconds)
        return canvas

    def finish(self, index: int, canvas: Image.Image) -> np.ndarray:
        u = index / max(self.frame_count - 1, 1)
        rgb = canvas if self.finish_pass is None else self.finish_pass.draw(canvas, index)
        flash = self.flash_strength(index / self.fps)
        lut = None
        if self.inputs.first_frame is None:
            lut = self.lut if flash < 0.01 else [int(v + (255 - v) * 0.85 * flash) for v in self.lut]
            rgb = rgb.point(lut)
            if self.scene.monochrome:
                rgb = rgb.convert("L").convert("RGB")
        frame = np.array(rgb)
        if self.precipitation is not None:
            seconds = index / self.fps
            # In image-to-video the weather arrives over the first half second, so frame 0 is the image.
            onset = 1.0 if self.inputs.first_frame is None else min(1.0, seconds / RAIN_ONSET_SECONDS)
            self.precipitation.draw(frame, seconds, onset, self._graded(self.precipitation.colour, lut))
        if self.inputs.last_frame is not None:
            frame = np.asarray(_toward_last_frame(Image.fromarray(frame), self.inputs.last_frame, u))
        return frame

    def _graded(self, colour: np.ndarray, lut: list[int] | None) -> np.ndarray:
        """A colour drawn after the grade, graded as the picture under it was."""
        if lut is None:
            return colour
        graded = np.array([lut[channel * 256 + int(value)] for channel, value in enumerate(colour)], np.float32)
        return np.full(3, graded.mean(), np.float32) if self.scene.monochrome else graded

    def flash_strength(self, seconds: float) -> float:
        """Lightning: full white-out at each flash, decaying over a few frames."""
        return min(1.0, sum(math.exp(-(seconds - f) / FLASH_DECAY_SECONDS) for f in self.flashes if seconds >= f))

    def _compose_layers(self, u: float, seconds: float) -> Image.Image:
        assert self.compositor is not None
        boxes = [view_box(self.scene.camera, u, band.parallax, self.energy, self.size, self.panorama)
                 for band in self.compositor.bands]
        if self._background is not None and self._background[0] == boxes:
            canvas = self._background[1].copy()  # a locked-off camera: compose the layers once
        else:
            canvas = self.compositor.compose(boxes)
            self._background = (boxes, canvas.copy())
        if self.mist is not None:
            self.mist.draw(canvas, seconds)
        if self.flying is not None:
            self.flying.draw(canvas, seconds)
        if self.crowd is not None:
            self.crowd.draw(canvas, seconds)
        if self.cast is not None:
            self.cast.draw(canvas, u, seconds)
        if self.product is not None:
            turns = 0.5 * self.energy if self.scene.camera.value == "orbit" else 0.08 * self.energy
            self.product.draw(canvas, u, turns)
        return canvas

    def _animate_image(self, u: float) -> Image.Image:
        first, motion = self.inputs.first_frame, self.image_motion
        assert first is not None and motion is not None
        box = image_box(motion, u, self.size)
        if box == (0.0, 0.0, float(self.size[0]), float(self.size[1])):
            return first.copy()  # frame 0 is exactly the given image
        if motion.move in (CameraMove.PAN_LEFT, CameraMove.PAN_RIGHT, CameraMove.ORBIT):
            mesh = image_mesh(motion, u, self.size)
            moved = first.transform(self.size, Image.Transform.MESH, mesh, Image.Resampling.BILINEAR)
        else:
            moved = first.resize(self.size, Image.Resampling.BICUBIC, box=box)
        gains = image_light(motion, u)
        return moved.point([min(255, int(v * gain + 0.5)) for gain in gains for v in range(256)])


def _toward_last_frame(frame: Image.Image, last: Image.Image, u: float) -> Image.Image:
    """Cross-fade over the final quarter so the clip lands exactly on the requested last frame."""
    if u <= 0.75:
        return frame
    t = (u - 0.75) / 0.25
    alpha = t * t * (3 - 2 * t)
    return last.copy() if alpha >= 1.0 else Image.blend(frame, last, alpha)


def _asset_layer(asset: Image.Image, panorama: tuple[int, int], horizon: float) -> Layer:
    """Place a reference asset as the scene's subject, standing on the ground with a shadow."""
    pw, ph = panorama
    target_h = int(ph * 0.4)
    scale = target_h / asset.height
    subject = asset.convert("RGBA").resize((max(int(asset.width * scale), 1), target_h), Image.Resampling.LANCZOS)
    if asset.mode != "RGBA":
        # An opaque photo gets a feathered oval matte so it sits in the scene instead of on it.
        matte = Image.new("L", subject.size, 0)
        ImageDraw.Draw(matte).ellipse((0, 0, subject.width, subject.height), fill=255)
        subject.putalpha(matte.filter(ImageFilter.GaussianBlur(subject.height / 25)))
    layer = Image.new("RGBA", panorama, (0, 0, 0, 0))
    x, y = (pw - subject.width) // 2, int(ph * (horizon + 0.12)) - subject.height
    shadow = Image.new("RGBA", panorama, (0, 0, 0, 0))
    ImageDraw.Draw(shadow).ellipse((pw / 2 - subject.width * 0.45, y + subject.height * 0.94,
                                    pw / 2 + subject.width * 0.45, y + subject.height * 1.04), fill=(0, 0, 0, 140))
    layer.alpha_composite(shadow.filter(ImageFilter.GaussianBlur(ph / 90)))
    layer.alpha_composite(subject, (x, y))
    return Layer(layer, 0.8)
