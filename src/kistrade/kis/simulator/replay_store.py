"""``--source replay:FILE.db``: replay ticks and order books recorded by ``kistrade record``.

Reads the kistrade SQLite store directly (``sqlite3``, once, at start): the simulator may not
import ``kistrade.store`` (kis and store are independent adapters), so the few facts of the
schema it needs are written here: ``ticks(symbol, ts, price, qty, aggressor)``,
``orderbooks(symbol, ts, levels)`` and ``daily_chart(symbol, date, open, high, low, close,
volume)``; ``ts`` is INTEGER microseconds since the Unix epoch, ``aggressor`` 1 buy / -1 sell /
NULL; ``levels`` is ``<BB`` (number of asks, bids) then (price, qty) int64 pairs, asks first.

``StoreTickReplay`` implements ``replay.TickReplay`` for one recorded day (the latest, unless
given). ``StoreReplaySource`` is the hub's ``MarketSource``: the simulated day is the recorded
day, the base price the stored daily close before it (else the day's first print), history the
stored daily bars (else synthetic). ``StoreReplayHub`` is a ``MarketHub`` that, as its clock
passes each recorded event, places it through the exchange engine like the crowd does:

- a book: the market's (crowd-owned) resting orders of the symbol are replaced by the recorded
  levels, so REST quotes and H0STASP0 frames show the recorded book (user orders stay in it);
- a print: market-owned orders at the print's price, better than it on the passive side, or
  through it on the aggressor side are withdrawn; one market-owned passive order (the recorded
  size less what user orders offer at that price or better) rests at the price and a market-owned
  order of the recorded aggressor side takes it. The tape (H0STCNT0 frames, minute and daily
  charts) prints the recorded price and size at the recorded time, with the recorded aggressor,
  unless user orders rest in front of it (then the users fill, as they would have).

The synthetic crowd is kept silent. Prints and books outside an order-taking phase, or that the
engine refuses (off-grid, outside the day's limits), are skipped and counted in ``skipped``.
"""

from __future__ import annotations

import bisect
import sqlite3
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.sessions import Phase
from kistrade.domain.types import KST, Side, Symbol
from kistrade.exchange.events import MARKET_OWNER, ORDER_PHASES, Event, Rejected
from kistrade.kis.simulator.catalog import (
    DailyBar,
    DayCalendar,
    InstrumentSeed,
    instrument_seed,
    synthetic_history,
)
from kistrade.kis.simulator.market import MarketHub
from kistrade.kis.simulator.sessionclock import SessionClock
from kistrade.kis.simulator.synthetic import CrowdParams

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HEADER = struct.Struct("<BB")
SILENT_CROWD = CrowdParams(trades_per_sec=1e-9)  # the recorded flow replaces the crowd


def _ts(us: int) -> datetime:
    return (_EPOCH + timedelta(microseconds=us)).astimezone(KST)


def _levels(blob: bytes) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    n_asks, n_bids = _HEADER.unpack_from(blob)
    values = struct.unpack_from(f"<{2 * (n_asks + n_bids)}q", blob, _HEADER.size)
    pairs = tuple((values[i], values[i + 1]) for i in range(0, len(values), 2))
    return pairs[:n_asks], pairs[n_asks:]


@dataclass(frozen=True, slots=True)
class RecordedPrint:
    ts: datetime
    symbol: Symbol
    price: int
    qty: int
    aggressor: Side | None


@dataclass(frozen=True, slots=True)
class RecordedBook:
    ts: datetime
    symbol: Symbol
    asks: tuple[tuple[int, int], ...]  # (price, qty), best first
    bids: tuple[tuple[int, int], ...]


Recorded = RecordedPrint | RecordedBook


def _day_bounds(day: date) -> tuple[int, int]:
    start = datetime(day.year, day.month, day.day, tzinfo=KST)
    return (start - _EPOCH) // timedelta(microseconds=1), (start + timedelta(days=1) - _EPOCH) // timedelta(
        microseconds=1
    )


