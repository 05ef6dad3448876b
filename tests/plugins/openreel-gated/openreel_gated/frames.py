"""A frame classifier whose verdict the test chooses: it scores 1.0 every frame of the gated
engine's sample 0 colour (sample_colour(0)) and 0.0 any other, so a test decides which videos the
output safety check withholds by their sample index. Registered like a third-party classifier
("gated-colour"), so the test runs the real selection, sampling and reporting path."""

from __future__ import annotations

import numpy as np

from openreel_gated import sample_colour


class SampleColourClassifier:
    name = "gated-colour"

    def nudity_scores(self, frames: list[np.ndarray]) -> list[float]:
        flagged = np.array(sample_colour(0), dtype=np.float32)
        # Encoding shifts a flat colour by a few levels; other samples' colours differ by 50 or more.
        return [1.0 if float(np.abs(f.reshape(-1, 3).mean(axis=0) - flagged).max()) < 12 else 0.0 for f in frames]
