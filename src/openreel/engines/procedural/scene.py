"""Read a prompt into a SceneDescription: setting, time of day, weather, palette, camera move,
the road or beach in it, and its subjects (cast.py).

Keyword reading, not language understanding: the procedural engine is a renderer, and this is
the part that decides what it renders. Words in the negative prompt remove what they name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum

from openreel.engines.procedural.cast import WORDS, Kind, SubjectSpec, read_subjects, subject_colours


class Setting(StrEnum):
    MOUNTAINS = "mountains"
    SEA = "sea"
    CITY = "city"
    FOREST = "forest"
    DESERT = "desert"
    SKY = "sky"
    SPACE = "space"
    PRODUCT = "product"
    ABSTRACT = "abstract"
    MOON = "moon surface"
    UNDERWATER = "underwater"
    SNOWFIELD = "snowfield"
    KITCHEN = "kitchen"
    ROOM = "room"
    OFFICE = "office"
    STAGE = "stage"


# Indoors: no sky, no weather of their own, lit by lamps whatever the time of day.
INTERIORS = frozenset({Setting.KITCHEN, Setting.ROOM, Setting.OFFICE, Setting.STAGE, Setting.PRODUCT})
# Where nothing stands on the ground, flies or drives: space, a studio's turntable, abstract shapes.
NO_GROUND = frozenset({Setting.SPACE, Setting.PRODUCT, Setting.ABSTRACT})


class Road(StrEnum):
    ROAD = "road"
    HIGHWAY = "highway"
    RAILWAY = "railway"


class TimeOfDay(StrEnum):
    DAWN = "dawn"
    GOLDEN_HOUR = "golden hour"
    NOON = "noon"
    SUNSET = "sunset"
    NIGHT = "night"


class Weather(StrEnum):
    CLEAR = "clear"
    MIST = "mist"
    RAIN = "rain"
    SNOW = "snow"


class CameraMove(StrEnum):
    STATIC = "static"
    PAN_RIGHT = "pan left to right"
    PAN_LEFT = "pan right to left"
    TILT_UP = "tilt up"
    TILT_DOWN = "tilt down"
    ZOOM_IN = "dolly in"
    ZOOM_OUT = "dolly out"
    AERIAL = "aerial glide"
    ORBIT = "orbit"


@dataclass(frozen=True)
class SceneDescription:
    setting: Setting
    time_of_day: TimeOfDay
    weather: Weather
    camera: CameraMove
    has_water: bool = False
    neon: bool = False
    wet_ground: bool = False
    flying_objects: bool = False
    # An RGB tint in [0, 1] the palette words ask for, and how strongly to grade toward it.
    tint: tuple[float, float, float] | None = None
    tint_strength: float = 0.0
    monochrome: bool = False
    pastel: bool = False
    # Finishing the prompt asks for: film grain ("35mm", "vintage"...), a vignette ("moody"...).
    film_grain: bool = False
    vignette: bool = False
    lightning: bool = False
    crowd: bool = False
    road: Road | None = None
    bridge: bool = False
    beach: bool = False
    red_planet: bool = False  # a planet's surface that is Mars, not the moon
    subjects: tuple[SubjectSpec, ...] = ()
    # How loud the place is meant to sound, in LU around the -23 LUFS reference.
    intensity_lu: float = 0.0


def _has(text: str, *words: str) -> bool:
    return any(re.search(rf"\b{re.escape(w)}", text) for w in words)


# What a negative prompt may call each kind of subject.
_NAMES: dict[Kind, tuple[str, ...]] = {kind: WORDS[kind] + (("people", "humans", "human", "persons")
                                                            if kind is Kind.PERSON else ()) for kind in Kind}


def _has_word(text: str, *words: str) -> bool:
    """Whole words (or their plurals): "watch" is not found in "watching", nor "space" in "spaceship"."""
    return any(re.search(rf"\b{re.escape(w)}(?:s|es)?\b", text) for w in words)


# In order: the first setting named wins ("a kitchen in a city apartment" is a kitchen); words that
# name a place come before words that name a thing ("stars", "a bottle"), so "watching the stars on
# a beach" is a beach.
_SETTINGS: tuple[tuple[Setting, tuple[str, ...]], ...] = (
    (Setting.UNDERWATER, ("underwater", "under the sea", "under water", "coral", "reef", "seabed", "sea floor",
                          "ocean floor", "scuba", "diver", "school of fish", "aquarium")),
    (Setting.MOON, ("on the moon", "lunar", "moon's surface", "surface of the moon", "moon surface", "moonscape",
                    "moon landing", "on mars", "mars surface", "surface of mars", "red planet", "martian",
                    "planet surface", "alien planet", "crater")),
    (Setting.KITCHEN, ("kitchen",)),
    (Setting.OFFICE, ("office", "desk", "cubicle", "workspace")),
    (Setting.STAGE, ("stage", "concert", "theatre", "theater", "spotlight")),
    (Setting.ROOM, ("room", "bedroom", "living room", "interior", "apartment", "indoors", "sofa", "couch",
                    "wooden floor", "fireplace", "cafe", "café", "restaurant", "library")),
    (Setting.CITY, ("city", "cities", "street", "skyline", "tokyo", "downtown", "urban", "skyscraper",
                    "neon sign", "new york", "building", "alley", "avenue")),
    (Setting.DESERT, ("desert", "dune", "sahara", "canyon")),
    (Setting.FOREST, ("forest", "woods", "tree", "jungle", "woodland")),
    (Setting.SNOWFIELD, ("snowfield", "snowy plain", "snow field", "snowy field", "field of snow", "tundra",
                         "glacier", "arctic", "antarctic", "snow-covered", "frozen lake", "ski slope")),
    (Setting.MOUNTAINS, ("mountain", "alps", "peak", "hill", "valley", "meadow", "field", "grassland", "prairie",
                         "farmland", "countryside")),
    (Setting.SEA, ("sea", "ocean", "bay", "beach", "coast", "coastal", "wave", "harbor", "harbour", "shore",
                   "seaside", "lighthouse")),
    (Setting.PRODUCT, ("product", "watch", "bottle", "sneaker", "perfume", "showcase", "on a dark surface",
                       "turntable", "jewel", "jewelry", "studio")),
    (Setting.SPACE, ("space", "galaxy", "nebula", "planet", "stars", "cosmos", "orbit around earth",
                     "outer space")),
    (Setting.SKY, ("sky", "skies", "cloud", "cloudscape")),
    (Setting.ABSTRACT, ("abstract", "shapes", "fluid", "pattern", "particles", "geometric")),
)

_COLOURS: dict[str, tuple[float, float, float]] = {
    "red": (0.9, 0.2, 0.2), "orange": (1.0, 0.55, 0.2), "yellow": (1.0, 0.9, 0.3),
    "green": (0.3, 0.8, 0.35), "teal": (0.2, 0.7, 0.7), "cyan": (0.3, 0.85, 0.95),
    "blue": (0.25, 0.45, 1.0), "purple": (0.6, 0.3, 0.9), "violet": (0.6, 0.35, 0.95),
    "pink": (1.0, 0.5, 0.75), "magenta": (0.95, 0.25, 0.8), "golden": (1.0, 0.78, 0.35),
    "gold": (1.0, 0.78, 0.35), "warm": (1.0, 0.7, 0.45), "cold": (0.45, 0.65, 1.0),
    "cool": (0.5, 0.7, 1.0), "icy": (0.6, 0.8, 1.0), "amber": (1.0, 0.65, 0.2),
}


def describe(prompt: str, negative_prompt: str = "") -> SceneDescription:
    text = prompt.lower()
    setting = next((s for s, words in _SETTINGS if _has_word(text, *words)), Setting.MOUNTAINS)
    negative = negative_prompt.lower()
    subjects = tuple(s for s in read_subjects(text) if not (negative and _has_word(negative, *_NAMES[s.kind])))
    scene = SceneDescription(
        setting=setting,
        time_of_day=_time_of_day(text),
        weather=_weather(text),
        camera=_camera(text, moving_subjects=any(s.heading in ("left", "right") for s in subjects)),
        has_water=_has(text, "lake", "sea", "ocean", "bay", "river", "water", "reflecting pool", "pond", "stream",
                       "creek")
        or setting is Setting.SEA,
        neon=_has(text, "neon", "cyberpunk", "futuristic"),
        wet_ground=_has(text, "wet", "puddle", "rain-soaked", "reflecting in", "reflections"),
        flying_objects=_has(text, "flying car", "drone", "spaceship"),
        monochrome=_has(text, "monochrome", "black and white", "black-and-white", "noir"),
        pastel=_has(text, "pastel"),
        film_grain=_has(text, "film grain", "grain", "35mm", "16mm", "8mm", "vintage", "retro", "analog",
                        "noir", "old film"),
        vignette=_has(text, "dramatic", "moody", "vignette", "noir", "vintage", "old film"),
        lightning=_has(text, "storm", "thunder", "lightning"),  # "thunder" also finds "thunderstorm"
        intensity_lu=_intensity(text),
    )
    scene = _with_palette(scene, _without_subject_colours(text))
    scene = _with_cast(scene, text, subjects)
    if scene.setting is Setting.MOON and _has_word(text, "mars", "red planet", "martian"):
        scene = replace(scene, red_planet=True)
    if scene.setting in INTERIORS - {Setting.PRODUCT} | {Setting.UNDERWATER, Setting.MOON}:
        scene = replace(scene, weather=Weather.CLEAR, lightning=False)  # no weather indoors, under water, on the moon
    if scene.neon and scene.time_of_day is TimeOfDay.NOON and not _has(text, "day", "noon", "morning"):
        scene = replace(scene, time_of_day=TimeOfDay.NIGHT)
    if scene.setting is Setting.ABSTRACT and scene.camera is CameraMove.STATIC and not _has(text, "static", "still"):
        scene = replace(scene, camera=CameraMove.PAN_RIGHT)  # abstract motion drifts unless told to hold
    if scene.setting not in NO_GROUND | {Setting.UNDERWATER, Setting.MOON} and (
            _has(text, "crowd", "people", "pedestrians", "audience", "commuters", "tourists")
            or scene.setting is Setting.CITY and _has(text, "busy")):
        scene = replace(scene, crowd=True)
    return _without(scene, negative) if negative else scene


# Which settings each kind of subject can be drawn in: on the ground, in the sky, on water, under it.
_OUTDOORS_WITH_SKY = frozenset(Setting) - INTERIORS - NO_GROUND - {Setting.UNDERWATER, Setting.MOON}
_ON_THE_GROUND = frozenset(Setting) - NO_GROUND - {Setting.UNDERWATER}
_PLACES_FOR: dict[Kind, frozenset[Setting]] = {
    Kind.CAR: _ON_THE_GROUND - INTERIORS,
    Kind.TRAIN: _ON_THE_GROUND - INTERIORS - {Setting.MOON},
    Kind.BOAT: frozenset({Setting.SEA, Setting.MOUNTAINS, Setting.FOREST, Setting.DESERT, Setting.SNOWFIELD}),
    Kind.PLANE: _OUTDOORS_WITH_SKY,
    Kind.BIRD: _OUTDOORS_WITH_SKY,
    Kind.FISH: frozenset({Setting.UNDERWATER}),
    Kind.CAT: _ON_THE_GROUND - {Setting.MOON} | {Setting.PRODUCT},
    Kind.DOG: _ON_THE_GROUND - {Setting.MOON} | {Setting.PRODUCT},
    Kind.HORSE: _ON_THE_GROUND - INTERIORS - {Setting.MOON, Setting.CITY},
    Kind.PERSON: _ON_THE_GROUND | {Setting.UNDERWATER, Setting.PRODUCT},
}
_ROAD_KINDS = (Kind.CAR,)
_LAND_KINDS = (Kind.CAR, Kind.TRAIN, Kind.CAT, Kind.DOG, Kind.HORSE, Kind.PERSON)


def _with_cast(scene: SceneDescription, text: str, subjects: tuple[SubjectSpec, ...]) -> SceneDescription:
    """The subjects the setting can hold, and the road, bridge, beach or water they need."""
    drawn = tuple(s for s in subjects if scene.setting in _PLACES_FOR[s.kind])
    kinds = {s.kind for s in drawn}
    outdoors = scene.setting not in INTERIORS | NO_GROUND | {Setting.UNDERWATER}
    road = None
    if outdoors and scene.setting not in (Setting.CITY, Setting.MOON):  # a rover on the moon needs no road
        if _has_word(text, "highway", "freeway", "motorway", "interstate"):
            road = Road.HIGHWAY
        elif _has_word(text, "road", "racetrack", "lane") or kinds & set(_ROAD_KINDS):
            road = Road.ROAD
        elif Kind.TRAIN in kinds or _has_word(text, "railway", "railroad", "rail track", "train track"):
            road = Road.RAILWAY
    beach = scene.setting is Setting.SEA and (_has_word(text, "beach", "shore", "sand", "sandy")
                                               or bool(kinds & set(_LAND_KINDS)) and road is None)
    water = scene.has_water or Kind.BOAT in kinds
    bridge = outdoors and scene.setting not in (Setting.MOON, Setting.SKY) and _has_word(text, "bridge")
    return replace(scene, subjects=drawn, road=road, beach=beach, has_water=water, bridge=bridge)


def _without_subject_colours(text: str) -> str:
    """The prompt without the colour words that belong to a subject: "a red car" is a red car, not
    a red grade over the picture."""
    chars = list(text)
    for colour in subject_colours(text):
        chars[colour.start:colour.start + len(colour.word)] = " " * len(colour.word)
    return "".join(chars)


def _intensity(text: str) -> float:
    """Quiet places are normalised below the -23 LUFS reference, loud ones above it."""
    level = 0.0
    if _has(text, "heavy", "storm", "busy", "roaring", "pouring", "downpour", "crowded", "thunder"):
        level += 4.0
    if _has(text, "quiet", "calm", "still", "silent", "gentle", "peaceful", "serene", "tranquil"):
        level -= 5.0
    if _has(text, "night", "midnight") and not _has(text, "busy", "neon", "city", "street"):
        level -= 2.0
    return level


def _time_of_day(text: str) -> TimeOfDay:
    if _has(text, "golden hour", "golden-hour", "late afternoon"):
        return TimeOfDay.GOLDEN_HOUR
    if _has(text, "sunset", "dusk", "evening", "twilight"):
        return TimeOfDay.SUNSET
    if _has(text, "dawn", "sunrise", "daybreak", "early morning", "morning"):
        return TimeOfDay.DAWN
    if _has(text, "night", "midnight", "moonlit", "moonlight", "starry"):
        return TimeOfDay.NIGHT
    return TimeOfDay.NOON


def _weather(text: str) -> Weather:
    # Falling snow: not the snow of a snowfield or a snow-covered hill, which lies on the ground.
    if re.search(r"\b(?:snow|snowy|snowing|snowfall|snowflakes?|blizzard|wintry)(?![\w-])(?! field| plain)", text):
        return Weather.SNOW
    if _has(text, "rain", "storm", "thunderstorm", "drizzle", "downpour"):
        return Weather.RAIN
    if _has(text, "mist", "fog", "haze", "misty", "foggy"):
        return Weather.MIST
    return Weather.CLEAR


def _camera(text: str, moving_subjects: bool = False) -> CameraMove:
    # "pan right to left" contains "pan right": the explicit from-to phrases are read first. With a
    # subject moving across, "from left to right" is how it moves, unless the camera is named.
    camera_named = not moving_subjects or _has(text, "pan", "camera", "tracking", "truck")
    if camera_named and _has(text, "left to right"):
        return CameraMove.PAN_RIGHT
    if camera_named and _has(text, "right to left"):
        return CameraMove.PAN_LEFT
    if _has(text, "pans right", "pan right", "panning right", "truck right"):
        return CameraMove.PAN_RIGHT
    if _has(text, "pans left", "pan left", "panning left", "truck left"):
        return CameraMove.PAN_LEFT
    if _has(text, "orbit", "rotating", "rotate", "revolving", "turntable", "360"):
        return CameraMove.ORBIT
    if _has(text, "zoom out", "dolly out", "dollies out", "pull back", "pulls back", "pulling back", "pull out"):
        return CameraMove.ZOOM_OUT
    if _has(text, "zoom in", "zooms in", "dolly in", "dollies in", "push in", "pushes in", "close-up", "closer"):
        return CameraMove.ZOOM_IN
    if _has(text, "aerial", "drone shot", "flyover", "fly over", "bird's-eye", "birds-eye"):
        return CameraMove.AERIAL
    if _has(text, "tilt up", "tilts up", "crane up"):
        return CameraMove.TILT_UP
    if _has(text, "tilt down", "tilts down", "crane down"):
        return CameraMove.TILT_DOWN
    if _has(text, "static", "still shot", "locked-off", "tripod", "timelapse", "time-lapse"):
        return CameraMove.STATIC
    if _has(text, "tracking", "follows", "following"):
        return CameraMove.PAN_RIGHT
    if _has(text, "slow pan", "panning", "pan "):
        return CameraMove.PAN_RIGHT
    return CameraMove.STATIC


def _with_palette(scene: SceneDescription, text: str) -> SceneDescription:
    found = [rgb for word, rgb in _COLOURS.items() if _has(text, word)]
    if not found:
        return scene
    tint = tuple(sum(c[i] for c in found) / len(found) for i in range(3))
    return replace(scene, tint=(tint[0], tint[1], tint[2]), tint_strength=0.22)


def _without(scene: SceneDescription, negative: str) -> SceneDescription:
    """Drop what the negative prompt names ("rain", "fog", "people"...)."""
    if scene.weather is Weather.RAIN and _has(negative, "rain", "storm"):
        scene = replace(scene, weather=Weather.CLEAR)
    if _has(negative, "lightning", "thunder", "storm"):
        scene = replace(scene, lightning=False)
    if scene.weather is Weather.SNOW and _has(negative, "snow"):
        scene = replace(scene, weather=Weather.CLEAR)
    if scene.weather is Weather.MIST and _has(negative, "mist", "fog", "haze"):
        scene = replace(scene, weather=Weather.CLEAR)
    if _has(negative, "neon"):
        scene = replace(scene, neon=False)
    if _has(negative, "water", "lake", "sea", "reflection"):
        scene = replace(scene, has_water=False, wet_ground=False)
    if _has(negative, "camera movement", "camera motion", "motion", "movement", "shaky"):
        scene = replace(scene, camera=CameraMove.STATIC)
    if _has(negative, "people", "crowd", "pedestrians"):
        scene = replace(scene, crowd=False)
    if _has(negative, "flying", "drone", "cars"):
        scene = replace(scene, flying_objects=False)
    if _has(negative, "monochrome", "black and white"):
        scene = replace(scene, monochrome=False)
    if _has(negative, "grain", "noise"):
        scene = replace(scene, film_grain=False)
    if _has(negative, "vignette"):
        scene = replace(scene, vignette=False)
    return scene


def enhanced_prompt(prompt: str, scene: SceneDescription) -> str:
    """A deterministic, richer shot description; rendering reads the same scene from it."""
    parts = [prompt.rstrip(". "), f"Shot: {scene.camera.value} over a {scene.setting.value} scene",
             f"{scene.time_of_day.value} light"]
    if scene.weather is not Weather.CLEAR:
        parts.append(f"{scene.weather.value} in the air")
    if scene.neon:
        parts.append("neon glow")
    if scene.has_water or scene.wet_ground:
        parts.append("reflections on the water")
    parts.append("layered depth with parallax, filmic tone curve, fine grain, 24 fps")
    return ". ".join(parts[:2]) + ", " + ", ".join(parts[2:]) + "."