class StoreTickReplay:
    """The recorded prints and books of one day of a kistrade store file (``TickReplay``)."""

    def __init__(self, path: Path, day: date | None = None) -> None:
        if not path.is_file():
            raise InvalidInputError(f"replay store {path} does not exist")
        self.path = path
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise InvalidInputError(f"replay store {path}: cannot open ({exc})") from None
        try:
            self.day = day or self._latest_day(conn)
            lo, hi = _day_bounds(self.day)
            self.prints = [
                RecordedPrint(
                    _ts(ts),
                    Symbol(sym),
                    price,
                    qty,
                    None if a is None else (Side.BUY if a > 0 else Side.SELL),
                )
                for sym, ts, price, qty, a in conn.execute(
                    "SELECT symbol, ts, price, qty, aggressor FROM ticks "
                    "WHERE ts >= ? AND ts < ? ORDER BY ts, rowid",
                    (lo, hi),
                )
            ]
            self.books = [
                RecordedBook(_ts(ts), Symbol(sym), *_levels(blob))
                for sym, ts, blob in conn.execute(
                    "SELECT symbol, ts, levels FROM orderbooks WHERE ts >= ? AND ts < ? ORDER BY ts, rowid",
                    (lo, hi),
                )
            ]
            self.daily: dict[Symbol, list[DailyBar]] = {}
            for sym, d, o, h, low, c, v, val in conn.execute(
                "SELECT symbol, date, open, high, low, close, volume, value FROM daily_chart WHERE date < ? "
                "ORDER BY symbol, date",
                (self.day.isoformat(),),
            ):
                self.daily.setdefault(Symbol(sym), []).append(
                    DailyBar(date.fromisoformat(d), o, h, low, c, v, val if val is not None else v * c)
                )
        except sqlite3.Error as exc:
            raise InvalidInputError(f"replay store {path}: not a kistrade store ({exc})") from None
        finally:
            conn.close()
        self._by_symbol: dict[Symbol, list[RecordedPrint]] = {}
        for p in self.prints:
            self._by_symbol.setdefault(p.symbol, []).append(p)
        self._times = {s: [p.ts for p in ps] for s, ps in self._by_symbol.items()}

    def _latest_day(self, conn: sqlite3.Connection) -> date:
        row = conn.execute("SELECT MAX(ts) FROM ticks").fetchone()
        if row is None or row[0] is None:
            raise InvalidInputError(f"replay store {self.path} holds no recorded ticks")
        return _ts(int(row[0])).date()

    def symbols(self) -> Sequence[Symbol]:
        return sorted(self._by_symbol)

    def prints_between(
        self, symbol: Symbol, after: datetime, until: datetime
    ) -> Sequence[tuple[datetime, int, int]]:
        """(ts, price, qty) of recorded prints with after < ts <= until."""
        prints = self._by_symbol.get(symbol, [])
        times = self._times.get(symbol, [])
        lo, hi = bisect.bisect_right(times, after), bisect.bisect_right(times, until)
        return [(p.ts, p.price, p.qty) for p in prints[lo:hi]]

    def events(self) -> list[Recorded]:
        """Prints and books in time order (at equal times prints first, as the store replays)."""
        merged: list[Recorded] = [*self.prints, *self.books]
        merged.sort(key=lambda e: (e.ts, 0 if isinstance(e, RecordedPrint) else 1))
        return merged


class StoreReplaySource:
    """``MarketSource`` for a store replay (see the module docstring)."""

    def __init__(self, path: Path, day: date | None = None, seed: int | str = 0) -> None:
        self.ticks = StoreTickReplay(path, day)
        self.seed = seed

    def preferred_day(self) -> date | None:
        return self.ticks.day

    def instrument(self, symbol: Symbol, day: date) -> InstrumentSeed:
        base = instrument_seed(symbol)
        history = self.ticks.daily.get(symbol)
        first = next((p.price for p in self.ticks.prints if p.symbol == symbol), None)
        price = history[-1].close if history else first
        if price is None:
            return base
        return InstrumentSeed(base.name, base.market, base.kind, price, base.listed_shares, base.daily_volume)

    def history(self, symbol: Symbol, before: date, calendar: DayCalendar) -> list[DailyBar]:
        stored = [b for b in self.ticks.daily.get(symbol, []) if b.day < before]
        if stored:
            return stored
        return synthetic_history(symbol, self.instrument(symbol, before), before, calendar, salt=self.seed)

    def day_target(self, symbol: Symbol, day: date) -> DailyBar | None:
        del symbol, day
        return None


