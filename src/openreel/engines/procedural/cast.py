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
                      "runners", "hikers", "figures"})
_FLOCKS = {Kind.BIRD: 7, Kind.FISH: 9}
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 9,
            "a dozen": 9, "dozens": 9, "a pair of": 2, "couple": 2, "several": 4, "many": 6}
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
# From-to phrases first: "driving left to right" holds "driving left".
_ACROSS = (("left to right", "right"), ("right to left", "left"))
_LEFT = ("to the left", "towards the left", "toward the left", "leftward", "heading left", "driving left",
         "moving left", "walking left", "running left", "flying left", "going left", "left across")
_RIGHT = ("to the right", "towards the right", "toward the right", "rightward", "heading right", "driving right",
          "moving right", "walking right", "running right", "flying right", "going right", "right across")
_TOWARD = ("towards the camera", "toward the camera", "towards the viewer", "toward the viewer", "towards us",
           "toward us", "approaching", "coming closer", "head-on", "at the camera")
_AWAY = ("away", "into the distance", "receding", "towards the horizon", "toward the horizon")
_MOVING_WORDS = ("walking", "walks", "moving", "moves", "crossing", "crosses", "strolling", "prowling", "jumping",
                 "driving", "flying", "swimming", "sailing", "heading", "going", "coming")

_KIND_OF: dict[str, Kind] = {word: kind for kind, words in WORDS.items() for word in words}
# Longest first: "school of fish" before "fish", "sports car" before "car". A subject word ends at a
# word's end: "bird" is not found in "bird's-eye".
_SUBJECT_PATTERN = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(_KIND_OF, key=len, reverse=True))
                              + r")(?![\w'’-])")
# Phrases that hold a subject word but name no subject.
_NOT_SUBJECTS = re.compile(r"bird'?s[- ]eye|hot ?dogs?|van gogh|jet stream|jet lag|catwalk|dog days|"
                           r"flying cars?|watchdog|horsepower|train of thought|sea ?horses?")
# Where a subject's phrase starts: the article, number or adjectives before its noun.
_LEAD = re.compile(r"(?:\b(?:a|an|the|one|two|three|four|five|six|seven|eight|nine|ten|several|many|some|"
                   r"a pair of|a couple of)\s+)?(?:[a-z'-]+\s+){0,2}$")


def subject_words(text: str) -> list[tuple[int, int, Kind]]:
    """Every subject noun in `text` (lowercase): its span and kind, in order. A flying car is a
    craft in the sky (effects.FlyingLights), not a car on a road."""
    masked = _NOT_SUBJECTS.sub(lambda m: " " * len(m.group()), text)
    return [(m.start(), m.end(), _KIND_OF[m.group()]) for m in _SUBJECT_PATTERN.finditer(masked)]


def colour_before(text: str, start: int, since: int = 0) -> str | None:
    """The colour word among the three words before position `start`, and after position
    `since` (the previous subject): "a red sports car", but not the red of "a red car and dog"."""
    words = re.findall(r"[a-z-]+", text[since:start])[-3:]
    return next((word for word in reversed(words) if word in COLOURS), None)


def worn_colour(clause: str) -> re.Match[str] | None:
    """A colour given after the noun: "dressed in red", "wearing a yellow raincoat" (group 1)."""
    for match in re.finditer(r"\b(?:dressed in|wearing|in) (?:an? |the )?([a-z]+)\b", clause):
        if match.group(1) in COLOURS:
            return match
    return None


@dataclass(frozen=True)
class SubjectColour:
    """A colour word the prompt gives a subject: before it ("a red car") or worn after it
    ("a man in a red jacket")."""

    start: int  # where the colour word is in the text
    word: str
    kind: Kind
    worn: bool


