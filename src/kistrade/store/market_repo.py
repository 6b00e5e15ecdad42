"""Market-data repositories: stocks, daily and minute bars, ticks and order books."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import date, datetime
from typing import TypeVar

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import Bar, Instrument, InstrumentKind, Market, OrderBook, Symbol, Trade
from kistrade.store.codec import (
    bar_day,
    day_start,
    from_day,
    from_us,
    to_day,
    to_us,
)
from kistrade.store.db import Database
from kistrade.store.recording import RecordTable, append_segment
from kistrade.store.records import BarSource, DateRange
from kistrade.store.replay import replay_events

_T = TypeVar("_T")
_TICKS: tuple[RecordTable] = ("ticks",)
_BOOKS: tuple[RecordTable] = ("orderbooks",)

# plain inserts (no segment bookkeeping): the raw peer of bench/store_recorder.py
INSERT_TRADE = "INSERT INTO ticks (symbol, ts, price, qty, aggressor, cum_volume) VALUES (?, ?, ?, ?, ?, ?)"
INSERT_BOOK = (
    "INSERT INTO orderbooks (symbol, ts, best_ask, best_bid, total_ask_qty, total_bid_qty, levels) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
UPSERT_DAILY = (
    "INSERT INTO daily_chart (symbol, date, open, high, low, close, volume, value) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (symbol, date) DO UPDATE SET "
    "open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close, "
    "volume = excluded.volume, value = COALESCE(excluded.value, daily_chart.value)"
)
_UPSERT_MINUTE = (
    "INSERT INTO minute_chart (symbol, ts, source, open, high, low, close, volume) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (symbol, ts, source) DO UPDATE SET "
    "open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close, "
    "volume = excluded.volume"
)


def missing_ranges(missing: Sequence[date], sessions: Sequence[date]) -> list[DateRange]:
    """Group ``missing`` dates into runs that are consecutive in ``sessions`` (one fetch each)."""
    position = {d: i for i, d in enumerate(sorted(set(sessions)))}
    ranges: list[DateRange] = []
    previous: int | None = None
    for d in sorted(set(missing)):
        index = position[d]
        if previous is not None and index == previous + 1:
            ranges[-1] = DateRange(ranges[-1].first, d)
        else:
            ranges.append(DateRange(d, d))
        previous = index
    return ranges


class MarketRepo:
    db: Database

    # -- stocks -------------------------------------------------------------------------------
    async def upsert_stocks(self, stocks: Iterable[Instrument]) -> int:
        rows = [(s.symbol, s.name, s.market.value, s.kind.value) for s in stocks]
        return await self.db.write_many(
            "INSERT INTO stocks (symbol, name, market, kind) VALUES (?, ?, ?, ?) ON CONFLICT (symbol) "
            "DO UPDATE SET name = excluded.name, market = excluded.market, kind = excluded.kind",
            rows,
        )

    async def get_stock(self, symbol: Symbol) -> Instrument | None:
        row = await self.db.fetchone(
            "SELECT symbol, name, market, kind FROM stocks WHERE symbol = ?", (symbol,)
        )
        return None if row is None else _instrument(row)

    async def list_stocks(self) -> list[Instrument]:
        rows = await self.db.fetchall("SELECT symbol, name, market, kind FROM stocks ORDER BY symbol")
        return [_instrument(r) for r in rows]

    # -- daily bars ---------------------------------------------------------------------------
    async def upsert_daily_bars(
        self, bars: Sequence[Bar], *, values: Sequence[int | None] | None = None
    ) -> int:
        """Insert or replace daily bars (date = ``bar.start`` in KST); ``values``: traded value per bar."""
        if values is not None and len(values) != len(bars):
            raise InvalidInputError(f"upsert_daily_bars: {len(bars)} bars but {len(values)} values")
        vals: Sequence[int | None] = values if values is not None else [None] * len(bars)
        rows = [
            (b.symbol, to_day(bar_day(b.start)), b.open, b.high, b.low, b.close, b.volume, v)
            for b, v in zip(bars, vals, strict=True)
        ]
        return await self.db.write_many(UPSERT_DAILY, rows)

    async def get_daily_bars(
        self, symbol: Symbol, start: date | None = None, end: date | None = None
    ) -> list[Bar]:
        """Daily bars of ``symbol`` with start <= date <= end (either bound optional), oldest first."""
        rows = await self.db.fetchall(
            "SELECT symbol, date, open, high, low, close, volume FROM daily_chart WHERE symbol = ? "
            "AND date >= ? AND date <= ? ORDER BY date",
            (symbol, to_day(start or date.min), to_day(end or date.max)),
        )
        return [Bar(Symbol(r[0]), day_start(from_day(r[1])), *r[2:]) for r in rows]

    async def get_daily_values(
        self, symbol: Symbol, start: date | None = None, end: date | None = None
    ) -> dict[date, int | None]:
        """Traded value (won) per date, NULL where the source did not give it."""
        rows = await self.db.fetchall(
            "SELECT date, value FROM daily_chart WHERE symbol = ? AND date >= ? AND date <= ? ORDER BY date",
            (symbol, to_day(start or date.min), to_day(end or date.max)),
        )
        return {from_day(r[0]): r[1] for r in rows}

    async def missing_daily_dates(self, symbol: Symbol, sessions: Iterable[date]) -> list[date]:
        """The expected ``sessions`` that have no daily bar for ``symbol`` yet, oldest first."""
        expected = sorted(set(sessions))
        if not expected:
            return []
        rows = await self.db.fetchall(
            "SELECT date FROM daily_chart WHERE symbol = ? AND date >= ? AND date <= ?",
            (symbol, to_day(expected[0]), to_day(expected[-1])),
        )
        have = {from_day(r[0]) for r in rows}
        return [d for d in expected if d not in have]

    async def missing_daily_ranges(self, symbol: Symbol, sessions: Sequence[date]) -> list[DateRange]:
        """``missing_daily_dates`` grouped into runs of consecutive sessions: one fetch request each."""
        return missing_ranges(await self.missing_daily_dates(symbol, sessions), sessions)

    # -- minute bars --------------------------------------------------------------------------
    async def upsert_minute_bars(self, bars: Sequence[Bar], source: BarSource) -> int:
        rows = [
            (b.symbol, to_us(b.start), source.value, b.open, b.high, b.low, b.close, b.volume) for b in bars
        ]
        return await self.db.write_many(_UPSERT_MINUTE, rows)

    async def get_minute_bars(
        self, symbol: Symbol, start: datetime, end: datetime, source: BarSource
    ) -> list[Bar]:
        """Minute bars of ``symbol`` from ``source`` with start <= bar.start < end, oldest first."""
        rows = await self.db.fetchall(
            "SELECT symbol, ts, open, high, low, close, volume FROM minute_chart "
            "WHERE symbol = ? AND source = ? AND ts >= ? AND ts < ? ORDER BY ts",
            (symbol, source.value, to_us(start), to_us(end)),
        )
        return [Bar(Symbol(r[0]), from_us(r[1]), *r[2:]) for r in rows]

    # -- ticks and order books ----------------------------------------------------------------
    async def append_trades(self, trades: Sequence[Trade]) -> int:
        """Append trades in one transaction (the recorder's BatchWriter does this off the hot path)."""
        async with self.db.transaction() as conn:
            return await append_segment(conn, "ticks", trades)

    async def append_books(self, books: Sequence[OrderBook]) -> int:
        async with self.db.transaction() as conn:
            return await append_segment(conn, "orderbooks", books)

    def iter_trades(self, symbol: Symbol, start: datetime, end: datetime) -> AsyncIterator[Trade]:
        """Trades of ``symbol`` with start <= ts < end in time (then arrival) order."""
        return _only(Trade, replay_events(self.db, start, end, [symbol], tables=_TICKS))

    def iter_books(self, symbol: Symbol, start: datetime, end: datetime) -> AsyncIterator[OrderBook]:
        """Order books of ``symbol`` with start <= ts < end in time (then arrival) order."""
        return _only(OrderBook, replay_events(self.db, start, end, [symbol], tables=_BOOKS))

    def replay(
        self, start: datetime, end: datetime, symbols: Sequence[Symbol] | None = None
    ) -> AsyncIterator[Trade | OrderBook]:
        """Recorded trades and books with start <= ts < end (all symbols if None) in time order; at
        equal ts trades come before books, then by symbol, then in arrival order."""
        return replay_events(self.db, start, end, symbols)


def _instrument(row: tuple[object, ...]) -> Instrument:
    return Instrument(Symbol(str(row[0])), str(row[1]), Market(str(row[2])), InstrumentKind(str(row[3])))


async def _only(kind: type[_T], events: AsyncIterator[Trade | OrderBook]) -> AsyncIterator[_T]:
    async for event in events:
        if isinstance(event, kind):
            yield event
