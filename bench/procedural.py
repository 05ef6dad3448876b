"""Procedural engine benchmark: the seed guide's prompts at 8 s 1080p with audio.

For each prompt it measures, on this machine:
- end to end: engine + pipelined encoder to an MP4 (what a worker does),
- render alone: every frame rendered to memory, nothing encoded,
- encode alone: those same frames through the same encoder,
and compares openreel's x264 settings with x264's veryfast preset on the same frames (size,
PSNR, encode time). Writes bench/results/procedural.json and docs/procedural-bench.json, and a
contact sheet of frames per prompt to docs/procedural-contact-sheet.png.

Usage: python bench/procedural.py
"""

from __future__ import annotations

import io
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw

from openreel.domain.request import GenerationRequest
from openreel.engines.procedural import ProceduralEngine
from openreel.media.encode import Mp4Encoder
from openreel.worker.control import RunControl
from openreel.worker.render import encode_clip


def _quiet() -> RunControl:
    """The worker's run context with nobody following its progress and nothing to cancel it."""
    return RunControl(timeout_seconds=3600, scratch_dir=Path(tempfile.gettempdir()))


PROMPTS = {
    "mountain lake": "A serene mountain lake at dawn, mist rising over still water, golden morning light, "
                     "slow pan from left to right, cinematic",
    "tokyo street": "A busy Tokyo street at night, neon signs reflecting in wet pavement, crowds of people, cinematic",
    "futuristic city": "A futuristic city at night with flying cars",
    "luxury watch": "A professional product showcase video for a luxury watch, rotating on a dark surface, "
                    "dramatic lighting, cinematic close-up",
    "bay at sunset": "Sunset over San Francisco Bay, golden hour, aerial view",
}
SEED = 7
ROOT = Path(__file__).resolve().parent.parent




def _request(prompt: str) -> GenerationRequest:
    return GenerationRequest(model="veo-3.0-generate-001", prompt=prompt, seed=SEED, duration_seconds=8,
                             generate_audio=True)


def _psnr(path: Path, frames: list[np.ndarray]) -> float:
    errors = []
    with av.open(str(path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index % 12 == 0:
                decoded = frame.to_ndarray(format="rgb24").astype(np.float32)
                errors.append(np.mean((decoded - frames[index].astype(np.float32)) ** 2))
    return round(float(10 * np.log10(255**2 / np.mean(errors))), 2)


def _encode(frames: list[np.ndarray], path: Path, preset: str | None) -> float:
    start = time.perf_counter()
    kwargs = {} if preset is None else {"preset": preset}
    with Mp4Encoder(path, 1920, 1080, 24, **kwargs) as encoder:  # type: ignore[arg-type]
        for frame in frames:
            encoder.write_frame(frame)
    return time.perf_counter() - start


def measure(name: str, prompt: str, tmp: Path) -> tuple[dict[str, object], list[np.ndarray]]:
    engine = ProceduralEngine({})
    start = time.perf_counter()
    encode_clip(engine.generate(_request(prompt), _quiet())[0], tmp / "e2e.mp4", _request(prompt).compression_quality)
    end_to_end = time.perf_counter() - start

    start = time.perf_counter()
    frames = list(engine.generate(_request(prompt), _quiet())[0].frames)
    render = time.perf_counter() - start

    ours = _encode(frames, tmp / "ours.mp4", None)
    veryfast = _encode(frames, tmp / "veryfast.mp4", "veryfast")
    result = {
        "prompt": prompt, "end_to_end_s": round(end_to_end, 2), "render_alone_s": round(render, 2),
        "encode_alone_s": round(ours, 2), "end_to_end_over_encode_alone": round(end_to_end / ours, 2),
        "faster_than_real_time": end_to_end < 8.0,
        "mp4_kib": (tmp / "e2e.mp4").stat().st_size // 1024,
        "x264": {
            "openreel": {"encode_s": round(ours, 2), "kib": (tmp / "ours.mp4").stat().st_size // 1024,
                         "psnr_db": _psnr(tmp / "ours.mp4", frames)},
            "veryfast": {"encode_s": round(veryfast, 2), "kib": (tmp / "veryfast.mp4").stat().st_size // 1024,
                         "psnr_db": _psnr(tmp / "veryfast.mp4", frames)},
        },
    }
    print(name, json.dumps(result))
    return result, [frames[i] for i in (0, 64, 128, 191)]


def contact_sheet(rows: dict[str, list[np.ndarray]], path: Path) -> None:
    thumb_w, thumb_h, label_h = 384, 216, 26
    sheet = Image.new("RGB", (thumb_w * 4, (thumb_h + label_h) * len(rows)), (16, 16, 20))
    draw = ImageDraw.Draw(sheet)
    for r, (name, frames) in enumerate(rows.items()):
        y = r * (thumb_h + label_h)
        draw.text((8, y + 7), f"{name}: \"{PROMPTS[name][:110]}\" (frames 0, 64, 128, 191)", fill=(230, 230, 230))
        for c, frame in enumerate(frames):
            sheet.paste(Image.fromarray(frame).resize((thumb_w, thumb_h), Image.Resampling.LANCZOS),
                        (c * thumb_w, y + label_h))
    buf = io.BytesIO()
    sheet.save(buf, "PNG", optimize=True)
    path.write_bytes(buf.getvalue())


def main() -> None:
    results, rows = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, prompt in PROMPTS.items():
            results[name], rows[name] = measure(name, prompt, Path(tmp))
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    report = {"benchmark": "procedural", "date": time.strftime("%Y-%m-%d"),
              "machine": {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version()},
              "clip": {"duration_s": 8, "resolution": "1920x1080", "fps": 24, "audio": "AAC 48 kHz stereo",
                       "crf": 21},
              "prompts": results}
    text = json.dumps(report, indent=2) + "\n"
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "results" / "procedural.json").write_text(text)
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "procedural-bench.json").write_text(text)
    contact_sheet(rows, ROOT / "docs" / "procedural-contact-sheet.png")


if __name__ == "__main__":
    main()
