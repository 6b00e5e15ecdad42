"""Replay source: daily bars from a CSV expanded into an intraday path for the crowd to follow.

CSV formats (header required): ``date,open,high,low,close,volume,ticker,code,name,interval``
(shared/data/krx-daily) or plain ``date,open,high,low,close,volume``. ``date`` is YYYYMMDD or
YYYY-MM-DD. A PATH may be one CSV file or a directory of ``<code>.csv`` files.

The replayed day's open, high, low and close are snapped to the tick grid of that day (historic
split-adjusted prices are not always on today's grid) and joined by a seeded random bridge:
09:00 open -> first extreme -> second extreme -> 15:30 close (low first on an up day). The
crowd steers towards ``IntradayPath.price_at(t)`` and sweeps the book at each knot so the tape
prints every anchor exactly. Days before the replayed one are served as history.

Seam for recorded data: ``TickReplay`` (below) is the interface a recorded-ticks/books source
from the kistrade SQLite store will implement; it is not implemented yet.
"""

from __future__ import annotations

import csv
import itertools
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Protocol

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.ticks import Rounding, round_to_tick
from kistrade.domain.types import KST, InstrumentKind, Symbol
from kistrade.kis.simulator.catalog import (
    DailyBar,
    DayCalendar,
    InstrumentSeed,
    SyntheticSource,
    instrument_seed,
)

REQUIRED_COLUMNS = ("date", "open", "high", "low", "close", "volume")
SESSION_OPEN = time(9, 0)
SESSION_CLOSE = time(15, 30)  # closing auction uncross
CONTINUOUS_END = time(15, 20)


@dataclass(frozen=True, slots=True)
class DailyRow:
    day: date
    open: int
    high: int
    low: int
    close: int
    volume: int
    name: str = ""


@dataclass(frozen=True, slots=True)
class DailySeries:
    symbol: Symbol
    name: str
    rows: tuple[DailyRow, ...]  # oldest first, unique days

    def before(self, day: date) -> list[DailyRow]:
        return [r for r in self.rows if r.day < day]

    def on(self, day: date) -> DailyRow | None:
        for row in self.rows:
            if row.day == day:
                return row
        return None


def _parse_date(raw: str, where: str) -> date:
    text = raw.strip().replace("-", "")
    if len(text) != 8 or not text.isdigit():
        raise InvalidInputError(f"{where}: date {raw!r} is not YYYYMMDD")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as exc:
        raise InvalidInputError(f"{where}: date {raw!r} is not a calendar date") from exc


def _parse_int(raw: str, field: str, where: str) -> int:
    try:
        value = float(raw.strip())
    except ValueError as exc:
        raise InvalidInputError(f"{where}: {field} {raw!r} is not a number") from exc
    if value < 0 or not math.isfinite(value):
        raise InvalidInputError(f"{where}: {field} {raw!r} must be a non-negative number")
    return round(value)


def load_daily_csv(path: Path, symbol: Symbol | None = None) -> DailySeries:
    """Read a daily-bar CSV; the symbol comes from ``code``/``ticker``, else ``symbol``, else the
    file name. Raises InvalidInputError naming the file, line and field on bad input."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise InvalidInputError(f"{path}: missing column(s) {', '.join(missing)} in the header")
        rows: dict[date, DailyRow] = {}
        code = ""
        name = ""
        for lineno, raw in enumerate(reader, start=2):
            rec = {k.strip().lower(): (v or "") for k, v in raw.items() if k is not None}
            where = f"{path}:{lineno}"
            day = _parse_date(rec["date"], where)
            o, h, lo, c = (_parse_int(rec[f], f, where) for f in ("open", "high", "low", "close"))
            if not (lo <= min(o, c) and max(o, c) <= h):
                raise InvalidInputError(
                    f"{where}: OHLC {o}/{h}/{lo}/{c} is not consistent (low<=open,close<=high)"
                )
            code = code or rec.get("code", "").strip() or rec.get("ticker", "").strip()
            name = rec.get("name", "").strip() or name
            rows[day] = DailyRow(day, o, h, lo, c, _parse_int(rec["volume"], "volume", where), name)
    sym = Symbol(code or (symbol or path.stem))
    if not rows:
        raise InvalidInputError(f"{path}: no data rows")
    return DailySeries(symbol=sym, name=name, rows=tuple(rows[d] for d in sorted(rows)))


def load_replay_path(path: Path) -> dict[Symbol, DailySeries]:
    """A CSV file or a directory of CSV files -> series by symbol."""
    if path.is_dir():
        files = sorted(path.glob("*.csv"))
        if not files:
            raise InvalidInputError(f"replay directory {path} holds no *.csv files")
    elif path.is_file():
        files = [path]
    else:
        raise InvalidInputError(f"replay source {path} does not exist")
    out: dict[Symbol, DailySeries] = {}
    for file in files:
        series = load_daily_csv(file)
        out[series.symbol] = series
    return out


@dataclass(frozen=True, slots=True)
class Knot:
    at: datetime
    price: int
    sweep: bool  # the tape must print exactly this price at this time


class IntradayPath:
    """A piecewise-linear price path over sim time; ``knots`` sorted by time."""

    def __init__(self, knots: Sequence[Knot], kind: InstrumentKind = InstrumentKind.STOCK) -> None:
        if not knots:
            raise InvalidInputError("an intraday path needs at least one knot")
        self.knots = tuple(sorted(knots, key=lambda k: k.at))
        self.kind = kind

    @property
    def start(self) -> datetime:
        return self.knots[0].at

    @property
    def end(self) -> datetime:
        return self.knots[-1].at

    def price_at(self, when: datetime) -> int:
        """The path's price at ``when`` (held flat before the first and after the last knot)."""
        ks = self.knots
        if when <= ks[0].at:
            return ks[0].price
        if when >= ks[-1].at:
            return ks[-1].price
        lo, hi = 0, len(ks) - 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if ks[mid].at <= when:
                lo = mid
            else:
                hi = mid
        a, b = ks[lo], ks[hi]
        span = (b.at - a.at).total_seconds()
        frac = (when - a.at).total_seconds() / span if span > 0 else 1.0
        raw = a.price + (b.price - a.price) * frac
        return round_to_tick(max(1, round(raw)), Rounding.NEAREST, self.kind)

    def sweeps_between(self, after: datetime, until: datetime) -> Iterator[Knot]:
        """Sweep knots with after < at <= until."""
        for knot in self.knots:
            if knot.sweep and after < knot.at <= until:
                yield knot


