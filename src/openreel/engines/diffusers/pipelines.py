"""What each supported diffusers pipeline class takes and makes, known without importing diffusers,
so a model's capabilities come from its catalog entry and model_index.json alone."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PipelineTraits:
    family: str  # the default frame rule and size multiple come from the family
    image: bool = False  # takes `image=` (a first frame)
    needs_image: bool = False  # cannot run without one
    last_image: str | None = None  # the keyword for a last frame, where there is one
    audio: bool = False  # returns an audio track with the video
    guidance_2: bool = False  # takes guidance_scale_2 (Wan 2.2's second expert)
    batches: bool = True  # honours num_videos_per_prompt (CogVideoX forces it to 1)


PIPELINES: dict[str, PipelineTraits] = {
    "WanPipeline": PipelineTraits("wan", guidance_2=True),
    "WanImageToVideoPipeline": PipelineTraits("wan", image=True, needs_image=True, last_image="last_image",
                                              guidance_2=True),
    "LTXPipeline": PipelineTraits("ltx"),
    "LTXImageToVideoPipeline": PipelineTraits("ltx", image=True, needs_image=True),
    "LTX2Pipeline": PipelineTraits("ltx", audio=True),
    "LTX2ImageToVideoPipeline": PipelineTraits("ltx", image=True, needs_image=True, audio=True),
    "HunyuanVideo15Pipeline": PipelineTraits("hunyuan"),
    "HunyuanVideo15ImageToVideoPipeline": PipelineTraits("hunyuan", image=True, needs_image=True),
    "CogVideoXPipeline": PipelineTraits("cogvideox", batches=False),
    "CogVideoXImageToVideoPipeline": PipelineTraits("cogvideox", image=True, needs_image=True, batches=False),
}

@dataclass(frozen=True)
class Family:
    """What a family's published checkpoints share; a catalog entry's options override each."""

    frame_rule: str  # valid frame counts: 4k+1 where the VAE packs 4 frames per latent
    size_multiple: int  # what height and width must divide by
    size: tuple[int, int]  # native (width, height), landscape
    fps: int
    max_frames: int  # the longest clip the checkpoints were trained for


FAMILIES: dict[str, Family] = {
    "wan": Family("4k+1", 16, (832, 480), 16, 81),
    "ltx": Family("8k+1", 32, (768, 512), 24, 257),
    "hunyuan": Family("4k+1", 16, (848, 480), 24, 121),
    "cogvideox": Family("4k+1", 16, (720, 480), 8, 49),
}


def traits_of(class_name: str) -> PipelineTraits:
    try:
        return PIPELINES[class_name]
    except KeyError:
        raise ValueError(f"pipeline {class_name} is not one openreel drives; supported: "
                         f"{', '.join(sorted(PIPELINES))}") from None
