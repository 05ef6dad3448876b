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

