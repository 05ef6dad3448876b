"""Decode an MP4 back into what an engine hands the encoder: RGB frames and 48 kHz stereo audio."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

from openreel.media.audio import fit_stereo_48k
from openreel.media.probe import UnreadableVideo


def decoded_frames(path: Path) -> Iterator[np.ndarray]:
    """The video's frames as uint8 RGB, decoded as they are drawn."""
    try:
        with av.open(str(path), mode="r") as container:
            for frame in container.decode(video=0):
                yield frame.to_ndarray(format="rgb24")
    except av.FFmpegError as exc:
        raise UnreadableVideo(f"the video could not be decoded: {exc}") from exc


def decoded_audio(path: Path, seconds: float) -> np.ndarray | None:
    """The first audio track as (2, 48000 * seconds) float32, or None when there is none."""
    try:
        with av.open(str(path), mode="r") as container:
            if not container.streams.audio:
                return None
            stream = container.streams.audio[0]
            rate = stream.rate or 48_000
            chunks = [_channels_first(frame) for frame in container.decode(audio=0)]
    except av.FFmpegError as exc:
        raise UnreadableVideo(f"the audio could not be decoded: {exc}") from exc
    samples = np.concatenate(chunks, axis=1) if chunks else np.zeros((2, 0), np.float32)
    return fit_stereo_48k(samples.astype(np.float32), rate, seconds)


def _channels_first(frame: av.AudioFrame) -> np.ndarray:
    """(channels, n) floats, whether the decoder gave planar or interleaved samples (AAC: planar)."""
    data = frame.to_ndarray()
    if not frame.format.is_planar:
        data = data.reshape(-1, len(frame.layout.channels)).T
    if data.dtype == np.int16:  # a decoder that gives 16-bit integers (s16, s16p)
        return data.astype(np.float32) / 32768
    return data
