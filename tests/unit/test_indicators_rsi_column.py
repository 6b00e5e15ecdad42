"""``RsiColumn`` (a stream following a backtest's column of closes through TA-Lib's batch RSI)
gives the stream's values bit for bit, stops where ``RsiStream.scan`` stops, and hands back a
stream in exactly the state of one fed every close; the ``rsi`` strategy leaves the column for
its plain stream as soon as a bar is not the column's next one."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.domain.types import KST, Bar, Symbol
from kistrade.indicators import RsiStream
from kistrade.indicators.rsi_column import RsiColumn
from kistrade.strategy.memory_context import MemoryContext
from kistrade.strategy.params import RsiParams
from kistrade.strategy.rsi import RsiStrategy

SYM = Symbol("005930")
T0 = datetime(2026, 3, 3, 9, 0, tzinfo=KST)


def state(s: RsiStream) -> tuple[object, ...]:
    return (s._prev, s._count, s._gain, s._loss, s.value)


class Columns:
    def __init__(self, closes: list[int]) -> None:
        self.symbol = SYM
        self.closes = closes
        self.close_array = np.array(closes, dtype=np.int64)
        self.starts = [T0 + timedelta(minutes=i) for i in range(len(closes))]

    def bar(self, i: int, close: int | None = None) -> Bar:
        c = self.closes[i] if close is None else close
        return Bar(SYM, self.starts[i], c, c, c, c, 1)


@settings(max_examples=200, deadline=None)
@given(
    closes=st.lists(st.integers(1_000, 1_200), min_size=20, max_size=200),
    period=st.integers(2, 15),
    at=st.integers(1, 30),
    cuts=st.lists(st.integers(0, 200), max_size=8),
    low=st.sampled_from([-math.inf, 30.0, 45.0]),
    high=st.sampled_from([math.inf, 55.0, 70.0]),
)
def test_column_is_the_stream(
    closes: list[int], period: int, at: int, cuts: list[int], low: float, high: float
) -> None:
    cols = Columns(closes)
    at = min(at, len(closes) - 1)
    plain, followed = RsiStream(period), RsiStream(period)
    for x in closes[:at]:
        plain.update(x)
        followed.update(x)
    column = RsiColumn.attach(followed, cols.starts, closes, cols.close_array, at)
    if len(closes) <= period:
        assert column is None
        return
    assert column is not None
    i = at
    for cut in sorted(cuts):  # scans up to a stop, then one value taken as on_bar would
        stop = min(max(cut, i), len(closes))
        k = column.scan(i, stop, low, high)
        want = plain.scan(closes, i, stop, low, high)
        assert k == want
        i = k
        assert column.value() == plain.value
        if i < len(closes):
            assert column.follows(cols.starts[i], closes[i])
            assert column.take() == plain.update(closes[i])
            i += 1
    assert state(column.catch_up()) == state(plain)


def test_attach_refuses_a_stream_that_took_other_values() -> None:
    cols = Columns([1_000 + (i * 37) % 50 for i in range(60)])
    stream = RsiStream(14)
    for x in cols.closes[:20]:
        stream.update(x)
    assert RsiColumn.attach(stream, cols.starts, cols.closes, cols.close_array, 19) is None  # count
    other = RsiStream(14)
    for x in [*cols.closes[:19], cols.closes[19] + 7]:
        other.update(x)
    assert RsiColumn.attach(other, cols.starts, cols.closes, cols.close_array, 20) is None  # value
    assert RsiColumn.attach(stream, cols.starts, cols.closes, cols.close_array, 20) is not None


def test_strategy_leaves_the_column_for_a_bar_it_does_not_hold() -> None:
    cols = Columns([1_000 + (i * 37) % 50 for i in range(80)])
    ctx = MemoryContext(clock=T0)
    a, b = RsiStrategy(RsiParams()), RsiStrategy(RsiParams())
    a.on_bar(cols.bar(0), ctx)
    b.on_bar(cols.bar(0), ctx)
    end = a.quiet_bars(cols, 1, 40, ctx)  # a follows the column from here
    for i in range(1, end):
        b.on_bar(cols.bar(i), ctx)
    assert a.rsi(SYM) == b.rsi(SYM)
    odd = cols.bar(end, close=cols.closes[end] + 3)  # not the column's next bar
    assert a.on_bar(odd, ctx) == b.on_bar(odd, ctx)
    assert a.rsi(SYM) == b.rsi(SYM)
    assert state(a._rsi[SYM]) == state(b._rsi[SYM])


def test_strategy_does_not_retry_a_column_it_cannot_follow() -> None:
    cols = Columns([1_000 + (i * 37) % 50 for i in range(80)])
    ctx = MemoryContext(clock=T0)
    a, b = RsiStrategy(RsiParams()), RsiStrategy(RsiParams())
    history = [cols.bar(0, close=990)]  # warmed up on a bar before the column
    a.warm_up(history)
    b.warm_up(history)
    a.on_bar(cols.bar(0), ctx)
    b.on_bar(cols.bar(0), ctx)
    end = a.quiet_bars(cols, 1, 40, ctx)  # cannot follow: the plain stream scans
    assert a._refused is cols.closes and not a._columns
    for i in range(1, end):
        b.on_bar(cols.bar(i), ctx)
    assert state(a._rsi[SYM]) == state(b._rsi[SYM])
    assert a.quiet_bars(cols, end, end, ctx) == end  # refused at once, nothing recomputed


@settings(max_examples=100, deadline=None)
@given(
    closes=st.lists(st.integers(1_000, 1_100), min_size=20, max_size=150),
    scans=st.lists(
        st.tuples(
            st.integers(0, 160),
            st.sampled_from([-math.inf, 20.0, 35.0, 48.5, 50.0]),
            st.sampled_from([math.inf, 50.0, 51.5, 65.0, 80.0]),
        ),
        max_size=30,
    ),
)
def test_scans_with_many_bands_are_the_streams(
    closes: list[int], scans: list[tuple[int, float, float]]
) -> None:
    """One column scanned with many bands in turn (more than it keeps hit lists for), stops
    past its end included: each stop is the plain stream's."""
    cols = Columns(closes)
    plain, followed = RsiStream(5), RsiStream(5)
    plain.update(closes[0])
    followed.update(closes[0])
    column = RsiColumn.attach(followed, cols.starts, closes, cols.close_array, 1)
    assert column is not None
    i = 1
    for stop, low, high in scans:
        k = column.scan(i, stop, low, high)
        assert k == plain.scan(closes, i, min(max(stop, i), len(closes)), low, high)
        assert column.hits(low, high) == [j for j, v in enumerate(column.values) if v < low or v > high]
        i = k
        if i < len(closes):
            assert column.take() == plain.update(closes[i])
            i += 1
    assert state(column.catch_up()) == state(plain)