def subject_colours(text: str) -> list[SubjectColour]:
    """Every colour word that belongs to a subject, in order: what the picture's grade leaves out
    and the account reports with its subject."""
    words = subject_words(text)
    found = []
    for number, (start, end, kind) in enumerate(words):
        before = colour_before(text, start)
        if before is not None:
            found.append(SubjectColour(text.rfind(before, 0, start), before, kind, worn=False))
        following = words[number + 1][0] if number + 1 < len(words) else len(text)
        worn = worn_colour(text[end:following])
        if worn is not None:
            found.append(SubjectColour(end + worn.start(1), worn.group(1), kind, worn=True))
    return found


def read_subjects(text: str) -> tuple[SubjectSpec, ...]:
    """The subjects of a lowercase prompt, one spec per kind, in order; a kind named twice ("a
    man and a woman") is that many more."""
    words = subject_words(text)
    specs: dict[Kind, SubjectSpec] = {}
    previous_end = 0
    for number, (start, end, kind) in enumerate(words):
        following = words[number + 1][0] if number + 1 < len(words) else len(text)
        clause = _clause(text, end, following)
        worn = worn_colour(clause)
        colour = colour_before(text, start, previous_end) or (worn.group(1) if worn else None)
        lead = text[previous_end:start]
        own_lead = _LEAD.search(lead)  # this subject's own article and adjectives: "a parked"
        phrase = (own_lead.group() if own_lead else "") + clause
        same_mention = bool(re.fullmatch(r"\s*of\s+(?:[a-z'-]+\s+){0,2}", lead))  # "a flock of pink birds"
        previous_end = end
        if kind in specs:
            earlier = specs[kind]
            extra = 0 if same_mention else _count(kind, text[start:end], lead)
            specs[kind] = replace(earlier, colour=earlier.colour or (COLOURS[colour] if colour else None),
                                  count=min(earlier.count + extra, MAX_COUNT))
            continue
        specs[kind] = SubjectSpec(kind, None if colour is None else COLOURS[colour], _heading(clause),
                                  _pace(kind, phrase), _count(kind, text[start:end], lead))
    return tuple(specs.values())


def _clause(text: str, end: int, following: int) -> str:
    """What a prompt says of the subject ending at `end`: up to where the next subject's phrase
    starts (its article and adjectives are that subject's), read past commas ("a dog, walking
    towards the camera") but not past a sentence."""
    lead = _LEAD.search(text[end:following])
    stop = end + lead.start() if lead and following < len(text) else following
    return re.split(r"[.;]", text[end:stop], maxsplit=1)[0]


def _says(clause: str, phrases: tuple[str, ...]) -> bool:
    return any(re.search(rf"\b{re.escape(p)}\b", clause) for p in phrases)


def _named_heading(clause: str) -> Heading | None:
    for phrase, side in _ACROSS:
        if _says(clause, (phrase,)):
            return Heading.RIGHT if side == "right" else Heading.LEFT
    for phrases, heading in ((_TOWARD, Heading.TOWARD), (_LEFT, Heading.LEFT), (_RIGHT, Heading.RIGHT),
                             (_AWAY, Heading.AWAY)):
        if _says(clause, phrases):
            return heading
    return None


def _heading(clause: str) -> Heading:
    """Which way it goes: as the clause says, or to the right."""
    return _named_heading(clause) or Heading.RIGHT


def _pace(kind: Kind, clause: str) -> Pace:
    if _says(clause, _RUN_WORDS):
        return Pace.RUN
    if _says(clause, _STILL_WORDS):
        return Pace.STILL
    if kind is Kind.CAT:  # a cat sits unless the prompt moves it
        moving = _says(clause, _MOVING_WORDS) or _named_heading(clause) is not None
        return Pace.WALK if moving else Pace.STILL
    return Pace.WALK


def _count(kind: Kind, noun: str, lead: str) -> int:
    """How many: a number before the noun (within its own phrase), a plural or a flock, else one."""
    if noun == "couple":
        return 2
    words = " ".join(re.findall(r"[a-z]+", lead)[-3:])
    for word, count in _NUMBERS.items():
        if re.search(rf"\b{word}\b", words):
            return count
    if noun in _PLURALS or re.search(r"\b(flock|school|herd|pack|group|crowd) of$", words):
        return _FLOCKS.get(kind, 3)
    return 1
