"""Frames picked from a video by index, for checks that look at a few frames rather than all."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np


def frames_at(path: Path, indices: list[int]) -> list[np.ndarray]:
    """The RGB frames at these indices (in decoding order), in one pass from the start: generated
    videos have few keyframes (often one), so seeking would decode from the start for each."""
    wanted, found = set(indices), []
    with av.open(str(path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index in wanted:
                found.append(frame.to_ndarray(format="rgb24"))
                if len(found) == len(wanted):
                    break
    return found
