"""The semantic layer: how close a prompt's meaning is to each category's examples (examples.py),
by cosine similarity of MiniLM sentence vectors (minilm.py).

A category's score is the prompt's highest similarity to one of its examples. It flags the prompt
when the score reaches the category's threshold (policy.py) and beats the highest similarity to a
benign example by MARGIN: a prompt that sounds like "a film crew shooting a scene" more than like
"a soldier shooting civilians" passes, whatever its words.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from openreel.safety.categories import Category
from openreel.safety.examples import BENIGN_EXAMPLES, CATEGORY_EXAMPLES
from openreel.safety.minilm import MiniLMEncoder

MARGIN = 0.04


@dataclass(frozen=True)
class SemanticScores:
    by_category: dict[Category, float]
    benign: float

    def flagged(self, category: Category, threshold: float) -> bool:
        score = self.by_category[category]
        return score >= threshold and score >= self.benign + MARGIN


class SemanticClassifier:
    """Loads the encoder and embeds the examples once (about 0.3 s); thread-safe after."""

    def __init__(self, encoder: MiniLMEncoder) -> None:
        self.encoder = encoder
        self.examples = {category: encoder.encode(list(texts)) for category, texts in CATEGORY_EXAMPLES.items()}
        self.benign = encoder.encode(list(BENIGN_EXAMPLES))

    def scores(self, text: str) -> SemanticScores:
        vector = self.encoder.encode([text])[0]
        return SemanticScores({category: float(np.max(examples @ vector))
                               for category, examples in self.examples.items()},
                              float(np.max(self.benign @ vector)))


class LazyClassifier:
    """The packaged model's classifier, built on first use by one thread while others wait, and
    shared by everything in the process (it only reads its weights): a process that never checks
    a prompt never reads the 90 MB, and one that builds several runtimes (tests) reads them once."""

    _lock = threading.Lock()
    _shared: SemanticClassifier | None = None

    def get(self) -> SemanticClassifier:
        with LazyClassifier._lock:
            if LazyClassifier._shared is None:
                LazyClassifier._shared = SemanticClassifier(MiniLMEncoder.packaged())
            return LazyClassifier._shared
