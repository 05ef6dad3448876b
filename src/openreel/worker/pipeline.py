"""Encode a Clip to MP4 while it renders: frames are produced a few ahead in another thread, so
rendering (PIL/numpy) and x264 run on different cores."""

from __future__ import annotations

from pathlib import Path

from openreel.concurrency import prefetch
from openreel.domain.request import CompressionQuality
from openreel.engines.base import Clip
from openreel.media.encode import Mp4Encoder


def encode_clip(clip: Clip, path: Path, quality: CompressionQuality) -> None:
    with Mp4Encoder(path, clip.width, clip.height, clip.fps, audio=clip.audio, quality=quality) as encoder:
        for frame in prefetch(clip.frames, depth=6):
            encoder.write_frame(frame)
