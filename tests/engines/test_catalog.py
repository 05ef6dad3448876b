"""The TOML catalog (OPENREEL_CATALOG_PATH) as an operator writes it, the JSON one still read, and
what an entry's limits do to its engine's capabilities."""

from __future__ import annotations

from pathlib import Path

import pytest

from openreel.domain.request import AspectRatio, Resolution
from openreel.engines.capabilities import Capabilities, CatalogLimits
from openreel.engines.catalog import Catalog
from openreel.errors import FailedPrecondition


def test_a_diffusers_entry_needs_only_engine_and_path_and_other_keys_become_options(tmp_path: Path) -> None:
    path = tmp_path / "catalog.toml"
    path.write_text('[models."wan-local"]\nengine = "diffusers"\npath = "/models/wan"\n\n'
                    '[models."ltx"]\nengine = "diffusers"\nrepo = "Lightricks/LTX-Video"\nsteps = 8\n'
                    'cache = {type = "FirstBlockCache", threshold = 0.05}\nlicense = "read it"\n'
                    'durations = [4]\nresolutions = ["720P"]\naspect_ratios = ["16:9"]\nmax_samples = 2\n'
                    'audio = false\n')
    catalog = Catalog.load(path)
    wan = catalog.get("wan-local")
    assert (wan.engine, wan.options, wan.limits) == ("diffusers", {"path": "/models/wan"}, CatalogLimits())
    ltx = catalog.get("models/ltx")
    assert ltx.options == {"repo": "Lightricks/LTX-Video", "steps": 8,
                           "cache": {"type": "FirstBlockCache", "threshold": 0.05}}
    assert ltx.license == "read it"
    assert ltx.limits == CatalogLimits(durations=(4,), resolutions=(Resolution.HD,),
                                       aspect_ratios=(AspectRatio.LANDSCAPE,), max_samples=2, audio=False)
    assert catalog.get("veo-3.0-generate-001").engine == "procedural"  # the defaults stay


def test_the_first_catalog_version_in_json_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    path.write_text('{"models": [{"id": "m", "engine": "procedural", "durations": [4, 6], "maxSamples": 1,'
                    ' "supportsAudio": false, "options": {"x": 1}}]}')
    spec = Catalog.load(path).get("m")
    # What that version defaulted to (720p and 1080p) still holds for the fields the file leaves out.
    assert spec.limits == CatalogLimits(durations=(4, 6), resolutions=(Resolution.HD, Resolution.FULL_HD),
                                        max_samples=1, audio=False)
    assert spec.options == {"x": 1}


def test_an_entry_naming_a_default_model_changes_only_what_it_sets(tmp_path: Path) -> None:
    path = tmp_path / "catalog.toml"
    path.write_text('[models."ltx-2"]\npath = "/models/ltx-2"\nsteps = 20\ntimeout_seconds = 7200\n')
    ltx2 = Catalog.load(path).get("ltx-2")
    assert ltx2.engine == "diffusers" and "LTX-2 Community License" in ltx2.license
    assert ltx2.options["path"] == "/models/ltx-2" and "repo" not in ltx2.options  # weights in one place
    assert ltx2.options["steps"] == 20 and ltx2.options["pipeline"] == "LTX2Pipeline"
    assert ltx2.timeout_seconds == 7200


@pytest.mark.parametrize("text, named", [
    ('[models."m"]\npath = "/x"\n', 'missing field "engine"'),
    ('[models."m"]\nengine = "diffusers"\nresolutions = ["8k"]\n', "resolutions must be a non-empty list"),
    ('[models."m"]\nengine = "diffusers"\ndurations = [0]\n', "durations must be"),
    ('[models."m"]\nengine = "diffusers"\nmax_samples = "2"\n', "max_samples must be"),
    ('[models."m"]\nengine = "diffusers"\naudio = "yes"\n', "audio must be true or false"),
    ('models = "wan"\n', 'write each model as a [models."<id>"] table'),
    ('[models."m"\nengine = "x"\n', "catalog.toml"),  # not TOML at all
])
def test_a_broken_catalog_is_refused_naming_the_file_and_the_problem(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "catalog.toml"
    path.write_text(text)
    with pytest.raises(FailedPrecondition) as caught:
        Catalog.load(path)
    assert str(path) in caught.value.message and named in caught.value.message


def test_an_entry_narrows_its_engines_capabilities_and_never_widens_them() -> None:
    engine = Capabilities(durations=(4, 5), resolutions=(Resolution.HD, Resolution.FULL_HD), audio=False,
                          max_samples=2, extension=False)
    narrowed = engine.narrowed(CatalogLimits(durations=(5, 8), resolutions=(Resolution.UHD, Resolution.HD),
                                             max_samples=4, audio=True))
    assert narrowed.durations == (5,) and narrowed.resolutions == (Resolution.HD,)
    assert narrowed.max_samples == 2 and narrowed.audio is False


def test_an_entry_may_ask_for_videos_longer_than_the_engines_clips_only_where_it_extends_videos() -> None:
    limits = CatalogLimits(durations=(3, 5, 12, 30))
    # Longer than its longest clip: made of clips that each continue the one before.
    assert Capabilities(durations=(4, 5, 8)).narrowed(limits).durations == (5, 12, 30)
    assert Capabilities(durations=(4, 5, 8), extension=False).narrowed(limits).durations == (5,)
    # Google's Veo extends only its own videos, and returns them whole: no long videos from its clips.
    assert Capabilities(durations=(4, 5, 8), continues_any_clip=False).narrowed(limits).durations == (5,)


@pytest.mark.parametrize("text, named", [
    ('{"models": [{"id": 5, "engine": "procedural"}]}', 'needs an "id" string'),
    ('{"models": [{"id": "m", "engine": "procedural"}, {"id": "m", "engine": "gated"}]}', "appear twice: ['m']"),
    ('{"models": [{"id": "m", "engine": "procedural", "options": [1]}]}', "model 'm': options must be a table"),
    ('{"models": {"m": {}}}', '"models" must be a list'),
])
def test_a_broken_json_catalog_is_refused_naming_the_problem(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "catalog.json"
    path.write_text(text)
    with pytest.raises(FailedPrecondition) as caught:
        Catalog.load(path)
    assert named in caught.value.message
