"""The recorder against the real simulator: trades and books over the KIS WebSocket into a store
file, stopped at --until on the simulated clock; what was written replays in time order. Also a
cancelled recorder (Ctrl-C) flushes everything it had queued."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

from kistrade.app.recorder import Recorder, RecorderProgress, record
from kistrade.clock import ManualClock
from kistrade.domain.types import KST, BookLevel, OrderBook, Symbol, Trade
from kistrade.kis.client.commands import fetch_sim_clock
from kistrade.kis.client.facade import KisClientConfig
from kistrade.kis.simulator.config import SimConfig
from kistrade.kis.simulator.server import start_simulator
from kistrade.store.db import Database
from kistrade.store.sqlite_store import SqliteStore
from kistrade.store.writer import BatchWriter

DAY = date(2026, 11, 24)
SYMS = [Symbol("005930"), Symbol("000660")]


async def test_record_until_then_replay_in_order(tmp_path: Path) -> None:
    config = SimConfig(seed=5, start_date=DAY, start=time(9, 5), speed=120.0, token_min_interval_s=0.0)
    db_file = tmp_path / "rec.db"
    lines: list[RecorderProgress] = []
    async with start_simulator(config) as sim:
        c = sim.credentials
        cfg = KisClientConfig(
            env=sim.env,
            app_key=c.app_key,
            app_secret=c.app_secret,
            rest_url=sim.rest_url,
            ws_url=sim.ws_url,
            data_dir=tmp_path,
            token_min_interval=0.0,
            timeout=5.0,
        )
        clock = await fetch_sim_clock(sim.rest_url)
        until = clock.now() + timedelta(minutes=4)  # 2 wall seconds at x120
        result = await record(
            cfg,
            clock,
            db_file,
            [str(s) for s in SYMS],
            until=until,
            on_progress=lines.append,
            progress_every=0.2,
        )
        assert clock.now() >= until
    assert result.reason == "until"
    w = result.writer
    p = result.progress
    print(
        f"recorder vs sim x120: {p.frames} frames ({p.frames / p.elapsed_s:,.0f}/s), "
        f"{w.rows_written} rows, max write lag {w.max_lag_s * 1000:.1f} ms"
    )
    assert lines, "no progress line"
    assert "frames" in lines[-1].line()
    assert p.trades > 50 and p.books > 50
    assert w.trades_written == p.trades and w.books_written == p.books
    assert w.dropped == 0 and w.failed_rows == 0 and w.queue_depth == 0
    assert p.frames >= 1

    async with await SqliteStore.open(db_file) as store:
        start = datetime.combine(DAY, time(0), KST)
        events = [e async for e in store.replay(start, start + timedelta(days=1))]
        assert len(events) == w.rows_written
        stamps = [e.ts for e in events]
        assert stamps == sorted(stamps)
        assert {e.symbol for e in events} == set(SYMS)
        for sym in SYMS:
            trades = [t async for t in store.iter_trades(sym, start, start + timedelta(days=1))]
            assert trades, sym
            cum = [t.cum_volume for t in trades]
            assert cum == sorted(cum)  # the day's cumulative volume never goes back: no reordering
            assert all(t.ts < until + timedelta(seconds=30) for t in trades)


async def test_cancelled_recorder_flushes_everything_queued(tmp_path: Path) -> None:
    clock = ManualClock(datetime(2026, 11, 24, 10, 0, tzinfo=KST))
    db = await Database.open(tmp_path / "cancel.db")
    put = asyncio.Event()
    n = 5_000

    async def stream() -> AsyncIterator[object]:
        base = clock.now()
        for i in range(n):
            ts = base + timedelta(microseconds=i)
            yield Trade(SYMS[0], ts, 70_000 + i % 7 * 100, 1 + i % 5, None, i)
            yield OrderBook(SYMS[0], ts, (BookLevel(70_100, 10),), (BookLevel(70_000, 12),))
        put.set()
        await asyncio.Event().wait()  # a live stream never ends on its own

    writer = await BatchWriter(db, batch_size=100_000, flush_interval=60.0).start()
    recorder = Recorder(writer, clock)
    task = asyncio.create_task(recorder.run(stream()))
    await asyncio.wait_for(put.wait(), 10.0)
    assert writer.stats().rows_written == 0  # all still queued (batch and interval not reached)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert recorder.reason == "cancelled"
    stats = writer.stats()
    assert stats.rows_written == 2 * n and stats.queue_depth == 0
    store = SqliteStore(db)
    start = clock.now() - timedelta(seconds=1)
    replayed = [e async for e in store.replay(start, start + timedelta(minutes=1))]
    assert len(replayed) == 2 * n
    assert [e.ts for e in replayed] == sorted(e.ts for e in replayed)
    await store.close()
