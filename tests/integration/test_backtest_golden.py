"""Golden numbers of one real-data backtest, a look-ahead test, and the numpy sweep kernel equal
to the event-driven runner trade for trade on real data."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from kistrade.backtest.config import BacktestConfig
from kistrade.backtest.data import BarSeries, load_csv
from kistrade.backtest.fast_rsi import dated_tax, run_rsi_fast
from kistrade.backtest.metrics import round_trips
from kistrade.backtest.runner import BacktestResult, metrics_of, run_bars
from kistrade.domain.types import Bar, Side
from kistrade.strategy import create_strategy

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "krx-daily"


def series(code: str = "005930") -> BarSeries:
    path = DATA / f"{code}.csv"
    if not path.is_file():
        pytest.skip(f"shared data {path} is absent")
    return load_csv(path)


def test_golden_rsi_on_005930_with_dated_krx_costs() -> None:
    """10,000,000 won, KIS online commission 0.0140527 %, sell tax by settlement date."""
    result = run_bars(create_strategy("rsi"), series(), BacktestConfig())
    m = metrics_of(result)
    assert len(m.trades) == 34
    assert m.final_equity == 150_526_422
    assert m.total_costs == 6_119_396
    first = m.trades[0]
    assert (str(first.entry_time.date()), first.entry_price, first.qty, first.costs) == (
        "1990-12-22",
        381.0,
        26_243,
        33_711,
    )
    assert result.ledger_cash == result.final_cash
    assert not result.record.rejections and not result.record.denials


def _decisions(result: BacktestResult, t: int) -> list[tuple[int, Side, str]]:
    return [(i, s.side, s.reason_text) for i, s in result.record.signals if i <= t]


def test_changing_bars_after_t_never_changes_decisions_at_t() -> None:
    base = series().between(None, None)
    bars = base.bars[:3_000]
    original = run_bars(create_strategy("rsi"), BarSeries(base.symbol, bars, True))
    rng = random.Random(6)
    for t in (100, 777, 1_500, 2_998):
        changed = bars[: t + 1] + [
            Bar(
                b.symbol,
                b.start,
                *(max(1, int(p * rng.uniform(0.5, 1.5))) for p in (b.open, b.high, b.low, b.close)),
                b.volume,
            )
            for b in bars[t + 1 :]
        ]
        other = run_bars(create_strategy("rsi"), BarSeries(base.symbol, changed, True))
        assert _decisions(other, t) == _decisions(original, t)
        cutoff = bars[t].start
        assert [f for f in other.record.fills if f.ts <= cutoff] == [
            f for f in original.record.fills if f.ts <= cutoff
        ]
        assert other.record.equity[: t + 1] == original.record.equity[: t + 1]


@pytest.mark.parametrize("code", ["005930", "000660", "035420"])
def test_fast_kernel_equals_runner_on_real_data(code: str) -> None:
    s = series(code)
    cfg = BacktestConfig()  # dated KRX sell tax, KIS commission
    slow = run_bars(create_strategy("rsi"), s, cfg)
    from kistrade.backtest.config import FillCosts

    costs = FillCosts(cfg)
    fast = run_rsi_fast(
        np.array([b.open for b in s.bars], dtype=np.int64),
        np.array([b.close for b in s.bars], dtype=np.int64),
        cash=cfg.cash,
        commission=cfg.commission_rate,
        tax_rate=dated_tax([b.start.date() for b in s.bars], costs.tax_rate),
    )
    index = {b.start.date(): i for i, b in enumerate(s.bars)}
    got = [
        (index[t.entry_time.date()], t.qty, int(t.entry_price), t.costs, t.pnl)
        for t in round_trips(slow.record.fills)
    ]
    closed = [t for t in fast.trades if t.exit_bar is not None and t.exit_price is not None]
    want = [
        (
            t.entry_bar,
            t.qty,
            t.entry_price,
            t.costs,
            (t.exit_price or 0) * t.qty - t.entry_price * t.qty - t.costs,
        )
        for t in closed
    ]
    assert got == want and len(got) > 5
    assert (slow.final_cash, slow.final_qty, slow.final_equity) == (
        fast.final_cash,
        fast.final_qty,
        fast.final_equity,
    )
    assert Decimal(0) <= cfg.commission_rate
