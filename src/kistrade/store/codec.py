"""Conversions between domain values and SQLite column values.

Conventions (one place, so every table agrees):

- a timestamp column (``ts``, ``*_at``) is INTEGER microseconds since the Unix epoch (UTC):
  exact, sortable, 8 bytes; it is read back as a ``datetime`` in Asia/Seoul;
- a date column is TEXT ``YYYY-MM-DD``;
- money and quantities are INTEGER; ``Decimal`` values are TEXT (exact);
- a trade's aggressor is INTEGER ``1`` (buy), ``-1`` (sell) or NULL (unknown);
- an order book's levels are one BLOB (see ``pack_levels``).
"""

from __future__ import annotations

import struct
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import KST, BookLevel, OrderBook, Side, Symbol, Trade

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


_EPOCH_ORDINAL = _EPOCH.toordinal()
_KST_OFFSET_S = 9 * 3600  # fixed since 1988 (the last Korean DST); older dates take the general path


def to_us(ts: datetime) -> int:
    """A timezone-aware datetime as integer microseconds since the epoch (exact)."""
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise InvalidInputError(
            f"timestamp {ts.isoformat()} has no timezone; kistrade stores aware times only"
        )
    return (ts - _EPOCH) // _US


def from_us(us: int) -> datetime:
    """Integer microseconds since the epoch as a datetime in Asia/Seoul."""
    return (_EPOCH + timedelta(microseconds=us)).astimezone(KST)


def to_day(d: date) -> str:
    return d.isoformat()


def from_day(text: str) -> date:
    return date.fromisoformat(text)


def day_start(d: date) -> datetime:
    """The ``Bar.start`` of a daily bar: midnight of that date in Asia/Seoul."""
    return datetime(d.year, d.month, d.day, tzinfo=KST)


def bar_day(start: datetime) -> date:
    """The session date of a daily bar from its ``start`` (any time that day, read in Asia/Seoul)."""
    if start.tzinfo is None:
        raise InvalidInputError(f"bar start {start.isoformat()} has no timezone")
    return start.astimezone(KST).date()


def aggressor_side(code: int | None) -> Side | None:
    if code is None:
        return None
    return Side.BUY if code > 0 else Side.SELL


TradeRow = tuple[str, int, int, int, int | None, int]
BookRow = tuple[str, int, int | None, int | None, int, int, bytes]


# -- the recorder's insert path ---------------------------------------------------------------
# Converting a datetime to epoch microseconds in Python costs more than SQLite's insert itself, so
# the recorder binds the KST wall-clock parts (day ordinal, second of the day, microsecond) and lets
# SQLite do the arithmetic (exact integers). Three parts, not five: every bound value costs more
# (Python's bind path and SQLite's per-call mutex) than the ``h * 3600 + m * 60 + s`` it replaces.
TS_FROM_PARTS_SQL = "(?2 - 719163) * 86400000000 + ?3 * 1000000 + ?4 - 32400000000"
_BUY = Side.BUY  # a module constant: Side.BUY is an enum lookup on every access
FIXED_KST_FROM = date(1989, 1, 1).toordinal()  # KST is UTC+9 without summer time from this day on


def _exact_parts(ts: datetime) -> tuple[int, int, int]:
    """Parts that make TS_FROM_PARTS_SQL yield ``to_us(ts)`` for any aware time (old dates, other zones)."""
    seconds, micro = divmod(to_us(ts), 1_000_000)
    return _EPOCH_ORDINAL, seconds + _KST_OFFSET_S, micro


def trade_params(t: Trade) -> tuple[object, ...]:
    """Bind values for ``recording`` inserts: (symbol, day, second, us, price, qty, aggressor, cum)."""
    ts = t.ts
    side = t.aggressor
    aggr = None if side is None else (1 if side is _BUY else -1)
    if ts.tzinfo is KST and (day := ts.toordinal()) >= FIXED_KST_FROM:
        return (
            t.symbol, day, ts.hour * 3600 + ts.minute * 60 + ts.second, ts.microsecond,
            t.price, t.qty, aggr, t.cum_volume,
        )  # fmt: skip
    return (t.symbol, *_exact_parts(ts), t.price, t.qty, aggr, t.cum_volume)


