"""The one render path, shared by the worker and `openreel generate`: run the engine once for the
whole request, then turn each sample it returns into a checked MP4 file.

Frames are encoded here (H.264 + AAC, as Veo delivers); an MP4 the engine encoded itself is
checked against the request (codec, size, duration, audio) and passed on byte for byte; a sample
a safety filter withheld is passed on as it is, for the caller to report.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from openreel.concurrency import prefetch
from openreel.domain.request import CompressionQuality, GenerationRequest
from openreel.engines.base import Clip, EncodedVideo, Engine, FilteredOut, SampleWithheld
from openreel.errors import InternalError
from openreel.media.encode import Mp4Encoder
from openreel.media.probe import UnreadableVideo, frames_at, probe_video
from openreel.provenance.credentials import ContentCredentials
from openreel.provenance.manifest import Generation
from openreel.safety.filter import SafetyFilter
from openreel.sequence import joined_maker
from openreel.storage.live import LiveUpload
from openreel.safety.frames import classifier_sized
from openreel.safety.output import OutputScreen
from openreel.store.clock import utcnow
from openreel.worker.control import RunControl

# An engine's own MP4 may differ from the asked duration by container rounding: up to a frame
# and an AAC packet at each end.
DURATION_TOLERANCE_SECONDS = 0.1


def render_samples(engine: Engine, request: GenerationRequest, control: RunControl,
                   screen: OutputScreen | None = None, credentials: ContentCredentials | None = None,
                   live: Callable[[int], LiveUpload] | None = None) -> Iterator[Path | FilteredOut]:
    """Yield one MP4 per sample, in order, each ready to store (files go in control.scratch_dir)
    and signed with content credentials (unless `credentials` is None), or the FilteredOut of a
    withheld one: withheld by the engine, or by the output safety check (`screen`, which sees a
    few of each video's frames). With `live`, each sample the worker encodes is also streamed
    while it is encoded (live(i) uploads sample i's). Raises what control raises when the run
    must stop, and InternalError for an engine's output that does not match the request."""
    maker = joined_maker(engine, request)
    with control.times.timing("generate"):
        samples = maker.generate(request, control)
    if len(samples) != request.sample_count:
        raise InternalError(f"Engine '{engine.name}' made {len(samples)} videos; "
                            f"{request.sample_count} were asked for.")
    indices = screen.frame_indices(request.frame_count) if screen else []  # the frames each video is judged by
    for index, sample in enumerate(samples):
        control.raise_if_cancelled()
        if isinstance(sample, FilteredOut):
            yield sample
            continue
        upload = None if live is None or isinstance(sample, EncodedVideo) else live(index)
        # An engine that renders lazily (procedural) draws its frames while they are encoded.
        with control.times.timing("encode"):
            if isinstance(sample, EncodedVideo):
                path = _checked(engine, sample, request, control.scratch_dir)
                looked_at = [classifier_sized(f) for f in _decoded_frames(path, indices)] if indices else []
            else:
                try:
                    path, looked_at = _encoded(engine, sample, request, control, index, indices, upload)
                except SampleWithheld as held:  # a part of a joined video was filtered out
                    if upload is not None:
                        upload.abort()
                    yield FilteredOut(held.reason)
                    continue
            if credentials is not None:  # part of making the file: a few milliseconds
                # An engine that does not say whether it samples a trained model is taken for one.
                credentials.sign(path, Generation(model=request.model, engine=engine.name, created=utcnow(),
                                                  trained_model=getattr(engine, "trained_model", True)))
        control.raise_if_cancelled()
        withheld = screen.check(looked_at, len(indices)) if screen else None
        if withheld is not None:
            if upload is not None:  # nobody may watch, or go on watching, what the check withholds
                upload.abort()
            path.unlink(missing_ok=True)
            yield withheld
            continue
        yield path


def checked_enhanced_prompt(engine: Engine, request: GenerationRequest, safety: SafetyFilter, project: str | None,
                            operation: str) -> str | None:
    """The engine's richer prompt when the request asks for one (enhancePrompt), checked by the
    safety filter like the caller's own before the engine renders from it."""
    enhanced = engine.enhance_prompt(request) if request.enhance_prompt else None
    safety.check_enhanced_prompt(request, enhanced, project, operation)
    return enhanced


def encode_clip(clip: Clip, path: Path, quality: CompressionQuality, live: LiveUpload | None = None) -> None:
    """Encode while the clip renders: frames are produced a few ahead in another thread, so
    rendering (PIL/numpy) and x264 run on different cores. With `live`, stream it as it goes."""
    with Mp4Encoder(path, clip.width, clip.height, clip.fps, audio=clip.audio, quality=quality,
                    live=live) as encoder:
        for frame in prefetch(clip.frames, depth=6):
            encoder.write_frame(frame)
    if live is not None:
        live.finish()


def _encoded(engine: Engine, clip: Clip, request: GenerationRequest, control: RunControl, index: int,
             keep: list[int], live: LiveUpload | None) -> tuple[Path, list[np.ndarray]]:
    """The clip encoded, and classifier-sized copies of its frames at the indices in `keep` (taken
    as they pass to the encoder: no decoding afterwards)."""
    width, height = request.size
    if (clip.width, clip.height, clip.fps, clip.frame_count) != (width, height, request.fps, request.frame_count):
        raise InternalError(f"Engine '{engine.name}' made {clip.width}x{clip.height} at {clip.fps} fps, "
                            f"{clip.frame_count} frames; the request needs {width}x{height} at {request.fps} fps, "
                            f"{request.frame_count} frames.")
    control.report(control.fraction, f"encoding video {index + 1} of {request.sample_count}")
    path = control.scratch_dir / f"sample_{index}.mp4"
    kept: list[np.ndarray] = []
    frames = _kept(_counted(engine, clip.frames, clip.frame_count, (height, width, 3)), set(keep), kept)
    encode_clip(dataclasses.replace(clip, frames=frames), path, request.compression_quality, live)
    return path, kept


def _kept(frames: Iterator[np.ndarray], indices: set[int], kept: list[np.ndarray]) -> Iterator[np.ndarray]:
    # Copies: an engine may reuse one buffer for every frame it hands over.
    for index, frame in enumerate(frames):
        if index in indices:
            kept.append(classifier_sized(frame))
        yield frame


def _decoded_frames(path: Path, indices: list[int]) -> list[np.ndarray]:
    try:
        return frames_at(path, indices)
    except UnreadableVideo as exc:
        raise InternalError(f"The safety check could not read the video's frames: {exc}") from exc


def _counted(engine: Engine, frames: Iterator[np.ndarray], expected: int,
             shape: tuple[int, int, int]) -> Iterator[np.ndarray]:
    """The frames, refused as soon as one has the wrong shape or type, and their number checked."""
    count = 0
    for frame in frames:
        if frame.shape != shape or frame.dtype != np.uint8:
            raise InternalError(f"Engine '{engine.name}' made a {frame.dtype} frame of shape {frame.shape}; "
                                f"uint8 {shape} was expected.")
        count += 1
        yield frame
    if count != expected:
        raise InternalError(f"Engine '{engine.name}' made {count} frames; {expected} were expected.")


def _checked(engine: Engine, video: EncodedVideo, request: GenerationRequest, scratch_dir: Path) -> Path:
    """The engine's MP4, once it is shown to be what was asked for (and to be the engine's own
    file: under the run's scratch folder, which is removed after the run)."""
    if not video.path.resolve().is_relative_to(scratch_dir.resolve()):
        raise InternalError(f"Engine '{engine.name}' returned a video outside its scratch folder: {video.path}")
    try:
        info = probe_video(video.path)
    except (UnreadableVideo, OSError) as exc:
        raise InternalError(f"Engine '{engine.name}' returned a video that cannot be read: {exc}") from None
    width, height = request.size
    problems = []
    if info.codec != "h264" or info.pix_fmt != "yuv420p":
        problems.append(f"{info.codec} {info.pix_fmt}, not h264 yuv420p (what every browser plays)")
    if round(info.fps) != request.fps:
        problems.append(f"{info.fps:g} fps, not {request.fps}")
    if (info.width, info.height) != (width, height):
        problems.append(f"size {info.width}x{info.height}, not {width}x{height}")
    if abs(info.duration_seconds - request.duration_seconds) > DURATION_TOLERANCE_SECONDS:
        problems.append(f"duration {info.duration_seconds:.2f} s, not {request.duration_seconds} s")
    if request.generate_audio and info.audio_codec != "aac":
        problems.append("no AAC audio track" if info.audio_codec is None
                        else f"audio codec {info.audio_codec}, not aac")
    if not request.generate_audio and info.has_audio:
        problems.append("an audio track that was not asked for")
    if problems:
        raise InternalError(f"Engine '{engine.name}' returned a video that does not match the request: "
                            f"{'; '.join(problems)}.")
    return video.path
