"""Metrics against values computed by hand."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from kistrade.backtest.metrics import (
    compute,
    daily_equity,
    max_drawdown,
    round_trips,
    sharpe,
    signal_accuracy,
)
from kistrade.domain.types import KST, Side, Symbol
from kistrade.engine.events import FillApplied

D0 = datetime(2024, 1, 2, 9, 0, tzinfo=KST)
SYM = Symbol("005930")


def fill(day: int, side: Side, qty: int, price: int, commission: int = 0, tax: int = 0) -> FillApplied:
    return FillApplied(
        D0 + timedelta(days=day), f"c{day}", f"f{day}", SYM, side, qty, price, commission, tax, None
    )


def test_round_trips_average_partial_fills_and_count_costs() -> None:
    fills = [
        fill(0, Side.BUY, 10, 100, commission=1),
        fill(1, Side.BUY, 30, 110, commission=2),
        fill(3, Side.SELL, 40, 120, commission=3, tax=9),
        fill(5, Side.BUY, 5, 200),  # still open: not a round trip
    ]
    (t,) = round_trips(fills)
    assert t.entry_time == D0 and t.exit_time == D0 + timedelta(days=3)
    assert t.entry_price == Decimal("107.5")  # (10 * 100 + 30 * 110) / 40, exact
    assert t.exit_price == 120 and t.qty == 40
    assert t.gross == 40 * 120 - 4_300 == 500
    assert t.costs == 15 and t.pnl == 485
    as_json = t.to_json()
    assert as_json["entry_price"] == 107.5 and isinstance(as_json["exit_price"], int)
    assert as_json["return_pct"] == round(485 * 100 / 4_300, 6)


def test_round_trip_prices_stay_exact() -> None:
    fills = [fill(0, Side.BUY, 3, 70_100), fill(1, Side.BUY, 4, 70_000), fill(2, Side.SELL, 7, 71_000)]
    (t,) = round_trips(fills)
    assert t.entry_price == Decimal(3 * 70_100 + 4 * 70_000) / 7  # decimal, no binary rounding
    assert t.to_json()["entry_price"] == 70_042.8571  # 490,300 / 7, to 1/10,000 won


def test_max_drawdown_sharpe_and_daily_equity_by_hand() -> None:
    assert max_drawdown([100, 120, 90, 130, 65]) == pytest.approx(65 / 130 - 1)  # -0.5
    assert max_drawdown([100, 101, 102]) == 0.0
    # returns +10%, -10%: mean 0 -> sharpe 0; +10%, +20%: mean .15, sd .0707...
    assert sharpe([100, 110, 99]) == pytest.approx(0.0)
    expected = 0.15 / math.sqrt(((0.1 - 0.15) ** 2 + (0.2 - 0.15) ** 2) / 1) * math.sqrt(252)
    assert sharpe([100, 110, 132]) == pytest.approx(expected)
    times = [D0, D0 + timedelta(minutes=1), D0 + timedelta(days=1)]
    assert daily_equity(times, [1, 2, 3]) == [2, 3]


def test_signal_accuracy_by_hand() -> None:
    closes = [10, 11, 9, 12, 12]
    # horizon 1: BUY@0 (11>10 right), SELL@1 (9<11 right), BUY@2 (12>9 right), SELL@3 (12==12 wrong),
    # BUY@4 has no bar 5: not judged
    signals = [(0, Side.BUY), (1, Side.SELL), (2, Side.BUY), (3, Side.SELL), (4, Side.BUY)]
    assert signal_accuracy(signals, closes, 1) == pytest.approx(3 / 4)
    assert signal_accuracy([(4, Side.BUY)], closes, 1) is None


def test_compute_whole_run_by_hand() -> None:
    fills = [
        fill(0, Side.BUY, 10, 1_000, commission=10),
        fill(7, Side.SELL, 10, 1_200, commission=12, tax=24),  # pnl 2000 - 46 = 1954
        fill(14, Side.BUY, 10, 1_100, commission=11),
        fill(21, Side.SELL, 10, 1_000, commission=10, tax=20),  # pnl -1000 - 41 = -1041
    ]
    times = [D0 + timedelta(days=d) for d in (0, 7, 14, 21, 28)]
    equity = [100_000, 101_954, 101_954, 100_913, 100_913]
    m = compute(
        start_cash=100_000,
        times=times,
        closes=[1, 2, 3, 4, 5],
        equity=equity,
        fills=fills,
        signals=[(0, Side.BUY)],
        horizon=2,
    )
    assert [t.pnl for t in m.trades] == [1_954, -1_041]
    assert m.final_equity == 100_913
    assert m.total_return == pytest.approx(0.00913)
    assert m.win_rate == 0.5
    assert m.trades_per_week == pytest.approx(2 / 4)  # 28 days = 4 weeks
    assert m.total_costs == 87
    assert m.cost_to_profit == pytest.approx(87 / 2_000)  # only the first trip made a gross profit
    assert m.max_drawdown == pytest.approx(100_913 / 101_954 - 1)
    assert m.cagr == pytest.approx(1.00913 ** (365.25 / 28) - 1)
    assert m.signal_accuracy == 1.0
