"""Encode RGB frames (and optional stereo audio) into an MP4 the way Veo delivers them:
H.264 yuv420p tagged BT.709 (limited range), 24 fps, AAC 48 kHz, moov atom first (faststart).
"""

from __future__ import annotations

import io
import os
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import av
import numpy as np
from av.video.reformatter import ColorRange, Colorspace

from openreel.domain.request import CompressionQuality
from openreel.media.audio_feed import AudioFeed

AUDIO_RATE = 48_000
_AAC_FRAME = 1024
# CRF 21 keeps generated footage visually clean at about half the size of CRF 18. "Lossless" is
# CRF 10 rather than true lossless: lossless H.264 needs the High 4:4:4 profile most players lack.
_CRF = {CompressionQuality.OPTIMIZED: 21, CompressionQuality.LOSSLESS: 10}
# x264's ultrafast preset with what buys most per CPU cycle put back: CABAC, macroblock-tree rate
# control over a 10-frame lookahead, the deblocking filter, adaptive quantisation and the 8x8
# intra transforms. On rendered 1080p footage it keeps superfast's PSNR (within 0.2 dB) for about
# 40% less CPU, at a size from 10% smaller (clean scenes) to 25% larger (rain): the encoder is
# half of what a clip costs, and a live stream must keep up with playback (bench/scenes.py).
_PRESET = "ultrafast"
_X264_PARAMS = ("cabac=1:mbtree=1:rc-lookahead=10:deblock=1,0:0:aq-mode=1:partitions=i8x8,i4x4:8x8dct=1:"
                "colorprim=bt709:transfer=bt709:colormatrix=bt709")
_BT709 = 1
# A thread per core (x264's own default is 1.5 per core): the renderer that feeds the encoder runs
# on the same cores, and oversubscribing them cost a procedural 1080p clip about a tenth of its
# speed on 2 cores (bench/scenes.py).
_X264_THREADS = max(2, min(os.cpu_count() or 2, 8))


# A live stream is fragmented MP4 (an empty moov, then a moof+mdat fragment a second) that a
# player can start on before the file is finished.
_FRAGMENTED = {"movflags": "empty_moov+default_base_moof+frag_keyframe", "frag_duration": "1000000"}


class LiveOutput(Protocol):
    """Where a live stream's bytes go as the muxer writes them (storage/live.py uploads them)."""

    def write(self, data: bytes) -> int: ...

    def flush(self) -> None:
        """A frame has been muxed: whatever was written so far may be sent on now."""


