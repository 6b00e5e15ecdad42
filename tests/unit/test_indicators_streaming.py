"""Streaming RSI/SMA/EMA equal TA-Lib (1e-9) on real KRX closes and random data; bad input is refused."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.domain.errors import InvalidInputError
from kistrade.indicators import EmaStream, RsiStream, SmaStream, ema, rsi, sma
from kistrade.indicators.batch import FloatArray

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "krx-daily"


def closes(code: str) -> FloatArray:
    path = DATA / f"{code}.csv"
    if not path.exists():
        pytest.skip(f"real data {path} is absent (shared/data/krx-daily not mounted)")
    with path.open(newline="", encoding="utf-8") as fh:
        return np.array([float(row["close"]) for row in csv.DictReader(fh)], dtype=np.float64)


STREAMS = {"rsi": (RsiStream, rsi), "sma": (SmaStream, sma), "ema": (EmaStream, ema)}


def stream_all(stream: RsiStream | SmaStream | EmaStream, values: list[float]) -> FloatArray:
    out = [stream.update(v) for v in values]
    return np.array([math.nan if v is None else v for v in out], dtype=np.float64)


def assert_same(streamed: FloatArray, batch: FloatArray) -> None:
    assert np.array_equal(np.isnan(streamed), np.isnan(batch)), "warm-up lengths differ"
    ok = ~np.isnan(batch)
    tol = 1e-9 * np.maximum(1.0, np.abs(batch[ok]))
    worst = np.abs(streamed[ok] - batch[ok]) - tol
    assert (worst <= 0).all(), f"max excess over 1e-9: {worst.max()}"


@pytest.mark.parametrize("code", ["005930", "000660", "005380", "035420", "069500"])
@pytest.mark.parametrize("kind", ["rsi", "sma", "ema"])
@pytest.mark.parametrize("period", [2, 14, 50])
def test_streaming_equals_talib_on_krx_daily(code: str, kind: str, period: int) -> None:
    x = closes(code)
    cls, batch = STREAMS[kind]
    assert_same(stream_all(cls(period), x.tolist()), batch(x, period))


def test_streaming_rsi_is_bit_identical_to_talib_on_real_data() -> None:
    x = closes("005930")
    streamed = stream_all(RsiStream(14), x.tolist())
    batch = rsi(x, 14)
    assert np.array_equal(streamed[14:], batch[14:])


prices = st.one_of(
    st.floats(min_value=0.01, max_value=1e7, allow_nan=False, allow_infinity=False),
    st.integers(min_value=1, max_value=5).map(float),  # small grid: repeats and flat runs
)


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(prices, min_size=0, max_size=250),
    period=st.integers(min_value=2, max_value=40),
    kind=st.sampled_from(["rsi", "sma", "ema"]),
)
def test_streaming_equals_talib_on_random_data(values: list[float], period: int, kind: str) -> None:
    cls, batch = STREAMS[kind]
    stream = cls(period)
    streamed = stream_all(stream, values)
    lookback = period if kind == "rsi" else period - 1
    if len(values) <= lookback:
        assert np.isnan(streamed).all()
        assert not stream.ready
        assert stream.value is None
        with pytest.raises(InvalidInputError, match="needs at least"):
            batch(values, period)
        return
    assert_same(streamed, batch(values, period))
    assert stream.ready
    assert stream.value == streamed[-1]
    assert stream.count == len(values)


@pytest.mark.parametrize("kind", ["rsi", "sma", "ema"])
def test_not_ready_until_warm_up_then_ready(kind: str) -> None:
    cls, _ = STREAMS[kind]
    stream = cls(3)
    first = 3 if kind == "rsi" else 2  # index of the first value
    for i in range(first):
        assert stream.update(10.0 + i) is None
        assert not stream.ready
        assert stream.value is None
    assert stream.update(9.0) is not None
    assert stream.ready


@pytest.mark.parametrize("kind", ["rsi", "sma", "ema"])
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_value_is_refused_and_state_is_kept(kind: str, bad: float) -> None:
    cls, batch = STREAMS[kind]
    values = [10.0, 11.0, 10.5, 12.0, 11.0, 13.0, 12.5, 12.0]
    clean = cls(3)
    dirty = cls(3)
    expected = stream_all(clean, values)
    got = []
    for i, v in enumerate(values):
        if i == 4:
            with pytest.raises(InvalidInputError, match=r"\((3)\): input value .* is not a finite number"):
                dirty.update(bad)
        r = dirty.update(v)
        got.append(math.nan if r is None else r)
    np.testing.assert_array_equal(np.array(got), expected)
    assert_same(np.array(got), batch(values, 3))


@pytest.mark.parametrize(
    ("cls", "period", "message"),
    [
        (RsiStream, 1, "RSI period must be >= 2"),
        (SmaStream, 0, "SMA period must be >= 1"),
        (EmaStream, -1, "EMA period must be >= 1"),
        (RsiStream, 2.5, "RSI period must be an int"),
    ],
)
def test_bad_period_is_refused(cls: type, period: object, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        cls(period)


def test_reset_starts_over() -> None:
    stream = RsiStream(2)
    for v in (1.0, 2.0, 3.0, 2.0):
        stream.update(v)
    assert stream.ready
    stream.reset()
    assert not stream.ready
    assert stream.count == 0
    assert (
        stream_all(stream, [1.0, 2.0, 3.0, 2.0])[2:].tolist()
        == stream_all(RsiStream(2), [1.0, 2.0, 3.0, 2.0])[2:].tolist()
    )
