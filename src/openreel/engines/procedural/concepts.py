"""The procedural engine's account of a prompt: which of its concepts the scene it draws shows.

Two readings of the prompt meet here. The lexicon names the concepts of common video prompts
(places, time of day, weather, camera moves, subjects, styles, colours), each with the words that
name it and a test on the SceneDescription the renderer draws from: a concept is rendered only
when that scene really shows it. Then any other noun the prompt puts after an article ("a ball
of yarn") is listed as not rendered, so nothing a user asked for disappears without a word.

It is keyword reading, like scene.py, and errs towards listing a concept as not rendered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from openreel.domain.concepts import ConceptAccount
from openreel.engines.procedural.cast import COLOURS as CAST_COLOURS
from openreel.engines.procedural.cast import WORDS, Kind, colour_before, subject_colours
from openreel.engines.procedural.scene import (INTERIORS, CameraMove, Road, SceneDescription, Setting, TimeOfDay,
                                               Weather)
from openreel.engines.procedural.layers import CLOUDY
from openreel.engines.procedural.world import shows_water

Drawn = Callable[[SceneDescription], bool]


@dataclass(frozen=True)
class Concept:
    name: str
    words: tuple[str, ...]
    drawn: Drawn
    # Drawn by the layers (place, subject, light): an animated input image shows its own instead.
    scenery: bool = True


def _setting(*settings: Setting) -> Drawn:
    return lambda scene: scene.setting in settings


# Where there is no daylight to show the time of day by: space, a studio, abstract shapes, the moon
# (a black sky whatever the hour), the sea floor.
_TIMELESS = frozenset({Setting.PRODUCT, Setting.SPACE, Setting.ABSTRACT, Setting.MOON, Setting.UNDERWATER,
                       Setting.STAGE})  # a stage has no window
_SKYLESS = INTERIORS | {Setting.ABSTRACT, Setting.UNDERWATER}


def _time(time: TimeOfDay) -> Drawn:
    return lambda scene: scene.time_of_day is time and scene.setting not in _TIMELESS


def _weather(weather: Weather) -> Drawn:
    return lambda scene: scene.weather is weather


def _camera(*moves: CameraMove) -> Drawn:
    return lambda scene: scene.camera in moves


def _subject(kind: Kind) -> Drawn:
    return lambda scene: any(subject.kind is kind for subject in scene.subjects)


def _road(*roads: Road) -> Drawn:
    return lambda scene: scene.road in roads


def _clouds(scene: SceneDescription) -> bool:
    return scene.setting in CLOUDY and scene.time_of_day is not TimeOfDay.NIGHT


def _sky(scene: SceneDescription) -> bool:
    return scene.setting not in _SKYLESS


def _moon(scene: SceneDescription) -> bool:
    """Its surface, or its disc in a night sky (not on Mars, where the sky is dust)."""
    if scene.setting is Setting.MOON:
        return not scene.red_planet
    return scene.time_of_day is TimeOfDay.NIGHT and scene.setting not in _SKYLESS | {Setting.SPACE}


_PLACES = (
    Concept("mountains", ("mountain", "mountains", "alps", "peak", "peaks", "hill", "hills", "valley"),
            _setting(Setting.MOUNTAINS)),
    Concept("field", ("field", "fields", "meadow", "meadows", "grassland", "prairie", "farmland", "countryside"),
            lambda scene: scene.setting is Setting.MOUNTAINS and not shows_water(scene)),
    Concept("sea", ("sea", "ocean", "wave", "waves", "coast", "coastal", "bay", "harbor", "harbour", "seaside"),
            _setting(Setting.SEA)),
    Concept("lake", ("lake", "pond", "reflecting pool", "water"), shows_water),
    Concept("river", ("river", "stream", "creek"), shows_water),
    Concept("city", ("city", "skyline", "downtown", "skyscraper", "skyscrapers", "building", "buildings",
                     "urban", "metropolis", "tokyo", "new york"), _setting(Setting.CITY)),
    Concept("street", ("street", "streets", "alley", "avenue", "pavement", "sidewalk"), _setting(Setting.CITY)),
    Concept("forest", ("forest", "woods", "tree", "trees", "jungle", "woodland", "pine", "pines"),
            _setting(Setting.FOREST)),
    Concept("desert", ("desert", "dune", "dunes", "sahara", "canyon"), _setting(Setting.DESERT)),
    Concept("sky", ("sky", "skies"), _sky),
    Concept("clouds", ("cloud", "clouds", "cloudscape"), _clouds),
    Concept("space", ("space", "outer space", "galaxy", "nebula", "cosmos"), _setting(Setting.SPACE)),
    # Stars shine where the moon's disc or surface does, and in space.
    Concept("stars", ("star", "stars", "starlit"), lambda scene: scene.setting is Setting.SPACE or _moon(scene)),
    Concept("planet", ("planet", "planets", "mars", "jupiter", "saturn"), _setting(Setting.SPACE, Setting.MOON)),
    Concept("moon", ("moon", "lunar", "moonscape"), _moon),
    Concept("earth", ("earth",), lambda scene: scene.setting is Setting.SPACE
            or scene.setting is Setting.MOON and not scene.red_planet),
    Concept("studio", ("studio", "backdrop", "product shot", "showcase", "turntable"), _setting(Setting.PRODUCT)),
    Concept("kitchen", ("kitchen",), _setting(Setting.KITCHEN)),
    # Any interior is a room: "a restaurant kitchen" draws a kitchen, which is one.
    Concept("room", ("room", "bedroom", "living room", "interior", "apartment", "wooden floor", "sofa", "couch",
                     "indoors", "fireplace", "cafe", "café", "restaurant", "library"),
            lambda scene: scene.setting in INTERIORS - {Setting.PRODUCT}),
    Concept("office", ("office", "desk", "cubicle", "workspace"), _setting(Setting.OFFICE)),
    Concept("stage", ("stage", "concert", "theatre", "theater", "spotlight"), _setting(Setting.STAGE)),
    Concept("road", ("road", "roads", "lane", "racetrack"), _road(Road.ROAD, Road.HIGHWAY)),
    Concept("highway", ("highway", "highways", "freeway", "motorway", "interstate"), _road(Road.HIGHWAY)),
    Concept("railway", ("railway", "railroad", "rail track", "train track", "tracks"), _road(Road.RAILWAY)),
    Concept("bridge", ("bridge", "bridges"), lambda scene: scene.bridge),
    Concept("beach", ("beach", "beaches", "shore", "sand", "sandy"), lambda scene: scene.beach),
    Concept("snowfield", ("snowfield", "snowy plain", "snow field", "snowy field", "tundra", "glacier", "arctic",
                          "antarctic", "snow-covered", "ski slope"), _setting(Setting.SNOWFIELD)),
    Concept("underwater", ("underwater", "under the sea", "under water", "coral", "reef", "seabed", "sea floor",
                           "ocean floor", "scuba", "aquarium"), _setting(Setting.UNDERWATER)),
    Concept("abstract", ("abstract", "shapes", "fluid", "particles", "geometric", "pattern"),
            _setting(Setting.ABSTRACT)),
)

_TIMES = (
    Concept("dawn", ("dawn", "sunrise", "daybreak", "early morning", "morning"), _time(TimeOfDay.DAWN)),
    Concept("golden hour", ("golden hour", "golden-hour", "late afternoon"), _time(TimeOfDay.GOLDEN_HOUR)),
    Concept("day", ("day", "daytime", "noon", "midday", "sunny", "daylight"), _time(TimeOfDay.NOON)),
    Concept("sunset", ("sunset", "dusk", "evening", "twilight"), _time(TimeOfDay.SUNSET)),
    Concept("night", ("night", "midnight", "moonlit", "moonlight", "starry", "nighttime"), _time(TimeOfDay.NIGHT)),
)

_WEATHER = (
    Concept("mist", ("mist", "misty", "fog", "foggy", "haze", "hazy"), _weather(Weather.MIST)),
    Concept("rain", ("rain", "rainy", "raining", "drizzle", "downpour"), _weather(Weather.RAIN), scenery=False),
    Concept("snow", ("snow", "snowy", "snowing", "snowfall", "blizzard"), _weather(Weather.SNOW), scenery=False),
    Concept("storm", ("storm", "thunder", "thunderstorm", "lightning"), lambda scene: scene.lightning),
)

_CAMERA = (
    # Not "left to right": with a subject in the prompt, that is how the subject moves.
    Concept("pan", ("pan", "pans", "panning", "truck left", "truck right"),
            _camera(CameraMove.PAN_LEFT, CameraMove.PAN_RIGHT), scenery=False),
    Concept("tracking", ("tracking", "follows", "following"), _camera(CameraMove.PAN_LEFT, CameraMove.PAN_RIGHT),
            scenery=False),
    Concept("tilt", ("tilt", "tilts", "crane up", "crane down"), _camera(CameraMove.TILT_UP, CameraMove.TILT_DOWN),
            scenery=False),
    Concept("dolly in", ("dolly in", "push in", "pushes in", "zoom in", "zooms in", "close-up", "closer"),
            _camera(CameraMove.ZOOM_IN), scenery=False),
    Concept("dolly out", ("dolly out", "zoom out", "pull back", "pulls back", "pull out"),
            _camera(CameraMove.ZOOM_OUT), scenery=False),
    Concept("aerial", ("aerial", "drone shot", "flyover", "fly over", "bird's-eye", "birds-eye"),
            _camera(CameraMove.AERIAL), scenery=False),
    Concept("orbit", ("orbit", "orbits", "orbiting", "rotating", "rotate", "revolving", "360"),
            _camera(CameraMove.ORBIT), scenery=False),
    Concept("static", ("static", "still shot", "locked-off", "tripod"), _camera(CameraMove.STATIC), scenery=False),
)

_SUBJECTS = (
    Concept("flying car", ("flying car", "flying cars", "spaceship", "spaceships"), lambda scene: scene.flying_objects),
    Concept("drone", ("drone", "drones"), lambda scene: scene.flying_objects),
    *(Concept(kind.value, WORDS[kind], _subject(kind)) for kind in Kind),
    Concept("crowd", ("crowd", "crowds", "people", "pedestrians", "commuters", "audience", "tourists"),
            lambda scene: scene.crowd),
    Concept("watch", ("watch", "wristwatch"), _setting(Setting.PRODUCT)),
)

_STYLES = (
    Concept("neon", ("neon", "cyberpunk"), lambda scene: scene.neon and scene.setting is Setting.CITY),
    Concept("black and white", ("black and white", "black-and-white", "monochrome", "noir"),
            lambda scene: scene.monochrome),
    Concept("pastel", ("pastel", "pastels"), lambda scene: scene.pastel),
    Concept("film grain", ("film grain", "grain", "grainy", "35mm", "16mm", "8mm", "vintage", "retro", "analog"),
            lambda scene: scene.film_grain),
    Concept("vignette", ("vignette", "moody", "dramatic"), lambda scene: scene.vignette),
)

COLOURS = frozenset(CAST_COLOURS)

LEXICON: tuple[Concept, ...] = _PLACES + _TIMES + _WEATHER + _CAMERA + _SUBJECTS + _STYLES
SUBJECTS = frozenset(kind.value for kind in Kind)

# Words of the lexicon, longest first so "flying car" is read before "car".
_PHRASES = [(re.compile(rf"\b{re.escape(word)}\b"), concept)
            for word, concept in sorted(((word, concept) for concept in LEXICON for word in concept.words),
                                        key=lambda p: -len(p[0]))]
# Every word of the lexicon's phrases: a phrase ending in one is the lexicon's to read.
_KNOWN_WORDS = frozenset(part for concept in LEXICON for word in concept.words for part in word.split())

# Nouns that say how to film, not what to film: never reported as a missing concept.
_FILMING = frozenset("""
shot shots video videos view views scene scenes style styles light lights lighting camera cameras frame subject
frames moment moments close-up closeup background foreground atmosphere mood look feel sense way lot bit
kind sort piece glimpse side top middle distance edge front back surface quality detail details resolution
motion movement movements angle angles lens focus depth color colors colour colours palette tone tones
cinematic film footage clip sequence perspective series shadow shadows reflection reflections glow hue
time timelapse time-lapse slow-motion pace speed direction left right center centre air effect effects
""".split())

_DETERMINERS = frozenset("""a an the some two three four five several many few his her their its my our your this
that these those each every one of""".split())

# Words that end a noun phrase: prepositions, conjunctions, common verbs.
_BREAKS = frozenset("""in on at over under with through across along by from to into onto towards toward near
behind above below beneath beside between around past and or but while as that which who whose where when
is are was were be being been has have had it they them against among like than then up down out off away
for about after before during inside outside within without via per upon amid beyond throughout underneath
next so if not very just only all
runs walks flies swims drives sails dances sleeps sits stands sets rises falls moves jumps plays looks waits
rides glides crosses floats shines glows passes races chases eats drinks reads cooks works spins turns
""".split())

_WORD = re.compile(r"[^\W_][\w'-]*|[^\s\w]")  # words in any script, and punctuation


def concept_account(prompt: str, scene: SceneDescription, animates_image: bool = False) -> ConceptAccount:
    """The concepts `prompt` names, in its order, split by whether `scene` (what the engine draws
    for it) shows them. With `animates_image` the engine moves a given picture instead of
    drawing layers, so places and subjects are the picture's, not drawn by it."""
    text = prompt.lower()
    named = _named(text)
    palette_drawn = scene.tint is not None and not animates_image
    found: list[tuple[int, str, bool]] = []
    for start, concept, colour in named:
        drawn = concept.drawn(scene) and not (animates_image and concept.scenery)
        found.append((start, concept.name, drawn))
        if colour:
            found.append((start, colour, drawn))  # a subject's colour is drawn with it
    others = list(_other_nouns(text))
    worn = _worn_colours(text, scene, animates_image)
    for start, colour in _palette_colours(text, named):
        if colour in worn:  # "a man in a red jacket": the man is drawn red
            found.append((start, colour, worn[colour]))
            continue
        # A colour inside a phrase about something it cannot draw ("a red dragon") is that thing's.
        belongs = any(phrase_start <= start < head for phrase_start, head, _ in others)
        found.append((start, colour, palette_drawn and not belongs))
    found += [(head, noun, False) for _, head, noun in others]
    found.sort(key=lambda entry: entry[0])
    rendered = dict.fromkeys(name for _, name, drawn in found if drawn)
    missing = dict.fromkeys(name for _, name, drawn in found if not drawn and name not in rendered)
    return ConceptAccount(tuple(rendered), tuple(missing))


