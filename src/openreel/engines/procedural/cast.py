"""Read the prompt's subjects: what moves or stands in the scene, its colour, how many, which way.

"a red sports car driving to the left" is one CAR, red, heading LEFT; "a flock of birds flying
away" is BIRDs, several, heading AWAY. Keyword reading, like scene.py: each subject's own clause
(from its noun to the next comma or subject) says its colour, pace and direction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum

RGB = tuple[float, float, float]


class Kind(StrEnum):
    CAR = "car"
    BOAT = "boat"
    PLANE = "plane"
    TRAIN = "train"
    CAT = "cat"
    DOG = "dog"
    BIRD = "bird"
    FISH = "fish"
    HORSE = "horse"
    PERSON = "person"


class Heading(StrEnum):
    RIGHT = "right"
    LEFT = "left"
    TOWARD = "towards the camera"
    AWAY = "away from the camera"
    STILL = "still"


class Pace(StrEnum):
    STILL = "still"
    WALK = "walk"  # moving at its ordinary pace: walking, driving, sailing, flying
    RUN = "run"


@dataclass(frozen=True)
class SubjectSpec:
    kind: Kind
    colour: RGB | None  # None: the subject's own colour, chosen by the seed
    heading: Heading
    pace: Pace
    count: int = 1


WORDS: dict[Kind, tuple[str, ...]] = {
    Kind.CAR: ("car", "cars", "sports car", "sedan", "taxi", "taxis", "truck", "trucks", "jeep", "van", "vehicle",
               "vehicles", "suv", "convertible", "rover"),
    Kind.BOAT: ("boat", "boats", "ship", "ships", "yacht", "yachts", "sailboat", "sailboats", "ferry", "kayak",
                "canoe", "fishing boat"),
    Kind.PLANE: ("plane", "planes", "airplane", "airplanes", "aeroplane", "jet", "jets", "airliner", "aircraft"),
    Kind.TRAIN: ("train", "trains", "locomotive", "tram", "steam train"),
    Kind.CAT: ("cat", "cats", "kitten", "kittens"),
    Kind.DOG: ("dog", "dogs", "puppy", "puppies", "retriever", "labrador", "poodle", "terrier"),
    Kind.BIRD: ("bird", "birds", "eagle", "eagles", "seagull", "seagulls", "gull", "gulls", "flock", "pigeon",
                "pigeons", "swallows", "hawk", "crow", "crows", "dove", "doves"),
    Kind.FISH: ("fish", "fishes", "koi", "school of fish"),
    Kind.HORSE: ("horse", "horses", "pony", "stallion", "mare"),
    Kind.PERSON: ("person", "man", "woman", "men", "women", "child", "children", "kid", "kids", "girl", "boy",
                  "chef", "astronaut", "astronauts", "dancer", "dancers", "runner", "runners", "surfer", "skater",
                  "hiker", "hikers", "couple", "figure", "figures", "musician", "worker", "traveler", "traveller",
                  "cyclist", "athlete", "businessman", "businesswoman", "diver", "soldier", "knight", "cowboy",
                  "singer", "guitarist", "student", "lady", "gentleman", "stranger", "detective", "explorer"),
}

# Several of them: a count of this many unless the prompt gives a number.
_PLURALS = frozenset({"cars", "taxis", "trucks", "vehicles", "boats", "ships", "yachts", "sailboats", "planes",
                      "airplanes", "jets", "trains", "cats", "kittens", "dogs", "puppies", "birds", "eagles",
                      "seagulls", "gulls", "flock", "pigeons", "swallows", "crows", "doves", "fish", "fishes", "koi",
                      "school of fish", "horses", "men", "women", "children", "kids", "astronauts", "dancers",
                      "runners", "hikers", "figures", "couple"})
_FLOCKS = {Kind.BIRD: 7, Kind.FISH: 9}
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "a pair of": 2, "couple": 2, "several": 4, "many": 6}
MAX_COUNT = 9

COLOURS: dict[str, RGB] = {
    "red": (0.85, 0.08, 0.08), "orange": (1.0, 0.5, 0.1), "yellow": (1.0, 0.85, 0.15),
    "green": (0.15, 0.65, 0.25), "teal": (0.1, 0.6, 0.6), "cyan": (0.2, 0.8, 0.9), "blue": (0.12, 0.3, 0.9),
    "purple": (0.5, 0.2, 0.75), "violet": (0.55, 0.3, 0.85), "pink": (1.0, 0.45, 0.7),
    "magenta": (0.9, 0.15, 0.7), "golden": (0.95, 0.72, 0.25), "gold": (0.95, 0.72, 0.25),
    "amber": (1.0, 0.62, 0.15), "white": (0.94, 0.94, 0.94), "black": (0.07, 0.07, 0.08),
    "silver": (0.72, 0.74, 0.78), "grey": (0.5, 0.5, 0.52), "gray": (0.5, 0.5, 0.52), "brown": (0.45, 0.28, 0.15),
}

_STILL_WORDS = ("standing", "stands", "sitting", "sits", "parked", "sleeping", "sleeps", "resting", "rests", "lying",
                "perched", "idle", "waiting", "posing", "grazing", "floating", "moored", "anchored", "playing",
                "curled", "sunbathing", "reading", "cooking", "working", "typing", "still")
_RUN_WORDS = ("running", "runs", "galloping", "gallops", "racing", "races", "speeding", "speeds", "sprinting",
              "chasing", "fast", "rushing", "zooming")
_LEFT = ("to the left", "towards the left", "toward the left", "leftward", "right to left", "heading left",
         "driving left", "moving left", "walking left", "running left", "flying left", "going left", "left across")
_RIGHT = ("to the right", "towards the right", "toward the right", "rightward", "left to right", "heading right",
          "driving right", "moving right", "walking right", "running right", "flying right", "going right",
          "right across")
_TOWARD = ("towards the camera", "toward the camera", "towards the viewer", "toward the viewer", "towards us",
           "toward us", "approaching", "coming closer", "head-on", "at the camera")
_AWAY = ("away", "into the distance", "receding", "towards the horizon", "toward the horizon")

_KIND_OF: dict[str, Kind] = {word: kind for kind, words in WORDS.items() for word in words}
# Longest first: "school of fish" before "fish", "sports car" before "car".
_SUBJECT_PATTERN = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(_KIND_OF, key=len, reverse=True))
                              + r")\b")


def subject_words(text: str) -> list[tuple[int, int, Kind]]:
    """Every subject noun in `text` (lowercase): its span and kind, in order."""
    found = []
    for match in _SUBJECT_PATTERN.finditer(text):
        if text[max(0, match.start() - 7):match.start()] == "flying " and match.group() in ("car", "cars"):
            continue  # a flying car is a craft in the sky (effects.FlyingLights), not a car on a road
        found.append((match.start(), match.end(), _KIND_OF[match.group()]))
    return found


def colour_before(text: str, start: int) -> str | None:
    """The colour word among the two words before position `start`: "a red sports car"."""
    words = re.findall(r"[a-z-]+", text[:start])[-3:]
    return next((word for word in reversed(words) if word in COLOURS), None)


def read_subjects(text: str) -> tuple[SubjectSpec, ...]:
    """The subjects of a lowercase prompt, one spec per kind, in order."""
    words = subject_words(text)
    specs: dict[Kind, SubjectSpec] = {}
    for number, (start, end, kind) in enumerate(words):
        # The subject's clause: up to the next subject or the end of the sentence part.
        stop = words[number + 1][0] if number + 1 < len(words) else len(text)
        clause = re.split(r"[,.;]", text[end:stop], maxsplit=1)[0]
        colour = colour_before(text, start) or _colour_worn(clause)
        if kind in specs:  # named again ("a flock of pink birds"): only a colour can be new
            if specs[kind].colour is None and colour is not None:
                specs[kind] = replace(specs[kind], colour=COLOURS[colour])
            continue
        specs[kind] = SubjectSpec(kind, None if colour is None else COLOURS[colour], _heading(clause),
                                  _pace(kind, clause), _count(kind, text[start:end], text[:start]))
    return tuple(specs.values())


def _colour_worn(clause: str) -> str | None:
    """A colour given after the noun: "dressed in red", "wearing a yellow raincoat"."""
    match = re.search(r"\b(?:dressed in|wearing|in) (?:an? |the )?([a-z]+)\b", clause)
    return match.group(1) if match and match.group(1) in COLOURS else None


def _heading(clause: str) -> Heading:
    for phrases, heading in ((_TOWARD, Heading.TOWARD), (_LEFT, Heading.LEFT), (_RIGHT, Heading.RIGHT),
                             (_AWAY, Heading.AWAY)):
        if any(re.search(rf"\b{re.escape(p)}\b", clause) for p in phrases):
            return heading
    return Heading.RIGHT


def _pace(kind: Kind, clause: str) -> Pace:
    def says(words: tuple[str, ...]) -> bool:
        return any(re.search(rf"\b{w}\b", clause) for w in words)

    if says(_RUN_WORDS):
        return Pace.RUN
    if says(_STILL_WORDS):
        return Pace.STILL
    return Pace.STILL if kind is Kind.CAT else Pace.WALK


def _count(kind: Kind, noun: str, before: str) -> int:
    lead = " ".join(re.findall(r"[a-z]+", before)[-3:])
    for word, count in _NUMBERS.items():
        if re.search(rf"\b{word}\b", lead):
            return count
    if noun in _PLURALS or re.search(r"\b(flock|school|herd|pack|group|crowd) of$", lead):
        return _FLOCKS.get(kind, 3)
    return 1
