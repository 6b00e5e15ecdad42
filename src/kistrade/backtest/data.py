"""Bars from CSV: the shared/data/krx-daily format (``date,open,high,low,close,volume,ticker,code,
name,interval``) or plain ``date,open,high,low,close,volume``.

Dates ``YYYYMMDD`` or ``YYYY-MM-DD`` are daily bars; a time part (``YYYY-MM-DD HH:MM[:SS]`` or
``YYYYMMDDHHMM[SS]``) makes minute bars. A daily bar's ``start`` is 15:29 KST of its date, so
the kernel's ``now`` at its close is 15:30 (the close); its open is at 09:00 the same date.
Prices are taken as given (old or adjusted data may be off today's tick grid).
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import KST, Bar, Symbol

DAILY_CLOSE = time(15, 29)
DAILY_OPEN = time(9, 0)
_REQUIRED = ("date", "open", "high", "low", "close", "volume")


@dataclass(frozen=True, slots=True)
class BarSeries:
    symbol: Symbol
    bars: list[Bar]
    daily: bool

    def open_ts(self, i: int) -> datetime:
        """When bar ``i`` opens (orders decided at bar ``i - 1``'s close fill here)."""
        bar = self.bars[i]
        if self.daily:
            return datetime.combine(bar.start.date(), DAILY_OPEN, tzinfo=KST)
        return bar.start

    def day(self, i: int) -> date:
        return self.bars[i].start.date()

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
