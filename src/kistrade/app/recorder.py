"""The recorder: trades and books from the KIS stream into the store, batched off the hot path.

``Recorder`` consumes any async stream of events (the KIS WebSocket's, or a test's) and puts every
``Trade``/``OrderBook`` into a ``BatchWriter`` (``put_nowait``: never waits on disk). It stops at
``until`` (a time on the target's clock), after ``max_events``, when ``stop()`` is called, or when
the task is cancelled (Ctrl-C); in every case the writer is closed, which flushes what is queued.

``record(...)`` wires it to a KIS target (sim, paper, live): one ``KisClient``, its WebSocket
subscribed to trades and books of the symbols, and one store file.
"""

from __future__ import annotations

import asyncio
import contextlib
import time as _time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kistrade.domain.types import OrderBook, Symbol, Trade, parse_symbol
from kistrade.kis.client.facade import KisClient, KisClientConfig
from kistrade.ports import Clock
from kistrade.store.db import Database
from kistrade.store.writer import BatchWriter, WriterStats

_RECORDED = (Trade, OrderBook)


@dataclass(frozen=True, slots=True)
class RecorderProgress:
    """One progress line: rates since the previous line, totals since the start."""

    elapsed_s: float
    events: int  # trades + books received
    trades: int
    books: int
    other: int  # notices, gaps: received, not recorded
    events_per_s: float
    frames: int  # WebSocket frames (one frame may carry several records); 0 without a socket
    frames_per_s: float
    rows_written: int
    queue_depth: int
    dropped: int
    write_lag_s: float  # the last batch's age when written
    data_lag_s: float  # clock.now() - the last event's timestamp (feed delay)

    def line(self) -> str:
        return (
            f"{self.elapsed_s:7.1f}s  frames {self.frames:,} ({self.frames_per_s:,.0f}/s)  "
            f"events {self.events:,} ({self.events_per_s:,.0f}/s: {self.trades:,} trades, "
            f"{self.books:,} books)  written {self.rows_written:,}  queue {self.queue_depth:,}  "
            f"dropped {self.dropped:,}  lag write {self.write_lag_s * 1000:.0f} ms / "
            f"data {self.data_lag_s * 1000:.0f} ms"
        )


@dataclass(frozen=True, slots=True)
class RecordResult:
    progress: RecorderProgress
    writer: WriterStats
    reason: str  # "until", "max_events", "stopped", "cancelled", "stream ended"


