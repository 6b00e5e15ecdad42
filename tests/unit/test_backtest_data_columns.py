"""The column forms of a bar series: ``MinuteTimes`` (bar starts made on demand) reads like the
list ``minute_series`` builds, for every kind of index; ``IntColumn`` reads numpy ints as ints;
``BarColumns.first_close_outside`` (from per-block close bounds) finds what a plain loop finds."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kistrade.backtest.data import CLOSE_BLOCK, IntColumn, MinuteTimes, minute_columns, minute_series
from kistrade.domain.types import KST, Bar, Symbol
from kistrade.engine.risk_band import first_close_outside

STARTS = st.sampled_from(
    [
        datetime(2024, 3, 4, 9, 0, tzinfo=KST),
        datetime(2024, 3, 10, 23, 58, 30, 7, tzinfo=KST),
        datetime(2024, 12, 31, 23, 59, tzinfo=KST),
    ]
)


@given(start=STARTS, n=st.integers(0, 5_000), i=st.integers(-6_000, 6_000))
def test_minute_times_read_like_the_list(start: datetime, n: int, i: int) -> None:
    times = MinuteTimes(start, n)
    want = [start + timedelta(minutes=k) for k in range(n)]
    assert len(times) == n
    if -n <= i < n:
        assert times[i] == want[i] and times[i].tzinfo is KST
        assert times[np.int64(i)] == want[i]  # type: ignore[call-overload]  # numpy ints index too
    else:
        with pytest.raises(IndexError):
            times[i]


@given(
    start=STARTS,
    n=st.integers(0, 300),
    a=st.none() | st.integers(-400, 400),
    b=st.none() | st.integers(-400, 400),
    step=st.none() | st.integers(-7, 7).filter(lambda s: s != 0),
)
def test_minute_time_slices_read_like_the_list(
    start: datetime, n: int, a: int | None, b: int | None, step: int | None
) -> None:
    want = [start + timedelta(minutes=k) for k in range(n)]
    assert MinuteTimes(start, n)[a:b:step] == want[a:b:step]


def test_minute_times_refuse_a_float_index() -> None:
    with pytest.raises(TypeError):
        MinuteTimes(datetime(2024, 3, 4, 9, 0, tzinfo=KST), 10)[1.5]  # type: ignore[call-overload]


def test_int_column_gives_python_ints() -> None:
    col = IntColumn(np.array([3, 2**40, -5], dtype=np.int64))
    assert [col[0], col[1], col[-1]] == [3, 2**40, -5]
    assert all(type(x) is int for x in (col[1], *col[0:3]))
    assert col[1:] == [2**40, -5] and len(col) == 3


@given(
    closes=st.lists(st.integers(1, 60), min_size=1, max_size=5 * CLOSE_BLOCK + 7),
    start=st.integers(0, 6 * CLOSE_BLOCK),
    length=st.integers(-3, 6 * CLOSE_BLOCK),
    lo=st.integers(-1, 61),
    width=st.integers(1, 62),
)
def test_first_close_outside_is_the_first_outside(
    closes: list[int], start: int, length: int, lo: int, width: int
) -> None:
    hi = lo + width
    stop = start + length
    cut = min(stop, len(closes))
    want = next((i for i in range(start, cut) if not lo < closes[i] < hi), max(cut, start))
    ones = [1] * len(closes)
    t0 = datetime(2024, 3, 4, 9, 0, tzinfo=KST)
    cols = minute_columns(
        Symbol("005930"), t0, opens=ones, highs=ones, lows=ones, closes=closes, volumes=ones
    )
    assert cols.columns().first_close_outside(start, stop, lo, hi) == want
    assert first_close_outside(np.array(closes, dtype=np.int64), start, stop, lo, hi) == want


@given(rows=st.lists(st.tuples(*[st.integers(1, 10**12)] * 5), min_size=1, max_size=30))
def test_column_bars_are_the_listed_bars(rows: list[tuple[int, int, int, int, int]]) -> None:
    t0 = datetime(2024, 3, 4, 9, 0, tzinfo=KST)
    listed = minute_series(Symbol("005930"), t0, rows)
    o, h, lo, c, v = (list(x) for x in zip(*rows, strict=True))
    columns = minute_columns(Symbol("005930"), t0, opens=o, highs=h, lows=lo, closes=c, volumes=v)
    for series in (listed, columns):  # a BarSeries of Bars makes list columns, minute_columns numpy ones
        cols = series.columns()
        assert [cols.bar(i) for i in range(-len(rows), len(rows))] == listed.bars + listed.bars
        assert all(type(x) is int for x in astuple_ints(cols.bar(0)))


def astuple_ints(bar: Bar) -> tuple[int, ...]:
    return (bar.open, bar.high, bar.low, bar.close, bar.volume)


@given(st.lists(st.integers(-(2**62), 2**62), max_size=50))
def test_int_column_reads_like_its_list(values: list[int]) -> None:
    """Iterated, compared and handed to numpy, a column is the list of its ints."""
    col = IntColumn(np.array(values, dtype=np.int64))
    assert list(col) == values and all(type(x) is int for x in col)
    assert col == values and values == col and col == tuple(values) and col == IntColumn(np.array(values))
    assert col != [*values, 1] and col != IntColumn(np.array([*values, 1], dtype=np.int64))
    assert np.asarray(col).tolist() == values
    assert np.asarray(col, dtype=float).tolist() == [float(v) for v in values]
