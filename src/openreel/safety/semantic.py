"""The semantic layer: how close a prompt's meaning is to each category's examples (examples.py),
by cosine similarity of MiniLM sentence vectors (minilm.py).

A category's score is the prompt's highest similarity to one of its examples. It flags the prompt
when the score reaches the category's threshold (policy.py) and beats the highest similarity to a
benign example by MARGIN: a prompt that sounds like "a film crew shooting a scene" more than like
"a soldier shooting civilians" passes, whatever its words.

A prompt of several sentences is scored sentence by sentence too (parts()), and flagged when any
part is: the encoder's mean pooling would otherwise average one harmful sentence in a long, calm
prompt away. The cost is bounded: at most MAX_PARTS parts of at most PART_TOKENS tokens, so the
longest legal prompt (4000 characters) costs a few times a short one, never more. Past those
bounds (a prompt of more than about 250 words) only the rule layer reads the rest.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from openreel.safety.categories import Category
from openreel.safety.examples import BENIGN_EXAMPLES, CATEGORY_EXAMPLES
from openreel.safety.minilm import MiniLMEncoder

MARGIN = 0.04
# A part is a sentence, or a window of a long one: long enough to carry a meaning, short enough
# that a few harmful words are not averaged away. Windows overlap, so no phrase falls between two.
WINDOW_WORDS, WINDOW_STEP = 40, 30
MAX_PARTS = 8
PART_TOKENS = 64  # 40 English words are about 55 tokens
_SENTENCE_END = re.compile(r"[.!?;\n]+")


@dataclass(frozen=True)
class PartScores:
    by_category: dict[Category, float]
    benign: float


@dataclass(frozen=True)
class SemanticScores:
    parts: tuple[PartScores, ...]  # one per part of the prompt (parts())

    def flagged(self, category: Category, threshold: float) -> bool:
        return any(p.by_category[category] >= threshold and p.by_category[category] >= p.benign + MARGIN
                   for p in self.parts)

    def score(self, category: Category) -> float:
        return max(p.by_category[category] for p in self.parts)

    @property
    def benign(self) -> float:
        return max(p.benign for p in self.parts)


class SemanticClassifier:
    """Loads the encoder and embeds the examples once (about 0.3 s); thread-safe after."""

    def __init__(self, encoder: MiniLMEncoder) -> None:
        self.encoder = encoder
        self.examples = {category: encoder.encode(list(texts)) for category, texts in CATEGORY_EXAMPLES.items()}
        self.benign = encoder.encode(list(BENIGN_EXAMPLES))

    def scores(self, texts: list[str]) -> SemanticScores:
        """The scores of a prompt's parts (see parts()), each already normalised."""
        vectors = self.encoder.encode(texts, max_tokens=PART_TOKENS)
        return SemanticScores(tuple(
            PartScores({category: float(np.max(examples @ vector)) for category, examples in self.examples.items()},
                         float(np.max(self.benign @ vector)))
            for vector in vectors))


class ClassifierUnavailable(RuntimeError):
    """The semantic classifier was to run here but could not load."""


def packaged_classifier() -> SemanticClassifier:
    """The classifier on the model the [safety] extra installs."""
    return SemanticClassifier(MiniLMEncoder.packaged())


class LazyClassifier:
    """A classifier built on first use by one thread while others wait, and shared by everything
    in the process that builds it the same way (it only reads its weights): a process that never
    checks a prompt never reads the 90 MB, and one that builds several runtimes (tests) reads them
    once. A load that fails is remembered, not retried per request: the install is broken until
    fixed, and the process says so (/readyz)."""

    _lock = threading.Lock()
    _loaded: dict[Callable[[], SemanticClassifier], SemanticClassifier] = {}
    _failures: dict[Callable[[], SemanticClassifier], str] = {}

    def __init__(self, load: Callable[[], SemanticClassifier] = packaged_classifier) -> None:
        self.load = load

    def get(self) -> SemanticClassifier:
        with LazyClassifier._lock:
            if self.load in LazyClassifier._loaded:
                return LazyClassifier._loaded[self.load]
            if self.load in LazyClassifier._failures:
                raise ClassifierUnavailable(LazyClassifier._failures[self.load])
            try:
                classifier = LazyClassifier._loaded[self.load] = self.load()
            except Exception as exc:  # any broken install: files missing, unreadable, wrong shapes
                LazyClassifier._failures[self.load] = f"the semantic classifier could not load: {exc}"
                raise ClassifierUnavailable(LazyClassifier._failures[self.load]) from None
            return classifier

    @property
    def failure(self) -> str | None:
        return LazyClassifier._failures.get(self.load)


def parts(text: str) -> list[str]:
    """What of a raw prompt is scored: the whole text, when it is short, and each sentence (or
    window of a long one) when there are several; at most MAX_PARTS parts."""
    pieces: list[list[str]] = []
    for sentence in (s.split() for s in _SENTENCE_END.split(text)):
        pieces += [sentence[start:start + WINDOW_WORDS]
                   for start in range(0, max(len(sentence) - WINDOW_WORDS + WINDOW_STEP, 1), WINDOW_STEP)
                   if sentence]
    words = text.split()
    whole = [" ".join(words)] if len(pieces) != 1 and len(words) <= WINDOW_WORDS else []
    return list(dict.fromkeys(whole + [" ".join(piece) for piece in pieces]))[:MAX_PARTS] or [text]
