"""The procedural engine's account of a prompt: what it drew, and what it could not draw, read
as a user would read it. Each claim is tested against the scene the renderer draws from."""

from __future__ import annotations

import pytest

from openreel.domain.concepts import ConceptAccount
from openreel.domain.request import GenerationRequest, ImageInput, Resolution
from openreel.engines.procedural import ProceduralEngine
from openreel.engines.procedural.concepts import concept_account
from openreel.engines.procedural.scene import describe
from tests.images import png_bytes


def _account(prompt: str) -> ConceptAccount:
    return concept_account(prompt, describe(prompt))


@pytest.mark.parametrize(("prompt", "drawn", "missing"), [
    # The prompts of the issue: each used to become a landscape without a word.
    ("a red sports car driving along a coastal road at sunset", ["car", "red", "sea", "road", "sunset"], []),
    ("a cat playing with a ball of yarn on a wooden floor", ["cat", "room"], ["ball", "yarn"]),
    ("an astronaut walking on the moon, earth in the sky", ["person", "moon", "earth", "sky"], []),
    ("a chef cooking pasta in a busy restaurant kitchen", ["person", "room", "kitchen"], ["pasta"]),
])
def test_the_issues_prompts_are_drawn_and_what_is_not_is_named(prompt: str, drawn: list[str],
                                                               missing: list[str]) -> None:
    account = _account(prompt)
    assert (list(account.rendered), list(account.not_rendered)) == (drawn, missing)


def test_what_it_cannot_draw_is_listed_as_not_rendered_colour_and_all() -> None:
    account = _account("a red dragon breathing fire over a castle at night")
    assert list(account.rendered) == ["night"]
    assert list(account.not_rendered) == ["red", "dragon", "fire", "castle"]


@pytest.mark.parametrize(("prompt", "drawn"), [
    ("A serene mountain lake at dawn, mist rising over still water, slow pan from left to right",
     ["mountains", "lake", "dawn", "mist", "pan"]),
    ("A busy Tokyo street at night, neon signs reflecting in wet pavement, crowds of people",
     ["city", "street", "night", "neon", "crowd"]),
    ("A futuristic city at night with flying cars", ["city", "night", "flying car"]),
    ("abstract flowing shapes in a thunderstorm, dolly out", ["abstract", "storm", "dolly out"]),
])
def test_what_it_draws_is_listed_as_rendered_in_the_prompts_order(prompt: str, drawn: list[str]) -> None:
    account = _account(prompt)
    assert list(account.rendered) == drawn
    assert account.not_rendered == ()


def test_a_concept_is_rendered_only_when_the_drawn_scene_shows_it() -> None:
    # The scene is a city (read first), which has no lake; of two camera moves one is made.
    account = _account("a city by the lake, slow pan, close-up")
    assert "lake" in account.not_rendered and "city" in account.rendered
    assert "pan" in account.not_rendered and "dolly in" in account.rendered


def test_a_colour_follows_its_subject_and_otherwise_the_palette() -> None:
    subject = _account("a red car on a hill, underwater")
    assert {"car", "red"} <= set(subject.not_rendered)  # no car is drawn under water, so neither is its colour
    palette = _account("mountains under a red sky")
    assert "red" in palette.rendered  # the grade takes the colour


def test_filming_words_are_not_reported_as_missing_things() -> None:
    account = _account("a cinematic shot of the sea at sunset, beautiful light, 4k video")
    assert account.not_rendered == ()
    assert list(account.rendered) == ["sea", "sunset"]


def test_an_animated_image_shows_its_own_scenery() -> None:
    # Image-to-video moves the given picture: the engine draws no place, only camera and weather.
    prompt = "a forest in the rain, slow pan left"
    account = concept_account(prompt, describe(prompt), animates_image=True)
    assert set(account.rendered) == {"rain", "pan"}
    assert "forest" in account.not_rendered


def test_the_engine_reports_for_the_request_it_renders() -> None:
    engine = ProceduralEngine({})
    text = GenerationRequest(model="procedural", prompt="a horse and a dragon in a desert at night", seed=1,
                             duration_seconds=4, resolution=Resolution.HD)
    assert engine.concepts(text) == ConceptAccount(("horse", "desert", "night"), ("dragon",))
    with_image = GenerationRequest(model="procedural", prompt="a horse in a desert at night", seed=1,
                                   duration_seconds=4, resolution=Resolution.HD,
                                   image=ImageInput(data=png_bytes(), mime_type="image/png"))
    assert engine.concepts(with_image).rendered == ()


def test_a_storyboards_account_joins_its_scenes() -> None:
    merged = ConceptAccount.merged([ConceptAccount(("sea",), ("car",)), ConceptAccount(("car", "night"), ("dog",))])
    assert merged == ConceptAccount(("sea", "car", "night"), ("dog",))


@pytest.mark.parametrize(("prompt", "drawn", "missing"), [
    # Read as a newcomer found them misread: each subject keeps its own words, and verbs are not things.
    ("a man in a red jacket walking his dog", ["person", "red", "dog"], ["jacket"]),
    ("a dog runs across the field", ["dog", "field"], []),
    ("a car driving left to right", ["car"], []),
    ("a couple watching the stars on a beach at noon", ["person", "beach", "day"], ["stars"]),
    ("a bird's-eye view of a red car on a road", ["aerial", "car", "red", "road"], []),
    ("a car on mars at night, the moon rising", ["car", "planet"], ["night", "moon"]),
])
def test_subjects_keep_their_own_words(prompt: str, drawn: list[str], missing: list[str]) -> None:
    account = _account(prompt)
    assert (list(account.rendered), list(account.not_rendered)) == (drawn, missing)
