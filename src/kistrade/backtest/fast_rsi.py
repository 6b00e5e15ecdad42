"""A vectorised sweep kernel for the ``rsi`` reference (numpy), trade for trade equal to the
event-driven runner with non-binding risk limits (tested on real and random data).

Same rules: TA-Lib RSI(period) on closes; at bar t's close, flat and RSI < oversold -> buy at
bar t+1's open the largest whole qty with qty*open + floor(qty*open*c) <= cash (the risk gate's
sizing: floor(cash / (open * (1 + c))) then down while over); long and RSI > overbought -> sell
all at bar t+1's open; commission and tax floored to the won per fill; slippage in ticks is not
supported here (use the event-driven runner). The RSI and the candidate signal bars are computed
vectorised; only the bars where a signal can change the position are visited in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from kistrade.domain.costs import floor_mul, rate_ratio
from kistrade.indicators.batch import rsi as batch_rsi

TaxRate = Callable[[int], Decimal]
"""Sell-tax rate of a fill at bar index i."""


@dataclass(frozen=True, slots=True)
class FastTrade:
    entry_bar: int
    exit_bar: int | None
    entry_price: int
    exit_price: int | None
    qty: int
    costs: int


@dataclass(frozen=True, slots=True)
class FastResult:
    trades: list[FastTrade]
    final_cash: int
    final_qty: int
    final_equity: int


def run_rsi_fast(
    opens: npt.NDArray[np.int64],
    closes: npt.NDArray[np.int64],
    *,
    cash: int,
    commission: Decimal,
    tax_rate: TaxRate | Decimal = Decimal(0),
    period: int = 14,
    oversold: float = 30.0,
    overbought: float = 70.0,
) -> FastResult:
    n = len(closes)
    values = np.asarray(batch_rsi(closes.astype(np.float64), period), dtype=np.float64)
    with np.errstate(invalid="ignore"):
        buy_idx = np.flatnonzero(values < oversold)
        sell_idx = np.flatnonzero(values > overbought)
    buy_idx = buy_idx[buy_idx + 1 < n]
    sell_idx = sell_idx[sell_idx + 1 < n]
    trades: list[FastTrade] = []
    qty = 0
    t = -1
    entry_bar = entry_price = entry_cost = 0
    num, den = rate_ratio(commission)
    while True:
        if qty == 0:
            k = int(np.searchsorted(buy_idx, t + 1))
            if k >= len(buy_idx):
                break
            t = int(buy_idx[k])
            price = int(opens[t + 1])
            q = cash * den // (price * (den + num))  # cash / (price × (1 + commission)), floored
            while q > 0 and q * price + floor_mul(q * price, commission) > cash:
                q -= 1
            if q <= 0:
                continue
            fee = floor_mul(q * price, commission)
            cash -= q * price + fee
            qty, entry_bar, entry_price, entry_cost = q, t + 1, price, fee
        else:
            k = int(np.searchsorted(sell_idx, t + 1))
            if k >= len(sell_idx):
                break
            t = int(sell_idx[k])
            price = int(opens[t + 1])
            value = qty * price
            rate = tax_rate(t + 1) if callable(tax_rate) else tax_rate
            fee = floor_mul(value, commission)
            tax = floor_mul(value, rate)
            cash += value - fee - tax
            trades.append(FastTrade(entry_bar, t + 1, entry_price, price, qty, entry_cost + fee + tax))
            qty = 0
    if qty:
        trades.append(FastTrade(entry_bar, None, entry_price, None, qty, entry_cost))
    return FastResult(trades, cash, qty, cash + qty * int(closes[-1]))


def dated_tax(days: list[date], rate_of: Callable[[date], Decimal]) -> TaxRate:
    """A TaxRate from the bar dates and a rate by trade date (e.g. ``FillCosts.tax_rate``)."""
    return lambda i: rate_of(days[i])
