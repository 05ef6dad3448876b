"""The price table: what one delivered video costs, per model, from Settings.pricing.

The table maps model ids (or "*", the default for every model not named) to a price entry:

    {"*": {"per_second": 0.0875, "audio_per_video": 0.10},
     "veo-3.1-generate-001": {"per_video": {"4": 0.35, "8": 0.70}, "resolution": {"4k": 2.0}},
     "wan2.2-ti2v-5b": {"per_second": 0.0}}

- `per_second` (USD per second of video) or `per_video` (USD by duration in seconds; a duration
  it does not list is priced pro rata from its longest entry). An entry naming either replaces
  the default's base price; other terms it leaves out come from "*".
- `audio_per_video` and `audio_per_second`: added when the video has sound.
- `resolution`: a multiplier of the base price per resolution ("720p", "1080p", "4k"); 1 if absent.

The default is the seed guide's table: $0.35 per 4 s and $0.70 per 8 s (image-to-video the same)
and +$0.10 per video with audio, so one 8 s video with audio costs $0.80. Google now bills per
second; setting `per_second` for a model is that, one configuration line away.

Prices are Decimals and costs are whole micro-dollars, so sums over many records stay exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from openreel.domain.request import Resolution

MICROS_PER_USD = 1_000_000
DEFAULT_ENTRY = "*"
SEED_GUIDE_PRICES: dict[str, dict[str, Any]] = {
    DEFAULT_ENTRY: {"per_second": "0.0875", "audio_per_video": "0.10"},
}
_TERMS = frozenset({"per_second", "per_video", "audio_per_video", "audio_per_second", "resolution"})


@dataclass(frozen=True)
class ModelPrice:
    per_second: Decimal | None = None
    per_video: dict[int, Decimal] = field(default_factory=dict)
    audio_per_video: Decimal = Decimal(0)
    audio_per_second: Decimal = Decimal(0)
    resolution: dict[str, Decimal] = field(default_factory=dict)

    def video_usd(self, seconds: int, resolution: Resolution, audio: bool) -> Decimal:
        """The price of one delivered video."""
        if self.per_second is not None:
            base = self.per_second * seconds
        elif seconds in self.per_video:
            base = self.per_video[seconds]
        else:
            longest = max(self.per_video)
            base = self.per_video[longest] * seconds / longest
        base *= self.resolution.get(resolution.value, Decimal(1))
        if audio:
            base += self.audio_per_video + self.audio_per_second * seconds
        return base


class PriceTable:
    def __init__(self, table: dict[str, dict[str, Any]], base: dict[str, dict[str, Any]] = SEED_GUIDE_PRICES) -> None:
        """`table` over `base`. Raises ValueError naming the entry and term when the table cannot be
        read, so a bad configuration stops start-up instead of mispricing videos."""
        merged = {**base, **table}
        default = _entry(DEFAULT_ENTRY, merged[DEFAULT_ENTRY], None)
        self._default = default
        self._prices = {model: _entry(model, terms, default) for model, terms in merged.items()
                        if model != DEFAULT_ENTRY}

    def price(self, model: str) -> ModelPrice:
        return self._prices.get(model, self._default)

    def cost_micros(self, model: str, seconds: int, resolution: Resolution, audio: bool, videos: int) -> int:
        """The cost of `videos` delivered videos, rounded to the nearest micro-dollar."""
        usd = self.price(model).video_usd(seconds, resolution, audio) * videos
        return int((usd * MICROS_PER_USD).to_integral_value())


def usd(micros: int) -> float:
    """Micro-dollars as the dollars JSON shows (exact to the micro-dollar)."""
    return float(Decimal(micros) / MICROS_PER_USD)


def _entry(model: str, terms: dict[str, Any], default: ModelPrice | None) -> ModelPrice:
    """One model's prices; terms it leaves out come from `default` (None: this is the default)."""
    if not isinstance(terms, dict):
        raise ValueError(f"pricing.{model}: expected an object of price terms")
    unknown = set(terms) - _TERMS
    if unknown:
        raise ValueError(f"pricing.{model}: unknown term(s) {sorted(unknown)}; use {sorted(_TERMS)}")
    if "per_second" in terms and "per_video" in terms:
        raise ValueError(f"pricing.{model}: give per_second or per_video, not both")
    names_base = "per_second" in terms or "per_video" in terms
    if default is None and not names_base:
        raise ValueError(f"pricing.{model}: needs per_second or per_video")
    inherited = default or ModelPrice()
    per_video = {int(seconds): _usd(f"{model}.per_video.{seconds}", value)
                 for seconds, value in _object(model, "per_video", terms).items()}
    if "per_video" in terms and not per_video:
        raise ValueError(f"pricing.{model}.per_video: list at least one duration")
    resolution = {_resolution(model, name): _usd(f"{model}.resolution.{name}", factor)
                  for name, factor in _object(model, "resolution", terms).items()}
    return ModelPrice(
        per_second=(_usd(f"{model}.per_second", terms["per_second"]) if "per_second" in terms
                    else None if names_base else inherited.per_second),
        per_video=per_video if names_base else inherited.per_video,
        audio_per_video=_usd(f"{model}.audio_per_video", terms.get("audio_per_video", inherited.audio_per_video)),
        audio_per_second=_usd(f"{model}.audio_per_second",
                              terms.get("audio_per_second", inherited.audio_per_second)),
        resolution=resolution if "resolution" in terms else inherited.resolution,
    )


def _object(model: str, term: str, terms: dict[str, Any]) -> dict[str, Any]:
    value = terms.get(term, {})
    if not isinstance(value, dict):
        raise ValueError(f"pricing.{model}.{term}: expected an object")
    return value


def _resolution(model: str, name: str) -> str:
    try:
        return Resolution(name).value
    except ValueError:
        raise ValueError(f"pricing.{model}.resolution: unknown resolution {name!r}; use "
                         f"{[r.value for r in Resolution]}") from None


def _usd(where: str, value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"pricing.{where}: {value!r} is not a number") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"pricing.{where}: must be a number of at least 0")
    return amount
