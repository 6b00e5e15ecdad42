"""BatchWriter: every row lands after close, the hot path never awaits, a full queue counts drops."""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from kistrade.clock import ManualClock
from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import KST, BookLevel, OrderBook, Side, Symbol, Trade
from kistrade.store.codec import to_us
from kistrade.store.sqlite_store import SqliteStore
from kistrade.store.writer import BatchWriter, WriterStats

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=KST)
SAMSUNG = Symbol("005930")


@pytest.fixture(params=["file", "memory"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqliteStore]:
    path = tmp_path / "writer.db" if request.param == "file" else ":memory:"
    s = await SqliteStore.open(path, clock=ManualClock(T0))
    yield s
    await s.close()


def events(n: int) -> list[Trade | OrderBook]:
    out: list[Trade | OrderBook] = []
    for i in range(n):
        ts = T0 + timedelta(microseconds=250 * i)
        if i % 5 == 4:
            out.append(OrderBook(SAMSUNG, ts, (BookLevel(70_100, i),), (BookLevel(70_000, i + 1),)))
        else:
            out.append(Trade(SAMSUNG, ts, 70_000 + i % 13, 1 + i % 3, Side.SELL, i))
    return out


async def count(store: SqliteStore, table: str) -> int:
    row = await store.db.fetchone(f"SELECT COUNT(*) FROM {table}")
    assert row is not None
    return int(row[0])


async def test_all_rows_land_after_close_in_order(store: SqliteStore) -> None:
    items = events(2_345)
    writer = await BatchWriter(store.db, batch_size=100, flush_interval=0.01).start()
    for i, e in enumerate(items):
        assert writer.put_nowait(e)
        if i % 97 == 0:
            await asyncio.sleep(0)  # let the background task run now and then
    stats = await writer.close()
    assert stats.rows_written == len(items) == await count(store, "ticks") + await count(store, "orderbooks")
    assert stats.trades_written == sum(isinstance(e, Trade) for e in items)
    assert stats.batches >= 2 and stats.dropped == 0 and stats.failed_rows == 0 and stats.queue_depth == 0
    assert stats.max_lag_s >= stats.last_lag_s > 0
    replayed = [e async for e in store.replay(T0, T0 + timedelta(minutes=1))]
    assert replayed == items
    assert writer.put_nowait(items[0]) is False  # after close: dropped and counted, never raised
    assert writer.stats().dropped == 1


def batch_seen() -> tuple[asyncio.Event, list[WriterStats], Callable[[WriterStats], None]]:
    seen = asyncio.Event()
    log: list[WriterStats] = []

    def on_batch(stats: WriterStats) -> None:
        log.append(stats)
        seen.set()

    return seen, log, on_batch


async def test_interval_flushes_without_close(store: SqliteStore) -> None:
    seen, log, on_batch = batch_seen()
    writer = await BatchWriter(store.db, batch_size=10_000, flush_interval=0.02, on_batch=on_batch).start()
    for e in events(10):
        writer.put_nowait(e)
    await asyncio.wait_for(seen.wait(), 10)  # flushed by the interval: not full, not closed
    # one flush: one transaction for the 8 trades, one for the 2 books
    assert (log[0].trades_written, log[0].books_written, log[0].batches, log[0].queue_depth) == (8, 2, 2, 0)
    assert log[0].last_lag_s >= 0.02
    await writer.close()


async def test_size_flush_wakes_the_writer_before_the_interval(store: SqliteStore) -> None:
    seen, log, on_batch = batch_seen()
    writer = await BatchWriter(store.db, batch_size=50, flush_interval=3600, on_batch=on_batch).start()
    for e in events(50):
        writer.put_nowait(e)
    await asyncio.wait_for(seen.wait(), 10)  # would time out if only the 1 h interval flushed
    assert log[0].rows_written == 50
    await writer.close()


async def test_hot_path_is_synchronous_and_does_not_yield(store: SqliteStore) -> None:
    writer = await BatchWriter(store.db, batch_size=10, flush_interval=0.001).start()
    assert not inspect.iscoroutinefunction(writer.put_nowait)
    ran: list[int] = []
    async with store.db.transaction():  # the database is busy: a waiting put would deadlock here
        other = asyncio.get_running_loop().call_soon(ran.append, 1)
        for e in events(500):
            writer.put_nowait(e)
        assert ran == []  # no put gave the loop a chance to run anything
        assert writer.stats().queue_depth == 500
    other.cancel()
    stats = await writer.close()
    assert stats.rows_written == 500


async def test_full_queue_drops_newest_and_counts(store: SqliteStore) -> None:
    writer = BatchWriter(store.db, batch_size=1_000, flush_interval=3600, max_pending=100)
    await writer.start()
    items = events(150)
    accepted = [writer.put_nowait(e) for e in items]
    assert accepted == [True] * 100 + [False] * 50
    assert writer.stats().dropped == 50 and writer.stats().max_queue_depth == 100
    stats = await writer.close()
    assert stats.rows_written == 100
    assert [e async for e in store.replay(T0, T0 + timedelta(minutes=1))] == items[:100]


async def test_a_failed_batch_is_counted_and_recording_goes_on(store: SqliteStore) -> None:
    seen, log, on_batch = batch_seen()
    writer = await BatchWriter(store.db, batch_size=3, flush_interval=3600, on_batch=on_batch).start()
    bad = Trade(SAMSUNG, datetime(2026, 1, 5, 9, 0), 1, 1)  # naive ts: encoding fails in the batch
    for e in [*events(2), bad]:
        writer.put_nowait(e)
    await asyncio.wait_for(seen.wait(), 10)
    assert (log[0].failed_rows, log[0].rows_written) == (3, 0)
    for e in events(3):
        writer.put_nowait(e)
    stats = await writer.close()
    assert (stats.failed_rows, stats.rows_written) == (3, 3)
    assert await count(store, "ticks") + await count(store, "orderbooks") == 3  # the bad batch left nothing


async def test_close_without_start_still_flushes(store: SqliteStore) -> None:
    writer = BatchWriter(store.db)
    for e in events(7):
        writer.put_nowait(e)
    assert (await writer.close()).rows_written == 7


def test_bad_settings_are_named(store: SqliteStore) -> None:
    with pytest.raises(InvalidInputError, match=r"batch_size \(0\)"):
        BatchWriter(store.db, batch_size=0)


def mixed_events(trades: int, books: int) -> list[Trade | OrderBook]:
    """Trades and books in several zones (the fast KST path and the exact slow path: UTC, +05:45,
    KST before 1989 when Korea had summer time), with and without an aggressor."""
    zones = [KST, UTC, timezone(timedelta(hours=5, minutes=45))]
    out: list[Trade | OrderBook] = []
    for i in range(trades):
        ts = (T0 + timedelta(microseconds=999_983 * i)).astimezone(zones[i % 3])
        side = (Side.BUY, Side.SELL, None)[i % 3]
        out.append(Trade(Symbol(("005930", "000660")[i % 2]), ts, 70_000 + i, 1 + i, side, 10 * i))
    for i in range(books):
        ts = (T0 + timedelta(microseconds=777_777 * i + 1)).astimezone(zones[(i + 1) % 3])
        asks = tuple(BookLevel(70_100 + 100 * k, 1 + k + i) for k in range(i % 11))
        out.append(OrderBook(SAMSUNG, ts, asks, (BookLevel(70_000, 5),)))
    return out


@pytest.mark.parametrize(("trades", "books"), [(1, 1), (63, 31), (64, 32), (65, 33), (129, 97), (640, 0)])
async def test_multi_row_statements_store_every_row_exactly(
    store: SqliteStore, trades: int, books: int
) -> None:
    """Batches that are not a multiple of the rows per statement, in any zone: replay == input."""
    items = mixed_events(trades, books)
    writer = BatchWriter(store.db, batch_size=len(items))
    for e in items:
        assert writer.put_nowait(e)
    stats = await writer.close()
    assert (stats.trades_written, stats.books_written, stats.failed_rows) == (trades, books, 0)
    replayed = [e async for e in store.replay(T0, T0 + timedelta(days=1))]
    key = lambda e: (e.ts, isinstance(e, OrderBook), e.symbol)  # noqa: E731
    assert replayed == sorted(items, key=key)
    rows = await store.db.fetchall("SELECT ts FROM ticks ORDER BY rowid")
    assert [r[0] for r in rows] == [to_us(e.ts) for e in items if isinstance(e, Trade)]


async def test_old_kst_times_take_the_exact_path(store: SqliteStore) -> None:
    summer = datetime(1988, 7, 1, 9, 0, tzinfo=KST)  # UTC+10 that day (Korean summer time)
    assert summer.utcoffset() == timedelta(hours=10)
    assert await store.append_trades([Trade(SAMSUNG, summer, 1, 1)]) == 1
    row = await store.db.fetchone("SELECT ts FROM ticks")
    assert row == (to_us(summer),)


async def test_background_checkpoints_copy_commits_into_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "ckpt.db"
    store = await SqliteStore.open(path, clock=ManualClock(T0))
    try:
        writer = BatchWriter(store.db, batch_size=500)
        for e in events(2_000):
            writer.put_nowait(e)
        await writer.close()
        await store.db.checkpoints_settled()
        assert store.db.checkpoints >= 1
        # immutable=1 reads the database file alone, ignoring the WAL: the rows must be there
        raw = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        try:
            n = raw.execute(
                "SELECT (SELECT COUNT(*) FROM ticks) + (SELECT COUNT(*) FROM orderbooks)"
            ).fetchone()
        finally:
            raw.close()
        assert n == (2_000,)
    finally:
        await store.close()


@pytest.mark.parametrize(
    ("batch_size", "max_pending", "n"), [(1, 5, 9), (3, 7, 7), (4, 10, 23), (50, 10, 12)]
)
async def test_exactly_max_pending_are_accepted_whatever_the_batch_size(
    store: SqliteStore, batch_size: int, max_pending: int, n: int
) -> None:
    """The fast path's budget never lets one event too many in, at any batch size."""
    writer = BatchWriter(store.db, batch_size=batch_size, flush_interval=3600, max_pending=max_pending)
    items = events(n)
    accepted = [writer.put_nowait(e) for e in items]
    assert accepted == [True] * min(n, max_pending) + [False] * max(0, n - max_pending)
    trades = sum(isinstance(e, Trade) for e in items)
    assert writer.received() == (trades, n - trades)  # dropped ones included
    assert writer.stats().queue_depth == min(n, max_pending)
    stats = await writer.close()
    assert stats.rows_written == min(n, max_pending) and stats.dropped == max(0, n - max_pending)


async def test_written_batches_give_their_room_back(store: SqliteStore) -> None:
    seen, log, on_batch = batch_seen()
    writer = await BatchWriter(
        store.db, batch_size=10, flush_interval=3600, max_pending=10, on_batch=on_batch
    ).start()
    items = events(40)
    assert [writer.put_nowait(e) for e in items[:15]] == [True] * 10 + [False] * 5
    await asyncio.wait_for(seen.wait(), 10)  # the full batch woke the task; it is written
    assert log[0].rows_written == 10 and log[0].queue_depth == 0
    assert all(writer.put_nowait(e) for e in items[15:25])  # room again for a whole batch
    assert writer.put_nowait(items[25]) is False
    stats = await writer.close()
    assert (stats.rows_written, stats.dropped) == (20, 6)
    trades = sum(isinstance(e, Trade) for e in items[:26])
    assert writer.received() == (trades, 26 - trades)  # 26 put: 20 written, 6 dropped


async def test_newest_ts_follows_queued_and_written_events(store: SqliteStore) -> None:
    writer = BatchWriter(store.db, batch_size=100)
    assert writer.newest_ts() is None
    items = events(10)  # books at 4 and 9: the newest is the last book
    for e in items:
        writer.put_nowait(e)
    assert writer.newest_ts() == items[-1].ts
    await writer.close()
    assert writer.newest_ts() == items[-1].ts  # remembered after the flush


def test_other_types_are_refused_by_name(store: SqliteStore) -> None:
    writer = BatchWriter(store.db)
    with pytest.raises(InvalidInputError, match="not str"):
        writer.put_nowait("trade")  # type: ignore[arg-type]
    assert writer.received() == (0, 0) and writer.stats().queue_depth == 0
