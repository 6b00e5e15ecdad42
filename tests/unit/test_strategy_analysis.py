"""Book and flow metrics against hand-computed books; the composite score and its checks."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import KST, BookLevel, OrderBook, Side, Symbol, Trade
from kistrade.strategy.analysis import (
    FlowStats,
    TradeFlowWindow,
    fmt_flow,
    fmt_imbalance,
    fmt_spread,
    imbalance,
    lean_score,
    spread,
    spread_score,
)
from kistrade.strategy.book_score import assess, entry_check, exit_check
from kistrade.strategy.params import OrderbookParams, OrderbookWeights

SYM = Symbol("005930")
T0 = datetime(2026, 1, 5, 10, 0, tzinfo=KST)


def book(asks: list[tuple[int, int]], bids: list[tuple[int, int]], ts: datetime = T0) -> OrderBook:
    return OrderBook(
        SYM, ts, tuple(BookLevel(p, q) for p, q in asks), tuple(BookLevel(p, q) for p, q in bids)
    )


# asks 70100x500, 70200x300; bids 70000x900, 69900x400; level 3 padded with zeros as KIS does
BOOK = book([(70100, 500), (70200, 300), (0, 0)], [(70000, 900), (69900, 400), (0, 0)])


def test_spread_by_hand() -> None:
    s = spread(BOOK)
    assert s is not None
    assert (s.bid, s.ask, s.mid) == (70000, 70100, 70050.0)
    assert s.rate == pytest.approx(100 / 70050)
    assert s.pct == pytest.approx(0.142755, abs=1e-6)
    assert fmt_spread(s) == "spread 0.14%"
    assert spread_score(s, 0.5) == pytest.approx(1 - (100 / 70050 * 100) / 0.5)
    assert spread_score(s, 0.1) == 0.0


def test_spread_missing_or_crossed_is_none() -> None:
    assert spread(book([], [(70000, 1)])) is None
    assert spread(book([(70100, 1)], [])) is None
    assert spread(book([(0, 0)], [(70000, 1)])) is None
    assert spread(book([(69900, 1)], [(70000, 1)])) is None  # crossed
    locked = spread(book([(70000, 1)], [(70000, 1)]))
    assert locked is not None and locked.rate == 0.0
    assert fmt_spread(None) == "spread n/a (one side empty)"


def test_imbalance_by_hand() -> None:
    imb = imbalance(BOOK, 10)
    assert imb is not None
    assert (imb.bid_qty, imb.ask_qty) == (1300, 800)
    assert imb.value == pytest.approx(500 / 2100)
    assert imb.ratio == pytest.approx(1.625)
    assert fmt_imbalance(imb) == "bid/ask volume 1.62 (imbalance +0.24)"
    top = imbalance(BOOK, 1)
    assert top is not None and (top.bid_qty, top.ask_qty) == (900, 500)
    weighted = imbalance(BOOK, 10, weighted=True)
    assert weighted is not None
    assert (weighted.bid_qty, weighted.ask_qty) == (900 + 400 / 2, 500 + 300 / 2)
    assert weighted.value == pytest.approx((1100 - 650) / 1750)


def test_imbalance_edge_cases() -> None:
    assert imbalance(book([(0, 0)], [(0, 0)])) is None
    only_bids = imbalance(book([], [(70000, 10)]))
    assert only_bids is not None and only_bids.value == 1.0
    assert fmt_imbalance(only_bids) == "bid/ask volume inf (imbalance +1.00)"
    assert fmt_imbalance(None) == "bid/ask volume n/a (empty book)"
    with pytest.raises(InvalidInputError, match="imbalance levels must be an int in"):
        imbalance(BOOK, 11)


def trade(seconds: float, qty: int, side: Side | None) -> Trade:
    return Trade(SYM, T0 + timedelta(seconds=seconds), 70000, qty, side)


def test_trade_flow_window_by_hand() -> None:
    w = TradeFlowWindow(60)
    for t in (trade(0, 100, Side.BUY), trade(10, 300, Side.SELL), trade(30, 200, Side.BUY)):
        w.add(t)
    w.add(trade(40, 50, None))
    s = w.stats(T0 + timedelta(seconds=45))
    assert (s.buy_qty, s.sell_qty, s.unknown_qty, s.trades) == (300, 300, 50, 4)
    assert s.value == 0.0
    # at t=60 the trade at t=0 is out of (0, 60]
    s = w.stats(T0 + timedelta(seconds=60))
    assert (s.buy_qty, s.sell_qty, s.trades) == (200, 300, 3)
    assert s.value == pytest.approx(-100 / 500)
    assert fmt_flow(s) == "trade flow -0.20 (buy 200 / sell 300 in 60s)"
    s = w.stats(T0 + timedelta(seconds=200))
    assert (s.buy_qty, s.sell_qty, s.unknown_qty, s.trades) == (0, 0, 0, 0)
    assert s.value == 0.0
    assert fmt_flow(s) == "trade flow +0.00 (no aggressor volume in 60s)"


def test_trade_flow_errors() -> None:
    with pytest.raises(InvalidInputError, match="window must be > 0 seconds"):
        TradeFlowWindow(0)
    with pytest.raises(InvalidInputError, match="trade quantity must be positive, got 0"):
        TradeFlowWindow(5).add(trade(0, 0, Side.BUY))


def flow(buy: int, sell: int) -> FlowStats:
    return FlowStats(buy_qty=buy, sell_qty=sell, unknown_qty=0, trades=2, window_s=60)


def test_composite_by_hand() -> None:
    p = OrderbookParams()  # weights 0.3 / 0.4 / 0.3, max spread 0.5 %
    a = assess(BOOK, flow(300, 100), p, T0 + timedelta(seconds=5))
    s_spread = 1 - (100 / 70050 * 100) / 0.5
    s_imb = (500 / 2100 + 1) / 2  # both levels are within depth_levels=5
    s_flow = (0.5 + 1) / 2
    assert a.spread_score == pytest.approx(s_spread)
    assert a.imbalance_score == pytest.approx(s_imb)
    assert a.flow_score == pytest.approx(s_flow)
    assert a.composite == pytest.approx((0.3 * s_spread + 0.4 * s_imb + 0.3 * s_flow) / 1.0)
    assert a.pressure == pytest.approx((0.4 * 500 / 2100 + 0.3 * 0.5) / 0.7)
    ok, reasons = entry_check(a, p)
    assert ok
    assert reasons == (
        "bid/ask volume 1.62 (imbalance +0.24)",
        "spread 0.14%",
        "trade flow +0.50 (buy 300 / sell 100 in 60s)",
        f"book score {a.composite:.2f} >= 0.5",
    )
    assert exit_check(a, p) == (False, ())


def test_entry_gates_name_what_failed() -> None:
    p = OrderbookParams()
    ask_heavy = book([(70100, 2000)], [(70000, 500)])
    ok, reasons = entry_check(assess(ask_heavy, flow(100, 100), p, T0), p)
    assert not ok
    assert "bid/ask volume 0.25 (imbalance -0.60) < min 0.2" in reasons
    wide = book([(70700, 500)], [(70000, 900)])  # 700 / 70350 = 0.995 % -> "1.00%"
    ok, reasons = entry_check(assess(wide, flow(100, 0), p, T0), p)
    assert not ok
    assert "spread 1.00% > max 0.5%" in reasons
    ok, reasons = entry_check(assess(BOOK, flow(0, 100), p, T0), p)
    assert not ok
    assert "trade flow -1.00 (buy 0 / sell 100 in 60s) < min 0" in reasons


def test_missing_and_stale_book() -> None:
    p = OrderbookParams()
    assert entry_check(assess(None, flow(1, 0), p, T0), p) == (False, ("no order book yet",))
    old = assess(BOOK, flow(1, 0), p, T0 + timedelta(seconds=120))
    assert old.missing == "order book 120s old > 60s"
    assert old.spread is None and old.composite is None
    assert entry_check(old, p) == (False, ("order book 120s old > 60s",))
    assert exit_check(old, p) == (False, ())


def test_zero_weight_switches_a_gate_off() -> None:
    wide = book([(70700, 500)], [(70000, 900)])
    p = OrderbookParams(weights=OrderbookWeights(spread=0.0, imbalance=1.0, trade_flow=0.0))
    a = assess(wide, flow(0, 100), p, T0)
    ok, reasons = entry_check(a, p)
    assert ok, reasons
    assert a.composite == pytest.approx(lean_score(400 / 1400))
    off = OrderbookParams(weights=OrderbookWeights(0.0, 0.0, 0.0))
    a = assess(None, flow(0, 100), off, T0)
    assert entry_check(a, off) == (True, ())
    assert a.composite is None and a.pressure is None
    assert exit_check(a, off) == (False, ())


def test_exit_when_book_turns_against() -> None:
    p = OrderbookParams()
    against = book([(70100, 3000)], [(70000, 300)])  # imbalance -2700/3300
    a = assess(against, flow(0, 400), p, T0)
    expected = (0.4 * (-2700 / 3300) + 0.3 * -1.0) / 0.7
    assert a.pressure == pytest.approx(expected)
    ok, reasons = exit_check(a, p)
    assert ok
    assert reasons == (
        f"book against: pressure {expected:+.2f} <= -0.6",
        "bid/ask volume 0.10 (imbalance -0.82)",
        "trade flow -1.00 (buy 0 / sell 400 in 60s)",
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_spread_pct": 0}, r"orderbook.max_spread_pct must be in \(0, 30\]"),
        ({"min_imbalance": 1.5}, r"orderbook.min_imbalance must be within \[-1.0, 1.0\]"),
        ({"depth_levels": 11}, "orderbook.depth_levels must be <= 10"),
        ({"trade_flow_window_s": 0}, "orderbook.trade_flow_window_s must be an int >= 1"),
        ({"min_score": float("inf")}, "orderbook.min_score must be a finite number"),
    ],
)
def test_bad_orderbook_params(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        OrderbookParams(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"orderbook\.weights\.spread must be >= 0"):
        OrderbookWeights(spread=-0.1)
