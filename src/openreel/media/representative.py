"""Representative frames of a video: the few that together show its palette and look best, for a
style taken from an example video.

Frames are sampled evenly through the video and described by colour histograms (computed on
small copies). The first frame returned is the medoid, the one closest to the video's average
look; each next one is the sample farthest from those already chosen, so a video that changes
(day turning to night) is covered rather than shown three times over.
"""

from __future__ import annotations

import io

import av
import numpy as np
from PIL import Image

from openreel.media.probe import UnreadableVideo

SAMPLES = 24
# Kept at most this long on the long side: enough for grain and texture to survive.
MAX_SIDE = 1280
_BINS = 6


def representative_frames(data: bytes, count: int = 3) -> list[Image.Image]:
    """Up to `count` RGB frames of the MP4 (or any video PyAV reads), the most typical first."""
    samples = _sampled(data)
    if not samples:
        raise UnreadableVideo("the video has no frames")
    histograms = np.stack([_histogram(frame) for frame in samples])
    distance = np.abs(histograms[:, None, :] - histograms[None, :, :]).sum(axis=2)
    chosen = [int(np.argmin(distance.sum(axis=1)))]
    while len(chosen) < min(count, len(samples)):
        farthest = int(np.argmax(distance[:, chosen].min(axis=1)))
        if distance[farthest, chosen].min() == 0:
            break  # every remaining sample looks like one already chosen
        chosen.append(farthest)
    return [samples[index] for index in chosen]


def _sampled(data: bytes) -> list[Image.Image]:
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            stream = container.streams.video[0]
            total = stream.frames or 0
            step = max(1, total // SAMPLES) if total else 1
            frames = []
            for index, frame in enumerate(container.decode(video=0)):
                if index % step == 0:
                    image = Image.fromarray(frame.to_ndarray(format="rgb24"))
                    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
                    frames.append(image)
                if total == 0 and len(frames) >= SAMPLES * 4:
                    break
    except (av.FFmpegError, IndexError) as exc:
        raise UnreadableVideo(f"the video could not be decoded: {exc}") from exc
    if len(frames) > SAMPLES:  # the frame count was unknown: thin what was read
        frames = frames[:: len(frames) // SAMPLES][:SAMPLES]
    return frames


def _histogram(frame: Image.Image) -> np.ndarray:
    small = np.asarray(frame.resize((64, 36)), dtype=np.int32) * _BINS // 256
    codes = (small[..., 0] * _BINS + small[..., 1]) * _BINS + small[..., 2]
    counts = np.bincount(codes.ravel(), minlength=_BINS**3).astype(np.float64)
    shares: np.ndarray = counts / counts.sum()
    return shares
