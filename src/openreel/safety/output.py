"""The output stage: a few frames spread across each generated video, scored by the frame
classifier before the video is stored. A video whose frame reaches the threshold is withheld
(reported as Veo reports RAI filtering, not charged); under a review policy it is kept and logged."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from openreel.engines.base import FilteredOut
from openreel.safety.categories import Category
from openreel.safety.frames import FrameClassifier
from openreel.safety.policy import Action
from openreel.safety.prompts import Finding

FRAME_WIDTH = 320  # the classifiers' own input size: larger frames only cost time


def withheld_reason(finding: Finding) -> str:
    """raiMediaFilteredReasons' text, worded as Vertex words it."""
    return (f"This video was withheld by the safety filter because it may contain {finding.reason}. "
            f"Support codes: {finding.support_code}")


class OutputScreen:
    def __init__(self, classifier: FrameClassifier, frames_per_clip: int, threshold: float, action: Action,
                 report: Callable[[Finding], None]) -> None:
        self.classifier, self.frames_per_clip, self.threshold = classifier, frames_per_clip, threshold
        self.action = action
        self.report = report  # logs and counts a finding (filter.py)

    def frame_indices(self, frame_count: int) -> list[int]:
        """The frames to look at: the middles of frames_per_clip equal spans."""
        count = min(self.frames_per_clip, frame_count)
        return sorted({int(frame_count * (i + 0.5) / count) for i in range(count)})

    def check(self, frames: list[np.ndarray]) -> FilteredOut | None:
        scores = self.classifier.nudity_scores([small(frame) for frame in frames])
        worst = max(scores, default=0.0)
        if worst < self.threshold:
            return None
        finding = Finding(Category.SEXUAL, self.action, "frames", f"{self.classifier.name} {worst:.3f}")
        self.report(finding)
        return FilteredOut(withheld_reason(finding)) if self.action is Action.BLOCK else None


def small(frame: np.ndarray) -> np.ndarray:
    """The frame about FRAME_WIDTH wide, by striding: cheap, and the classifiers resize anyway."""
    step = max(1, frame.shape[1] // FRAME_WIDTH)
    return np.ascontiguousarray(frame[::step, ::step])
