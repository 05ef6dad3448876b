"""Remuxing: rewrite an MP4's container without decoding or re-encoding its picture."""

from __future__ import annotations

from pathlib import Path

import av


def without_audio(source: Path, target: Path) -> None:
    """Copy `source` to `target` with its video stream only, packet for packet."""
    with av.open(str(source)) as src, av.open(str(target), "w", format="mp4") as out:
        video_in = src.streams.video[0]
        video_out = out.add_stream_from_template(video_in)
        for packet in src.demux(video_in):
            if packet.dts is None:  # the demuxer's end-of-stream marker
                continue
            packet.stream = video_out
            out.mux(packet)


def faststart(source: Path, target: Path) -> None:
    """Rewrite `source` (e.g. a fragmented MP4) as an MP4 with its index first, every stream's
    packets copied as they are: what players and downloads expect of a finished file."""
    with av.open(str(source)) as src, av.open(str(target), "w", format="mp4",
                                             options={"movflags": "+faststart"}) as out:
        streams = {stream.index: out.add_stream_from_template(stream) for stream in src.streams
                   if stream.type in ("video", "audio")}
        for packet in src.demux(*[stream for stream in src.streams if stream.index in streams]):
            if packet.dts is None:  # the demuxer's end-of-stream marker
                continue
            packet.stream = streams[packet.stream.index]
            out.mux(packet)
