"""Append ticks or books in the current transaction and register the batch in ``record_segments``.

Rowids of a rowid table grow by one per insert (max + 1), and only one writer runs at a time
(``Database.transaction``), so the rows of one ``executemany`` occupy the rowid range
(max before, max after]; that range and the batch's ts range become one segment row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from kistrade.store.codec import TS_FROM_PARTS_SQL

RecordTable = Literal["ticks", "orderbooks"]

# rows are kistrade.store.codec.trade_params / book_params: the ts is computed by SQLite from parts
_INSERT = {
    "ticks": (
        "INSERT INTO ticks (symbol, ts, price, qty, aggressor, cum_volume) VALUES "
        "(?1, ((?2 - 719163) * 86400 + ?3 * 3600 + ?4 * 60 + ?5 - 32400) * 1000000 + ?6, ?7, ?8, ?9, ?10)"
    ),
    "orderbooks": (
        "INSERT INTO orderbooks (symbol, ts, best_ask, best_bid, total_ask_qty, total_bid_qty, levels) "
        "VALUES (?1, ((?2 - 719163) * 86400 + ?3 * 3600 + ?4 * 60 + ?5 - 32400) * 1000000 + ?6, "
        "?7, ?8, ?9, ?10, ?11)"
    ),
}
assert all(TS_FROM_PARTS_SQL in sql for sql in _INSERT.values())
_MAX_ROWID = {
    "ticks": "SELECT COALESCE(MAX(rowid), 0) FROM ticks",
    "orderbooks": "SELECT COALESCE(MAX(rowid), 0) FROM orderbooks",
}
_SEGMENT = {
    "ticks": (
        "INSERT INTO record_segments (tbl, first_rowid, last_rowid, min_ts, max_ts) "
        "SELECT 'ticks', ?1, ?2, MIN(ts), MAX(ts) FROM ticks WHERE rowid BETWEEN ?1 AND ?2"
    ),
    "orderbooks": (
        "INSERT INTO record_segments (tbl, first_rowid, last_rowid, min_ts, max_ts) "
        "SELECT 'orderbooks', ?1, ?2, MIN(ts), MAX(ts) FROM orderbooks WHERE rowid BETWEEN ?1 AND ?2"
    ),
}


_SPAN = (
    "INSERT INTO record_spans (tbl, max_span) SELECT tbl, max_ts - min_ts FROM record_segments "
    "WHERE tbl = ?1 AND first_rowid = ?2 "
    "ON CONFLICT (tbl) DO UPDATE SET max_span = MAX(max_span, excluded.max_span)"
)


async def _max_rowid(conn: Any, table: RecordTable) -> int:
    async with conn.execute(_MAX_ROWID[table]) as cur:
        row = await cur.fetchone()
    return int(row[0])


async def append_segment(conn: Any, table: RecordTable, rows: Iterable[tuple[Any, ...]]) -> int:
    """Insert ``rows`` (``trade_params``/``book_params`` tuples, possibly a lazy ``map`` that then runs
    in aiosqlite's thread) and record their segment; returns the count.

    Must run inside ``Database.transaction()``.
    """
    before = await _max_rowid(conn, table)
    await conn.executemany(_INSERT[table], rows)
    after = await _max_rowid(conn, table)
    if after > before:
        await conn.execute(_SEGMENT[table], (before + 1, after))
        await conn.execute(_SPAN, (table, before + 1))
    return after - before
