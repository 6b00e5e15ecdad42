"""Per-symbol market statistics and depth snapshots the engine publishes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from kistrade.domain.limits import PriceLimits
from kistrade.domain.types import BookLevel, Symbol


@dataclass(frozen=True, slots=True)
class SymbolStats:
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
    return replace(
        stats,
        last=price,
        last_ts=ts,
        open=stats.open if stats.open is not None else price,
        high=price if stats.high is None else max(stats.high, price),
        low=price if stats.low is None else min(stats.low, price),
        volume=stats.volume + qty,
        value=stats.value + price * qty,
        trades=stats.trades + 1,
    )
