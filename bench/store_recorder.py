"""Recorder throughput with event-loop lag measured at the same time, next to raw aiosqlite batches.

    uv run --frozen python bench/store_recorder.py [--rows 1000000] [--batch 20000] [--books 0.25]

Runs, each on a fresh WAL database file in a temporary directory:

1. ``recorder``: the path of ``kistrade record`` after the socket: a producer task hands prebuilt
   ``Trade``/``OrderBook`` events to ``Recorder.put`` and yields to the loop every ``--chunk``
   events (as a WebSocket reader does between frames); ``Recorder.put`` (which is
   ``BatchWriter.put_nowait``) -> batched multi-row inserts in aiosqlite's thread. rows/s counts
   from the first event to the end of ``BatchWriter.close()`` (everything committed).
1b. ``recorder via Recorder.run``: the same, but through ``Recorder.run`` over an async generator
   of the events (one ``__anext__`` per event, as ``kistrade record`` consumes the WebSocket's
   stream): the feed's own per-event cost is included.
2. ``raw aiosqlite``: the peer. Rows already encoded as tuples, ``BEGIN`` / ``executemany`` /
   ``COMMIT`` per batch of the same size, straight from a coroutine.
3. ``raw + trade_row on loop``: as 2, but first encoding the domain events with the plain
   ``trade_row``/``book_row`` (exact datetime arithmetic) on the event loop, as a naive recorder
   would: compare its max loop lag with the recorder's.

During each run a task sleeps 1 ms in a loop and records its overshoot: loop lag p50/p99/max.
``cpu`` is the process's CPU time over the run (all threads), also per row: on a loaded machine it
varies less than the wall time, and the recorder's (with its background checkpoints) compares with
raw's. The raw peer's rows are encoded before its clock starts; the recorder's are not.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from kistrade.app.recorder import Recorder
from kistrade.clock import WallClock
from kistrade.domain.types import KST, BookLevel, OrderBook, Side, Symbol, Trade
from kistrade.store.codec import book_row, trade_row
from kistrade.store.db import Database
from kistrade.store.market_repo import INSERT_BOOK, INSERT_TRADE
from kistrade.store.writer import BatchWriter

SYMBOLS = [Symbol(s) for s in ("005930", "000660", "035420", "005380", "069500")]


def make_events(rows: int, book_share: float) -> list[Trade | OrderBook]:
    t0 = datetime(2026, 1, 5, 9, 0, tzinfo=KST)
    every = round(1 / book_share) if book_share > 0 else 0
    events: list[Trade | OrderBook] = []
    for i in range(rows):
        symbol = SYMBOLS[i % len(SYMBOLS)]
        ts = t0 + timedelta(microseconds=100 * i)
        price = 70_000 + (i % 50) * 100
        if every and i % every == 0:
            asks = tuple(BookLevel(price + 100 * (k + 1), 100 + k) for k in range(10))
            bids = tuple(BookLevel(price - 100 * k, 200 + k) for k in range(10))
            events.append(OrderBook(symbol, ts, asks, bids))
        else:
            events.append(Trade(symbol, ts, price, 1 + i % 7, Side.BUY if i % 2 else Side.SELL, i))
    return events


class LagProbe:
    """Sleeps 1 ms in a loop; the overshoot of each sleep is the event loop's lag."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = False

    async def run(self) -> None:
        while not self._stop:
            start = time.perf_counter()
            await asyncio.sleep(0.001)
            self.samples.append(time.perf_counter() - start - 0.001)

    def stop(self) -> None:
        self._stop = True

    def summary(self) -> str:
        s = sorted(self.samples)
        if not s:
            return "no samples"
        p50 = statistics.median(s)
        p99 = s[min(len(s) - 1, int(len(s) * 0.99))]
        head = f"loop lag p50 {p50 * 1e3:6.2f} ms  p99 {p99 * 1e3:6.2f} ms"
        return f"{head}  max {s[-1] * 1e3:6.2f} ms (n={len(s)})"


async def measured(name: str, rows: int, body: Callable[[], Awaitable[None]]) -> float:
    probe = LagProbe()
    task = asyncio.create_task(probe.run())
    await asyncio.sleep(0.01)
    start, cpu = time.perf_counter(), time.process_time()
    await body()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    probe.stop()
    await task
    rate = rows / elapsed
    print(
        f"{name:<26} {rate:>12,.0f} rows/s  ({elapsed:5.2f} s, cpu {cpu:5.2f} s = "
        f"{cpu / rows * 1e6:4.2f} us/row)  {probe.summary()}"
    )
    return rate


