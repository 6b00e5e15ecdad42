"""BatchWriter: every row lands after close, the hot path never awaits, a full queue counts drops."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kistrade.clock import ManualClock
from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import KST, BookLevel, OrderBook, Side, Symbol, Trade
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