class Recorder:
    """Stream events -> ``BatchWriter``, with progress and a clean stop.

    ``put(event)`` is the hot path for one trade or book (the writer's ``put_nowait`` itself unless
    ``max_events`` is set; anything else raises ``InvalidInputError``); ``run`` consumes a stream and
    counts and skips other events (notices, gaps) in ``other``.
    """

    def __init__(
        self,
        writer: BatchWriter,
        clock: Clock,
        *,
        until: datetime | None = None,
        max_events: int | None = None,
        progress_every: float = 1.0,
        on_progress: Callable[[RecorderProgress], None] | None = None,
        frames: Callable[[], int] | None = None,
    ) -> None:
        self.writer = writer
        self.clock = clock
        self.until = until
        self.max_events = max_events
        self.progress_every = progress_every
        self.on_progress = on_progress
        self._frames = frames or (lambda: 0)
        self._stop = asyncio.Event()
        self.other = 0
        self._counted = 0  # trades and books put, counted only when max_events is set
        self._stopping = False
        # The hot path is the writer's own put_nowait (one call per event; the trade and book
        # counts and the newest timestamp are the writer's); with max_events, a put that counts.
        self.put: Callable[[Trade | OrderBook], bool] = (
            writer.put_nowait if max_events is None else self._put_counted
        )
        self._started = 0.0
        self._prev = (0.0, 0, 0)  # (monotonic, events, frames) at the previous progress line
        self.reason = ""

    def stop(self, reason: str = "stopped") -> None:
        self.reason = self.reason or reason
        self._stopping = True
        self._stop.set()

    @property
    def trades(self) -> int:
        """Trades received (recorded, queued or dropped by the writer)."""
        return self.writer.received()[0]

    @property
    def books(self) -> int:
        return self.writer.received()[1]

    def _put_counted(self, event: Trade | OrderBook) -> bool:
        """``put`` with ``max_events``: queue, then stop once ``max_events`` were put."""
        queued = self.writer.put_nowait(event)
        self._counted += 1
        if self.max_events is not None and self._counted >= self.max_events:
            self.stop("max_events")
        return queued

    def progress(self) -> RecorderProgress:
        now = _time.monotonic()
        trades, books = self.writer.received()
        events = trades + books
        frames = self._frames()
        t0, e0, f0 = self._prev
        span = max(1e-9, now - (t0 or self._started))
        self._prev = (now, events, frames)
        w = self.writer.stats()
        lag = 0.0
        newest = self.writer.newest_ts()
        if newest is not None:
            lag = max(0.0, (self.clock.now() - newest).total_seconds())
        return RecorderProgress(
            elapsed_s=now - self._started,
            events=events,
            trades=trades,
            books=books,
            other=self.other,
            events_per_s=(events - e0) / span,
            frames=frames,
            frames_per_s=(frames - f0) / span,
            rows_written=w.rows_written,
            queue_depth=w.queue_depth,
            dropped=w.dropped,
            write_lag_s=w.last_lag_s,
            data_lag_s=lag,
        )

    async def run(self, events: AsyncIterator[object]) -> RecordResult:
        """Record ``events`` until a stop condition; always closes (flushes) the writer."""
        self._started = _time.monotonic()
        self._prev = (self._started, 0, self._frames())
        pump = asyncio.create_task(self._pump(events), name="recorder.pump")
        try:
            while not self._stop.is_set():
                if self.until is not None and self.clock.now() >= self.until:
                    self.stop("until")
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self._tick())
                if self.on_progress is not None:
                    self.on_progress(self.progress())
        except asyncio.CancelledError:
            self.reason = self.reason or "cancelled"
            raise
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
            final = await self.writer.close()
        overall = self.progress()
        return RecordResult(overall, final, self.reason or "stopped")

    def _tick(self) -> float:
        """Wall seconds to the next progress line or to ``until``, whichever is sooner."""
        wait = self.progress_every
        if self.until is not None:
            left = (self.until - self.clock.now()).total_seconds()
            speed = float(getattr(self.clock, "speed", 1.0) or 1.0)
            wait = min(wait, max(0.01, left / speed))
        return wait

    async def _pump(self, events: AsyncIterator[object]) -> None:
        """Trades and books to ``put``; anything else (notices, gaps) is counted and skipped."""
        put, recorded = self.put, _RECORDED
        async for ev in events:
            if isinstance(ev, recorded):
                put(ev)
            else:
                self.other += 1
            if self._stopping:
                return
        self.stop("stream ended")


async def record(
    config: KisClientConfig,
    clock: Clock,
    db_path: Path | str,
    symbols: list[str],
    *,
    until: datetime | None = None,
    max_events: int | None = None,
    on_progress: Callable[[RecorderProgress], None] | None = None,
    progress_every: float = 1.0,
    batch_size: int = 20_000,
    flush_interval: float = 0.25,
) -> RecordResult:
    """``kistrade record``: subscribe to trades and books of ``symbols`` and record them."""
    syms: list[Symbol] = [parse_symbol(s) for s in symbols]
    db = await Database.open(db_path)
    try:
        writer = await BatchWriter(db, batch_size=batch_size, flush_interval=flush_interval).start()
        async with KisClient(config, clock) as kis:
            ws = kis.ws
            recorder = Recorder(
                writer,
                clock,
                until=until,
                max_events=max_events,
                progress_every=progress_every,
                on_progress=on_progress,
                frames=lambda: ws.stats.frames,
            )
            try:
                await ws.start()
                await ws.wait_connected(config.timeout)
                await ws.subscribe_market(list(syms))
            except BaseException:
                await writer.close()
                raise
            return await recorder.run(ws.events())
    finally:
        await db.close()


__all__ = ["RecordResult", "Recorder", "RecorderProgress", "record"]
