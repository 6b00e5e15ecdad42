"""Strategy performance over live fills, with the backtest's definition of a trade
(``kistrade.backtest.metrics``), kept per symbol: a round trip runs from the buy that opens a
flat position to the sell that brings it back to zero; its P&L is sell value - buy value - every
fill's commission and tax. Long only: sells of a position opened before these fills (more sold
than bought here) are ignored, and a position still open is not a trade yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from kistrade.app.views import FillView


@dataclass(frozen=True, slots=True)
class Performance:
    trades: int
    wins: int
    losses: int
    win_rate_pct: Decimal | None
    gross_profit: int
    gross_loss: int
    net_pnl: int
    profit_factor: Decimal | None
    avg_win: int | None
    avg_loss: int | None
    largest_loss: int
    fills: int


@dataclass(slots=True)
class _Trip:
    held: int = 0
    bought: int = 0  # value
    sold: int = 0
    costs: int = 0


def performance(fills: Iterable[FillView]) -> Performance:
    trips: dict[str, _Trip] = defaultdict(_Trip)
    results: list[int] = []
    count = 0
    for fill in sorted(fills, key=lambda f: f.ts):
        count += 1
        trip = trips[fill.symbol]
        if fill.side.upper() == "BUY":
            trip.held += fill.qty
            trip.bought += fill.qty * fill.price
        elif trip.held >= fill.qty:
            trip.held -= fill.qty
            trip.sold += fill.qty * fill.price
        else:
            continue  # selling what was bought before these fills
        trip.costs += fill.commission + fill.tax
        if trip.held == 0:
            results.append(trip.sold - trip.bought - trip.costs)
            trips[fill.symbol] = _Trip()
    wins = [r for r in results if r > 0]
    losses = [r for r in results if r <= 0]
    gross_profit = sum(wins)
    gross_loss = -sum(losses)
    return Performance(
        trades=len(results),
        wins=len(wins),
        losses=len(losses),
        win_rate_pct=(Decimal(len(wins) * 100) / len(results)).quantize(Decimal("0.01")) if results else None,
        gross_profit=gross_profit,
        gross_loss=gross_loss,
        net_pnl=gross_profit - gross_loss,
        profit_factor=(Decimal(gross_profit) / gross_loss).quantize(Decimal("0.01")) if gross_loss else None,
        avg_win=gross_profit // len(wins) if wins else None,
        avg_loss=-(gross_loss // len(losses)) if losses else None,
        largest_loss=min(losses, default=0),
        fills=count,
    )
