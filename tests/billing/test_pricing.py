"""The price table: the seed guide's figures by default, per-second and per-video configuration,
and a table that cannot be read stops start-up instead of mispricing."""

from __future__ import annotations

import pytest

from openreel.billing.pricing import PriceTable, usd
from openreel.billing.remote_cost import GOOGLE_VEO_PRICES
from openreel.domain.request import Resolution


def cost(table: PriceTable, model: str, seconds: int, audio: bool, videos: int = 1,
         resolution: Resolution = Resolution.FULL_HD) -> float:
    return usd(table.cost_micros(model, seconds, resolution, audio, videos))


def test_default_prices_are_the_seed_guides() -> None:
    table = PriceTable({})
    assert cost(table, "veo-3.0-generate-001", 4, audio=False) == 0.35
    assert cost(table, "veo-3.0-generate-001", 8, audio=False) == 0.70
    assert cost(table, "veo-3.0-generate-001", 8, audio=True) == 0.80  # +$0.10 per video with audio
    assert cost(table, "veo-3.0-generate-001", 8, audio=True, videos=2) == 1.60
    assert cost(table, "veo-3.0-generate-001", 8, audio=True, videos=0) == 0.0  # nothing delivered


def test_per_second_pricing_is_one_line_of_configuration() -> None:
    table = PriceTable({"veo-3.1-generate-001": {"per_second": 0.40, "audio_per_second": 0.0}})
    assert cost(table, "veo-3.1-generate-001", 8, audio=True) == 3.30  # $3.20, plus audio_per_video kept from "*"
    assert cost(table, "veo-3.0-generate-001", 8, audio=False) == 0.70  # other models keep the default


def test_per_video_table_with_resolution_factor_and_pro_rata_durations() -> None:
    table = PriceTable({"m": {"per_video": {"4": 0.5, "8": 0.9}, "resolution": {"4k": 2}, "audio_per_video": 0}})
    assert cost(table, "m", 8, audio=True, resolution=Resolution.UHD) == 1.80
    assert cost(table, "m", 4, audio=False, resolution=Resolution.HD) == 0.50
    assert cost(table, "m", 6, audio=False) == 0.675  # not listed: pro rata from the 8 s price


def test_the_default_entry_can_be_replaced() -> None:
    table = PriceTable({"*": {"per_second": 0.1}})
    assert cost(table, "any-model", 8, audio=True) == 0.80  # 0.8, and the default audio term is gone
    assert cost(PriceTable({"*": {"per_second": 0.1, "audio_per_video": 0.05}}), "x", 4, audio=True) == 0.45


@pytest.mark.parametrize(("table", "message"), [
    ({"m": {"per_second": 0.1, "per_video": {"4": 1}}}, "not both"),
    ({"m": {"per_minute": 1}}, "unknown term"),
    ({"m": {"per_second": -1}}, "at least 0"),
    ({"m": {"per_second": "cheap"}}, "not a number"),
    ({"m": {"resolution": {"8k": 2}}}, "unknown resolution"),
    ({"m": {"per_video": {}}}, "at least one duration"),
    ({"*": {"audio_per_video": 0.1}}, "needs per_second or per_video"),
    ({"m": "free"}, "expected an object"),
])
def test_a_table_that_cannot_be_read_is_refused_naming_the_entry(table: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message) as refused:
        PriceTable(table)  # type: ignore[arg-type]
    assert "pricing." in str(refused.value)


def test_the_remote_estimate_for_googles_veo_charges_sound_by_the_second_only() -> None:
    google = PriceTable({}, base=GOOGLE_VEO_PRICES)
    assert cost(google, "veo-3.1-generate-001", 8, audio=True) == 3.20  # $0.40 a second with sound
    assert cost(google, "veo-3.1-generate-001", 8, audio=False) == 1.60
    assert cost(google, "veo-3.1-fast-generate-001", 8, audio=True) == 1.20
    assert cost(google, "veo-3.1-lite-generate-001", 8, audio=True, resolution=Resolution.HD) == 0.40
    assert cost(google, "veo-2.0-generate-001", 8, audio=False) == 4.00
    assert cost(google, "another-openreels-model", 8, audio=True) == 0.80  # not Google's: the seed guide's
