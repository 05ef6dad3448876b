"""The output stage's frame classifiers: a score per image of how likely it shows nudity.

A classifier is chosen by OPENREEL_SAFETY_FRAME_CLASSIFIER: "auto" (nudenet when the
[safety-frames] extra is installed, else none), "off", or the name of any classifier registered
under the `openreel.frame_classifiers` entry-point group (openreel registers "nudenet").
"""

from __future__ import annotations

import importlib.util
import threading
from importlib.metadata import entry_points
from typing import Any, Protocol

import numpy as np

ENTRY_POINT_GROUP = "openreel.frame_classifiers"
CLASSIFIER_WIDTH = 320  # the classifiers' own input size: larger frames only cost time


def classifier_sized(frame: np.ndarray) -> np.ndarray:
    """A copy of the frame about CLASSIFIER_WIDTH wide, by striding: cheap, and the classifiers
    resize to their input anyway."""
    step = max(1, frame.shape[1] // CLASSIFIER_WIDTH)
    return np.array(frame[::step, ::step], copy=True)


class FrameClassifier(Protocol):
    name: str

    def nudity_scores(self, frames: list[np.ndarray]) -> list[float]:
        """One score in [0, 1] per RGB uint8 frame: the classifier's confidence that it shows nudity."""


class NudeNetClassifier:
    """nudenet's detector (its ONNX model ships in the wheel; AGPL, hence its own extra). A frame's
    score is the highest confidence of an exposed-anatomy detection in it. The detector (OpenCV,
    onnxruntime, the model) loads on first use, once, while other threads wait: a process that
    never checks an image never pays for it."""

    name = "nudenet"
    EXPOSED = frozenset({"FEMALE_GENITALIA_EXPOSED", "MALE_GENITALIA_EXPOSED", "FEMALE_BREAST_EXPOSED",
                         "BUTTOCKS_EXPOSED", "ANUS_EXPOSED"})

    def __init__(self) -> None:
        if importlib.util.find_spec("nudenet") is None:
            raise ImportError("nudenet is not installed")
        self._lock = threading.Lock()
        self._detector: Any = None

    def nudity_scores(self, frames: list[np.ndarray]) -> list[float]:
        with self._lock:
            if self._detector is None:
                from nudenet import NudeDetector  # type: ignore[import-untyped]

                self._detector = NudeDetector()
        # nudenet reads arrays the way OpenCV does: BGR.
        found = self._detector.detect_batch([np.ascontiguousarray(f[:, :, ::-1]) for f in frames])
        return [max((d["score"] for d in detections if d["class"] in self.EXPOSED), default=0.0)
                for detections in found]


def frame_classifier(setting: str) -> tuple[FrameClassifier | None, str]:
    """The classifier the setting names, and a line saying what the output stage will do. A
    classifier that is named but cannot load raises ValueError naming it."""
    if setting == "off":
        return None, "the output frame check is off (OPENREEL_SAFETY_FRAME_CLASSIFIER=off)"
    name = "nudenet" if setting == "auto" else setting
    found = entry_points(group=ENTRY_POINT_GROUP, name=name)
    missing = (None, "the output frame check is not running: nudenet is not installed "
                     "(pip install 'openreel[safety-frames]')")
    if not found and setting == "auto":
        return missing
    if not found:
        raise ValueError(f"OPENREEL_SAFETY_FRAME_CLASSIFIER names '{setting}', which is not installed "
                         f"(known: {', '.join(sorted(e.name for e in entry_points(group=ENTRY_POINT_GROUP)))})")
    try:
        classifier: FrameClassifier = next(iter(found)).load()()
    except ImportError:
        if setting == "auto":
            return missing
        raise ValueError(f"OPENREEL_SAFETY_FRAME_CLASSIFIER '{setting}' is not installed") from None
    except Exception as exc:  # a broken install (its model file, its runtime): refuse to start, naming it
        raise ValueError(f"OPENREEL_SAFETY_FRAME_CLASSIFIER '{name}' cannot load: {exc}") from None
    return classifier, f"output frames are checked by {classifier.name}"
