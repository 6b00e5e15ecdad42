"""Batch RSI/SMA/EMA (TA-Lib): input checks, TA-Lib's RSI seeding, and why not pandas ewm."""

from __future__ import annotations

import csv
import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import talib

from kistrade.domain.errors import InvalidInputError
from kistrade.indicators import ema, ema_lookback, rsi, rsi_lookback, sma, sma_lookback

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "krx-daily"


def closes(code: str) -> np.ndarray:
    path = DATA / f"{code}.csv"
    if not path.exists():
        pytest.skip(f"real data {path} is absent (shared/data/krx-daily not mounted)")
    with path.open(newline="", encoding="utf-8") as fh:
        return np.array([float(row["close"]) for row in csv.DictReader(fh)], dtype=np.float64)


def wilder_rsi_by_hand(values: list[float], period: int) -> list[float]:
    """Wilder's RSI as described (simple-average seed of the first N moves), in plain Python."""
    moves = [b - a for a, b in itertools.pairwise(values)]
    gain = sum(m for m in moves[:period] if m > 0) / period
    loss = sum(-m for m in moves[:period] if m < 0) / period
    out = [100 * gain / (gain + loss)]
    for m in moves[period:]:
        gain = (gain * (period - 1) + max(m, 0.0)) / period
        loss = (loss * (period - 1) + max(-m, 0.0)) / period
        out.append(100 * gain / (gain + loss))
    return out


def test_talib_rsi_has_no_unstable_period_by_default() -> None:
    assert talib.get_unstable_period("RSI") == 0
    assert talib.get_unstable_period("EMA") == 0


def test_rsi_is_seeded_with_the_simple_average_of_the_first_n_moves() -> None:
    values = [44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.10, 45.42, 45.84, 46.08, 45.89, 46.03]
    values += [45.61, 46.28, 46.28, 46.00, 46.03, 46.41, 46.22, 45.64]
    out = rsi(values, 14)
    assert rsi_lookback(14) == 14
    assert np.isnan(out[:14]).all()
    assert not np.isnan(out[14:]).any()
    expected = wilder_rsi_by_hand(values, 14)
    assert out[14:] == pytest.approx(expected, abs=1e-9)


def test_sma_and_ema_warm_up_and_seed() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert sma_lookback(3) == ema_lookback(3) == 2
    s = sma(values, 3)
    assert np.isnan(s[:2]).all()
    assert s[2:].tolist() == [2.0, 3.0, 4.0, 5.0]
    e = ema(values, 3)
    assert np.isnan(e[:2]).all()
    k = 2 / 4
    expected = [2.0]  # SMA of the first three
    for v in values[3:]:
        expected.append((v - expected[-1]) * k + expected[-1])
    assert e[2:] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("fn", [rsi, sma, ema])
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_input_is_an_error_naming_the_index(fn: object, bad: float) -> None:
    values = [float(i) for i in range(30)]
    values[7] = bad
    with pytest.raises(InvalidInputError, match="index 7 is not finite"):
        fn(values, 5)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("fn", "period", "message"),
    [
        (rsi, 1, r"RSI period must be >= 2, got 1"),
        (rsi, 0, r"RSI period must be >= 2"),
        (sma, 0, r"SMA period must be >= 1, got 0"),
        (ema, -3, r"EMA period must be >= 1, got -3"),
        (rsi, 14.0, r"RSI period must be an int"),
        (sma, True, r"SMA period must be an int"),
    ],
)
def test_bad_period_is_an_error(fn: object, period: object, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        fn([1.0] * 40, period)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("fn", "length", "message"),
    [
        (rsi, 14, r"RSI\(14\): needs at least 15 values to produce one, got 14"),
        (sma, 13, r"SMA\(14\): needs at least 14 values"),
        (ema, 0, r"EMA\(14\): needs at least 14 values.*got 0"),
    ],
)
def test_too_short_series_is_an_error_not_all_nan(fn: object, length: int, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        fn([1.0] * length, 14)  # type: ignore[operator]


def test_shape_and_type_errors() -> None:
    with pytest.raises(InvalidInputError, match="must be 1-D"):
        rsi(np.ones((20, 2)), 14)
    with pytest.raises(InvalidInputError, match="not a sequence of numbers"):
        sma(["a", "b", "c"], 2)  # type: ignore[list-item]


def test_rsi_of_a_flat_series_is_zero_like_talib() -> None:
    # TA-Lib treats gain + loss < 1e-8 as zero and outputs 0 (not 50); we keep its numbers.
    assert rsi([5.0] * 20, 14)[14:].tolist() == [0.0] * 6


def test_pandas_ewm_rsi_differs_from_talib_early_on() -> None:
    """The popular ``ewm(alpha=1/N)`` RSI is not Wilder's seeded RSI: it starts from the first
    move instead of the simple average of N moves, so it is off by many points for the first
    values and only converges after hundreds of bars. That is why we stream TA-Lib's formula."""
    x = closes("005930")
    talib_rsi = rsi(x, 14)
    delta = pd.Series(x).diff()
    for adjust in (False, True):
        gain = delta.clip(lower=0).ewm(alpha=1 / 14, adjust=adjust).mean()
        loss = (-delta.clip(upper=0)).ewm(alpha=1 / 14, adjust=adjust).mean()
        ewm_rsi = (100 - 100 / (1 + gain / loss)).to_numpy()
        diff = np.abs(ewm_rsi[14:] - talib_rsi[14:])
        assert diff[:50].max() > 5.0, f"adjust={adjust}: early max diff {diff[:50].max():.2f}"
        assert diff[1000:].max() < 1e-6  # the seed's influence has decayed
