"""Which layers draw a scene, back to front, and where in it its subjects go.

layers.py draws the landscapes, places.py the moon, the sea floor, snowfields, roads, bridges and
beaches, interiors.py the rooms; this module puts them together and says, for actors.py, where
the ground, the road, the water and the sky are.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from openreel.engines.procedural import interiors, layers, places
from openreel.engines.procedural.layers import Layer
from openreel.engines.procedural.palette import LIGHTS, Light, overcast
from openreel.engines.procedural.scene import INTERIORS, SceneDescription, Setting, Weather

# The horizon's height as a fraction of the panorama from the top (indoors: where wall meets floor).
_HORIZONS = {Setting.SKY: 0.85, Setting.SPACE: 1.0, Setting.PRODUCT: 0.62, Setting.CITY: 0.66, Setting.SEA: 0.52,
             Setting.MOON: 0.6, Setting.UNDERWATER: 0.8, Setting.SNOWFIELD: 0.56, Setting.KITCHEN: 0.7,
             Setting.ROOM: 0.7, Setting.OFFICE: 0.7, Setting.STAGE: 0.7}
# Places that draw their own backdrop in place of the sky.
_OWN_BACKDROP = INTERIORS - {Setting.PRODUCT} | {Setting.MOON, Setting.UNDERWATER}
_NO_WATER = frozenset({Setting.SPACE, Setting.PRODUCT, Setting.CITY, Setting.UNDERWATER, Setting.MOON}) | INTERIORS


@dataclass(frozen=True)
class Ground:
    """Where subjects go, as fractions of the panorama's height from the top."""

    horizon: float
    lane: float | None  # where wheels touch the road, railway or bridge deck
    stand: tuple[float, float]  # the band where people and animals stand, far edge to near edge
    water: float | None  # the waterline boats float on
    sky: tuple[float, float]  # where birds and planes fly
    light: Light


def shows_water(scene: SceneDescription) -> bool:
    """Whether a lake, river or sea surface is drawn below the horizon."""
    return scene.has_water and scene.setting not in _NO_WATER


def light_of(scene: SceneDescription) -> Light:
    light = LIGHTS[scene.time_of_day]
    if scene.setting is Setting.ABSTRACT:
        light = replace(light, sky_top=(0.02, 0.02, 0.05), horizon=(0.08, 0.05, 0.12), sun_height=2.0)
    if scene.weather in (Weather.RAIN, Weather.SNOW) and scene.setting not in _OWN_BACKDROP:
        light = overcast(light)
    return light


def build_world(scene: SceneDescription, pw: int, ph: int, rng: np.random.Generator) -> tuple[list[Layer], Ground]:
    """All layers at panorama size (pw, ph), back to front, and where its subjects go."""
    light = light_of(scene)
    horizon = _HORIZONS.get(scene.setting, 0.58)
    drawn: list[Layer] = []
    if scene.setting in INTERIORS - {Setting.PRODUCT}:
        drawn = interiors.interior(scene, light, pw, ph, horizon, rng)
    elif scene.setting is Setting.MOON:
        drawn = places.moon(scene, light, pw, ph, horizon, rng)
    elif scene.setting is Setting.UNDERWATER:
        drawn = places.underwater(scene, light, pw, ph, horizon, rng)
    else:
        drawn = [Layer(layers.sky(scene, light, pw, ph, horizon, rng), 0.04)]
        builder = _BUILDERS.get(scene.setting)
        if builder is not None:
            drawn += builder(scene, light, pw, ph, horizon, rng)
    if shows_water(scene):
        drawn.append(layers.water(drawn, light, pw, ph, horizon, rng))
    if scene.bridge:
        drawn.append(places.bridge(scene, light, pw, ph, horizon, rng))
    if scene.beach:
        drawn.append(places.beach(scene, light, pw, ph, horizon))
    if scene.road is not None:
        drawn.append(places.road(scene, light, pw, ph, horizon))
    return drawn, _ground(scene, horizon, light)


def _ground(scene: SceneDescription, horizon: float, light: Light) -> Ground:
    """Where wheels run: a bridge's deck over a road, a road over a city's street. Where people and
    animals stand: a room's floor, a beach's sand, a city's pavement, in front of a road, or else
    the near ground."""
    lane = None
    if scene.bridge:
        lane = horizon + places.BRIDGE_DECK
    elif scene.road is not None:
        top, bottom = places.road_band(scene, horizon)
        lane = top + (bottom - top) * 0.7
    elif scene.setting is Setting.CITY:
        lane = horizon + 0.19  # the street
    if scene.setting in INTERIORS:
        stand = (horizon + 0.03, horizon + 0.16)
    elif scene.beach:
        stand = (horizon + places.BEACH_TOP + 0.04, horizon + 0.3)
    elif scene.setting is Setting.CITY:
        stand = (horizon + 0.13, horizon + 0.2)
    elif scene.road is not None:
        bottom = places.road_band(scene, horizon)[1]
        stand = (bottom + 0.02, bottom + 0.12)
    else:
        stand = (horizon + 0.06, horizon + 0.26)
    water = horizon + 0.05 if shows_water(scene) else None
    sky = (0.2, max(horizon - 0.12, 0.3))
    return Ground(horizon, None if lane is None else min(lane, _LOWEST_IN_VIEW), _in_view(stand),
                  None if water is None else min(water, _LOWEST_IN_VIEW), sky, light)


# The lowest panorama row a centred camera shows (layers.MARGIN leaves a sixth of the height below).
_LOWEST_IN_VIEW = 0.86


def _in_view(band: tuple[float, float]) -> tuple[float, float]:
    """A standing band kept where the frame shows it, far edge above near edge: under a wide
    highway or a high horizon (a sky scene) it would fall below the frame."""
    near = min(band[1], _LOWEST_IN_VIEW)
    return min(band[0], near - 0.03), near


_BUILDERS = {
    Setting.MOUNTAINS: layers.mountains, Setting.SEA: layers.sea, Setting.FOREST: layers.forest,
    Setting.DESERT: layers.desert, Setting.CITY: layers.city, Setting.SKY: layers.sky_only,
    Setting.SPACE: layers.space, Setting.PRODUCT: layers.product, Setting.ABSTRACT: layers.abstract,
    Setting.SNOWFIELD: places.snowfield,
}
