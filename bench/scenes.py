"""Every scene the procedural engine knows, against real time: each setting under each camera
move, and each setting under each kind of weather (with a dolly in, the costliest move), each kind
of subject under three moves and in rain, plus the seed guide's prompts, rendered and encoded at
1080p with audio as a worker (and a live stream) makes them: frames drawn while x264 encodes them.

A streamed video plays without stalling only if this is faster than real time, so the figure per
scene is its real-time factor: wall-clock seconds to make the clip over the clip's own length
(below 1.0: faster than real time). The baseline measured in the same run is the encoder's
floor: the same encoder on a clip of one repeated frame, the least any scene can cost.

Writes bench/results/scenes.json. Usage: python bench/scenes.py [--seconds 8] [--only WORD]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from openreel.domain.request import GenerationRequest
from openreel.engines.procedural import ProceduralEngine
from openreel.engines.procedural.scene import describe
from openreel.media.encode import Mp4Encoder
from openreel.worker.control import RunControl
from openreel.worker.render import encode_clip

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = {"mountains": "snowy mountains", "sea": "the open sea", "city": "a city street with crowds",
            "forest": "a pine forest", "desert": "desert dunes", "sky": "clouds in the sky",
            "space": "outer space, stars and a planet", "product": "a luxury watch product shot",
            "abstract": "abstract flowing shapes", "moon": "on the moon, earth in the sky",
            "underwater": "a coral reef underwater", "snowfield": "a snowy field", "kitchen": "a kitchen",
            "room": "a living room", "office": "an office", "stage": "a concert stage"}
# Each kind of subject where it belongs, and moving as prompts ask.
SUBJECTS = {
    "car": "a red car driving along a road", "highway": "cars on a highway at night", "boat": "a boat on a lake",
    "plane": "a plane flying over the clouds", "train": "a train crossing a bridge over a river",
    "cat": "a cat on a sofa in a living room", "dog": "a dog running on the beach",
    "birds": "a flock of birds over the sea",
    "fish": "a school of fish swimming underwater", "horses": "two horses galloping through a valley",
    "person": "a woman walking towards the camera on a beach", "astronaut": "an astronaut walking on the moon",
    "chef": "a chef cooking in a kitchen",
}
MOVES = {"static": "static shot", "pan right": "slow pan left to right", "pan left": "slow pan right to left",
         "tilt up": "tilt up", "tilt down": "tilt down", "dolly in": "slow dolly in", "dolly out": "dolly out",
         "aerial": "aerial drone shot", "orbit": "orbit around"}
WEATHER = {"mist": "in thick mist", "rain": "in heavy rain", "snow": "in falling snow",
           "storm": "in a thunderstorm with lightning"}
SEED_GUIDE = {
    "mountain lake": "A serene mountain lake at dawn, mist rising over still water, golden morning light, "
                     "slow pan from left to right, cinematic",
    "tokyo street": "A busy Tokyo street at night, neon signs reflecting in wet pavement, crowds of people, cinematic",
    "futuristic city": "A futuristic city at night with flying cars",
    "luxury watch": "A professional product showcase video for a luxury watch, rotating on a dark surface, "
                    "dramatic lighting, cinematic close-up",
    "bay at sunset": "Sunset over San Francisco Bay, golden hour, aerial view",
}


def cases() -> dict[str, str]:
    found = {f"{setting} / {move}": f"{words}, {MOVES[move]}" for setting, words in SETTINGS.items() for move in MOVES}
    found |= {f"{setting} / dolly in / {weather}": f"{words} {WEATHER[weather]}, slow dolly in"
              for setting, words in SETTINGS.items() for weather in WEATHER}
    found |= {f"{subject} / {move}": f"{words}, {MOVES[move]}" for subject, words in SUBJECTS.items()
              for move in ("static", "pan right", "dolly in")}
    found |= {f"{subject} / dolly in / rain": f"{words} in heavy rain, slow dolly in"
              for subject, words in SUBJECTS.items()}
    return found | {f"seed guide / {name}": prompt for name, prompt in SEED_GUIDE.items()}


def make(prompt: str, seconds: int, target: Path) -> float:
    """Seconds to draw and encode the clip, as a worker does (frames encoded as they are drawn)."""
    request = GenerationRequest(model="procedural", prompt=prompt, seed=7, duration_seconds=seconds,
                                generate_audio=True)
    control = RunControl(timeout_seconds=3600, scratch_dir=target.parent)
    start = time.perf_counter()
    encode_clip(ProceduralEngine({}).generate(request, control)[0], target, request.compression_quality)
    return time.perf_counter() - start


def encoder_floor(seconds: int, target: Path) -> float:
    """The encoder alone, on the cheapest clip there is: one grey frame, repeated, with silence."""
    frame = np.full((1080, 1920, 3), 128, np.uint8)
    start = time.perf_counter()
    with Mp4Encoder(target, 1920, 1080, 24, audio=np.zeros((2, 48_000 * seconds), np.float32)) as encoder:
        for _ in range(24 * seconds):
            encoder.write_frame(frame)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--only", default="", help="measure only the cases whose name contains this")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        floor = encoder_floor(args.seconds, Path(tmp) / "floor.mp4")
        for name, prompt in cases().items():
            if args.only not in name:
                continue
            seconds = make(prompt, args.seconds, Path(tmp) / "clip.mp4")
            scene = describe(prompt, "")
            result = {"case": name, "prompt": prompt, "seconds": round(seconds, 2),
                      "real_time_factor": round(seconds / args.seconds, 3),
                      "over_encoder_floor": round(seconds / floor, 2),
                      "drawn_as": {"setting": scene.setting.value, "camera": scene.camera.value,
                                   "weather": scene.weather.value, "time_of_day": scene.time_of_day.value}}
            results.append(result)
            print(f"{name:42s} {seconds:5.2f} s  {seconds / args.seconds:4.2f}x real time", flush=True)
    slowest = max(results, key=lambda r: r["real_time_factor"])
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    report = {
        "benchmark": "scenes", "date": time.strftime("%Y-%m-%d"),
        "machine": {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version()},
        "clip": {"duration_s": args.seconds, "resolution": "1920x1080", "fps": 24, "audio": "AAC 48 kHz stereo"},
        "baseline": {"encoder_floor_s": round(floor, 2),
                     "encoder_floor_real_time_factor": round(floor / args.seconds, 3)},
        "summary": {"cases": len(results), "slowest": slowest["case"],
                    "slowest_real_time_factor": slowest["real_time_factor"],
                    "all_faster_than_real_time": all(r["real_time_factor"] < 1.0 for r in results),
                    "median_real_time_factor": float(np.median([r["real_time_factor"] for r in results]))},
        "cases": results,
    }
    if args.only:
        print(json.dumps(report["summary"], indent=2))
        return
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "results" / "scenes.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["summary"], indent=2))


if __name__ == "__main__":
    main()
