"""Indoor places: a room, a kitchen, an office and a stage, each a back wall, what stands against
it, and a floor in front (the horizon is where wall meets floor). There is no sky: a window shows
the time of day, and lamps light the room at night."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from openreel.engines.procedural.layers import Layer, gradient, quantise, soft_blot
from openreel.engines.procedural.palette import Light, dimmed, mix, to_bytes
from openreel.engines.procedural.scene import SceneDescription, Setting

RGB = tuple[float, float, float]

_WALLS: dict[Setting, tuple[RGB, ...]] = {
    Setting.ROOM: ((0.82, 0.74, 0.62), (0.62, 0.7, 0.66), (0.78, 0.66, 0.6)),
    Setting.KITCHEN: ((0.9, 0.9, 0.86), (0.8, 0.86, 0.84)),
    Setting.OFFICE: ((0.78, 0.8, 0.82), (0.86, 0.84, 0.8)),
    Setting.STAGE: ((0.08, 0.06, 0.1),),
}


def interior(scene: SceneDescription, light: Light, w: int, h: int, horizon: float,
             rng: np.random.Generator) -> list[Layer]:
    """The back wall with its window and furniture, then the floor."""
    lamp = 0.95 if not light.is_night else 0.7
    walls = _WALLS[scene.setting]
    wall = walls[int(rng.integers(0, len(walls)))]
    floor_y = int(h * horizon)
    shaded = gradient(dimmed(wall, lamp * 0.8), dimmed(wall, lamp), w, floor_y)
    backdrop = Image.new("RGB", (w, h))
    backdrop.paste(Image.fromarray(quantise(np.ascontiguousarray(shaded), rng), "RGB"), (0, 0))
    draw = ImageDraw.Draw(backdrop)
    if scene.setting is Setting.STAGE:
        _stage(backdrop, draw, w, h, floor_y, rng)
    else:
        _windows(draw, light, w, floor_y, rng)
        {Setting.ROOM: _room, Setting.KITCHEN: _kitchen, Setting.OFFICE: _office}[scene.setting](
            backdrop, draw, w, h, floor_y, lamp, light.is_night, rng)
    floor = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    _floor(floor, scene.setting, w, h, floor_y, lamp)
    return [Layer(backdrop.convert("RGBA"), 0.3), Layer(floor, 0.9)]


def _windows(draw: ImageDraw.ImageDraw, light: Light, w: int, floor_y: int, rng: np.random.Generator) -> None:
    """Windows that show the outside light (pale blue by day, a deep blue at night), kept low on
    the wall and framed."""
    outside = mix(light.sky_top, light.horizon, 0.5)
    for x in rng.choice(np.arange(0.1, 0.9, 0.2), size=2, replace=False) * w:
        box = (x, floor_y * 0.28, x + w * 0.1, floor_y * 0.72)
        draw.rectangle(box, fill=to_bytes(outside))
        frame = (245, 245, 240)
        draw.rectangle(box, outline=frame, width=max(w // 400, 3))
        draw.line((box[0], (box[1] + box[3]) / 2, box[2], (box[1] + box[3]) / 2), fill=frame, width=max(w // 600, 2))
        draw.line(((box[0] + box[2]) / 2, box[1], (box[0] + box[2]) / 2, box[3]), fill=frame, width=max(w // 600, 2))


def _room(image: Image.Image, draw: ImageDraw.ImageDraw, w: int, h: int, floor_y: int, lamp: float, night: bool,
          rng: np.random.Generator) -> None:
    """A sofa, a lamp, a picture and a bookshelf."""
    sofas: tuple[RGB, ...] = ((0.45, 0.25, 0.22), (0.25, 0.32, 0.45))
    sofa = to_bytes(dimmed(sofas[int(rng.integers(0, 2))], lamp))
    x = w * rng.uniform(0.3, 0.5)
    draw.rounded_rectangle((x, floor_y - h * 0.17, x + w * 0.22, floor_y - h * 0.02), radius=h * 0.03, fill=sofa)
    draw.rounded_rectangle((x - w * 0.01, floor_y - h * 0.1, x + w * 0.23, floor_y), radius=h * 0.02, fill=sofa)
    lamp_x = x + w * 0.28
    draw.line((lamp_x, floor_y, lamp_x, floor_y - h * 0.3), fill=(40, 38, 36), width=max(h // 200, 2))
    draw.polygon([(lamp_x - h * 0.05, floor_y - h * 0.3), (lamp_x + h * 0.05, floor_y - h * 0.3),
                  (lamp_x + h * 0.03, floor_y - h * 0.37), (lamp_x - h * 0.03, floor_y - h * 0.37)],
                 fill=(240, 220, 170))
    if night:
        soft_blot(image, (lamp_x, floor_y - h * 0.3), h * 0.2, (1.0, 0.8, 0.5), 90, h * 0.08)
    frame_x = x + w * 0.06
    draw.rectangle((frame_x, floor_y - h * 0.42, frame_x + w * 0.1, floor_y - h * 0.28), fill=(60, 50, 40))
    draw.rectangle((frame_x + h * 0.01, floor_y - h * 0.41, frame_x + w * 0.1 - h * 0.01, floor_y - h * 0.29),
                   fill=to_bytes((0.3 * lamp, 0.5 * lamp, 0.6 * lamp)))
    shelf_x = w * rng.uniform(0.65, 0.8)
    draw.rectangle((shelf_x, floor_y - h * 0.4, shelf_x + w * 0.08, floor_y), fill=to_bytes((0.4 * lamp, 0.27 * lamp,
                                                                                            0.16 * lamp)))
    for row in range(4):
        y = floor_y - h * 0.38 + row * h * 0.095
        for k in range(6):
            red, green, blue = (float(v) * lamp for v in rng.uniform(0.2, 0.8, 3))
            colour = to_bytes((red, green, blue))
            draw.rectangle((shelf_x + w * 0.005 + k * w * 0.012, y, shelf_x + w * 0.014 + k * w * 0.012,
                            y + h * 0.07), fill=colour)


def _kitchen(image: Image.Image, draw: ImageDraw.ImageDraw, w: int, h: int, floor_y: int, lamp: float, night: bool,
             rng: np.random.Generator) -> None:
    """Tiles, wall cupboards, a worktop on base units, a hob with a pan and a hood."""
    tile = max(h // 30, 6)
    grout = to_bytes((0.75 * lamp, 0.75 * lamp, 0.72 * lamp))
    counter_top = floor_y - h * 0.2
    for y in range(int(floor_y * 0.35), int(counter_top), tile):
        draw.line((0, y, w, y), fill=grout, width=1)
    for x in range(0, w, tile):
        draw.line((x, floor_y * 0.35, x, counter_top), fill=grout, width=1)
    woods: tuple[RGB, ...] = ((0.35, 0.45, 0.4), (0.55, 0.4, 0.28))
    wood = to_bytes(dimmed(woods[int(rng.integers(0, 2))], lamp))
    draw.rectangle((0, floor_y * 0.08, w, floor_y * 0.32), fill=wood)
    draw.rectangle((0, counter_top, w, floor_y), fill=wood)
    draw.rectangle((0, counter_top - h * 0.015, w, counter_top + h * 0.01), fill=to_bytes((0.85 * lamp,) * 3))
    for door in np.arange(0, w, w * 0.06):
        draw.line((door, floor_y * 0.08, door, floor_y * 0.32), fill=(0, 0, 0), width=1)
        draw.line((door, counter_top + h * 0.01, door, floor_y), fill=(0, 0, 0), width=1)
    hob = w * rng.uniform(0.4, 0.6)
    draw.rectangle((hob, counter_top - h * 0.02, hob + w * 0.08, counter_top), fill=(30, 30, 32))
    draw.polygon([(hob - w * 0.01, floor_y * 0.32), (hob + w * 0.09, floor_y * 0.32),
                  (hob + w * 0.07, floor_y * 0.22), (hob + w * 0.01, floor_y * 0.22)], fill=(170, 172, 176))
    draw.rounded_rectangle((hob + w * 0.01, counter_top - h * 0.06, hob + w * 0.05, counter_top - h * 0.02),
                           radius=h * 0.01, fill=(60, 60, 64))
    draw.line((hob + w * 0.05, counter_top - h * 0.045, hob + w * 0.075, counter_top - h * 0.05), fill=(60, 60, 64),
              width=max(h // 150, 2))


def _office(image: Image.Image, draw: ImageDraw.ImageDraw, w: int, h: int, floor_y: int, lamp: float, night: bool,
            rng: np.random.Generator) -> None:
    """Desks with monitors and chairs, a shelf of folders."""
    for x in rng.uniform(0.1, 0.75, 2) * w:
        top = floor_y - h * 0.14
        draw.rectangle((x, top, x + w * 0.15, top + h * 0.015), fill=to_bytes((0.6 * lamp, 0.5 * lamp, 0.4 * lamp)))
        for leg in (x + w * 0.005, x + w * 0.14):
            draw.rectangle((leg, top, leg + h * 0.008, floor_y), fill=(50, 50, 55))
        draw.rectangle((x + w * 0.04, top - h * 0.1, x + w * 0.1, top - h * 0.02), fill=(25, 25, 30))
        draw.rectangle((x + w * 0.045, top - h * 0.095, x + w * 0.095, top - h * 0.025),
                       fill=to_bytes((0.4, 0.6, 0.85)))
        draw.rectangle((x + w * 0.068, top - h * 0.02, x + w * 0.072, top), fill=(25, 25, 30))
        draw.rounded_rectangle((x + w * 0.16, floor_y - h * 0.18, x + w * 0.2, floor_y - h * 0.06), radius=h * 0.01,
                               fill=(35, 35, 45))


def _stage(image: Image.Image, draw: ImageDraw.ImageDraw, w: int, h: int, floor_y: int,
           rng: np.random.Generator) -> None:
    """Dark drapes, red curtains at the sides, spotlight cones from above."""
    curtain = (140, 20, 30)
    for x in np.arange(0, w * 0.12, w * 0.012):
        draw.rectangle((x, 0, x + w * 0.008, floor_y), fill=curtain)
        draw.rectangle((w - x - w * 0.008, 0, w - x, floor_y), fill=curtain)
    beams = Image.new("L", (w // 4, h // 4), 0)
    beam_draw = ImageDraw.Draw(beams)
    for x in rng.uniform(0.25, 0.75, 3) * w / 4:
        beam_draw.polygon([(x - h / 160, 0), (x + h / 160, 0), (x + h / 20, floor_y / 4), (x - h / 20, floor_y / 4)],
                          fill=90)
    beams = beams.filter(ImageFilter.GaussianBlur(h / 200)).resize((w, h), Image.Resampling.BILINEAR)
    image.paste(Image.new("RGB", (w, h), (255, 235, 190)), (0, 0), beams)


def _floor(layer: Image.Image, setting: Setting, w: int, h: int, floor_y: int, lamp: float) -> None:
    """Boards, tiles or carpet from the wall's foot to the foreground."""
    colour = {Setting.ROOM: (0.5, 0.34, 0.2), Setting.KITCHEN: (0.72, 0.7, 0.66), Setting.OFFICE: (0.38, 0.4, 0.44),
              Setting.STAGE: (0.32, 0.22, 0.14)}[setting]
    draw = ImageDraw.Draw(layer)
    draw.rectangle((0, floor_y, w, h), fill=to_bytes(dimmed(colour, lamp)) + (255,))
    seam = to_bytes(dimmed(colour, lamp * 0.75)) + (255,)
    if setting is Setting.OFFICE:
        return  # carpet
    step = max(h // 40, 4)
    for k, y in enumerate(range(floor_y, h, step)):
        draw.line((0, y, w, y), fill=seam, width=1)
        if setting is Setting.KITCHEN:
            for x in range(0, w, step * 3):
                draw.line((x, y, x, y + step), fill=seam, width=1)
        else:
            for x in range((k * 97) % (step * 9), w, step * 9):
                draw.line((x, y, x, y + step), fill=seam, width=1)
    draw.rectangle((0, floor_y - h * 0.012, w, floor_y), fill=to_bytes((0.92 * lamp,) * 3) + (255,))  # skirting