class Mp4Encoder:
    """Write frames one at a time; audio, whole up front or arriving as a feed, is interleaved
    with the video. With `live`, every packet is also muxed, as it is made, into a fragmented MP4
    written to `live`: a stream a player starts on before the file at `path` is finished, of the
    very same packets."""

    def __init__(self, path: Path, width: int, height: int, fps: int,
                 audio: np.ndarray | AudioFeed | None = None,
                 quality: CompressionQuality = CompressionQuality.OPTIMIZED,
                 preset: str = _PRESET, live: LiveOutput | None = None) -> None:
        self._container = av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"})
        stream = self._container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        ctx = stream.codec_context
        ctx.time_base = Fraction(1, fps)
        ctx.color_primaries = ctx.color_trc = ctx.colorspace = _BT709
        ctx.color_range = ColorRange.MPEG
        ctx.options = {
            "crf": str(_CRF[quality]), "preset": preset, "x264-params": _X264_PARAMS,
            "threads": str(_X264_THREADS),
        }
        self._video = stream
        self._live = live
        self._live_container: av.container.OutputContainer | None = None
        self._live_streams: dict[int, av.stream.Stream] = {}
        self._fps = fps
        self._frames_written = 0
        self._audio = audio if audio is None or isinstance(audio, AudioFeed) else _whole(audio)
        self._audio_written = 0
        if self._audio is not None:
            self._audio_stream = self._container.add_stream("aac", rate=AUDIO_RATE, layout="stereo")
            self._audio_stream.bit_rate = 192_000

    def write_frame(self, rgb: np.ndarray) -> None:
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        # FFmpeg's scaler does the RGB -> BT.709 limited-range YUV conversion in C.
        frame = frame.reformat(format="yuv420p", src_colorspace=Colorspace.ITU709,
                               dst_colorspace=Colorspace.ITU709,
                               src_color_range=ColorRange.JPEG, dst_color_range=ColorRange.MPEG)
        frame.pts = self._frames_written
        self._mux(self._video.encode(frame))
        self._frames_written += 1
        if self._audio is not None:
            due = int(self._frames_written * AUDIO_RATE / self._fps)
            self._write_audio_until(min(due, self._audio.available))
        if self._live is not None:
            self._live.flush()

    def _write_audio_until(self, end: int) -> None:
        assert self._audio is not None
        while self._audio_written + _AAC_FRAME <= end or (
            end == self._audio.length and self._audio_written < end
        ):
            chunk = self._audio.read(self._audio_written, min(end, self._audio_written + _AAC_FRAME))
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="fltp",
                                               layout="stereo")
            frame.sample_rate = AUDIO_RATE
            frame.pts = self._audio_written
            self._mux(self._audio_stream.encode(frame))
            self._audio_written += chunk.shape[1]

    def close(self) -> None:
        if self._audio is not None:
            self._write_audio_until(self._audio.length)
            self._mux(self._audio_stream.encode(None))
        self._mux(self._video.encode(None))
        self._container.close()
        if self._live_container is not None:
            self._live_container.close()

    def _mux(self, packets: list[av.Packet[Any]]) -> None:
        for packet in packets:
            if self._live is not None:
                try:
                    self._mux_live(packet)  # first: muxing rebases the packet's timestamps in place
                except (av.FFmpegError, OSError, ValueError):  # the stream is best effort; the file is not
                    self._live = None
            self._container.mux(packet)

    def _mux_live(self, packet: av.Packet[Any]) -> None:
        if self._live_container is None:
            # Opened at the first packet, when the encoders have their headers (SPS/PPS, the
            # AAC configuration) for the stream's moov.
            assert self._live is not None
            self._container.start_encoding()  # opens the encoders and fills in their parameters
            self._live_container = av.open(_Output(self._live), mode="w", format="mp4", options=_FRAGMENTED)
            self._live_streams = {id(stream): self._live_container.add_stream_from_template(stream)
                                  for stream in self._container.streams}
        copy = av.Packet(bytes(packet))
        copy.pts, copy.dts, copy.time_base = packet.pts, packet.dts, packet.time_base
        copy.duration, copy.is_keyframe = packet.duration, packet.is_keyframe
        copy.stream = self._live_streams[id(packet.stream)]
        self._live_container.mux(copy)

    def __enter__(self) -> Mp4Encoder:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
        else:
            self._container.close()
            if self._live_container is not None:
                self._live_container.close()


class _Output:
    """The live muxer's output: what it writes, as bytes, to the LiveOutput."""

    def __init__(self, live: LiveOutput) -> None:
        self.live = live

    def write(self, data: bytes) -> int:
        return self.live.write(bytes(data))


def _whole(samples: np.ndarray) -> AudioFeed:
    """A whole track as a feed that has already arrived."""
    feed = AudioFeed(samples.shape[1])
    feed.append(samples)
    return feed


def exact_rgb_mp4(frames: list[np.ndarray], fps: int) -> bytes:
    """`frames` as an MP4 whose decoded pixels are exactly these (lossless H.264 in RGB): what
    one engine call hands the next to continue from, where a YUV round trip would shift every
    colour a little and show as a jump. Not for delivery: few players play it."""
    height, width = frames[0].shape[:2]
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264rgb", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "rgb24"
        stream.codec_context.options = {"qp": "0", "preset": "ultrafast"}
        for index, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return out.getvalue()