def book_params(b: OrderBook) -> tuple[object, ...]:
    """Bind values for ``recording`` inserts: (symbol, day, second, us, best ask/bid, totals, levels)."""
    ts = b.ts
    asks, bids = b.asks, b.bids
    na, nb = len(asks), len(bids)
    if na > 255 or nb > 255:
        raise InvalidInputError(f"order book has {na} asks and {nb} bids; at most 255 a side")
    flat = [v for level in asks + bids for v in (level.price, level.qty)]  # as pack_levels lays them
    blob = _levels_struct(na, nb).pack(na, nb, *flat)
    best_ask = flat[0] if na and flat[0] > 0 else None
    best_bid = flat[2 * na] if nb and flat[2 * na] > 0 else None
    total_ask = sum(flat[1 : 2 * na : 2])
    total_bid = sum(flat[2 * na + 1 :: 2])
    if ts.tzinfo is KST and (day := ts.toordinal()) >= FIXED_KST_FROM:
        return (
            b.symbol, day, ts.hour * 3600 + ts.minute * 60 + ts.second, ts.microsecond,
            best_ask, best_bid, total_ask, total_bid, blob,
        )  # fmt: skip
    return (b.symbol, *_exact_parts(ts), best_ask, best_bid, total_ask, total_bid, blob)


def trade_row(t: Trade) -> TradeRow:
    side = t.aggressor
    return (
        t.symbol,
        to_us(t.ts),
        t.price,
        t.qty,
        None if side is None else (1 if side is _BUY else -1),
        t.cum_volume,
    )


def row_trade(row: tuple[str, int, int, int, int | None, int]) -> Trade:
    symbol, ts, price, qty, aggr, cum = row
    return Trade(Symbol(symbol), from_us(ts), price, qty, aggressor_side(aggr), cum)


# Order-book levels: header ``<BB`` (number of asks, number of bids), then (price, qty) pairs as
# little-endian int64, asks first (best first), then bids (best first). 10+10 levels = 322 bytes.
_HEADER = struct.Struct("<BB")


@lru_cache(maxsize=512)
def _levels_struct(n_asks: int, n_bids: int) -> struct.Struct:
    return struct.Struct(f"<BB{2 * (n_asks + n_bids)}q")


def pack_levels(asks: tuple[BookLevel, ...], bids: tuple[BookLevel, ...]) -> bytes:
    if len(asks) > 255 or len(bids) > 255:
        raise InvalidInputError(f"order book has {len(asks)} asks and {len(bids)} bids; at most 255 a side")
    flat: list[int] = []
    for level in asks:
        flat.append(level.price)
        flat.append(level.qty)
    for level in bids:
        flat.append(level.price)
        flat.append(level.qty)
    return _levels_struct(len(asks), len(bids)).pack(len(asks), len(bids), *flat)


def unpack_levels(blob: bytes) -> tuple[tuple[BookLevel, ...], tuple[BookLevel, ...]]:
    n_asks, n_bids = _HEADER.unpack_from(blob)
    values = _levels_struct(n_asks, n_bids).unpack(blob)[2:]
    levels = tuple(BookLevel(values[i], values[i + 1]) for i in range(0, len(values), 2))
    return levels[:n_asks], levels[n_asks:]


def book_row(b: OrderBook) -> BookRow:
    return (
        b.symbol,
        to_us(b.ts),
        b.best_ask,
        b.best_bid,
        sum(level.qty for level in b.asks),
        sum(level.qty for level in b.bids),
        pack_levels(b.asks, b.bids),
    )


def row_book(row: tuple[str, int, bytes]) -> OrderBook:
    symbol, ts, blob = row
    asks, bids = unpack_levels(blob)
    return OrderBook(Symbol(symbol), from_us(ts), asks, bids)