def _worn_colours(text: str, scene: SceneDescription, animates_image: bool) -> dict[str, bool]:
    """The colours given after a subject ("dressed in red"), each with whether its subject is drawn."""
    drawn = {subject.kind for subject in scene.subjects} if not animates_image else set()
    worn: dict[str, bool] = {}
    for colour in subject_colours(text):
        if colour.worn:
            worn[colour.word] = worn.get(colour.word, False) or colour.kind in drawn
    return worn


def _named(text: str) -> list[tuple[int, Concept, str | None]]:
    """The lexicon's concepts in `text`, in order, each with the colour word right before it
    when it is a subject ("a red car")."""
    found: dict[str, tuple[int, Concept, str | None]] = {}
    taken: list[tuple[int, int]] = []
    for pattern, concept in _PHRASES:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < b and a < end for a, b in taken):
                continue  # inside a longer phrase already read ("flying car" holds "car")
            taken.append((start, end))
            colour = colour_before(text, start) if concept.name in SUBJECTS else None
            first, _, had = found.get(concept.name, (start, concept, None))
            found[concept.name] = (min(first, start), concept, had or colour)
    return sorted(found.values(), key=lambda item: item[0])


def _palette_colours(text: str, named: list[tuple[int, Concept, str | None]]) -> list[tuple[int, str]]:
    """Colour words that do not belong to a subject: the picture's palette ("golden light")."""
    owned = {colour for _, _, colour in named if colour}
    # "golden hour" and "black and white" are concepts of their own, not colours.
    rest = re.sub(r"golden[ -]hour|black[ -]and[ -]white", lambda m: " " * len(m.group()), text)
    return [(m.start(), m.group()) for m in re.finditer(r"[a-z]+", rest) if m.group() in COLOURS
            and m.group() not in owned]


