"""Bars from CSV: the shared/data/krx-daily format (``date,open,high,low,close,volume,ticker,code,
name,interval``) or plain ``date,open,high,low,close,volume``.

Dates ``YYYYMMDD`` or ``YYYY-MM-DD`` are daily bars; a time part (``YYYY-MM-DD HH:MM[:SS]`` or
``YYYYMMDDHHMM[SS]``) makes minute bars. A daily bar's ``start`` is 15:29 KST of its date, so
the kernel's ``now`` at its close is 15:30 (the close); its open is at 09:00 the same date.
Prices are taken as given (old or adjusted data may be off today's tick grid).

A :class:`BarSeries` is a list of bars or columns (``minute_columns``: numpy arrays, no Bar made
up front); the runner reads columns (``BarSeries.columns``) and makes a Bar only for the bars it
sends through ``Kernel.on_bar``. ``BarSeries.day_breaks`` lists the bars where a day rolls.
"""

from __future__ import annotations

import csv
import itertools
import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.sessions import to_kst
from kistrade.domain.types import KST, Bar, Symbol
from kistrade.engine.kernel import BAR_LENGTH
from kistrade.engine.risk_band import first_close_outside

DAILY_CLOSE = time(15, 29)
DAILY_OPEN = time(9, 0)
_REQUIRED = ("date", "open", "high", "low", "close", "volume")
_MINUTE = timedelta(minutes=1)
_DAY_MINUTES = 1_440
_OFFSETS = tuple(timedelta(minutes=k) for k in range(_DAY_MINUTES))
CLOSE_BLOCK = 64
"""Bars per block of ``BarColumns``' close bounds."""


