"""compare_live: trades of two runs lined up by (symbol, side, decision bar) and classified."""

from __future__ import annotations

from datetime import datetime, timedelta

from kistrade.app.compare_live import (
    BarDiff,
    TradeRow,
    bar_differences,
    compare_trades,
    format_table,
    summary,
)
from kistrade.domain.types import KST, Bar, Side, Symbol

SYM = Symbol("005930")
T0 = datetime(2026, 11, 24, 9, 10, tzinfo=KST)


def row(side: Side, minute: int, price: int, *, qty: int = 10, second: int = 0, fill_s: int = 0) -> TradeRow:
    decided = T0 + timedelta(minutes=minute, seconds=second)
    return TradeRow(SYM, side, qty, qty * price, decided, decided + timedelta(seconds=fill_s))


def bar(minute: int, close: int, volume: int) -> Bar:
    return Bar(SYM, T0 + timedelta(minutes=minute), close, close, close, close, volume)


def test_same_bar_same_fill_is_exact_and_a_later_print_is_latency() -> None:
    bt = [row(Side.BUY, 0, 100, second=1), row(Side.SELL, 3, 105)]
    live = [row(Side.BUY, 0, 100, fill_s=1), row(Side.SELL, 3, 104, fill_s=1)]
    pairs = compare_trades(bt, live)
    assert [p.verdict for p in pairs] == ["exact", "latency"]
    assert pairs[1].lag_s == 1.0 and "price" in pairs[1].why
    assert summary(pairs) == {"backtest": 2, "live": 2, "exact": 1, "latency": 1, "unexplained": 0}


def test_a_missing_trade_does_not_shift_later_pairs() -> None:
    bt = [row(Side.BUY, 0, 100), row(Side.SELL, 2, 101), row(Side.BUY, 4, 99), row(Side.SELL, 6, 102)]
    live = [row(Side.BUY, 0, 100), row(Side.SELL, 6, 102)]
    pairs = compare_trades(bt, live)
    assert (pairs[0].side, pairs[0].verdict) == (Side.BUY, "exact")
    assert pairs[-1].backtest is bt[3] and pairs[-1].live is live[1] and pairs[-1].verdict == "exact"
    # the one-sided SELL at minute 2 has nothing explaining it: unexplained (a bug to look at)
    assert pairs[1].verdict == "unexplained" and pairs[1].live is None
    # the one-sided BUY at minute 4 follows it: holdings already differ (knock-on)
    assert pairs[2].verdict == "latency" and "knock-on" in pairs[2].why


def test_a_changed_live_close_explains_a_one_sided_trade() -> None:
    recorded = [bar(0, 100, 500), bar(1, 101, 600), bar(2, 102, 700)]
    live_bars = [bar(0, 100, 500), bar(1, 100, 450), bar(2, 102, 710)]
    live = [row(Side.BUY, 2, 102)]  # filled in minute 2: its 10 shares are on the live tape
    diffs = bar_differences(recorded, live_bars, live, {T0: 500, T0 + timedelta(minutes=1): 600})
    assert [d.start for d in diffs] == [T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)]
    d1 = diffs[0]
    assert (d1.missing, d1.late, d1.undelivered, d1.close_differs) == (150, 150, 0, True)
    assert diffs[1].own == 10 and not diffs[1].close_differs
    pairs = compare_trades([], live, diffs)
    assert pairs[0].verdict == "latency" and "09:11" in pairs[0].why
    assert compare_trades([], live, [])[0].verdict == "unexplained"
    assert "unexplained 0" in format_table(pairs)
    assert isinstance(d1, BarDiff) and "late" in d1.line()
