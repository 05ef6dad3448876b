"""Tiny random-weight diffusers video pipelines, built fully offline, for engine tests.

Each builder seeds torch, assembles a real diffusers pipeline from tiny component configs (sizes adapted from the
``get_dummy_components`` of diffusers' tests/pipelines/{wan,ltx2}) and writes it with ``save_pretrained``, so a test
loads it back through the production path ``DiffusionPipeline.from_pretrained(folder)``, which picks the pipeline
class from ``model_index.json``. A build takes well under a second once diffusers is imported; the folders are
0.3 MB (Wan) and 1.6 MB (LTX-2), and a 2-step call on one CPU thread takes about 0.1 s (Wan, 16x16x5) or 0.15 s
(LTX-2, 64x64x9).

diffusers' tests download their tokenizers and LTX-2's Gemma 3 text encoder from the Hugging Face Hub; nothing here
touches the network. The tokenizers are tiny vocabularies built in code (transformers' ``tokenizers``-backed T5 and
Gemma tokenizer classes) and every model is built from a config. Outputs are noise, but the component classes, scale
factors, size and frame-count rules, schedulers, audio sample rates and output shapes match the production
checkpoints (Wan 2.1/2.2, LTX-2.0), so engine code takes the paths it takes with real weights.

diffusers and transformers are imported inside the builders because they are optional for openreel: a test module
can call ``pytest.importorskip("diffusers")`` first.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from diffusers import (
        AutoencoderKLLTX2Audio,
        AutoencoderKLLTX2Video,
        AutoencoderKLWan,
        LTX2VideoTransformer3DModel,
        UniPCMultistepScheduler,
        WanImageToVideoPipeline,
        WanPipeline,
        WanTransformer3DModel,
    )
    from diffusers.pipelines.ltx2.connectors import LTX2TextConnectors
    from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder
    from transformers import Gemma3ForConditionalGeneration, GemmaTokenizer, T5Tokenizer, UMT5EncoderModel

# Reseeded before every component, as diffusers' tests do, so one component's weights never depend on what was built
# before it and every build writes byte-identical files.
SEED = 0

# Words test prompts are likely to use get one token each; any other word still tokenizes, character by character,
# so prompts rarely hit the unknown token.
_WORDS = ("a", "the", "of", "and", "cat", "dog", "robot", "monkey", "dance", "dancing", "walks", "beach", "sunset")
_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'-"
_SPACE = "\u2581"  # SentencePiece's word-boundary marker, which both real tokenizers use.

# Wan 2.2 A14B hands over from the high-noise to the low-noise expert at these fractions of the training timesteps
# (the values diffusers' scripts/convert_wan_to_diffusers.py writes for the T2V and I2V checkpoints).
_WAN22_T2V_BOUNDARY = 0.875
_WAN22_I2V_BOUNDARY = 0.9
_WAN_TEXT_DIM = 32

_GEMMA_LAYERS = 2
_GEMMA_HIDDEN = 16
_LTX2_LATENT_CHANNELS = 4
_LTX2_MEL_BINS = 8
_LTX2_AUDIO_LATENT_CHANNELS = 2


def _seed() -> None:
    import torch

    torch.manual_seed(SEED)


# --- Wan ---------------------------------------------------------------------------------------------------------


def _t5_tokenizer() -> T5Tokenizer:
    """A umt5-style Unigram tokenizer: <pad>=0, </s>=1, <unk>=2, and </s> appended to every sequence."""
    from transformers import T5Tokenizer

    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), (_SPACE, -2.0)]
    vocab += [(_SPACE + word, -1.0) for word in _WORDS]
    vocab += [(char, -5.0) for char in _CHARS]
    # extra_ids=0: T5's 100 sentinel tokens only serve span-corruption pre-training. model_max_length is umt5-xxl's;
    # Wan pads every prompt to its own max_sequence_length (512 by default) anyway.
    return T5Tokenizer(vocab=vocab, extra_ids=0, model_max_length=512)


def _wan_text_encoder(vocab_size: int) -> UMT5EncoderModel:
    from transformers import UMT5Config, UMT5EncoderModel

    _seed()
    config = UMT5Config(
        vocab_size=vocab_size,
        d_model=_WAN_TEXT_DIM,
        d_kv=8,
        d_ff=32,
        num_layers=2,
        num_heads=4,
        relative_attention_num_buckets=8,
        dropout_rate=0.0,
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
    )
    # eval(): a freshly constructed model is in training mode, and any dropout would make outputs nondeterministic.
    return UMT5EncoderModel(config).eval()


def _wan_vae() -> AutoencoderKLWan:
    from diffusers import AutoencoderKLWan

    _seed()
    # Three spatial and two temporal downsamples like the real Wan 2.1 VAE, hence the same scale factors: 8 in space
    # and 4 in time (frame counts 4k+1).
    return AutoencoderKLWan(
        base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1, temperal_downsample=[False, True, True]
    )


def _wan_scheduler() -> UniPCMultistepScheduler:
    from diffusers import UniPCMultistepScheduler

    # What the Wan 2.1/2.2 T2V and 14B I2V checkpoints ship (flow matching through UniPC), rather than the Euler
    # scheduler diffusers' tests use, so an engine that reconfigures the scheduler meets the production config.
    return UniPCMultistepScheduler(
        prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=3.0, num_train_timesteps=1000
    )


def _wan_transformer(in_channels: int) -> WanTransformer3DModel:
    from diffusers import WanTransformer3DModel

    _seed()
    # patch_size (1, 2, 2) as in every Wan checkpoint: with the VAE's 8x that makes sizes multiples of 16.
    # image_dim is left None: no CLIP image embeddings (see build_wan_i2v).
    return WanTransformer3DModel(
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=12,
        in_channels=in_channels,
        out_channels=16,
        text_dim=_WAN_TEXT_DIM,
        freq_dim=256,
        ffn_dim=32,
        num_layers=2,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
    )


def _build_wan(folder: Path, *, image_to_video: bool, two_stage: bool) -> Path:
    from diffusers import WanImageToVideoPipeline, WanPipeline

    tokenizer = _t5_tokenizer()
    # Image-to-video feeds the transformer the 16 noisy latent channels plus a 4-channel frame mask and the 16-channel
    # VAE latents of the conditioning video (first frame, last frame when given, zeros between): 36 channels.
    in_channels = 36 if image_to_video else 16
    boundary = _WAN22_I2V_BOUNDARY if image_to_video else _WAN22_T2V_BOUNDARY
    text_encoder = _wan_text_encoder(len(tokenizer))
    vae = _wan_vae()
    transformer = _wan_transformer(in_channels)
    # Wan 2.2 A14B has two experts: `transformer` denoises above the boundary timestep, `transformer_2` below it.
    transformer_2 = _wan_transformer(in_channels) if two_stage else None
    pipe: WanPipeline | WanImageToVideoPipeline
    if image_to_video:
        # Wan 2.2 14B I2V layout: no image encoder. The pipeline only runs one when the transformer has an image_dim
        # (Wan 2.1 I2V/FLF2V, a CLIP ViT-H); the first and last frames reach the model through the VAE condition.
        pipe = WanImageToVideoPipeline(
            tokenizer=tokenizer,
            text_encoder=text_encoder,
            vae=vae,
            scheduler=_wan_scheduler(),
            image_processor=None,
            image_encoder=None,
            transformer=transformer,
            transformer_2=transformer_2,
            boundary_ratio=boundary if two_stage else None,
        )
    else:
        pipe = WanPipeline(
            tokenizer=tokenizer,
            text_encoder=text_encoder,
            vae=vae,
            scheduler=_wan_scheduler(),
            transformer=transformer,
            transformer_2=transformer_2,
            boundary_ratio=boundary if two_stage else None,
        )
    pipe.save_pretrained(folder)
    return folder


def build_wan_t2v(folder: Path, *, two_stage: bool = False) -> Path:
    """Save a tiny ``WanPipeline`` (text-to-video) to ``folder`` and return ``folder``.

    ``two_stage=True`` adds ``transformer_2`` and ``boundary_ratio=0.875`` (the Wan 2.2 T2V A14B layout), which the
    ``guidance_scale_2`` call argument requires.
    """
    return _build_wan(folder, image_to_video=False, two_stage=two_stage)


def build_wan_i2v(folder: Path, *, two_stage: bool = False) -> Path:
    """Save a tiny ``WanImageToVideoPipeline`` that takes ``image=`` and ``last_image=`` to ``folder``; return it.

    Built in the Wan 2.2 14B I2V layout (``expand_timesteps=False``, no image encoder), the smallest one that supports
    first-last-frame generation: ``expand_timesteps=True`` (Wan 2.2 TI2V 5B) silently ignores ``last_image``, and the
    Wan 2.1 layout adds a CLIP vision tower for nothing. ``two_stage=True`` adds ``transformer_2`` with
    ``boundary_ratio=0.9`` (Wan 2.2 I2V A14B).

    In diffusers 0.42.1 this pipeline calls ``ftfy`` unguarded whenever a text prompt is given (``NameError: name
    'ftfy' is not defined`` without it), so tests that run it need the ``ftfy`` package.
    """
    return _build_wan(folder, image_to_video=True, two_stage=two_stage)


# --- LTX-2 -------------------------------------------------------------------------------------------------------


def _gemma_tokenizer() -> GemmaTokenizer:
    """A Gemma-style byte-fallback BPE tokenizer that prepends <bos>, as the real Gemma 3 tokenizer does.

    The <bos> matters: LTX-2 encodes an empty negative prompt by default, and without it that row would have no
    attended token at all.
    """
    from transformers import GemmaTokenizer

    vocab = {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3, "<mask>": 4, _SPACE: 5}
    for char in _CHARS:
        vocab[char] = len(vocab)
    # The pipeline pads to its own max_sequence_length (1024 by default); model_max_length only mirrors the real one.
    return GemmaTokenizer(vocab=vocab, merges=[], add_bos_token=True, model_max_length=1024)


def _ltx2_text_encoder(vocab_size: int) -> Gemma3ForConditionalGeneration:
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration, Gemma3TextConfig, SiglipVisionConfig

    _seed()
    text_config = Gemma3TextConfig(
        vocab_size=vocab_size,
        hidden_size=_GEMMA_HIDDEN,
        intermediate_size=32,
        num_hidden_layers=_GEMMA_LAYERS,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=8,
        query_pre_attn_scalar=8,
        sliding_window=64,
        pad_token_id=0,
        eos_token_id=1,
        bos_token_id=2,
    )
    # LTX-2 ships Gemma 3 as the multimodal class (its type decides the image-conditioning CRF). Text encoding never
    # runs the vision tower, so it is minimal: a 4x4 image of 2x2 patches pooled into one image token.
    vision_config = SiglipVisionConfig(
        hidden_size=8, intermediate_size=16, num_hidden_layers=1, num_attention_heads=1, image_size=4, patch_size=2
    )
    config = Gemma3Config(
        text_config=text_config,
        vision_config=vision_config,
        mm_tokens_per_image=1,
        # Past the end of the vocabulary, as in the real model (image token 262144 >= vocab size 262144).
        boi_token_index=vocab_size,
        eoi_token_index=vocab_size + 1,
        image_token_index=vocab_size + 2,
    )
    return Gemma3ForConditionalGeneration(config).eval()


def _ltx2_connectors() -> LTX2TextConnectors:
    from diffusers.pipelines.ltx2.connectors import LTX2TextConnectors

    _seed()
    # LTX-2.0 connectors project the stacked hidden states of every Gemma layer (plus the embeddings) back to the
    # Gemma width, so each connector's heads * head_dim must equal that width.
    return LTX2TextConnectors(
        caption_channels=_GEMMA_HIDDEN,
        text_proj_in_factor=_GEMMA_LAYERS + 1,
        video_connector_num_attention_heads=2,
        video_connector_attention_head_dim=_GEMMA_HIDDEN // 2,
        video_connector_num_layers=1,
        video_connector_num_learnable_registers=None,
        audio_connector_num_attention_heads=2,
        audio_connector_attention_head_dim=_GEMMA_HIDDEN // 2,
        audio_connector_num_layers=1,
        audio_connector_num_learnable_registers=None,
        connector_rope_base_seq_len=32,
        rope_theta=10000.0,
        rope_double_precision=False,
        causal_temporal_positioning=False,
        rope_type="split",
    )


def _ltx2_vae() -> AutoencoderKLLTX2Video:
    from diffusers import AutoencoderKLLTX2Video

    _seed()
    # LTX-2.0's layout at 8-32 channels: patchify by 4, then down blocks of kinds spatial, temporal, spatiotemporal,
    # spatiotemporal, mirrored by three spatiotemporal up blocks: 32x in space, 8x in time. The ratios are passed
    # explicitly, as in the real config, because the constructor's fallback formula counts every scaling block as
    # both spatial and temporal. Kept from the real config too: the decoder's reflect padding, which needs a latent
    # of at least 2x2, so the smallest size is 64x64.
    return AutoencoderKLLTX2Video(
        in_channels=3,
        out_channels=3,
        latent_channels=_LTX2_LATENT_CHANNELS,
        block_out_channels=(8, 8, 8, 8),
        # Residual upsampling splits channels across the 2x2x2 upsample, so they must double block to block.
        decoder_block_out_channels=(8, 16, 32),
        layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, True, True),
        decoder_spatio_temporal_scaling=(True, True, True),
        decoder_inject_noise=(False, False, False, False),
        downsample_type=("spatial", "temporal", "spatiotemporal", "spatiotemporal"),
        upsample_type=("spatiotemporal", "spatiotemporal", "spatiotemporal"),
        upsample_residual=(True, True, True),
        upsample_factor=(2, 2, 2),
        timestep_conditioning=False,
        patch_size=4,
        patch_size_t=1,
        encoder_causal=True,
        decoder_causal=False,
        spatial_compression_ratio=32,
        temporal_compression_ratio=8,
    )


def _ltx2_audio_vae() -> AutoencoderKLLTX2Audio:
    from diffusers import AutoencoderKLLTX2Audio

    _seed()
    # LTX-2.0's audio layout (ch_mult (1, 2, 4): 4x down in time and in mel bins; 16 kHz mel spectrograms at hop 160,
    # i.e. 100 mel frames per second) at 4 base channels and 8 mel bins instead of 128 and 64.
    return AutoencoderKLLTX2Audio(
        base_channels=4,
        output_channels=2,
        ch_mult=(1, 2, 4),
        num_res_blocks=1,
        attn_resolutions=None,
        in_channels=2,
        resolution=32,
        latent_channels=_LTX2_AUDIO_LATENT_CHANNELS,
        norm_type="pixel",
        causality_axis="height",
        dropout=0.0,
        mid_block_add_attention=False,
        sample_rate=16000,
        mel_hop_length=160,
        is_causal=True,
        mel_bins=_LTX2_MEL_BINS,
    )


def _ltx2_vocoder() -> LTX2Vocoder:
    from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder

    _seed()
    # LTX-2.0's upsampling chain, 6*5*2*2*2 = 240 samples per mel frame (24 kHz stereo from 100 mel frames per
    # second), so audio lengths are the production ones; 32 channels halved per stage instead of 1024.
    return LTX2Vocoder(
        in_channels=2 * _LTX2_MEL_BINS,  # the audio VAE's output channels times mel bins
        hidden_channels=32,
        out_channels=2,
        upsample_kernel_sizes=[16, 15, 8, 4, 4],
        upsample_factors=[6, 5, 2, 2, 2],
        resnet_kernel_sizes=[3],
        resnet_dilations=[[1, 3, 5]],
        leaky_relu_negative_slope=0.1,
        output_sampling_rate=24000,
    )


def _ltx2_transformer() -> LTX2VideoTransformer3DModel:
    from diffusers import LTX2VideoTransformer3DModel

    _seed()
    # One audio token per latent audio frame, holding every (channel, mel bin) pair; the audio VAE quarters mel bins.
    audio_channels = _LTX2_AUDIO_LATENT_CHANNELS * (_LTX2_MEL_BINS // 4)
    # Cross-attention widths equal the inner widths (heads * head_dim): 16 for video and 8 for audio.
    return LTX2VideoTransformer3DModel(
        in_channels=_LTX2_LATENT_CHANNELS,
        out_channels=_LTX2_LATENT_CHANNELS,
        patch_size=1,
        patch_size_t=1,
        num_attention_heads=2,
        attention_head_dim=8,
        cross_attention_dim=16,
        audio_in_channels=audio_channels,
        audio_out_channels=audio_channels,
        audio_num_attention_heads=2,
        audio_attention_head_dim=4,
        audio_cross_attention_dim=8,
        num_layers=2,
        qk_norm="rms_norm_across_heads",
        caption_channels=_GEMMA_HIDDEN,
        rope_double_precision=False,
        rope_type="split",
    )


def build_ltx2(folder: Path) -> Path:
    """Save a tiny ``LTX2Pipeline`` (text-to-video with stereo audio) to ``folder`` and return ``folder``.

    Keeps LTX-2.0's rules: height and width multiples of 32 and at least 64; frame counts 8k+1 come back unchanged
    (others are floored to 8k+1); audio comes out at the vocoder's 24 kHz. Like the real Lightricks/LTX-2 repository,
    the folder also loads as ``LTX2ImageToVideoPipeline`` (``from_pretrained`` or ``from_pipe``).
    """
    from diffusers import FlowMatchEulerDiscreteScheduler, LTX2Pipeline

    tokenizer = _gemma_tokenizer()
    # LTX-2.0's scheduler: flow-matching Euler whose shift grows with the video token count (the pipeline passes mu).
    scheduler = FlowMatchEulerDiscreteScheduler(
        use_dynamic_shifting=True,
        base_shift=0.95,
        max_shift=2.05,
        base_image_seq_len=1024,
        max_image_seq_len=4096,
        shift_terminal=0.1,
    )
    pipe = LTX2Pipeline(
        scheduler=scheduler,
        vae=_ltx2_vae(),
        audio_vae=_ltx2_audio_vae(),
        text_encoder=_ltx2_text_encoder(len(tokenizer)),
        tokenizer=tokenizer,
        connectors=_ltx2_connectors(),
        transformer=_ltx2_transformer(),
        vocoder=_ltx2_vocoder(),
    )
    pipe.save_pretrained(folder)
    return folder