class MinuteTimes(Sequence[datetime]):
    """The starts of ``n`` consecutive minute bars from ``start`` (``start + i`` minutes, wall
    clock of ``start``'s zone, as ``minute_series`` builds them), made on demand."""

    __slots__ = ("_days", "_n", "start")

    def __init__(self, start: datetime, n: int) -> None:
        self.start = start
        self._n = n
        self._days = [start + timedelta(days=d) for d in range(n // _DAY_MINUTES + 1)]
        """``start`` plus each whole day: bar ``i`` starts at ``_days[i // 1440]`` plus the
        ``i % 1440`` minutes of ``_OFFSETS`` (multiplying a timedelta costs several additions)."""

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> datetime: ...
    @overload
    def __getitem__(self, i: slice) -> list[datetime]: ...
    def __getitem__(self, i: int | slice) -> datetime | list[datetime]:
        if i.__class__ is int and 0 <= i < self._n:  # the common case first
            day, minute = divmod(i, _DAY_MINUTES)
            return self._days[day] + _OFFSETS[minute]
        if isinstance(i, slice):
            start = self.start
            return [start + _MINUTE * k for k in range(*i.indices(self._n))]
        k = operator.index(i)  # numpy ints too (``timedelta * np.int64`` is not a timedelta)
        if k < 0:
            k += self._n
        if not 0 <= k < self._n:
            raise IndexError(f"bar {i} of {self._n}")
        return self.start + _MINUTE * k

    def day_breaks(self) -> list[int] | None:
        """Indices where the start's date or the KST date of the end (start + 1 minute) changes,
        computed from the clock (None when ``start`` is not in KST: use a linear pass)."""
        if self.start.tzinfo is not KST:
            return None
        # wall-clock arithmetic: bar i starts s0 + 60 i seconds after its first midnight; the
        # start date changes at the first i past each midnight, the end's date one bar earlier
        # (a fraction of a second in ``start`` does not move these indices)
        s0 = self.start.hour * 3600 + self.start.minute * 60 + self.start.second
        out: set[int] = set()
        first = -(-(86_400 - s0) // 60)
        for k in range(first, self._n + 1, 1_440):
            if 0 < k < self._n:
                out.add(k)
            if 0 < k - 1 < self._n:
                out.add(k - 1)
        return sorted(out)


class IntColumn(Sequence[int]):
    """A numpy int64 column read as Python ints (made on access: a million of them cost tens of
    milliseconds to make up front, and a run reads a few thousand)."""

    __slots__ = ("_a",)

    def __init__(self, values: npt.NDArray[np.int64]) -> None:
        self._a = values

    @property
    def values(self) -> npt.NDArray[np.int64]:
        return self._a

    def __len__(self) -> int:
        return len(self._a)

    def __iter__(self) -> Iterator[int]:
        return iter(self._a.tolist())

    def __array__(self, dtype: npt.DTypeLike | None = None, copy: bool | None = None) -> npt.NDArray[Any]:
        """The column for numpy (``np.asarray(column)``) without a Python int per value."""
        return self._a if dtype is None else self._a.astype(dtype)

    def __eq__(self, other: object) -> bool:
        """Equal to a column, list or tuple of the same ints (a run's closes either way)."""
        if isinstance(other, IntColumn):
            return bool(np.array_equal(self._a, other._a))
        if isinstance(other, (list, tuple)):
            same: bool = self._a.tolist() == list(other)
            return same
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal to lists, which have no hash

    @overload
    def __getitem__(self, i: int) -> int: ...
    @overload
    def __getitem__(self, i: slice) -> list[int]: ...
    def __getitem__(self, i: int | slice) -> int | list[int]:
        if i.__class__ is int:  # the common case first
            value: int = self._a.item(i)
            return value
        if isinstance(i, slice):
            out: list[int] = self._a[i].tolist()
            return out
        return int(self._a[i])


@dataclass(frozen=True, slots=True)
class BarColumns:
    """A series as columns of ints, for the runner's bulk paths: ``closes`` a list or an
    :class:`IntColumn` over ``close_array``, the same closes in numpy (never changed after
    construction: the lowest and highest close of each block of ``CLOSE_BLOCK`` bars are taken
    from it once, for ``first_close_outside``)."""

    symbol: Symbol
    starts: Sequence[datetime]
    opens: Sequence[int]
    highs: Sequence[int]
    lows: Sequence[int]
    closes: Sequence[int]
    volumes: Sequence[int]
    close_array: npt.NDArray[np.int64]
    _block_lows: list[int] = field(init=False, repr=False, compare=False)
    _block_highs: list[int] = field(init=False, repr=False, compare=False)
    _readers: tuple[Callable[[int], int], ...] = field(init=False, repr=False, compare=False)
    """``opens[i]``, ``highs[i]``, ``lows[i]``, ``volumes[i]`` for ``bar`` (numpy's ``item``
    for an IntColumn: no Python frame per value)."""

    def __post_init__(self) -> None:
        readers = (_reader(c) for c in (self.opens, self.highs, self.lows, self.volumes))
        object.__setattr__(self, "_readers", tuple(readers))
        a = self.close_array
        whole = len(a) - len(a) % CLOSE_BLOCK
        blocks = a[:whole].reshape(-1, CLOSE_BLOCK)
        lows: list[int] = blocks.min(axis=1).tolist()
        highs: list[int] = blocks.max(axis=1).tolist()
        if whole < len(a):
            lows.append(int(a[whole:].min()))
            highs.append(int(a[whole:].max()))
        object.__setattr__(self, "_block_lows", lows)
        object.__setattr__(self, "_block_highs", highs)

    def first_close_outside(self, start: int, stop: int, lo: int, hi: int) -> int:
        """``risk_band.first_close_outside`` on ``close_array``: the first index in ``[start,
        stop)`` whose close is ``<= lo`` or ``>= hi``, else ``stop``. Mostly answered without
        numpy: when the blocks covering the range all stay inside the band, none is outside."""
        stop = min(stop, len(self.closes))
        if stop <= start:
            return start
        b0, b1 = start // CLOSE_BLOCK, (stop - 1) // CLOSE_BLOCK + 1
        if min(self._block_lows[b0:b1]) > lo and max(self._block_highs[b0:b1]) < hi:
            return stop
        return first_close_outside(self.close_array, start, stop, lo, hi)

    def __len__(self) -> int:
        return len(self.closes)

    def bar(self, i: int) -> Bar:
        opens, highs, lows, volumes = self._readers
        return Bar(self.symbol, self.starts[i], opens(i), highs(i), lows(i), self.closes[i], volumes(i))


def _reader(column: Sequence[int]) -> Callable[[int], int]:
    """``column[i]`` for an int ``i``."""
    if isinstance(column, IntColumn):
        item: Callable[[int], int] = column.values.item
        return item
    return column.__getitem__


def day_key(start: datetime) -> tuple[date, date]:
    """What rolls a day in a run: the bar's start date (the venue) and its end's KST date (the
    risk gate, ``Kernel.on_bar`` is at start + 1 minute)."""
    return start.date(), to_kst(start + BAR_LENGTH).date()


class BarSeries:
    """Bars of one symbol, oldest first: a list of :class:`Bar` or columns (``from_columns``);
    either form is made from the other on first use."""

    __slots__ = ("_bars", "_breaks", "_cols", "daily", "symbol")

    def __init__(self, symbol: Symbol, bars: list[Bar], daily: bool = False) -> None:
        self.symbol = symbol
        self.daily = daily
        self._bars: list[Bar] | None = bars
        self._cols: BarColumns | None = None
        self._breaks: list[int] | None = None

    @classmethod
    def from_columns(cls, columns: BarColumns, daily: bool = False) -> BarSeries:
        series = cls(columns.symbol, [], daily)
        series._bars = None  # made from the columns if asked for
        series._cols = columns
        return series

    def __repr__(self) -> str:
        return f"BarSeries({self.symbol}, {len(self)} bars, daily={self.daily})"

    @property
    def bars(self) -> list[Bar]:
        if self._bars is None:
            cols = self.columns()
            self._bars = [cols.bar(i) for i in range(len(cols))]
        return self._bars

    def __len__(self) -> int:
        return len(self._bars) if self._bars is not None else len(self.columns())

    def columns(self) -> BarColumns:
        cols = self._cols
        if cols is None:
            bars = self.bars
            closes = [b.close for b in bars]
            cols = self._cols = BarColumns(
                self.symbol,
                [b.start for b in bars],
                [b.open for b in bars],
                [b.high for b in bars],
                [b.low for b in bars],
                closes,
                [b.volume for b in bars],
                np.array(closes, dtype=np.int64),
            )
        return cols

    def bar(self, i: int) -> Bar:
        return self._bars[i] if self._bars is not None else self.columns().bar(i)

    def start(self, i: int) -> datetime:
        return self._bars[i].start if self._bars is not None else self.columns().starts[i]

    def day_breaks(self) -> list[int]:
        """Indices i > 0 where :func:`day_key` differs from bar i - 1's (a day rolls there)."""
        if self._breaks is None:
            starts = self.columns().starts
            fast = starts.day_breaks() if isinstance(starts, MinuteTimes) else None
            if fast is None:
                keys = [day_key(t) for t in starts]
                fast = [i for i in range(1, len(keys)) if keys[i] != keys[i - 1]]
            self._breaks = fast
        return self._breaks

    def open_ts(self, i: int) -> datetime:
        """When bar ``i`` opens (orders decided at bar ``i - 1``'s close fill here)."""
        start = self.start(i)
        if self.daily:
            return datetime.combine(start.date(), DAILY_OPEN, tzinfo=KST)
        return start

    def day(self, i: int) -> date:
        return self.start(i).date()

    def between(self, start: date | None, end: date | None) -> BarSeries:
        bars = [
            b
            for b in self.bars
            if (start is None or b.start.date() >= start) and (end is None or b.start.date() <= end)
        ]
        return BarSeries(self.symbol, bars, self.daily)


def _parse_ts(text: str, where: str) -> tuple[datetime, bool]:
    s = text.strip()
    try:
        if len(s) == 8 and s.isdigit():
            day = date(int(s[:4]), int(s[4:6]), int(s[6:8]))
            return datetime.combine(day, DAILY_CLOSE, tzinfo=KST), True
        if len(s) == 10:
            return datetime.combine(date.fromisoformat(s), DAILY_CLOSE, tzinfo=KST), True
        if s.isdigit() and len(s) in (12, 14):
            sec = int(s[12:14]) if len(s) == 14 else 0
            y, mo, d, hh, mm = int(s[:4]), int(s[4:6]), int(s[6:8]), int(s[8:10]), int(s[10:12])
            return datetime(y, mo, d, hh, mm, sec, tzinfo=KST), False
        ts = datetime.fromisoformat(s)
    except ValueError:
        raise InvalidInputError(f"{where}: cannot read date {text!r}") from None
    return (ts if ts.tzinfo is not None else ts.replace(tzinfo=KST)), False


def _int(row: dict[str, str], key: str, where: str) -> int:
    raw = (row.get(key) or "").strip()
    try:
        return int(float(raw))
    except ValueError:
        raise InvalidInputError(f"{where}: column {key!r} is not a number: {raw!r}") from None


def load_csv(path: Path, symbol: str | None = None) -> BarSeries:
    """Read bars from ``path`` (oldest first after sorting); the symbol comes from the ``code``
    or ``ticker`` column, else ``symbol``, else the file name."""
    if not path.is_file():
        raise InvalidInputError(f"data file {path} does not exist")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        fields = [f.strip().lower() for f in reader.fieldnames or []]
        missing = [c for c in _REQUIRED if c not in fields]
        if missing:
            raise InvalidInputError(f"{path}: missing column(s) {', '.join(missing)} (have {fields})")
        rows = [{k.strip().lower(): v for k, v in r.items() if k is not None} for r in reader]
    if not rows:
        raise InvalidInputError(f"{path}: no rows")
    sym = Symbol(symbol or rows[0].get("code") or rows[0].get("ticker") or path.stem)
    bars: list[Bar] = []
    daily_flags: set[bool] = set()
    for n, row in enumerate(rows, start=2):
        where = f"{path}:{n}"
        ts, daily = _parse_ts(row["date"], where)
        daily_flags.add(daily)
        o, h, lo, c = (_int(row, k, where) for k in ("open", "high", "low", "close"))
        if min(o, h, lo, c) <= 0:
            raise InvalidInputError(f"{where}: prices must be positive, got {o},{h},{lo},{c}")
        bars.append(Bar(sym, ts, o, h, lo, c, _int(row, "volume", where)))
    if len(daily_flags) > 1:
        raise InvalidInputError(f"{path}: mixes daily and intraday dates")
    bars.sort(key=lambda b: b.start)
    for a, b in itertools.pairwise(bars):
        if a.start == b.start:
            raise InvalidInputError(f"{path}: two bars at {a.start.isoformat()}")
    return BarSeries(sym, bars, daily_flags == {True})


def daily_bar(bar: Bar) -> Bar:
    """A stored daily bar (``start`` at midnight) re-stamped at 15:29 of its date."""
    start = datetime.combine(bar.start.date(), DAILY_CLOSE, tzinfo=KST)
    return Bar(bar.symbol, start, bar.open, bar.high, bar.low, bar.close, bar.volume)


def minute_series(symbol: Symbol, start: datetime, rows: list[tuple[int, int, int, int, int]]) -> BarSeries:
    """Consecutive minute bars from ``start`` (tests and the bench)."""
    bars = [Bar(symbol, start + timedelta(minutes=i), *r) for i, r in enumerate(rows)]
    return BarSeries(symbol, bars, daily=False)


def minute_columns(
    symbol: Symbol,
    start: datetime,
    *,
    opens: Sequence[int],
    highs: Sequence[int],
    lows: Sequence[int],
    closes: Sequence[int],
    volumes: Sequence[int],
) -> BarSeries:
    """``minute_series`` from columns, without making a Bar per row (bars are made on use)."""
    n = len(closes)
    cols = [np.asarray(c, dtype=np.int64) for c in (opens, highs, lows, closes, volumes)]
    if any(len(c) != n for c in cols):
        raise InvalidInputError(f"columns of different lengths: {[len(c) for c in cols]}")
    o, h, lo, c, v = cols
    columns = BarColumns(
        symbol,
        MinuteTimes(start, n),
        IntColumn(o),
        IntColumn(h),
        IntColumn(lo),
        IntColumn(c),
        IntColumn(v),
        c,
    )
    return BarSeries.from_columns(columns)
