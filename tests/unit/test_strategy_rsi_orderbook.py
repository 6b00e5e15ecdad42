"""``rsi_orderbook``: book-confirmed entries, book exits, strength and reasons; zero book weights
give back the plain ``rsi`` decisions; no look-ahead with books and trades in the stream."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.domain.intents import IntentPurpose, OrderIntent
from kistrade.domain.types import KST, Bar, BookLevel, Fill, OrderBook, Position, Side, Symbol, Trade
from kistrade.strategy import (
    OrderbookParams,
    OrderbookWeights,
    RsiOrderbookParams,
    RsiOrderbookStrategy,
    RsiParams,
    RsiStrategy,
    Strategy,
)
from kistrade.strategy.memory_context import MemoryContext

SYM = Symbol("005930")
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=KST)
HAND = [10, 12, 11, 8, 9, 13]  # period 2: RSI 66.7, 22.2 (bar 3), 46.2, 84.4 (bar 5)
RSI_BAR3 = 200 / 9
P2 = RsiOrderbookParams(rsi_period=2, oversold=30, overbought=70)
OFF = OrderbookParams(weights=OrderbookWeights(0.0, 0.0, 0.0))


def bar(i: int, close: int, prev: int) -> Bar:
    return Bar(SYM, T0 + timedelta(minutes=i), prev, max(prev, close), min(prev, close), close, 1000)


def make_book(ts: datetime, asks: list[tuple[int, int]], bids: list[tuple[int, int]]) -> OrderBook:
    return OrderBook(
        SYM, ts, tuple(BookLevel(p, q) for p, q in asks), tuple(BookLevel(p, q) for p, q in bids)
    )


def close_time(i: int) -> datetime:
    return T0 + timedelta(minutes=i + 1)


def run_bars(strategy: Strategy, ctx: MemoryContext, closes: list[int], until: int) -> list[OrderIntent]:
    out: list[OrderIntent] = []
    prev = closes[0]
    for i, c in enumerate(closes[: until + 1]):
        ctx.clock = close_time(i)
        out = strategy.on_bar(bar(i, c, prev), ctx)
        prev = c
    return out


GOOD_BOOK = ([(70100, 500), (70200, 300)], [(70000, 900), (69900, 400)])


def feed_book_and_flow(
    s: Strategy, ctx: MemoryContext, at: datetime, book: tuple, buy: int, sell: int
) -> None:
    ctx.clock = at
    s.on_trade(Trade(SYM, at, 70000, buy, Side.BUY), ctx)
    s.on_trade(Trade(SYM, at, 70000, sell, Side.SELL), ctx)
    assert s.on_orderbook(make_book(at, *book), ctx) == []


def test_confirmed_entry_with_strength_and_reasons() -> None:
    s = RsiOrderbookStrategy(P2)
    ctx = MemoryContext(clock=T0)
    run_bars(s, ctx, HAND, 2)
    feed_book_and_flow(s, ctx, close_time(3) - timedelta(seconds=10), GOOD_BOOK, buy=300, sell=100)
    ctx.clock = close_time(3)
    (intent,) = s.on_bar(bar(3, 8, 11), ctx)
    assert (intent.side, intent.purpose, intent.qty) == (Side.BUY, IntentPurpose.ENTRY, None)
    sig = intent.signal
    assert sig is not None
    rsi_score = (30 - RSI_BAR3) / 30
    s_spread = 1 - (100 / 70050 * 100) / 0.5
    s_imb = (500 / 2100 + 1) / 2
    s_flow = (200 / 400 + 1) / 2
    composite = 0.3 * s_spread + 0.4 * s_imb + 0.3 * s_flow
    assert sig.strength == pytest.approx((rsi_score + composite) / 2)
    assert sig.reason_text == (
        "RSI 22.2 < 30; bid/ask volume 1.62 (imbalance +0.24); spread 0.14%; "
        f"trade flow +0.50 (buy 300 / sell 100 in 60s); book score {composite:.2f} >= 0.5"
    )
    assert sig.strategy == "rsi_orderbook"
    assert ctx.last_signal(SYM) == sig


@pytest.mark.parametrize(
    ("book", "buy", "sell", "age_s", "reason"),
    [
        (([(70100, 2000)], [(70000, 500)]), 300, 100, 10, "bid/ask volume 0.25 (imbalance -0.60) < min 0.2"),
        (([(70700, 500)], [(70000, 900)]), 300, 100, 10, "spread 1.00% > max 0.5%"),
        (GOOD_BOOK, 100, 300, 10, "trade flow -0.50 (buy 100 / sell 300 in 60s) < min 0"),
        (GOOD_BOOK, 300, 100, 90, "order book 90s old > 60s"),
    ],
)
def test_book_vetoes_the_entry(book: tuple, buy: int, sell: int, age_s: int, reason: str) -> None:
    s = RsiOrderbookStrategy(P2)
    ctx = MemoryContext(clock=T0)
    run_bars(s, ctx, HAND, 2)
    feed_book_and_flow(s, ctx, close_time(3) - timedelta(seconds=age_s), book, buy, sell)
    ctx.clock = close_time(3)
    assert s.on_bar(bar(3, 8, 11), ctx) == []
    count, reasons = s.vetoes(SYM)
    assert count == 1
    assert reasons[0] == "RSI 22.2 < 30"
    assert reason in reasons
    assert ctx.signals == []


def test_no_book_no_entry_unless_the_book_is_off() -> None:
    on, off = RsiOrderbookStrategy(P2), RsiOrderbookStrategy(RsiOrderbookParams(2, 30, 70, OFF))
    ctx_on, ctx_off = MemoryContext(clock=T0), MemoryContext(clock=T0)
    assert run_bars(on, ctx_on, HAND, 3) == []
    assert on.vetoes(SYM) == (1, ("RSI 22.2 < 30", "no order book yet"))
    (intent,) = run_bars(off, ctx_off, HAND, 3)
    assert intent.side is Side.BUY
    assert intent.signal is not None and intent.signal.reasons == ("RSI 22.2 < 30",)


def test_exit_on_overbought() -> None:
    s = RsiOrderbookStrategy(P2)
    ctx = MemoryContext(clock=T0, positions={SYM: Position(SYM, 10, Decimal(8))})
    (intent,) = run_bars(s, ctx, HAND, 5)
    assert (intent.side, intent.purpose) == (Side.SELL, IntentPurpose.EXIT)
    assert intent.signal is not None and intent.signal.reasons == ("RSI 84.4 > 70",)


def test_book_exit_fires_once_until_fill_or_next_bar() -> None:
    s = RsiOrderbookStrategy(P2)
    ctx = MemoryContext(clock=T0, positions={SYM: Position(SYM, 10, Decimal(70000))})
    run_bars(s, ctx, HAND, 2)  # RSI 66.7: no RSI exit
    at = close_time(2) + timedelta(seconds=5)
    ctx.clock = at
    s.on_trade(Trade(SYM, at, 70000, 400, Side.SELL), ctx)
    against = make_book(at, [(70100, 3000)], [(70000, 300)])
    (intent,) = s.on_orderbook(against, ctx)
    pressure = (0.4 * (-2700 / 3300) + 0.3 * -1.0) / 0.7
    assert (intent.side, intent.purpose) == (Side.SELL, IntentPurpose.EXIT)
    assert intent.signal is not None
    assert intent.signal.strength == pytest.approx(-pressure)
    assert intent.signal.reasons[0] == f"book against: pressure {pressure:+.2f} <= -0.6"
    assert s.on_orderbook(against, ctx) == []  # latched: no flood of exits
    s.on_fill(Fill("c1", "b1", SYM, Side.SELL, 4, 70000, at), ctx)  # partial fill: still long
    assert len(s.on_orderbook(against, ctx)) == 1
    ctx.positions.clear()
    s.on_fill(Fill("c1", "b1", SYM, Side.SELL, 6, 70000, at), ctx)
    assert s.on_orderbook(against, ctx) == []  # flat: nothing to exit


def test_book_exit_at_bar_close_when_long() -> None:
    s = RsiOrderbookStrategy(P2)
    ctx = MemoryContext(clock=T0, positions={SYM: Position(SYM, 10, Decimal(70000))})
    run_bars(s, ctx, HAND, 3)  # bar 3: RSI 22 but long -> no entry
    at = close_time(4) - timedelta(seconds=1)
    ctx.clock = at
    s.on_trade(Trade(SYM, at, 70000, 400, Side.SELL), ctx)
    ctx.positions.clear()  # book arrives while flat: stored, no exit
    assert s.on_orderbook(make_book(at, [(70100, 3000)], [(70000, 300)]), ctx) == []
    ctx.positions[SYM] = Position(SYM, 10, Decimal(70000))
    ctx.clock = close_time(4)
    (intent,) = s.on_bar(bar(4, 9, 8), ctx)  # RSI 46: only the book says sell
    assert intent.side is Side.SELL
    assert intent.signal is not None and intent.signal.reasons[0].startswith("book against")


# --- zero book weights == plain rsi, on random streams of bars, trades and books ---

event = st.one_of(
    st.tuples(st.just("bar"), st.integers(min_value=90, max_value=110)),
    st.tuples(st.just("trade"), st.integers(1, 500), st.sampled_from([Side.BUY, Side.SELL, None])),
    st.tuples(st.just("book"), st.integers(1, 3000), st.integers(1, 3000), st.integers(1, 8)),
)


def drive(strategy: Strategy, events: list[tuple], cash: int = 10_000_000) -> list[tuple]:
    """Bars, trades and books in order; intents from a bar close fill at the next bar's open,
    intents from a book fill immediately at the book's bid (all-in / whole position)."""
    ctx = MemoryContext(clock=T0, cash_won=cash)
    out: list[tuple] = []
    pending: list[OrderIntent] = []
    prev = 100
    n = 0
    now = T0

    def fill(intent: OrderIntent, price: int) -> None:
        if intent.side is Side.BUY:
            if SYM in ctx.positions:
                return
            qty = ctx.cash_won // price
            ctx.cash_won -= qty * price
            ctx.positions[SYM] = Position(SYM, qty, Decimal(price))
        else:
            pos = ctx.positions.pop(SYM, None)
            if pos is None:
                return
            qty = pos.qty
            ctx.cash_won += qty * price
        strategy.on_fill(Fill("c", "b", SYM, intent.side, qty, price, ctx.clock), ctx)

    for k, ev in enumerate(events):
        now = now + timedelta(seconds=7)
        ctx.clock = now
        if ev[0] == "bar":
            for intent in pending:
                fill(intent, prev)
            b = Bar(SYM, now - timedelta(minutes=1), prev, max(prev, ev[1]), min(prev, ev[1]), ev[1], 1)
            pending = strategy.on_bar(b, ctx)
            prev = ev[1]
            n += 1
            out += [
                ("bar", n, i.side, i.purpose, i.qty, i.order_type, i.signal and i.signal.strength)
                for i in pending
            ]
        elif ev[0] == "trade":
            assert strategy.on_trade(Trade(SYM, now, prev, ev[1], ev[2]), ctx) == []
        else:
            tick = ev[3]
            book = make_book(now, [(prev + tick, ev[1])], [(prev, ev[2])])
            intents = strategy.on_orderbook(book, ctx)
            out += [("book", k, i.side, i.purpose) for i in intents]
            for intent in intents:
                fill(intent, prev)
    return out


