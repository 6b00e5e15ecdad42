"""An :class:`RsiStream` that follows a column of closes whose RSI TA-Lib computed in one pass.

A backtest feeds a strategy's stream the closes of one column in order, bar after bar. Taking
them one by one in Python costs about a microsecond each; the batch RSI of the whole column costs
a few nanoseconds each and is bit-identical to the stream's values when the stream took the
column from its first close (``streaming`` repeats TA-Lib's arithmetic operation by operation).
:class:`RsiColumn` holds that batch and a cursor: ``scan`` finds the next value outside a band
(numpy lists the indices of every value outside it once per band; each scan bisects that list),
``take`` reads one value. The stream itself is left where the column was attached and is brought
up to the cursor (``catch_up``, Python speed, once) only when something else needs it.

The batch is computed and trusted only after checking the stream's state matches it at the
attachment point (same count, same last value); anything else keeps the plain stream.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from datetime import datetime

import numpy as np
import numpy.typing as npt

from kistrade.indicators.streaming import RsiStream

_BANDS_KEPT = 8
"""Bands whose hit lists a column keeps (a strategy scans with two: flat and long)."""


class RsiColumn:
    """``stream`` (which took ``closes[:at]``) advanced virtually along ``closes`` by a batch RSI."""

    __slots__ = ("_hits", "at", "closes", "cursor", "starts", "stream", "values")

    def __init__(
        self,
        stream: RsiStream,
        starts: Sequence[datetime],
        closes: Sequence[int],
        values: npt.NDArray[np.float64],
        at: int,
    ) -> None:
        self.stream = stream
        self.starts = starts
        self.closes = closes
        self.values = values
        self.at = at
        self.cursor = at
        """Index of the next close to take."""
        self._hits: dict[tuple[float, float], list[int]] = {}
        """Per band (low, high): the ascending indices of the values outside it (``hits``)."""

    @classmethod
    def attach(
        cls,
        stream: RsiStream,
        starts: Sequence[datetime],
        closes: Sequence[int],
        close_array: npt.NDArray[np.int64],
        at: int,
    ) -> RsiColumn | None:
        """A column following ``stream`` from index ``at``, or ``None`` when ``stream`` did not
        take exactly ``closes[:at]`` (count or last value differ) or the column is too short for
        TA-Lib's RSI (then the plain stream is used)."""
        period = stream.period
        if at < 1 or stream.count != at or len(close_array) <= period:
            return None
        from kistrade.indicators.batch import rsi  # TA-Lib loads here: backtests only

        values = rsi(close_array.astype(np.float64), period)
        last = float(values[at - 1])
        have = stream.value
        if (have is None) != math.isnan(last) or (have is not None and have != last):
            return None
        return cls(stream, starts, closes, values, at)

    def value(self) -> float | None:
        """The RSI after the last close taken (``None`` while warming up)."""
        if self.cursor == self.at:
            return self.stream.value
        v = float(self.values[self.cursor - 1])
        return None if math.isnan(v) else v

    def scan(self, start: int, stop: int, low: float, high: float) -> int:
        """``RsiStream.scan`` from the cursor (``start`` must be it): take closes up to the first
        index whose value is ``< low`` or ``> high``, which is not taken; ``stop`` if none.
        Warm-up values (NaN in the batch) never stop the scan."""
        if start != self.cursor:
            raise ValueError(f"scan from {start}, but the column's cursor is at {self.cursor}")
        stop = min(stop, len(self.values))
        if stop <= start:
            return start
        hits = self.hits(low, high)
        j = bisect_left(hits, start)
        end = hits[j] if j < len(hits) and hits[j] < stop else stop
        self.cursor = end
        return end

    def hits(self, low: float, high: float) -> list[int]:
        """The ascending indices of the values ``< low`` or ``> high`` (NaN never is), listed
        once per band: the values never change, the bands a strategy scans with are few."""
        key = (low, high)
        hits = self._hits.get(key)
        if hits is None:
            v = self.values
            hits = np.flatnonzero((v < low) | (v > high)).tolist()
            if len(self._hits) >= _BANDS_KEPT:  # an odd caller with many bands: no growth
                self._hits.clear()
            self._hits[key] = hits
        return hits

    def follows(self, start: datetime, close: int) -> bool:
        """Whether a bar (its start and close) is the column's next one."""
        i = self.cursor
        return i < len(self.values) and self.closes[i] == close and self.starts[i] == start

    def take(self) -> float | None:
        """Take the next close (check ``follows`` first); its RSI, ``None`` while warming up."""
        v = float(self.values[self.cursor])
        self.cursor += 1
        return None if math.isnan(v) else v

    def catch_up(self) -> RsiStream:
        """The stream, advanced through every close taken so far (as if it had taken them)."""
        stream = self.stream
        if self.cursor > self.at:
            taken = self.closes[self.at : self.cursor]  # a list (a column's slice is one)
            stream.scan(taken, 0, len(taken), -math.inf, math.inf)
            self.at = self.cursor
        return stream
