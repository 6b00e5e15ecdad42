"""The recorder core: ticks and books queued in memory, written in batches by a background task.

- ``put_nowait(event)`` is the hot path: a plain (non-async) method that appends to a list. It never
  waits, never touches the disk, and never raises on a full queue. It does the least per event:
  an exact-type check, the append and one countdown (``_left``: events that may pass before
  anything needs attention, the smaller of the free places and the puts until the next wake-up of
  the background task). Everything else (wake-ups, drops, subclasses, bad types) is the slow path.
- Bounded: at most ``max_pending`` rows are held (queued + the batch being written). When full the
  NEW event is dropped and counted (``dropped``): the recorder loses data rather than stall trading.
- A background task flushes when ``batch_size`` rows are queued or ``flush_interval`` seconds after
  the first queued row, whichever comes first: one transaction and one ``record_segments`` row per
  table and ``batch_size`` rows (``recording.append_segment``: multi-row inserts). Events are
  converted to SQL values inside aiosqlite's worker thread (a lazy generator), so the event loop
  does not pay for encoding either. A batch that fails (e.g. a naive timestamp) is rolled back,
  counted and logged; recording goes on.
- ``close()`` flushes everything queued, then stops. Events put after close are dropped and counted.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType

from loguru import logger

from kistrade.domain.errors import InvalidInputError, StateError
from kistrade.domain.types import OrderBook, Trade
from kistrade.store.db import Database
from kistrade.store.recording import RecordTable, append_segment


@dataclass(frozen=True, slots=True)
class WriterStats:
    rows_written: int
    trades_written: int
    books_written: int
    batches: int  # transactions committed (one per table and batch_size rows)
    queue_depth: int
    max_queue_depth: int
    dropped: int
    failed_rows: int
    max_lag_s: float
    last_lag_s: float
    write_seconds: float


class BatchWriter:
    """Batched, non-blocking writer of ``Trade`` and ``OrderBook`` rows into a ``Database``."""

    def __init__(
        self,
        db: Database,
        *,
        batch_size: int = 20_000,
        flush_interval: float = 0.25,
        max_pending: int = 1_000_000,
        on_batch: Callable[[WriterStats], None] | None = None,
    ) -> None:
        """``on_batch`` is called on the event loop after every flush, written or failed (a progress
        line, a metrics gauge); it must be quick and must not raise."""
        if batch_size < 1 or max_pending < 1 or flush_interval <= 0:
            raise InvalidInputError(
                f"BatchWriter: batch_size ({batch_size}) and max_pending ({max_pending}) must be >= 1 "
                f"and flush_interval ({flush_interval}) > 0"
            )
        self._db = db
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.max_pending = max_pending
        self._on_batch = on_batch
        self._trades: list[Trade] = []
        self._books: list[OrderBook] = []
        # as of the last _sync(): free places (max_pending - queued - in flight) and puts until the
        # next _signal() (the first put of a batch wakes the task); the fast path only counts _left
        self._room = max_pending
        self._signal_in = 1
        self._budget = self._left = 1
        self._in_flight = 0
        self._trades_taken = 0  # trades handed to the background task so far (written or failed)
        self._books_taken = 0
        self._dropped_trades = 0
        self._dropped_books = 0
        self._last_trade: Trade | None = None  # the newest trade and book handed to the task
        self._last_book: OrderBook | None = None
        self._first_put = 0.0  # monotonic time of the oldest queued row
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._closed = False
        self._trades_written = 0
        self._books_written = 0
        self._batches = 0
        self._max_depth = 0
        self._dropped = 0
        self._failed = 0
        self._max_lag = 0.0
        self._last_lag = 0.0
        self._write_seconds = 0.0

    # -- hot path -----------------------------------------------------------------------------
    def put_nowait(self, event: Trade | OrderBook) -> bool:
        """Queue one trade or book; returns False (and counts a drop) if full or closed. Never waits.

        Anything that is not a ``Trade`` or ``OrderBook`` raises ``InvalidInputError``."""
        left = self._left
        if left > 1:
            kind = type(event)
            if kind is Trade:
                self._trades.append(event)  # type: ignore[arg-type]
                self._left = left - 1
                return True
            if kind is OrderBook:
                self._books.append(event)  # type: ignore[arg-type]
                self._left = left - 1
                return True
        return self._put_slow(event)

    def _put_slow(self, event: object) -> bool:
        """The last event of the fast path's budget, a full or closed writer, or a subclass."""
        self._sync()
        if self._room <= 0 or self._closing:
            return self._drop(event)
        if isinstance(event, Trade):
            self._trades.append(event)
        elif isinstance(event, OrderBook):
            self._books.append(event)
        else:
            raise InvalidInputError(f"BatchWriter records Trade and OrderBook, not {type(event).__name__}")
        self._room -= 1
        self._signal_in -= 1
        if self._signal_in <= 0:
            self._signal()
        self._sync()
        return True

    def _sync(self, freed: int = 0) -> None:
        """Fold the fast path's puts into the counters, add ``freed`` places, set a new budget."""
        used = self._budget - self._left
        self._room += freed - used
        self._signal_in -= used
        budget = 0 if self._closing else max(0, min(self._room, self._signal_in))
        self._budget = self._left = budget

    def _signal(self) -> None:
        """The first event of a batch (start the interval) or a full batch: wake the task."""
        if len(self._trades) + len(self._books) == 1:
            self._first_put = time.monotonic()
            self._signal_in = max(1, self.batch_size - 1)
        else:
            self._signal_in = self.batch_size
        self._wake.set()

    def _drop(self, event: object) -> bool:
        self._dropped += 1
        if isinstance(event, Trade):
            self._dropped_trades += 1
        elif isinstance(event, OrderBook):
            self._dropped_books += 1
        return False

    @property
    def _queued(self) -> int:
        return len(self._trades) + len(self._books)

    def received(self) -> tuple[int, int]:
        """(trades, books) given to ``put_nowait`` so far: queued, written, failed or dropped."""
        return (
            self._trades_taken + len(self._trades) + self._dropped_trades,
            self._books_taken + len(self._books) + self._dropped_books,
        )

    def newest_ts(self) -> datetime | None:
        """The latest timestamp among the newest queued (or last flushed) trade and book."""
        trade = self._trades[-1] if self._trades else self._last_trade
        book = self._books[-1] if self._books else self._last_book
        stamps = [e.ts for e in (trade, book) if e is not None and e.ts.tzinfo is not None]
        return max(stamps) if stamps else None

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> BatchWriter:
        if self._task is not None:
            raise StateError("BatchWriter already started")
        self._task = asyncio.create_task(self._run(), name="store.batch_writer")
        return self

    async def close(self) -> WriterStats:
        """Flush everything queued, stop the background task and return the final counters."""
        if not self._closed:
            self._closing = True
            self._sync()  # no budget left: every later put takes the slow path and is dropped
            self._wake.set()
            if self._task is None:  # never started: write what was queued, here
                await self._flush()
            else:
                await self._task
            self._closed = True
        return self.stats()

    async def __aenter__(self) -> BatchWriter:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def stats(self) -> WriterStats:
        return WriterStats(
            rows_written=self._trades_written + self._books_written,
            trades_written=self._trades_written,
            books_written=self._books_written,
            batches=self._batches,
            queue_depth=self._queued + self._in_flight,
            max_queue_depth=max(self._max_depth, self._queued + self._in_flight),
            dropped=self._dropped,
            failed_rows=self._failed,
            max_lag_s=self._max_lag,
            last_lag_s=self._last_lag,
            write_seconds=self._write_seconds,
        )

    # -- background ---------------------------------------------------------------------------
    async def _run(self) -> None:
        while True:
            self._wake.clear()
            if self._closing:
                while self._queued:
                    await self._flush()
                return
            if self._queued >= self.batch_size:
                await self._flush()
                continue
            if self._queued == 0:
                await self._wake.wait()  # woken by the first put, or by close()
                continue
            remaining = self._first_put + self.flush_interval - time.monotonic()
            if remaining <= 0:
                await self._flush()
                continue
            try:
                async with asyncio.timeout(remaining):
                    await self._wake.wait()  # woken early by a full batch, or by close()
            except TimeoutError:
                pass

    async def _flush(self) -> None:
        """Write everything queued, one transaction per ``batch_size`` rows (commits keep the WAL
        checkpointing and let other writers in between)."""
        self._sync()
        trades, self._trades = self._trades, []
        books, self._books = self._books, []
        self._signal_in = 1  # the next put starts a new batch
        self._sync()
        first_put = self._first_put
        self._in_flight = len(trades) + len(books)
        self._trades_taken += len(trades)
        self._books_taken += len(books)
        if trades:
            self._last_trade = trades[-1]
        if books:
            self._last_book = books[-1]
        step = self.batch_size
        for i in range(0, len(trades), step):
            await self._write("ticks", trades[i : i + step])
        for i in range(0, len(books), step):
            await self._write("orderbooks", books[i : i + step])
        self._last_lag = time.monotonic() - first_put
        self._max_lag = max(self._max_lag, self._last_lag)
        if self._on_batch is not None:
            self._on_batch(self.stats())

    async def _write(self, table: RecordTable, events: list[Trade] | list[OrderBook]) -> None:
        count = len(events)
        started = time.monotonic()
        try:
            async with self._db.transaction() as conn:
                await append_segment(conn, table, events)
        except Exception as exc:  # keep recording: a bad batch must not stop the recorder
            self._failed += count
            logger.opt(exception=exc).error("store.batch_writer: {} {} rows failed: {}", count, table, exc)
        else:
            if table == "ticks":
                self._trades_written += count
            else:
                self._books_written += count
            self._batches += 1
            self._write_seconds += time.monotonic() - started
        finally:
            self._max_depth = max(self._max_depth, self._queued + self._in_flight)
            self._in_flight -= count
            self._sync(freed=count)
