"""`openreel safety check` (its --json keys are an interface scripts rely on) and the safety filter
in front of `openreel generate`'s local mode."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support import openreel_cli


def test_safety_check_json_names_the_decision_category_and_code(tmp_path: Path) -> None:
    env = {"OPENREEL_DATA_DIR": str(tmp_path)}
    blocked = openreel_cli("safety", "check", "a n u d e woman posing", "--json", env=env)
    assert blocked.returncode == 0, blocked.stderr
    report = json.loads(blocked.stdout)
    assert (report["blocked"], report["category"], report["support_code"]) == (True, "sexual", "58061214")
    assert report["findings"][0]["layer"] == "rules"
    if "semantic classifier (MiniLM)" in report["layers"][0]:  # with the [safety] extra
        assert set(report["scores"]) == {"sexual", "violence", "real_people", "dangerous", "minors", "benign"}
    else:
        assert report["scores"] == {} and "openreel[safety]" in report["layers"][0]
    passed = json.loads(openreel_cli("safety", "check", "a knife on a cutting board", "--json", env=env).stdout)
    assert (passed["blocked"], passed["category"], passed["support_code"]) == (False, None, None)
    person = json.loads(openreel_cli("safety", "check", "a woman reading", "--json", "--person-generation",
                                     "dont_allow", env=env).stdout)
    assert (person["blocked"], person["support_code"]) == (True, "39322892")


def test_safety_check_uses_the_policy_and_its_project_overrides(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[projects."film".categories.violence]\naction = "review"\n')
    env = {"OPENREEL_DATA_DIR": str(tmp_path), "OPENREEL_SAFETY_POLICY": str(policy)}
    prompt = "a man stabbed to death in an alley"
    assert json.loads(openreel_cli("safety", "check", prompt, "--json", env=env).stdout)["blocked"] is True
    film = json.loads(openreel_cli("safety", "check", prompt, "--json", "--project", "film", env=env).stdout)
    assert film["blocked"] is False and film["findings"][0]["action"] == "review"
    text = openreel_cli("safety", "check", prompt, env=env).stdout
    assert text.startswith("blocked: violence (graphic violence), support code 17301594")
    policy.write_text('[categories.minors]\naction = "off"\n')
    refused = openreel_cli("safety", "check", prompt, env=env)
    assert refused.returncode == 2 and "categories.minors" in refused.stderr and "Traceback" not in refused.stderr


def test_local_generate_refuses_a_blocked_prompt_before_rendering(tmp_path: Path) -> None:
    out = tmp_path / "x.mp4"
    done = openreel_cli("generate", "a naked woman on a bed", "-o", str(out), "--duration", "4",
                        env={"OPENREEL_DATA_DIR": str(tmp_path)})
    assert done.returncode == 2
    assert "INVALID_ARGUMENT" in done.stderr and "safety filter" in done.stderr and "58061214" in done.stderr
    assert "naked" not in done.stderr  # the reason never repeats the words, and no review line is printed
    assert not out.exists()