def _other_nouns(text: str) -> Iterator[tuple[int, int, str]]:
    """The head nouns the lexicon does not know, with where their phrase starts and where they
    are: of phrases after an article (or a number, or "of"), and the object after an -ing verb
    ("cooking pasta")."""
    tokens = list(_WORD.finditer(text))
    index = 0
    while index < len(tokens):
        token = tokens[index].group()
        index += 1
        if token not in _DETERMINERS and not (token.endswith("ing") and len(token) > 4 and token not in _KNOWN_WORDS):
            continue
        phrase: list[re.Match[str]] = []
        while index < len(tokens) and _in_phrase(tokens[index].group()):
            phrase.append(tokens[index])
            index += 1
        if not phrase or phrase[-1].group() in _KNOWN_WORDS:
            continue  # the lexicon reads it ("a red sports car")
        last = phrase[-1].group()
        head = _singular(last)
        if last not in _FILMING and head not in _FILMING and head not in COLOURS and not head.isdigit() \
                and len(head) > 2 and not _adjective_like(head):
            yield phrase[0].start(), phrase[-1].start(), head


def _in_phrase(word: str) -> bool:
    """Whether `word` goes on a noun phrase: not punctuation, a preposition or a verb."""
    return word[0].isalnum() and word not in _BREAKS and word not in _DETERMINERS and not _verb_like(word)


def _verb_like(word: str) -> bool:
    return len(word) > 4 and word.endswith(("ing", "ed")) and word not in _ING_NOUNS


# -ing and -ed words that are things, not actions.
_ING_NOUNS = frozenset({"ceiling", "painting", "clothing", "wedding", "building", "buildings", "evening", "morning",
                        "lighting", "bed", "shed", "sled", "seed", "reed", "speed", "ring", "king", "string", "wing",
                        "wings", "thing", "things", "spring", "swing"})


def _adjective_like(word: str) -> bool:
    return word.endswith(("ful", "ous", "ive", "ic", "al", "less", "ish", "y")) and word not in _Y_NOUNS


# Nouns ending like adjectives that prompts often name.
_Y_NOUNS = frozenset({"party", "baby", "butterfly", "library", "factory", "lady", "body", "toy", "key", "guy",
                      "jelly", "family", "bakery", "gallery", "animal", "festival", "hospital", "canal", "crystal",
                      "metal", "pastry", "strawberry", "cherry", "balloon", "penguin"})


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word
