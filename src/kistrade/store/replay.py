"""Replay recorded ticks and order books as one time-ordered stream.

``ticks`` and ``orderbooks`` have no time index (see migration 0001); each written batch is a
*segment* (rowid range + ts range). Segments overlapping [start, end) are read in order of their
first timestamp, each by one rowid-range scan, and their rows merged with a heap: a row is yielded
only once every segment that could hold an earlier row has been loaded. Memory is bounded by the
segments that overlap in time (normally one or two batches).

Order: by timestamp; at equal timestamps trades before books, then by symbol, then arrival order.
"""

from __future__ import annotations

import heapq
from collections.abc import AsyncIterator, Collection
from datetime import datetime
from typing import Any

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import OrderBook, Symbol, Trade
from kistrade.store.codec import row_book, row_trade, to_us
from kistrade.store.db import Database
from kistrade.store.recording import RecordTable

_SPANS_SQL = "SELECT tbl, max_span FROM record_spans"
_SEGMENTS_SQL = (
    "SELECT first_rowid, last_rowid, min_ts FROM record_segments "
    "WHERE tbl = ? AND min_ts >= ? AND min_ts < ? AND max_ts >= ?"
)
_ROWS_SQL = {
    "ticks": (
        "SELECT rowid, symbol, ts, price, qty, aggressor, cum_volume FROM ticks "
        "WHERE rowid BETWEEN ? AND ? AND ts >= ? AND ts < ?"
    ),
    "orderbooks": (
        "SELECT rowid, symbol, ts, levels FROM orderbooks WHERE rowid BETWEEN ? AND ? AND ts >= ? AND ts < ?"
    ),
}
_RANK = {"ticks": 0, "orderbooks": 1}
_ALL: tuple[RecordTable, ...] = ("ticks", "orderbooks")


async def replay_events(
    db: Database,
    start: datetime,
    end: datetime,
    symbols: Collection[Symbol] | None = None,
    *,
    tables: Collection[RecordTable] = _ALL,
) -> AsyncIterator[Trade | OrderBook]:
    """Rows of ``tables`` with start <= ts < end (only ``symbols`` if given), merged in time order."""
    if end < start:
        raise InvalidInputError(f"replay: end {end.isoformat()} is before start {start.isoformat()}")
    lo, hi = to_us(start), to_us(end)
    wanted = None if symbols is None else {str(s) for s in symbols}
    spans = dict(await db.fetchall(_SPANS_SQL))
    segments: list[tuple[RecordTable, int, int, int]] = []
    for wanted_table in sorted(set(tables)):
        if wanted_table in spans:
            rows = await db.fetchall(_SEGMENTS_SQL, (wanted_table, lo - spans[wanted_table], hi, lo))
            segments.extend((wanted_table, first, last, min_ts) for first, last, min_ts in rows)
    segments.sort(key=lambda seg: (seg[3], seg[0], seg[1]))
    heap: list[tuple[int, int, str, int, Any]] = []
    next_segment = 0
    while heap or next_segment < len(segments):
        # load every segment that may hold a row at or before the heap's earliest row
        while next_segment < len(segments) and (not heap or segments[next_segment][3] <= heap[0][0]):
            table, first, last, _ = segments[next_segment]
            next_segment += 1
            rank = _RANK[table]
            for row in await db.fetchall(_ROWS_SQL[table], (first, last, lo, hi)):
                if wanted is None or row[1] in wanted:
                    heap.append((row[2], rank, row[1], row[0], row))
            heapq.heapify(heap)
        if not heap:
            continue
        _, rank, _, _, row = heapq.heappop(heap)
        yield row_trade(row[1:]) if rank == 0 else row_book(row[1:])
