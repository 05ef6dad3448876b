"""What the remote API behind an upstream engine is estimated to charge for an operation: Google
bills delivered video per second, by model, with sound and resolution (Settings.remote_pricing,
the same shape as Settings.pricing, keyed by the remote's model id).

The defaults are the per-second prices Google published for Veo on Vertex AI when this was
written; prices change, so check https://cloud.google.com/vertex-ai/generative-ai/pricing and
set OPENREEL_REMOTE_PRICING to what your contract says. A remote model not listed (another
openreel's own model) is estimated at the seed guide's price."""

from __future__ import annotations

from typing import Any

from openreel.billing.pricing import DEFAULT_ENTRY, SEED_GUIDE_PRICES, PriceTable
from openreel.domain.operation import Operation
from openreel.engines.catalog import ModelSpec

# Google charges sound by the second only; "audio_per_video": "0" keeps the seed guide's flat
# charge (the default entry's) from being added to it.
_VEO_3 = {"per_second": "0.20", "audio_per_second": "0.20", "audio_per_video": "0", "resolution": {"4k": "2"}}
_VEO_3_FAST = {"per_second": "0.10", "audio_per_second": "0.05", "audio_per_video": "0", "resolution": {"4k": "3"}}
_VEO_3_LITE = {"per_second": "0.05", "audio_per_second": "0", "audio_per_video": "0", "resolution": {"1080p": "1.6"}}
GOOGLE_VEO_PRICES: dict[str, dict[str, Any]] = {
    DEFAULT_ENTRY: SEED_GUIDE_PRICES[DEFAULT_ENTRY],
    "veo-2.0-generate-001": {"per_second": "0.50", "audio_per_video": "0"},
    **{f"veo-{v}-generate-{s}": _VEO_3 for v in ("3.0", "3.1") for s in ("001", "preview")},
    **{f"veo-{v}-fast-generate-{s}": _VEO_3_FAST for v in ("3.0", "3.1") for s in ("001", "preview")},
    **{f"veo-3.1-lite-generate-{s}": _VEO_3_LITE for s in ("001", "preview")},
}


class RemoteCostEstimator:
    def __init__(self, overrides: dict[str, dict[str, Any]]) -> None:
        self.prices = PriceTable(overrides, base=GOOGLE_VEO_PRICES)

    def micros(self, op: Operation, spec: ModelSpec | None, delivered: int) -> int | None:
        """The estimate for `delivered` videos of the operation; None when no remote serves its model."""
        if spec is None or spec.engine != "upstream":
            return None
        request = op.request
        remote_model = str(spec.options.get("remote_model", ""))
        return self.prices.cost_micros(remote_model, request.duration_seconds, request.resolution,
                                       request.generate_audio, delivered)