class StoreReplayHub(MarketHub):
    """A ``MarketHub`` driven by recorded prints and books (see the module docstring)."""

    def __init__(
        self,
        symbols: Sequence[Symbol],
        clock: SessionClock,
        source: StoreReplaySource,
        seed: int = 0,
        *,
        org_no: str = "06010",
        pump_interval: float = 0.02,
    ) -> None:
        self._events: list[Recorded] = source.ticks.events()
        self._cursor = len(self._events)  # nothing replays while the base class sets up
        self.skipped = 0
        self.replayed = 0
        listed = list(dict.fromkeys([*symbols, *source.ticks.symbols()]))
        super().__init__(
            listed, clock, source, seed, org_no=org_no, pump_interval=pump_interval, crowd_params=SILENT_CROWD
        )
        start = self._now
        self._cursor = bisect.bisect_right([e.ts for e in self._events], start)

    def advance_to(self, sim_now: datetime) -> None:
        events = self._events
        while self._cursor < len(events) and events[self._cursor].ts <= sim_now:
            event = events[self._cursor]
            self._cursor += 1
            super().advance_to(event.ts)
            if self.phase() not in ORDER_PHASES:
                self.skipped += 1
                continue
            done = self._print(event) if isinstance(event, RecordedPrint) else self._book(event)
            if done:
                self.replayed += 1
            else:
                self.skipped += 1
        super().advance_to(sim_now)

    def _run(self, events: list[Event]) -> bool:
        self.process_events(events)
        return not (events and isinstance(events[0], Rejected))

    def _market_orders(self, symbol: Symbol) -> list[tuple[str, Side, int]]:
        book = self.exchange.engine.book(symbol)
        return [
            (o.order_id, o.side, o.price or 0) for o in book.orders() if o.owner == MARKET_OWNER and o.active
        ]

    def _book(self, rec: RecordedBook) -> bool:
        for oid, _, _ in self._market_orders(rec.symbol):
            self._run(self.exchange.cancel(MARKET_OWNER, oid, ts=rec.ts))
        ok = True
        for side, levels in ((Side.SELL, rec.asks), (Side.BUY, rec.bids)):
            for price, qty in levels:
                if price > 0 and qty > 0:
                    ok = (
                        self._run(self.exchange.place(MARKET_OWNER, rec.symbol, side, qty, price, ts=rec.ts))
                        and ok
                    )
        return ok

    def _print(self, rec: RecordedPrint) -> bool:
        if self.phase() is not Phase.CONTINUOUS:
            return False
        side = rec.aggressor or Side.BUY
        passive = side.opposite

        def better(px: int) -> bool:
            return px < rec.price if side is Side.BUY else px > rec.price

        for oid, s, px in self._market_orders(rec.symbol):
            # market liquidity the print would trade with (passive side, at or better than its
            # price) or that our passive order would hit (same side, at or through the price) is
            # withdrawn: one passive order then makes exactly one print of the recorded size
            if px == rec.price or (s is passive and better(px)) or (s is side and not better(px)):
                self._run(self.exchange.cancel(MARKET_OWNER, oid, ts=rec.ts))
        book = self.exchange.engine.book(rec.symbol)
        available = sum(lv.qty for lv in book.levels(passive) if lv.price == rec.price or better(lv.price))
        if available < rec.qty and not self._run(
            self.exchange.place(MARKET_OWNER, rec.symbol, passive, rec.qty - available, rec.price, ts=rec.ts)
        ):
            return False
        events = self.exchange.place(MARKET_OWNER, rec.symbol, side, rec.qty, rec.price, ts=rec.ts)
        ok = self._run(events)
        taker: str | None = getattr(events[0], "order_id", None) if events else None
        if taker is not None and self.exchange.engine.order(taker) is not None:  # IOC: never rests
            self._run(self.exchange.cancel(MARKET_OWNER, taker, ts=rec.ts))
        return ok


def is_store_file(path: Path) -> bool:
    """True for a SQLite file (the store replay), False for CSV files and directories."""
    if not path.is_file():
        return False
    with path.open("rb") as fh:
        return fh.read(16) == b"SQLite format 3\x00"


__all__ = [
    "RecordedBook",
    "RecordedPrint",
    "StoreReplayHub",
    "StoreReplaySource",
    "StoreTickReplay",
    "is_store_file",
]