def snap(price: int, kind: InstrumentKind = InstrumentKind.STOCK) -> int:
    return round_to_tick(max(1, price), Rounding.NEAREST, kind)


def expand_day(
    row: DailyRow | DailyBar,
    day: date,
    seed: int | str,
    kind: InstrumentKind = InstrumentKind.STOCK,
    steps: int = 24,
) -> IntradayPath:
    """Expand one daily bar into an intraday path over ``day``'s session that hits O, H, L, C.

    Extremes are swept at seeded times; between anchors a bridge with ``steps`` intermediate knots
    wanders inside [low, high] (never beyond) so the day's range is exact.
    """
    o, h, lo, c = snap(row.open, kind), snap(row.high, kind), snap(row.low, kind), snap(row.close, kind)
    h = max(h, o, c)
    lo = min(lo, o, c)
    rng = random.Random(f"replay:{seed}:{day.isoformat()}")
    t_open = datetime.combine(day, SESSION_OPEN, KST)
    t_close = datetime.combine(day, SESSION_CLOSE, KST)
    span = (datetime.combine(day, CONTINUOUS_END, KST) - t_open).total_seconds()
    t1 = t_open + timedelta(seconds=span * rng.uniform(0.05, 0.45))
    t2 = t_open + timedelta(seconds=span * rng.uniform(0.55, 0.95))
    first, second = (lo, h) if c >= o else (h, lo)
    t_cont_end = datetime.combine(day, CONTINUOUS_END, KST)
    anchors = [(t_open, o), (t1, first), (t2, second), (t_cont_end, c)]
    knots: list[Knot] = [Knot(t_open, o, True)]
    for (ta, pa), (tb, pb) in itertools.pairwise(anchors):
        seg = (tb - ta).total_seconds()
        n = max(1, steps // 3)
        for i in range(1, n):
            frac = i / n
            base = pa + (pb - pa) * frac
            wiggle = (h - lo) * 0.15 * math.sin(math.pi * frac) * rng.uniform(-1.0, 1.0)
            price = min(h, max(lo, round(base + wiggle)))
            knots.append(Knot(ta + timedelta(seconds=seg * frac), snap(price, kind), False))
        knots.append(Knot(tb, pb, tb != t_cont_end))
    knots.append(Knot(t_close, c, False))  # the closing auction uncrosses at the close
    return IntradayPath(knots, kind)


class TickReplay(Protocol):
    """Seam for the recorded-data replay (ticks and books from the kistrade SQLite store).

    A later implementation yields recorded prints/books in sim time; the hub will place them
    through the engine exactly like the crowd does. Not implemented yet.
    """

    def symbols(self) -> Sequence[Symbol]: ...

    def prints_between(
        self, symbol: Symbol, after: datetime, until: datetime
    ) -> Sequence[tuple[datetime, int, int]]:
        """(ts, price, qty) of recorded prints with after < ts <= until."""
        ...


class ReplaySource:
    """``--source replay:PATH``: symbols found in the CSV(s) follow their recorded days (history
    = rows before the simulated day, the day itself expanded into an intraday path); any other
    symbol falls back to the synthetic source."""

    def __init__(self, path: Path, day: date | None = None, seed: int | str = 0) -> None:
        self.series = load_replay_path(path)
        self.fallback = SyntheticSource(seed)
        if day is None:
            day = max(s.rows[-1].day for s in self.series.values())
        self.day = day

    def preferred_day(self) -> date | None:
        return self.day

    def instrument(self, symbol: Symbol, day: date) -> InstrumentSeed:
        series = self.series.get(symbol)
        base = instrument_seed(symbol)
        if series is None:
            return base
        before = series.before(day)
        ref = before[-1] if before else series.rows[0]
        kind = base.kind
        close = snap(ref.close, kind)
        volume = ref.volume or base.daily_volume
        return InstrumentSeed(series.name or base.name, base.market, kind, close, base.listed_shares, volume)

    def history(self, symbol: Symbol, before: date, calendar: DayCalendar) -> list[DailyBar]:
        series = self.series.get(symbol)
        if series is None:
            return self.fallback.history(symbol, before, calendar)
        return [
            DailyBar(
                r.day,
                r.open,
                r.high,
                r.low,
                r.close,
                r.volume,
                r.volume * (r.open + r.high + r.low + r.close) // 4,
            )
            for r in series.before(before)
        ]

    def day_target(self, symbol: Symbol, day: date) -> DailyBar | None:
        series = self.series.get(symbol)
        row = series.on(day) if series is not None else None
        if row is None:
            return None
        return DailyBar(row.day, row.open, row.high, row.low, row.close, row.volume, 0)
