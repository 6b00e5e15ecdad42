"""Recorder counts and stops: trades and books (dropped ones too) from the writer, other events
skipped and counted, max_events exact, data lag from the newest event."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kistrade.app.recorder import Recorder
from kistrade.clock import ManualClock
from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import KST, BookLevel, OrderBook, Side, Symbol, Trade
from kistrade.store.db import Database
from kistrade.store.writer import BatchWriter

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=KST)
SYM = Symbol("005930")


def mixed(n: int) -> list[object]:
    """Per step: a trade, a book, and every third step a notice (not recorded)."""
    out: list[object] = []
    for i in range(n):
        ts = T0 + timedelta(milliseconds=i)
        out.append(Trade(SYM, ts, 70_000, 1, Side.BUY, i))
        out.append(OrderBook(SYM, ts, (BookLevel(70_100, 3),), (BookLevel(70_000, 4),)))
        if i % 3 == 0:
            out.append({"notice": i})
    return out


async def stream(items: list[object]) -> AsyncIterator[object]:
    for item in items:
        yield item


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    d = await Database.open(tmp_path / "rec.db")
    yield d
    await d.close()


async def test_counts_include_drops_and_skip_other_events(db: Database) -> None:
    clock = ManualClock(T0 + timedelta(seconds=2))
    writer = await BatchWriter(db, batch_size=10_000, flush_interval=3600, max_pending=50).start()
    recorder = Recorder(writer, clock, progress_every=3600)
    items = mixed(40)  # 80 trades and books, 14 notices; only 50 fit in the queue
    result = await recorder.run(stream(items))
    p = result.progress
    assert result.reason == "stream ended"
    assert (p.trades, p.books, p.other, p.events) == (40, 40, 14, 80)
    assert (result.writer.rows_written, result.writer.dropped) == (50, 30)
    assert p.data_lag_s == pytest.approx(2.0 - 0.024)  # the last accepted: the book of step 24
    assert recorder.trades == 40 and recorder.books == 40


async def test_max_events_stops_after_exactly_that_many(db: Database) -> None:
    writer = await BatchWriter(db, batch_size=7, flush_interval=3600).start()
    recorder = Recorder(writer, ManualClock(T0), max_events=25, progress_every=3600)
    result = await recorder.run(stream(mixed(100)))
    assert result.reason == "max_events"
    assert result.progress.events == 25 == result.writer.rows_written


async def test_put_is_the_writers_hot_path_and_refuses_other_types(db: Database) -> None:
    writer = BatchWriter(db)
    recorder = Recorder(writer, ManualClock(T0))
    assert recorder.put == writer.put_nowait  # one call per event, no wrapper
    assert recorder.put(Trade(SYM, T0, 1, 1)) is True
    with pytest.raises(InvalidInputError, match="not dict"):
        recorder.put({"notice": 1})  # type: ignore[arg-type]
    assert (await writer.close()).rows_written == 1
