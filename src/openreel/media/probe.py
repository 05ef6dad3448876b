"""Read what an MP4 holds: streams, sizes, frame counts, and its last frame (for extension)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np


@dataclass(frozen=True)
class VideoInfo:
    codec: str
    width: int
    height: int
    fps: float
    pix_fmt: str
    duration_seconds: float
    has_audio: bool
    audio_codec: str | None
    audio_rate: int | None
    audio_channels: int | None


class UnreadableVideo(ValueError):
    pass


def probe_video(data: bytes | Path) -> VideoInfo:
    """Header-level facts about an encoded video (its bytes, or a file); raises UnreadableVideo
    if it has no video."""
    try:
        with av.open(str(data) if isinstance(data, Path) else io.BytesIO(data), mode="r") as container:
            if not container.streams.video:
                raise UnreadableVideo("the file holds no video stream")
            video = container.streams.video[0]
            audio = container.streams.audio[0] if container.streams.audio else None
            duration = float(container.duration / av.time_base) if container.duration else 0.0
            return VideoInfo(
                codec=video.codec_context.name, width=video.codec_context.width,
                height=video.codec_context.height, fps=float(video.average_rate or 0),
                pix_fmt=video.codec_context.pix_fmt or "", duration_seconds=duration,
                has_audio=audio is not None,
                audio_codec=audio.codec_context.name if audio else None,
                audio_rate=audio.codec_context.sample_rate if audio else None,
                audio_channels=audio.codec_context.channels if audio else None,
            )
    except av.FFmpegError as exc:
        raise UnreadableVideo(f"the video could not be read: {exc}") from exc


def last_frame(data: bytes) -> np.ndarray:
    """The final decoded frame as uint8 RGB."""
    frame = None
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            for frame in container.decode(video=0):
                pass
    except av.FFmpegError as exc:
        raise UnreadableVideo(f"the video could not be decoded: {exc}") from exc
    if frame is None:
        raise UnreadableVideo("the video has no frames")
    return frame.to_ndarray(format="rgb24")


def frames_at(path: Path, indices: list[int]) -> list[np.ndarray]:
    """The uint8 RGB frames at these indices (in decoding order), in one pass from the start:
    generated videos have few keyframes (often one), so seeking would decode from the start for
    each. Raises UnreadableVideo when the video cannot be decoded."""
    wanted, found = set(indices), []
    try:
        with av.open(str(path), mode="r") as container:
            for index, frame in enumerate(container.decode(video=0)):
                if index in wanted:
                    found.append(frame.to_ndarray(format="rgb24"))
                    if len(found) == len(wanted):
                        break
    except av.FFmpegError as exc:
        raise UnreadableVideo(f"the video could not be decoded: {exc}") from exc
    return found
