"""Streaming RSI, SMA and EMA: O(1) per value, the same numbers as TA-Lib (see ``batch``).

Each class has ``update(x) -> float | None``: the indicator after ``x``, or ``None`` while it is
still warming up; ``value`` (the last result or ``None``), ``ready`` and ``count`` (values
taken). A value that is not a finite number raises
:class:`~kistrade.domain.errors.InvalidInputError` and leaves the state unchanged.

The arithmetic repeats TA-Lib's C code operation by operation, in the same order. Measured
against the bundled ta-lib 0.6 wheel: SMA and RSI are bit-identical (the wheel divides the RSI
averages by N as a multiplication by 1/N, so we do too); EMA differs by a few ulps at most,
because the wheel's build fuses ``(x - ema) * k + ema`` into one FMA, which Python 3.11 cannot
express. The contract is equality within 1e-9 (tests check it).
"""

from __future__ import annotations

from collections.abc import Sequence

from kistrade.indicators._checks import (
    EMA_MIN_PERIOD,
    RSI_MIN_PERIOD,
    SMA_MIN_PERIOD,
    bad_value,
    check_period,
)

# TA-Lib's TA_IS_ZERO: |v| < 1e-8 counts as zero (RSI of a flat series is 0, not 50).
_TA_EPSILON = 0.00000001


class RsiStream:
    """Wilder's RSI. The first N moves (N + 1 values) are averaged plainly; from then on
    ``avg = (avg * (N - 1) + move) / N``. First value after N + 1 inputs, as ``talib.RSI``."""

    __slots__ = ("_count", "_gain", "_inv", "_loss", "_name", "_period", "_period_m1", "_prev", "_value")

    def __init__(self, period: int = 14) -> None:
        self._period = check_period("RSI", period, RSI_MIN_PERIOD)
        self._period_m1 = period - 1
        self._inv = 1.0 / period
        self._name = f"RSI({period})"
        self.reset()

    def reset(self) -> None:
        self._prev: float | None = None
        self._count = 0  # values taken
        self._gain = 0.0
        self._loss = 0.0
        self._value: float | None = None

    @property
    def period(self) -> int:
        return self._period

    @property
    def count(self) -> int:
        """Values taken so far."""
        return self._count

    @property
    def ready(self) -> bool:
        return self._value is not None

    @property
    def value(self) -> float | None:
        return self._value

    def update(self, x: float) -> float | None:
        if x - x != 0.0:  # NaN or +-inf (cheaper than math.isfinite on the hot path)
            raise bad_value(self._name, x)
        prev = self._prev
        self._prev = x
        self._count += 1
        if self._value is None:
            return self._warm_up(x, prev)
        move = x - prev  # type: ignore[operator]  # prev is set once a value exists
        gain = self._gain * self._period_m1
        loss = self._loss * self._period_m1
        if move < 0:
            loss -= move
        else:
            gain += move
        gain *= self._inv
        loss *= self._inv
        self._gain = gain
        self._loss = loss
        total = gain + loss
        value = 100.0 * (gain / total) if not -_TA_EPSILON < total < _TA_EPSILON else 0.0
        self._value = value
        return value

    def scan(self, xs: Sequence[float], start: int, stop: int, low: float, high: float) -> int:
        """Take ``xs[start:k]`` as ``update`` would, one by one, and return ``k``: the first index
        in ``[start, stop)`` whose value would be ``< low`` or ``> high`` or that is not a finite
        number (that value is not taken: ``update(xs[k])`` gives it, or raises); ``stop`` if none.
        Values while warming up (``None``) never stop the scan."""
        k = start
        while self._value is None and k < stop:  # warming up: a few values, the plain way
            x = xs[k]
            if x - x != 0.0:
                return k
            saved = (self._prev, self._count, self._gain, self._loss)
            value = self.update(x)
            if value is not None and (value < low or value > high):
                self._prev, self._count, self._gain, self._loss = saved
                self._value = None
                return k
            k += 1
        if k >= stop:
            return k
        state = (self._prev, self._count, self._gain, self._loss, self._value)
        end = self._scan_fast(xs, k, stop, low, high)
        if self._gain - self._gain != 0.0 or self._loss - self._loss != 0.0:
            # a value was not finite (the averages stay NaN / inf from there on): redo value by
            # value, stopping at it
            self._prev, self._count, self._gain, self._loss, self._value = state
            end = k
            while end < stop:
                x = xs[end]
                if x - x != 0.0:
                    return end
                before = (self._prev, self._count, self._gain, self._loss, self._value)
                value = self.update(x)
                if value is not None and (value < low or value > high):
                    self._prev, self._count, self._gain, self._loss, self._value = before
                    return end
                end += 1
        return end

    def _scan_fast(self, xs: Sequence[float], k: int, stop: int, low: float, high: float) -> int:
        """``scan`` past the warm-up, on locals, without the finiteness test (the caller checks
        the averages afterwards). The arithmetic is ``update``'s; both averages are >= 0, so
        TA-Lib's zero test on their sum is ``total < 1e-8``."""
        m1, inv = self._period_m1, self._inv
        prev, gain, loss, value = self._prev, self._gain, self._loss, self._value
        first = k
        for x in xs[k:stop]:
            move = x - prev  # type: ignore[operator]  # prev is set once a value exists
            if move < 0:
                g = gain * m1 * inv
                lo = (loss * m1 - move) * inv
            else:
                g = (gain * m1 + move) * inv
                lo = loss * m1 * inv
            total = g + lo
            v = 100.0 * (g / total) if total >= _TA_EPSILON else 0.0
            if v < low or v > high:
                break
            prev = x
            gain = g
            loss = lo
            value = v
            k += 1
        self._prev = prev
        self._gain = gain
        self._loss = loss
        self._value = value
        self._count += k - first
        return k

    def _warm_up(self, x: float, prev: float | None) -> float | None:
        if prev is None:
            return None
        move = x - prev
        if move < 0:
            self._loss -= move
        else:
            self._gain += move
        if self._count <= self._period:
            return None
        # N moves seen: their simple averages seed Wilder's smoothing
        gain = self._gain * self._inv
        loss = self._loss * self._inv
        self._gain = gain
        self._loss = loss
        total = gain + loss
        value = 100.0 * (gain / total) if not -_TA_EPSILON < total < _TA_EPSILON else 0.0
        self._value = value
        return value


