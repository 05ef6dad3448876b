"""Encode a Clip to MP4 while it renders: frames come from a producer thread through a short
queue, so rendering (PIL/numpy) and x264 run on different cores."""

from __future__ import annotations

import queue
import threading
from pathlib import Path


from openreel.domain.request import CompressionQuality
from openreel.engines.base import Clip
from openreel.media.encode import Mp4Encoder

_END = object()


def encode_clip(clip: Clip, path: Path, quality: CompressionQuality) -> None:
    frames: queue.Queue[object] = queue.Queue(maxsize=8)
    abandon = threading.Event()

    def produce() -> None:
        try:
            for frame in clip.frames:
                while not abandon.is_set():
                    try:
                        frames.put(frame, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if abandon.is_set():
                    return
            frames.put(_END)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            frames.put(exc)

    producer = threading.Thread(target=produce, name="render", daemon=True)
    producer.start()
    try:
        with Mp4Encoder(path, clip.width, clip.height, clip.fps, audio=clip.audio, quality=quality) as encoder:
            while True:
                item = frames.get()
                if item is _END:
                    break
                if isinstance(item, BaseException):
                    raise item
                encoder.write_frame(item)  # type: ignore[arg-type]
    finally:
        abandon.set()
        producer.join()
