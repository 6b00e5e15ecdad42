"""Per-symbol market statistics and depth snapshots the engine publishes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import msgspec

from kistrade.domain.limits import PriceLimits
from kistrade.domain.types import BookLevel, Symbol


class SymbolStats(msgspec.Struct, frozen=True, gc=False):
    """A symbol's day so far (a new value after every trade; ``msgspec.structs.replace`` to
    change one field). ``gc=False``: it holds scalars and the PriceLimits, never a cycle."""

    symbol: Symbol
    base: int
    limits: PriceLimits
    last: int | None = None
    last_ts: datetime | None = None
    open: int | None = None
    high: int | None = None
    low: int | None = None
    close: int | None = None
    """Set by the closing auction (or the last trade if it did not trade)."""
    volume: int = 0
    value: int = 0
    trades: int = 0


@dataclass(frozen=True, slots=True)
class Depth:
    symbol: Symbol
    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]


def with_trade(stats: SymbolStats, price: int, qty: int, ts: datetime) -> SymbolStats:
    """``stats`` after one execution of ``qty`` at ``price``."""
    high, low = stats.high, stats.low
    return SymbolStats(
        stats.symbol,
        stats.base,
        stats.limits,
        price,
        ts,
        stats.open if stats.open is not None else price,
        price if high is None or price > high else high,
        price if low is None or price < low else low,
        stats.close,
        stats.volume + qty,
        stats.value + price * qty,
        stats.trades + 1,
    )
