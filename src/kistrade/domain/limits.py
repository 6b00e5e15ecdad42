"""The KRX daily price limit (가격제한폭): ±30% of the base price.

width = base × 0.30 truncated to the tick of the base; upper = base + width, lower = base - width;
a limit that lands off its own band's grid is rounded inward (upper down, lower up).
See shared/kis-protocol.md §8.3 for the worked examples this reproduces.
"""

from __future__ import annotations

from dataclasses import dataclass

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.ticks import Rounding, round_to_tick, tick_size
from kistrade.domain.types import InstrumentKind

LIMIT_PERCENT = 30


@dataclass(frozen=True, slots=True)
class PriceLimits:
    base: int
    width: int
    upper: int
    lower: int

    def contains(self, price: int) -> bool:
        return self.lower <= price <= self.upper


def price_limits(base: int, kind: InstrumentKind = InstrumentKind.STOCK) -> PriceLimits:
    if base <= 0:
        raise InvalidInputError(f"base price {base} must be positive")
    tick = tick_size(base, kind)
    width = base * LIMIT_PERCENT // 100
    width -= width % tick
    upper = round_to_tick(base + width, Rounding.DOWN, kind)
    lower_raw = max(base - width, 1)
    lower = round_to_tick(lower_raw, Rounding.UP, kind)
    return PriceLimits(base=base, width=width, upper=upper, lower=lower)
