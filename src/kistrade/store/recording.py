"""Append ticks or books in the current transaction and register the batch in ``record_segments``.

Rowids of a rowid table grow by one per insert (max + 1), and only one writer runs at a time
(``Database.transaction``), so the rows of one append occupy the rowid range (max before, max
after]; that range and the batch's ts range become one segment row.

The insert path is the recorder's hot loop, so it is built for rows per second:

- Multi-row statements: ``INSERT ... VALUES (...), (...), ...`` with ``TRADES_PER_STATEMENT`` rows
  per statement. Python's ``sqlite3`` pays a fixed cost per statement execution (reset, bind
  dispatch, GIL release and re-acquire around each step) that is larger than SQLite's own insert;
  64 rows per execution more than halves the cost per row. The remainder of a batch (fewer rows
  than one statement) goes through the one-row statement.
- Events are encoded lazily, inside aiosqlite's worker thread (``executemany`` iterates a
  generator there), into one flat parameter list per statement. The timestamp is bound as KST
  wall-clock parts (day, second of the day, microsecond) and turned into epoch microseconds by
  SQLite (``codec.TS_FROM_PARTS_SQL``), outside the GIL: no datetime arithmetic in Python. The
  encoding is ``codec.trade_params`` / ``codec.book_params``, with the common case (a KST time
  after the last Korean summer time, 1988) inlined for trades.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any, Literal

from kistrade.domain.types import KST, OrderBook, Side, Trade
from kistrade.store.codec import FIXED_KST_FROM, TS_FROM_PARTS_SQL, book_params, to_us, trade_params

RecordTable = Literal["ticks", "orderbooks"]

TRADES_PER_STATEMENT = 64  # 512 bound values: under SQLite's historical limit of 999 per statement
BOOKS_PER_STATEMENT = 32  # 288 bound values
_TRADE_WIDTH = 8  # values per row of codec.trade_params
_BOOK_WIDTH = 9  # values per row of codec.book_params
_COLUMNS = {
    "ticks": "symbol, ts, price, qty, aggressor, cum_volume",
    "orderbooks": "symbol, ts, best_ask, best_bid, total_ask_qty, total_bid_qty, levels",
}


def _row_sql(width: int, base: int) -> str:
    """One VALUES tuple of ``width`` parameters numbered from ``base + 1``: (?1, <ts of ?2..?4>, ?5, ...)."""
    ts = re.sub(r"\?(\d+)", lambda m: f"?{int(m.group(1)) + base}", TS_FROM_PARTS_SQL)
    rest = ", ".join(f"?{base + k}" for k in range(5, width + 1))
    return f"(?{base + 1}, {ts}, {rest})"


def _insert_sql(table: RecordTable, rows: int) -> str:
    width = _TRADE_WIDTH if table == "ticks" else _BOOK_WIDTH
    values = ", ".join(_row_sql(width, r * width) for r in range(rows))
    return f"INSERT INTO {table} ({_COLUMNS[table]}) VALUES {values}"  # noqa: S608 (constants only)


_PER_STATEMENT: dict[RecordTable, int] = {"ticks": TRADES_PER_STATEMENT, "orderbooks": BOOKS_PER_STATEMENT}
_INSERT_ONE = {t: _insert_sql(t, 1) for t in _PER_STATEMENT}
_INSERT_MANY = {t: _insert_sql(t, n) for t, n in _PER_STATEMENT.items()}
_MAX_ROWID = {
    "ticks": "SELECT COALESCE(MAX(rowid), 0) FROM ticks",
    "orderbooks": "SELECT COALESCE(MAX(rowid), 0) FROM orderbooks",
}
_SEGMENT = "INSERT INTO record_segments (tbl, first_rowid, last_rowid, min_ts, max_ts) VALUES (?, ?, ?, ?, ?)"
_SPAN = (
    "INSERT INTO record_spans (tbl, max_span) SELECT tbl, max_ts - min_ts FROM record_segments "
    "WHERE tbl = ?1 AND first_rowid = ?2 "
    "ON CONFLICT (tbl) DO UPDATE SET max_span = MAX(max_span, excluded.max_span)"
)
_BUY = Side.BUY
_TS = attrgetter("ts")


def trade_values(trades: Sequence[Trade], stop: int, per: int) -> Iterator[list[object]]:
    """Flat bind values of ``trades[:stop]``, ``per`` rows (``codec.trade_params`` each) per list."""
    kst, first, buy, slow = KST, FIXED_KST_FROM, _BUY, trade_params
    for start in range(0, stop, per):
        buf: list[object] = []
        for t in trades[start : start + per]:
            ts = t.ts
            if ts.tzinfo is kst and (day := ts.toordinal()) >= first:
                side = t.aggressor
                buf += (
                    t.symbol, day, ts.hour * 3600 + ts.minute * 60 + ts.second, ts.microsecond,
                    t.price, t.qty, None if side is None else (1 if side is buy else -1), t.cum_volume,
                )  # fmt: skip
            else:
                buf += slow(t)  # any other zone or an older KST time (exact); refuses a naive time
        yield buf


def book_values(books: Sequence[OrderBook], stop: int, per: int) -> Iterator[list[object]]:
    """Flat bind values of ``books[:stop]``, ``per`` rows (``codec.book_params`` each) per list."""
    encode = book_params
    for i in range(0, stop, per):
        buf: list[object] = []
        for b in books[i : i + per]:
            buf += encode(b)
        yield buf


async def _insert(conn: Any, table: RecordTable, events: Sequence[Trade] | Sequence[OrderBook]) -> None:
    per = _PER_STATEMENT[table]
    full = len(events) - len(events) % per
    if table == "ticks":
        trades: Sequence[Trade] = events  # type: ignore[assignment]
        if full:
            await conn.executemany(_INSERT_MANY[table], trade_values(trades, full, per))
        rest: Iterator[tuple[object, ...]] = map(trade_params, trades[full:])
    else:
        books: Sequence[OrderBook] = events  # type: ignore[assignment]
        if full:
            await conn.executemany(_INSERT_MANY[table], book_values(books, full, per))
        rest = map(book_params, books[full:])
    if full < len(events):
        await conn.executemany(_INSERT_ONE[table], rest)


async def _max_rowid(conn: Any, table: RecordTable) -> int:
    async with conn.execute(_MAX_ROWID[table]) as cur:
        row = await cur.fetchone()
    return int(row[0])


def _segment(
    table: RecordTable, events: Sequence[Trade] | Sequence[OrderBook], first: int, last: int
) -> Iterator[tuple[object, ...]]:
    """The segment row of ``events``. A generator, so that ``executemany`` computes it in aiosqlite's
    thread: the min and max timestamp in C over the events cost half of a scan of the rows in SQL."""
    stamps: Sequence[datetime] = list(map(_TS, events))
    yield table, first, last, to_us(min(stamps)), to_us(max(stamps))


async def append_segment(conn: Any, table: RecordTable, events: Sequence[Trade] | Sequence[OrderBook]) -> int:
    """Insert ``events`` (trades into ``ticks``, books into ``orderbooks``; encoded in aiosqlite's
    thread) and record their segment; returns the count. A bad event (a naive timestamp) raises
    ``InvalidInputError`` and the caller's transaction rolls back.

    Must run inside ``Database.transaction()``.
    """
    if not events:
        return 0
    before = await _max_rowid(conn, table)
    await _insert(conn, table, events)
    after = await _max_rowid(conn, table)
    if after > before:
        await conn.executemany(_SEGMENT, _segment(table, events, before + 1, after))
        await conn.execute(_SPAN, (table, before + 1))
    return after - before
