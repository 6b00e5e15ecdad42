"""Batch RSI, SMA and EMA through TA-Lib.

Each function takes a 1-D sequence of finite numbers and returns a float64 array of the same
length. The first ``lookback`` entries are NaN (TA-Lib's warm-up: not ready); every later entry
is a number. NaN/inf in the input, a bad period or a series too short to produce one value raise
:class:`~kistrade.domain.errors.InvalidInputError` instead of returning a silent all-NaN array.

TA-Lib's defaults are relied on: RSI and EMA have an unstable period of 0 and the "classic"
compatibility mode, so RSI is seeded with the simple average of the first N gains/losses (first
value at index N) and EMA with the SMA of the first N values (first value at index N-1).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import talib
from numpy.typing import NDArray

from kistrade.domain.errors import InvalidInputError
from kistrade.indicators._checks import EMA_MIN_PERIOD, RSI_MIN_PERIOD, SMA_MIN_PERIOD, check_period

FloatArray = NDArray[np.float64]


def rsi_lookback(period: int) -> int:
    """Index of the first RSI value: RSI(N) needs N + 1 values (N moves)."""
    return check_period("RSI", period, RSI_MIN_PERIOD)


def sma_lookback(period: int) -> int:
    return check_period("SMA", period, SMA_MIN_PERIOD) - 1


def ema_lookback(period: int) -> int:
    return check_period("EMA", period, EMA_MIN_PERIOD) - 1


def as_series(name: str, values: Sequence[float] | FloatArray, lookback: int) -> FloatArray:
    """``values`` as a contiguous 1-D float64 array, checked finite and long enough."""
    try:
        arr = np.ascontiguousarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{name}: input is not a sequence of numbers ({exc})") from None
    if arr.ndim != 1:
        raise InvalidInputError(f"{name}: input must be 1-D, got shape {arr.shape}")
    finite = np.isfinite(arr)
    if not finite.all():
        first = int(np.flatnonzero(~finite)[0])
        raise InvalidInputError(f"{name}: input value {arr[first]!r} at index {first} is not finite")
    if arr.size <= lookback:
        raise InvalidInputError(
            f"{name}: needs at least {lookback + 1} values to produce one, got {arr.size}"
        )
    return arr


def rsi(values: Sequence[float] | FloatArray, period: int = 14) -> FloatArray:
    """Wilder's RSI(period) as TA-Lib computes it; NaN before index ``period``."""
    name = f"RSI({period})"
    arr = as_series(name, values, rsi_lookback(period))
    return talib.RSI(arr, timeperiod=period)


def sma(values: Sequence[float] | FloatArray, period: int) -> FloatArray:
    """Simple moving average; NaN before index ``period - 1``."""
    name = f"SMA({period})"
    arr = as_series(name, values, sma_lookback(period))
    return talib.SMA(arr, timeperiod=period)


def ema(values: Sequence[float] | FloatArray, period: int) -> FloatArray:
    """EMA with k = 2 / (period + 1), seeded with the SMA of the first ``period`` values."""
    name = f"EMA({period})"
    arr = as_series(name, values, ema_lookback(period))
    return talib.EMA(arr, timeperiod=period)
