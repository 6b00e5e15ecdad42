"""KRX tick sizes (호가가격단위) and rounding to the tick grid.

Stocks (KOSPI, KOSDAQ, KONEX) since 2023-01-25; ETF/ETN: 1 won below 2,000, 5 won from 2,000.
"""

from __future__ import annotations

from bisect import bisect_right
from enum import StrEnum

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import InstrumentKind

# (lower bound of the band, tick) in ascending order.
STOCK_TICKS: tuple[tuple[int, int], ...] = (
    (0, 1),
    (2_000, 5),
    (5_000, 10),
    (20_000, 50),
    (50_000, 100),
    (200_000, 500),
    (500_000, 1_000),
)
FUND_TICKS: tuple[tuple[int, int], ...] = ((0, 1), (2_000, 5))

_STOCK_BOUNDS = tuple(b for b, _ in STOCK_TICKS)
_FUND_BOUNDS = tuple(b for b, _ in FUND_TICKS)


class Rounding(StrEnum):
    UP = "up"
    DOWN = "down"
    NEAREST = "nearest"


def _table(kind: InstrumentKind) -> tuple[tuple[tuple[int, int], ...], tuple[int, ...]]:
    if kind is InstrumentKind.STOCK:
        return STOCK_TICKS, _STOCK_BOUNDS
    return FUND_TICKS, _FUND_BOUNDS


def tick_size(price: int, kind: InstrumentKind = InstrumentKind.STOCK) -> int:
    """The tick of the band that ``price`` lies in."""
    if price < 0:
        raise InvalidInputError(f"price {price} is negative")
    table, bounds = _table(kind)
    return table[bisect_right(bounds, price) - 1][1]


def is_valid_tick(price: int, kind: InstrumentKind = InstrumentKind.STOCK) -> bool:
    """True when ``price`` is positive and on the tick grid of its band."""
    return price > 0 and price % tick_size(price, kind) == 0


def round_to_tick(
    price: int, direction: Rounding = Rounding.DOWN, kind: InstrumentKind = InstrumentKind.STOCK
) -> int:
    """Round ``price`` to a valid tick. UP never goes below ``price``, DOWN never above.

    Rounding up across a band boundary lands on the boundary itself, which is valid in the
    higher band (every band starts on a multiple of its own tick).
    """
    if price <= 0:
        raise InvalidInputError(f"price {price} must be positive to round to a tick")
    tick = tick_size(price, kind)
    down = price - price % tick
    if down == price:
        return price
    up = down + tick
    if direction is Rounding.DOWN:
        return down
    if direction is Rounding.UP:
        return up
    return up if price - down >= up - price else down


def ticks_between(low: int, high: int, kind: InstrumentKind = InstrumentKind.STOCK) -> int:
    """Number of tick steps from ``low`` up to ``high`` (both on the grid, ``low <= high``)."""
    steps = 0
    price = low
    while price < high:
        price += tick_size(price, kind)
        steps += 1
    return steps


def add_ticks(price: int, n: int, kind: InstrumentKind = InstrumentKind.STOCK) -> int:
    """Move ``n`` ticks up (n > 0) or down (n < 0) from an on-grid ``price``."""
    for _ in range(abs(n)):
        if n > 0:
            price += tick_size(price, kind)
        else:
            price -= tick_size(price - 1, kind)
    if price <= 0:
        raise InvalidInputError(f"moving {n} ticks goes below zero")
    return price
