"""The numpy ``rsi`` sweep kernel equals the event-driven runner trade for trade (random data)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.backtest.config import BacktestConfig
from kistrade.backtest.data import BarSeries, minute_series
from kistrade.backtest.fast_rsi import FastResult, run_rsi_fast
from kistrade.backtest.runner import BacktestResult, run_bars
from kistrade.domain.types import KST, Side, Symbol
from kistrade.strategy import create_strategy


def random_series(seed: int, n: int) -> BarSeries:
    rng = np.random.default_rng(seed)
    closes = np.maximum(1_000, (50_000 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))).astype(np.int64))
    opens = np.maximum(1_000, (closes * np.exp(rng.normal(0, 0.003, n))).astype(np.int64))
    rows = [
        (int(o), int(max(o, c)), int(min(o, c)), int(c), 1_000_000)
        for o, c in zip(opens, closes, strict=True)
    ]
    return minute_series(Symbol("005930"), datetime(2025, 3, 4, 9, 0, tzinfo=KST), rows)


def fast_of(series: BarSeries, cfg: BacktestConfig) -> FastResult:
    opens = np.array([b.open for b in series.bars], dtype=np.int64)
    closes = np.array([b.close for b in series.bars], dtype=np.int64)
    tax = cfg.sell_tax_rate if cfg.sell_tax_rate is not None else Decimal(0)
    return run_rsi_fast(opens, closes, cash=cfg.cash, commission=cfg.commission_rate, tax_rate=tax)


def assert_same(slow: BacktestResult, fast: FastResult, series: BarSeries) -> None:
    index = {b.start: i for i, b in enumerate(series.bars)}
    fills = [(index[f.ts], f.side, f.qty, f.price) for f in slow.record.fills]
    expected: list[tuple[int, Side, int, int]] = []
    for t in fast.trades:
        expected.append((t.entry_bar, Side.BUY, t.qty, t.entry_price))
        if t.exit_bar is not None and t.exit_price is not None:
            expected.append((t.exit_bar, Side.SELL, t.qty, t.exit_price))
    assert fills == expected
    assert slow.final_cash == fast.final_cash
    assert slow.final_equity == fast.final_equity


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), commission=st.sampled_from(["0", "0.000140527", "0.0015"]))
def test_fast_kernel_equals_runner_on_random_minute_bars(seed: int, commission: str) -> None:
    series = random_series(seed, 1_500)
    cfg = BacktestConfig(cash=10_000_000, commission_rate=Decimal(commission), sell_tax_rate=Decimal("0.002"))
    slow = run_bars(create_strategy("rsi"), series, cfg)
    assert_same(slow, fast_of(series, cfg), series)
    assert slow.record.fills  # the random walk crosses the bands
