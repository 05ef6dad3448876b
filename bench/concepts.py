"""How much of what prompts ask for the procedural engine draws, and whether what it says it drew
is on the frames.

bench/concept_prompts.jsonl holds prompts written for this project, each labelled with the
concepts it names (canonical names, the vocabulary of engines/procedural/concepts.py, and plain
nouns for things outside it), the colour it gives a subject, its time of day and whether it is
indoors. For every prompt the engine's account (metadata.concepts) is read, and the share of
labelled concepts it says it rendered is reported. Then the claims that can be seen are checked
on rendered frames (at 480x270, the first and middle frames):
- a named subject colour ("a red car"): the frame holds more pixels of that colour than the same
  prompt with a contrasting colour in its place ("a blue car") draws;
- night: the frame is dark (mean luma under 70); day: it is bright (over 85);
- indoors: no sky at the top of the frame (its top tenth is not sky blue);
- subjects: the frame drawn with its subjects differs from the same shot drawn without them.
The baseline, measured in the same run, is the share the engine rendered before issue 17 widened
its world: the concepts its first world drew (settings, time, weather, camera, styles), read with
the same lexicon.

Writes bench/results/concepts.json. Usage: python bench/concepts.py
"""

from __future__ import annotations

import json
import platform
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from openreel.domain.request import GenerationRequest, Resolution
from openreel.engines.procedural import ProceduralEngine
from openreel.engines.procedural.cast import COLOURS, Kind
from openreel.engines.procedural.render import Shot, ShotInputs
from openreel.engines.procedural.scene import describe

ROOT = Path(__file__).resolve().parent.parent
SUBJECT_NAMES = {kind.value for kind in Kind}
SIZE = (480, 270)
# What the engine drew before this world was widened: these concepts, and nothing of the rest.
FIRST_WORLD = {"mountains", "sea", "lake", "river", "city", "street", "forest", "desert", "sky", "clouds", "space",
               "planet", "studio", "abstract", "dawn", "golden hour", "day", "sunset", "night", "mist", "rain",
               "snow", "storm", "pan", "tilt", "dolly in", "dolly out", "aerial", "orbit", "static", "tracking",
               "crowd", "flying car", "watch", "neon", "black and white", "pastel", "film grain", "vignette"}


def frames(prompt: str, seed: int = 5) -> list[np.ndarray]:
    shot = Shot(describe(prompt), SIZE, 48, 24, 1.0, np.random.default_rng(seed), ShotInputs())
    return [shot.frame(0), shot.frame(24)]


def subjects_seen(prompt: str, seed: int = 5) -> float:
    """The share of the middle frame its subjects change: the frame drawn with them against the
    same shot drawn without them."""
    shot = Shot(describe(prompt), SIZE, 48, 24, 1.0, np.random.default_rng(seed), ShotInputs())
    with_them = shot.frame(24)
    shot.cast = None
    without = shot.frame(24)
    return float((np.abs(with_them.astype(np.int16) - without).max(axis=2) > 24).mean())


def luma(frame: np.ndarray) -> float:
    return float((frame.astype(np.float32) @ np.array([0.2126, 0.7152, 0.0722], np.float32)).mean())


def colour_pixels(frame: np.ndarray, rgb: tuple[float, float, float]) -> int:
    """Pixels of the colour `rgb` whatever the light on them: of its hue (chromaticity) when it
    has one; near black, white or grey (low saturation, its brightness band) when it has none."""
    pixels = frame.reshape(-1, 3).astype(np.float32) / 255
    target = np.array(rgb, np.float32)
    top, bottom = pixels.max(axis=1), pixels.min(axis=1)
    saturation = (top - bottom) / np.maximum(top, 1e-3)
    if target.max() - target.min() < 0.1:  # achromatic: black, white, silver, grey
        band = (top < 0.16) if target.max() < 0.2 else (bottom > 0.65) if target.min() > 0.85 else \
            ((top > 0.4) & (top < 0.85))
        return int((band & (saturation < 0.15)).sum())
    chroma = pixels / np.maximum(pixels.sum(axis=1, keepdims=True), 1e-3)
    goal = target / target.sum()
    return int(((np.abs(chroma - goal).max(axis=1) < 0.05) & (saturation > 0.35) & (top > 0.12)).sum())