@settings(max_examples=80, deadline=None)
@given(events=st.lists(event, min_size=10, max_size=150), period=st.integers(2, 6))
def test_zero_book_weights_reproduce_plain_rsi(events: list[tuple], period: int) -> None:
    plain = drive(RsiStrategy(RsiParams(period, 30, 70)), events)
    book_off = drive(RsiOrderbookStrategy(RsiOrderbookParams(period, 30, 70, OFF)), events)
    assert book_off == plain


def test_zero_book_weights_reproduce_plain_rsi_on_a_trending_series() -> None:
    closes = [100 + i for i in range(20)] + [120 - 2 * i for i in range(25)] + [70 + 3 * i for i in range(25)]
    events = [("bar", c) for c in closes]
    plain = drive(RsiStrategy(), events)
    assert [e[2] for e in plain] == [Side.BUY, Side.SELL]
    assert drive(RsiOrderbookStrategy(RsiOrderbookParams(orderbook=OFF)), events) == plain


@settings(max_examples=50, deadline=None)
@given(events=st.lists(event, min_size=5, max_size=120), data=st.data())
def test_no_look_ahead_with_books_and_trades(events: list[tuple], data: st.DataObject) -> None:
    """Replacing every event after position t never changes what was decided up to t."""
    t = data.draw(st.integers(0, len(events) - 1), label="t")
    tail = data.draw(st.lists(event, max_size=60), label="new tail")
    params = RsiOrderbookParams(
        rsi_period=3,
        orderbook=OrderbookParams(min_imbalance=-1.0, min_score=0.0, max_spread_pct=30, exit_pressure=0.1),
    )
    bars_to_t = sum(1 for e in events[: t + 1] if e[0] == "bar")

    def upto_t(out: list[tuple]) -> list[tuple]:
        return [o for o in out if (o[0] == "bar" and o[1] <= bars_to_t) or (o[0] == "book" and o[1] <= t)]

    a = drive(RsiOrderbookStrategy(params), events)
    b = drive(RsiOrderbookStrategy(params), events[: t + 1] + tail)
    assert upto_t(a) == upto_t(b)
