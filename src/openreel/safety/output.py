"""The output stage: a few frames spread across each generated video, scored by the frame
classifier before the video is stored. A video whose frame reaches the threshold is withheld
(reported as Veo reports RAI filtering, not charged); under a review policy it is kept and logged.
A video whose frames cannot all be read or scored is not stored: the run fails (InternalError)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from openreel.engines.base import FilteredOut
from openreel.errors import InternalError
from openreel.safety.categories import Action, Category
from openreel.safety.frames import FrameClassifier
from openreel.safety.prompts import Finding


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

    def check(self, frames: list[np.ndarray], expected: int) -> FilteredOut | None:
        """The verdict on a video from its sampled frames (classifier_sized copies); `expected`
        is how many were asked for: fewer means part of the video went unseen."""
        if len(frames) != expected or not frames:
            raise InternalError(f"The safety check could read {len(frames)} of the {expected} frames it samples "
                                "from this video; it was not stored.")
        try:
            scores = self.classifier.nudity_scores(frames)
        except Exception as exc:  # a plugin's or onnxruntime's own error, named for the operation's record
            raise InternalError(f"The safety check's frame classifier ({self.classifier.name}) failed: {exc}") \
                from exc
        worst = max(scores)
        if worst < self.threshold:
            return None
        finding = Finding(Category.SEXUAL, self.action, "frames", f"{self.classifier.name} {worst:.3f}")
        self.report(finding)
        return FilteredOut(withheld_reason(finding)) if self.action is Action.BLOCK else None