def sky_at_top(frame: np.ndarray) -> bool:
    top = frame[: frame.shape[0] // 10].reshape(-1, 3).astype(np.float32).mean(axis=0)
    return bool(top[2] > top[0] + 25 and top[2] > 110)


def check(entry: dict[str, Any], rendered: set[str]) -> list[dict[str, Any]]:
    """Each claim of this entry's account that the frames can show, and whether they do."""
    checks = []
    prompt = entry["prompt"]
    shown = frames(prompt)
    for subject, colour in entry["colours"].items():
        if subject in rendered and colour in rendered and colour in COLOURS:
            # Against the same prompt with a contrasting colour in its place.
            other = "blue" if colour in ("red", "orange", "yellow", "pink", "golden", "gold", "brown", "amber") \
                else "red"
            contrast = re.sub(rf"\b{colour}\b", other, prompt, count=1)
            with_colour = max(colour_pixels(f, COLOURS[colour]) for f in shown)
            without = max(colour_pixels(f, COLOURS[colour]) for f in frames(contrast))
            checks.append({"claim": f"{colour} {subject}", "passed": with_colour > without,
                           "pixels": [with_colour, without], "against": other})
    subjects = rendered & SUBJECT_NAMES
    if subjects:
        share = subjects_seen(prompt)
        checks.append({"claim": f"subjects on the frame ({', '.join(sorted(subjects))})", "passed": share > 0.0005,
                       "changed_share": round(share, 4)})
    if entry["time"] == "night" and "night" in rendered:
        value = luma(shown[1])
        checks.append({"claim": "night", "passed": value < 70, "luma": round(value, 1)})
    if entry["time"] == "day" and "day" in rendered and not entry["indoor"]:
        value = luma(shown[1])
        checks.append({"claim": "day", "passed": value > 85, "luma": round(value, 1)})
    indoors = rendered & {"kitchen", "room", "office", "stage"}
    if entry["indoor"] and indoors:
        checks.append({"claim": f"indoors ({', '.join(sorted(indoors))})",
                       "passed": not any(sky_at_top(f) for f in shown)})
    return checks


def main() -> None:
    entries = [json.loads(line) for line in (ROOT / "bench" / "concept_prompts.jsonl").read_text().splitlines()
               if line.strip()]
    engine = ProceduralEngine({})
    labelled = rendered_count = before_count = 0
    per_concept: dict[str, Counter[str]] = {}
    claims: list[dict[str, Any]] = []
    missed: Counter[str] = Counter()
    start = time.perf_counter()
    for entry in entries:
        request = GenerationRequest(model="procedural", prompt=entry["prompt"], seed=5, duration_seconds=4,
                                    resolution=Resolution.HD)
        rendered = set(engine.concepts(request).rendered)
        for concept in entry["concepts"]:
            counts = per_concept.setdefault(concept, Counter())
            counts["labelled"] += 1
            labelled += 1
            if concept in rendered:
                counts["rendered"] += 1
                rendered_count += 1
            else:
                missed[concept] += 1
            before_count += concept in rendered and concept in FIRST_WORLD
        claims += [dict(check_result, prompt=entry["id"]) for check_result in check(entry, rendered)]
    elapsed = time.perf_counter() - start
    passed = sum(c["passed"] for c in claims)
    report = {
        "benchmark": "concepts", "date": time.strftime("%Y-%m-%d"),
        "machine": {"python": platform.python_version()},
        "prompts": len(entries), "labelled_concepts": labelled,
        "rendered_share": round(rendered_count / labelled, 3),
        "baseline": {"what": "the same prompts, counting only what the engine's first world drew",
                     "rendered_share": round(before_count / labelled, 3)},
        "claims_checked": len(claims), "claims_seen_on_frames": passed,
        "claims_failed": [c for c in claims if not c["passed"]],
        "least_rendered": [{"concept": name, "labelled": per_concept[name]["labelled"], "missed": n}
                           for name, n in missed.most_common(15)],
        "per_concept": {name: {"labelled": c["labelled"], "rendered": c["rendered"]}
                        for name, c in sorted(per_concept.items())},
        "seconds": round(elapsed, 1),
    }
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "results" / "concepts.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: report[k] for k in ("prompts", "labelled_concepts", "rendered_share", "baseline",
                                             "claims_checked", "claims_seen_on_frames", "least_rendered")},
                     indent=2))


if __name__ == "__main__":
    main()