async def count_rows(db: Database) -> int:
    t = await db.fetchone("SELECT (SELECT COUNT(*) FROM ticks) + (SELECT COUNT(*) FROM orderbooks)")
    return 0 if t is None else int(t[0])


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--chunk", type=int, default=1_000, help="producer yields every N events")
    parser.add_argument("--books", type=float, default=0.0, help="share of order books among events")
    args = parser.parse_args()
    events = make_events(args.rows, args.books)
    print(
        f"{args.rows:,} events ({args.books:.0%} books), batch {args.batch:,}, producer chunk {args.chunk:,}"
    )

    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "recorder.db")
        writer = BatchWriter(db, batch_size=args.batch, max_pending=max(args.rows, 1))

        put_seconds = 0.0

        async def recorder() -> None:
            nonlocal put_seconds
            rec = Recorder(await writer.start(), WallClock())
            put = rec.put
            for i in range(0, len(events), args.chunk):
                started = time.perf_counter()
                for event in events[i : i + args.chunk]:
                    put(event)
                put_seconds += time.perf_counter() - started
                await asyncio.sleep(0)
            await writer.close()

        rec_rate = await measured("recorder (Recorder.put)", args.rows, recorder)
        stats = writer.stats()
        assert await count_rows(db) == args.rows == stats.rows_written, stats
        print(
            f"{'':<26} batches {stats.batches}, max queue {stats.max_queue_depth:,}, "
            f"dropped {stats.dropped}, max lag to disk {stats.max_lag_s * 1e3:.0f} ms, "
            f"hot path Recorder.put {put_seconds / args.rows * 1e9:.0f} ns/event"
        )
        from kistrade.store.replay import replay_events

        started = time.perf_counter()
        replayed = 0
        async for _ in replay_events(db, events[0].ts, events[-1].ts + timedelta(seconds=1)):
            replayed += 1
        elapsed = time.perf_counter() - started
        assert replayed == args.rows
        print(f"{'replay (time-ordered)':<26} {replayed / elapsed:>12,.0f} rows/s  ({elapsed:6.2f} s)")
        await db.close()

        db = await Database.open(Path(tmp) / "recorder_run.db")
        run_writer = BatchWriter(db, batch_size=args.batch, max_pending=max(args.rows, 1))

        async def stream() -> AsyncIterator[Trade | OrderBook]:
            for i in range(0, len(events), args.chunk):
                for event in events[i : i + args.chunk]:
                    yield event
                await asyncio.sleep(0)

        async def recorder_run() -> None:
            rec = Recorder(await run_writer.start(), WallClock(), progress_every=3600)
            result = await rec.run(stream())
            assert result.reason == "stream ended" and result.writer.rows_written == args.rows, result

        await measured("recorder via Recorder.run", args.rows, recorder_run)
        assert await count_rows(db) == args.rows
        await db.close()

        encoded_trades = [trade_row(e) for e in events if isinstance(e, Trade)]
        encoded_books = [book_row(e) for e in events if isinstance(e, OrderBook)]

        async def raw(
            db: Database, trades: Sequence[tuple[object, ...]], books: Sequence[tuple[object, ...]]
        ) -> None:
            share = len(trades) / max(1, len(trades) + len(books))
            t_step = max(1, round(args.batch * share))
            b_step = max(1, args.batch - t_step)
            ti = bi = 0
            while ti < len(trades) or bi < len(books):
                async with db.transaction() as conn:
                    if ti < len(trades):
                        await conn.executemany(INSERT_TRADE, trades[ti : ti + t_step])
                    if bi < len(books):
                        await conn.executemany(INSERT_BOOK, books[bi : bi + b_step])
                ti += t_step
                bi += b_step

        db = await Database.open(Path(tmp) / "raw.db")
        raw_rate = await measured(
            "raw aiosqlite executemany", args.rows, lambda: raw(db, encoded_trades, encoded_books)
        )
        assert await count_rows(db) == args.rows
        await db.close()

        db = await Database.open(Path(tmp) / "raw_encode.db")

        async def raw_encode() -> None:
            trades = [trade_row(e) for e in events if isinstance(e, Trade)]
            books = [book_row(e) for e in events if isinstance(e, OrderBook)]
            await raw(db, trades, books)

        await measured("raw + trade_row on loop", args.rows, raw_encode)
        await db.close()

    print(f"recorder / raw aiosqlite = {rec_rate / raw_rate:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
