"""Performance figures of a backtest, from its fills, equity curve and signals.

Definitions (all fractions, not percent):

* ``trades``: closed round trips, long only: from the first buy fill of a flat position to the
  sell fill that brings it back to zero; prices are qty-weighted averages; ``pnl`` is sell value
  - buy value - costs (commission + tax of every fill of the trip); ``gross`` the same before costs.
* ``final_equity``: cash plus any open position marked at the last close.
* ``total_return`` = final_equity / cash - 1; ``cagr`` = (final_equity / cash) ** (1 / years) - 1
  with years = calendar days between the first and last bar / 365.25 (0 when under a day).
* ``max_drawdown``: the most negative equity / running peak - 1 over the bar closes (<= 0).
* ``sharpe``: mean / sample std of daily returns (equity at each date's last bar) * sqrt(252);
  0 when the std is 0 or there are fewer than two returns.
* ``win_rate``: trades with pnl > 0 / trades (None without trades).
* ``trades_per_week``: trades / (calendar days spanned / 7).
* ``cost_to_profit``: all costs paid / the gross (pre-cost) profit of the trades that made one;
  None when no trade made a gross profit.
* ``signal_accuracy``: of the recorded signals whose bar t has a bar t+N (N = ``signal_horizon``),
  the fraction whose direction was right: a BUY when close[t+N] > close[t], a SELL when
  close[t+N] < close[t]. None when no signal can be judged.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from kistrade.domain.types import Side
from kistrade.engine.events import FillApplied


@dataclass(frozen=True, slots=True)
class RoundTrip:
    entry_time: datetime
    exit_time: datetime
    entry_price: Decimal
    """Average price of the entry fills (exact: their value over their quantity)."""
    exit_price: Decimal
    qty: int
    gross: int
    costs: int
    pnl: int

    @property
    def return_pct(self) -> float:
        cost = self.entry_price * self.qty
        return float(self.pnl * 100 / cost) if cost else 0.0

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["entry_time"] = self.entry_time.isoformat()
        out["exit_time"] = self.exit_time.isoformat()
        out["entry_price"] = _price_json(self.entry_price)
        out["exit_price"] = _price_json(self.exit_price)
        out["return_pct"] = round(self.return_pct, 6)
        return out


def _price_json(price: Decimal) -> int | float:
    """An average price for JSON: an int when whole (one fill, or fills at one price), else a
    number rounded to 1/10,000 won."""
    if price == price.to_integral_value():
        return int(price)
    return float(price.quantize(Decimal("0.0001")))


def round_trips(fills: list[FillApplied]) -> list[RoundTrip]:
    trips: list[RoundTrip] = []
    held = 0
    buys: list[FillApplied] = []
    sells: list[FillApplied] = []
    for f in fills:
        if f.side is Side.BUY:
            buys.append(f)
            held += f.qty
        else:
            sells.append(f)
            held -= f.qty
            if held == 0 and buys:
                bq = sum(b.qty for b in buys)
                bv = sum(b.qty * b.price for b in buys)
                sq = sum(s.qty for s in sells)
                sv = sum(s.qty * s.price for s in sells)
                costs = sum(x.commission + x.tax for x in buys + sells)
                entry, exit_ = Decimal(bv) / bq, Decimal(sv) / sq
                trips.append(
                    RoundTrip(buys[0].ts, sells[-1].ts, entry, exit_, bq, sv - bv, costs, sv - bv - costs)
                )
                buys, sells = [], []
    return trips


def max_drawdown(equity: list[int]) -> float:
    peak, worst = 0, 0.0
    for e in equity:
        peak = max(peak, e)
        if peak > 0:
            worst = min(worst, e / peak - 1.0)
    return worst


def daily_equity(times: Sequence[datetime], equity: list[int]) -> list[int]:
    """Equity at the last bar of each date."""
    out: list[int] = []
    last_day = None
    for t, e in zip(times, equity, strict=True):
        if t.date() == last_day:
            out[-1] = e
        else:
            out.append(e)
            last_day = t.date()
    return out


def sharpe(daily: list[int], periods: int = 252) -> float:
    rets = [b / a - 1.0 for a, b in itertools.pairwise(daily) if a > 0]
    if len(rets) < 2:
        return 0.0
    mean = sum(rets) / len(rets)
    var = sum((r - mean) ** 2 for r in rets) / (len(rets) - 1)
    return 0.0 if var <= 0 else mean / math.sqrt(var) * math.sqrt(periods)


def signal_accuracy(signals: list[tuple[int, Side]], closes: Sequence[int], horizon: int) -> float | None:
    judged = right = 0
    for i, side in signals:
        j = i + horizon
        if j >= len(closes):
            continue
        judged += 1
        move = closes[j] - closes[i]
        if (side is Side.BUY and move > 0) or (side is Side.SELL and move < 0):
            right += 1
    return right / judged if judged else None


@dataclass(frozen=True, slots=True)
class Metrics:
    trades: list[RoundTrip]
    start_cash: int
    final_equity: int
    total_return: float
    cagr: float
    max_drawdown: float
    sharpe: float
    win_rate: float | None
    trades_per_week: float
    cost_to_profit: float | None
    signal_accuracy: float | None
    total_costs: int
    fills: int
    bars: int

    def to_json(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "trades"}
        out["trades"] = [t.to_json() for t in self.trades]
        out["trade_count"] = len(self.trades)
        return out


def compute(
    *,
    start_cash: int,
    times: Sequence[datetime],
    closes: Sequence[int],
    equity: list[int],
    fills: list[FillApplied],
    signals: list[tuple[int, Side]],
    horizon: int,
) -> Metrics:
    trips = round_trips(fills)
    final = equity[-1] if equity else start_cash
    days = (times[-1] - times[0]).total_seconds() / 86_400 if len(times) > 1 else 0.0
    years = days / 365.25
    growth = final / start_cash
    cagr = growth ** (1.0 / years) - 1.0 if years >= 1 / 365.25 and growth > 0 else 0.0
    costs = sum(f.commission + f.tax for f in fills)
    gross_profit = sum(t.gross for t in trips if t.gross > 0)
    return Metrics(
        trades=trips,
        start_cash=start_cash,
        final_equity=final,
        total_return=growth - 1.0,
        cagr=cagr,
        max_drawdown=max_drawdown(equity),
        sharpe=sharpe(daily_equity(times, equity)),
        win_rate=(sum(1 for t in trips if t.pnl > 0) / len(trips)) if trips else None,
        trades_per_week=len(trips) / (days / 7) if days > 0 else 0.0,
        cost_to_profit=costs / gross_profit if gross_profit > 0 else None,
        signal_accuracy=signal_accuracy(signals, closes, horizon),
        total_costs=costs,
        fills=len(fills),
        bars=len(closes),
    )
