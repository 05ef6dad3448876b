"""The open-weight video models the catalog lists out of the box, served by the `diffusers` engine.

Each names its Hugging Face repository, whose weights the engine reads from the local Hugging
Face cache (never downloading unless the operator allows it), and the settings its authors
publish: native size and frame rate, the frame-count rule, steps and guidance. An operator
points an id at a local folder instead with `path = "..."` in the catalog file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LTX2_LICENSE = ("LTX-2 Community License: free below USD 10M annual revenue; larger companies need a "
                "commercial license from Lightricks. https://huggingface.co/Lightricks/LTX-2")
HUNYUAN_LICENSE = ("Tencent Hunyuan Community License: not licensed for use in the EU, the UK or South Korea; "
                   "services above 100M monthly users need Tencent's permission. "
                   "https://huggingface.co/tencent/HunyuanVideo-1.5")
COGVIDEOX_LICENSE = ("CogVideoX License: registration required for commercial use. "
                     "https://huggingface.co/THUDM/CogVideoX-5b")
_APACHE = "Apache-2.0"


@dataclass(frozen=True)
class OpenModel:
    id: str
    display_name: str
    description: str
    license: str
    options: dict[str, Any] = field(default_factory=dict)
    # 50 steps of 81 frames at 720p take far longer than the default 10 minutes on one GPU.
    timeout_seconds: float = 3600.0


def _wan(repo: str, pipeline: str, size: tuple[int, int], fps: int = 16, frames: int = 81, guidance: float = 5.0,
         **more: Any) -> dict[str, Any]:
    return {"repo": repo, "pipeline": pipeline, "size": list(size), "fps": fps, "frame_rule": "4k+1",
            "max_frames": frames, "steps": 50, "guidance": guidance, "dtype": "bfloat16"} | more


OPEN_MODELS: tuple[OpenModel, ...] = (
    OpenModel("wan2.1-t2v-1.3b", "Wan 2.1 T2V 1.3B", "Wan 2.1 text-to-video, 1.3B, 480p (open weights)", _APACHE,
              _wan("Wan-AI/Wan2.1-T2V-1.3B-Diffusers", "WanPipeline", (832, 480))),
    OpenModel("wan2.1-t2v-14b", "Wan 2.1 T2V 14B", "Wan 2.1 text-to-video, 14B, 720p (open weights)", _APACHE,
              _wan("Wan-AI/Wan2.1-T2V-14B-Diffusers", "WanPipeline", (1280, 720))),
    OpenModel("wan2.1-i2v-14b-720p", "Wan 2.1 I2V 14B", "Wan 2.1 image-to-video, 14B, 720p (open weights)", _APACHE,
              _wan("Wan-AI/Wan2.1-I2V-14B-720P-Diffusers", "WanImageToVideoPipeline", (1280, 720),
                   last_frame=False)),
    OpenModel("wan2.1-flf2v-14b-720p", "Wan 2.1 FLF2V 14B",
              "Wan 2.1 first-last-frame-to-video, 14B, 720p (open weights)", _APACHE,
              _wan("Wan-AI/Wan2.1-FLF2V-14B-720P-diffusers", "WanImageToVideoPipeline", (1280, 720))),
    OpenModel("wan2.2-ti2v-5b", "Wan 2.2 TI2V 5B", "Wan 2.2 text- and image-to-video, 5B, 720p 24 fps (open weights)",
              _APACHE, _wan("Wan-AI/Wan2.2-TI2V-5B-Diffusers", "WanPipeline", (1280, 704), fps=24, frames=121,
                            image_pipeline="WanImageToVideoPipeline", last_frame=False)),
    OpenModel("wan2.2-t2v-a14b", "Wan 2.2 T2V A14B", "Wan 2.2 text-to-video, two-expert MoE 14B, 720p (open weights)",
              _APACHE, _wan("Wan-AI/Wan2.2-T2V-A14B-Diffusers", "WanPipeline", (1280, 720), guidance=4.0,
                            guidance_2=3.0)),
    OpenModel("wan2.2-i2v-a14b", "Wan 2.2 I2V A14B", "Wan 2.2 image-to-video, two-expert MoE 14B, 720p (open weights)",
              _APACHE, _wan("Wan-AI/Wan2.2-I2V-A14B-Diffusers", "WanImageToVideoPipeline", (1280, 720),
                            guidance=3.5, guidance_2=3.5, last_frame=False)),
    OpenModel("ltx-video", "LTX-Video", "Lightricks LTX-Video 2B, 768x512 24 fps (open weights)",
              "LTX-Video Open Weights License. https://huggingface.co/Lightricks/LTX-Video",
              {"repo": "Lightricks/LTX-Video", "pipeline": "LTXPipeline", "image_pipeline": "LTXImageToVideoPipeline",
               "size": [768, 512], "fps": 24, "frame_rule": "8k+1", "max_frames": 257, "steps": 50,
               "guidance": 3.0, "dtype": "bfloat16"}),
    OpenModel("ltx-2", "LTX-2", "Lightricks LTX-2: video with synchronised audio (open weights)", LTX2_LICENSE,
              {"repo": "Lightricks/LTX-2", "pipeline": "LTX2Pipeline", "image_pipeline": "LTX2ImageToVideoPipeline",
               "size": [1280, 704], "fps": 24, "frame_rule": "8k+1", "max_frames": 257, "steps": 40,
               "guidance": 4.0, "dtype": "bfloat16"}),
    OpenModel("hunyuanvideo-1.5", "HunyuanVideo 1.5", "Tencent HunyuanVideo 1.5, 480p text-to-video (open weights)",
              HUNYUAN_LICENSE,
              {"repo": "hunyuanvideo-community/HunyuanVideo-1.5-Diffusers-480p_t2v",
               "pipeline": "HunyuanVideo15Pipeline",
               "size": [848, 480], "fps": 24, "frame_rule": "4k+1", "max_frames": 121, "steps": 50,
               "guidance": 6.0, "dtype": "bfloat16"}),
    OpenModel("cogvideox-5b", "CogVideoX 5B", "THUDM CogVideoX 5B, 720x480 8 fps (open weights)", COGVIDEOX_LICENSE,
              {"repo": "THUDM/CogVideoX-5b", "pipeline": "CogVideoXPipeline", "size": [720, 480], "fps": 8,
               "frame_rule": "4k+1", "max_frames": 49, "steps": 50, "guidance": 6.0, "dtype": "bfloat16"}),
)
