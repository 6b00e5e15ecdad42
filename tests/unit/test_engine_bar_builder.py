"""Minute bars from trades against hand-computed bars, session rules, window and flush."""

from __future__ import annotations

from datetime import date, datetime, time

from kistrade.domain.sessions import SessionTimes, build_session_times
from kistrade.domain.types import KST, Bar, Symbol, Trade
from kistrade.engine.bar_builder import BarBuilder

SYM = Symbol("005930")
B = Symbol("000660")
DAY = date(2026, 3, 3)  # a Tuesday


def sessions(d: date) -> SessionTimes | None:
    return build_session_times(d, time(9, 0), time(15, 30)) if d.weekday() < 5 else None


def at(h: int, m: int, s: int = 0, d: date = DAY) -> datetime:
    return datetime(d.year, d.month, d.day, h, m, s, tzinfo=KST)


def tr(ts: datetime, price: int, qty: int, sym: Symbol = SYM) -> Trade:
    return Trade(sym, ts, price, qty)


def feed(bb: BarBuilder, trades: list[Trade]) -> list[Bar]:
    out: list[Bar] = []
    for t in trades:
        out.extend(bb.on_trade(t))
    return out


def test_hand_computed_bars_and_the_opening_auction() -> None:
    bb = BarBuilder(sessions=sessions)
    bars = feed(
        bb,
        [
            tr(at(8, 59, 58), 100, 10),  # opening single-price print stamped early: the 09:00 bar
            tr(at(9, 0), 101, 5),
            tr(at(9, 0, 30), 99, 1),
            tr(at(9, 0, 59), 100, 4),
            tr(at(9, 1, 10), 102, 2),  # closes the 09:00 bar
            tr(at(9, 3, 5), 103, 7),  # closes 09:01; 09:02 had no trade: no bar
        ],
    )
    assert bars == [
        Bar(SYM, at(9, 0), 100, 101, 99, 100, 20),
        Bar(SYM, at(9, 1), 102, 102, 102, 102, 2),
    ]
    assert bb.flush(at(9, 3, 59)) == []
    assert bb.flush(at(9, 4)) == [Bar(SYM, at(9, 3), 103, 103, 103, 103, 7)]
    assert bb.flush(at(9, 10)) == []
    assert bb.bars(SYM) == [*bars, Bar(SYM, at(9, 3), 103, 103, 103, 103, 7)]


def test_late_trades_are_dropped() -> None:
    bb = BarBuilder(sessions=sessions)
    feed(bb, [tr(at(9, 5), 100, 1), tr(at(9, 6), 101, 1)])
    assert feed(bb, [tr(at(9, 5, 30), 50, 1)]) == []  # 09:05 already emitted
    assert feed(bb, [tr(at(9, 4), 50, 1)]) == []
    assert bb.late == 2
    assert bb.flush(at(9, 7)) == [Bar(SYM, at(9, 6), 101, 101, 101, 101, 1)]


def test_closing_auction_print_goes_to_the_last_closing_period_bar() -> None:
    bb = BarBuilder(sessions=sessions)
    bars = feed(bb, [tr(at(15, 19, 30), 100, 3), tr(at(15, 30), 105, 100), tr(at(15, 30, 1), 105, 20)])
    assert bars == [Bar(SYM, at(15, 19), 100, 100, 100, 100, 3)]
    assert bb.flush(at(15, 30, 59)) == []  # still inside the grace for late closing prints
    assert bb.flush(at(15, 31)) == [Bar(SYM, at(15, 29), 105, 105, 105, 105, 120)]


def test_trades_outside_the_session_make_no_bars() -> None:
    bb = BarBuilder(sessions=sessions)
    out = feed(
        bb,
        [
            tr(at(8, 0), 100, 1),  # before the pre-open
            tr(at(15, 31), 100, 1),  # after the close + grace
            tr(at(16, 10), 100, 1),  # after-hours single price
            tr(at(10, 0, d=date(2026, 3, 7)), 100, 1),  # Saturday
        ],
    )
    assert out == [] and bb.flush(at(23, 0)) == [] and bb.dropped == 4


def test_symbols_are_independent_and_the_window_is_bounded() -> None:
    bb = BarBuilder(window=2, sessions=sessions)
    feed(bb, [tr(at(9, m), 100 + m, 1) for m in range(5)])
    feed(bb, [tr(at(9, 0), 500, 2, B)])
    assert [b.start for b in bb.bars(SYM)] == [at(9, 2), at(9, 3)]
    flushed = bb.flush(at(9, 5))
    assert {(b.symbol, b.start) for b in flushed} == {(SYM, at(9, 4)), (B, at(9, 0))}
    assert len(bb.bars(SYM)) == 2