class SmaStream:
    """Simple moving average over the last N values, kept as a running total like TA-Lib."""

    __slots__ = ("_buf", "_count", "_name", "_period", "_total", "_value")

    def __init__(self, period: int) -> None:
        self._period = check_period("SMA", period, SMA_MIN_PERIOD)
        self._name = f"SMA({period})"
        self.reset()

    def reset(self) -> None:
        self._buf = [0.0] * self._period
        self._count = 0
        self._total = 0.0
        self._value: float | None = None

    @property
    def period(self) -> int:
        return self._period

    @property
    def count(self) -> int:
        return self._count

    @property
    def ready(self) -> bool:
        return self._value is not None

    @property
    def value(self) -> float | None:
        return self._value

    def update(self, x: float) -> float | None:
        if x - x != 0.0:
            raise bad_value(self._name, x)
        period = self._period
        count = self._count
        self._buf[count % period] = x
        self._count = count + 1
        total = self._total + x
        if count + 1 < period:
            self._total = total
            return None
        value = total / period
        # drop the oldest value of this window (index count - period + 1) for the next one
        self._total = total - self._buf[(count + 1) % period]
        self._value = value
        return value


class EmaStream:
    """EMA with k = 2 / (N + 1), seeded with the SMA of the first N values (first value after N)."""

    __slots__ = ("_count", "_k", "_name", "_period", "_total", "_value")

    def __init__(self, period: int) -> None:
        self._period = check_period("EMA", period, EMA_MIN_PERIOD)
        self._k = 2.0 / (period + 1)
        self._name = f"EMA({period})"
        self.reset()

    def reset(self) -> None:
        self._count = 0
        self._total = 0.0
        self._value: float | None = None

    @property
    def period(self) -> int:
        return self._period

    @property
    def count(self) -> int:
        return self._count

    @property
    def ready(self) -> bool:
        return self._value is not None

    @property
    def value(self) -> float | None:
        return self._value

    def update(self, x: float) -> float | None:
        if x - x != 0.0:
            raise bad_value(self._name, x)
        count = self._count + 1
        self._count = count
        prev = self._value
        if prev is not None:
            value = (x - prev) * self._k + prev
        else:
            self._total += x
            if count < self._period:
                return None
            value = self._total / self._period
        self._value = value
        return value
