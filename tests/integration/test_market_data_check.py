"""MarketDataManager on an SQLite store with a scripted broker: the data check's mismatch rate,
bars built live from trades (session-aware), and the daily cache's edge rules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.app.market_data import MarketDataManager
from kistrade.clock import ManualClock
from kistrade.domain.calendar import default_calendar
from kistrade.domain.types import KST, Bar, Side, Symbol, Trade
from kistrade.store.records import BarSource
from kistrade.store.sqlite_store import SqliteStore

SYM = Symbol("005930")
DAY = date(2026, 11, 24)


@dataclass
class ScriptedBroker:
    """Answers daily_bars from a fixed table (one bar per session) and counts the calls."""

    missing: set[date] = field(default_factory=set)
    calls: list[tuple[date, date]] = field(default_factory=list)

    async def daily_bars(self, symbol: Symbol, start: date, end: date | None = None) -> list[Bar]:
        last = end or start
        self.calls.append((start, last))
        days = [d for d in default_calendar().sessions(start, last) if d not in self.missing]
        return [Bar(symbol, datetime.combine(d, time(), KST), 100, 110, 90, 105, d.day) for d in days]


@pytest.fixture
async def store() -> AsyncIterator[SqliteStore]:
    async with await SqliteStore.open(":memory:") as s:
        yield s


def at(hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime.combine(DAY, time(hh, mm, ss), KST)


def minute_bar(start: datetime, close: int, volume: int) -> Bar:
    return Bar(SYM, start, close, close, close, close, volume)


async def test_data_check_counts_mismatches_and_records_the_rate(store: SqliteStore) -> None:
    clock = ManualClock(at(10, 30))
    manager = MarketDataManager(ScriptedBroker(), store, clock)  # type: ignore[arg-type]
    manager.mark_live([SYM], at(9, 59, 30))  # the 09:59 minute is only half seen: not compared
    starts = [at(9, 59) + timedelta(minutes=i) for i in range(21)]
    rest = [minute_bar(s, 70_000 + 100 * i, 1_000 + i) for i, s in enumerate(starts)]
    ticks = list(rest)
    ticks[0] = minute_bar(starts[0], 70_000, 10)  # partial first minute: excluded by mark_live
    ticks[7] = minute_bar(starts[7], 70_700, 999)  # a lost print: volume differs
    del ticks[12]  # a minute the stream never saw
    await store.upsert_minute_bars(rest, BarSource.REST)
    await store.upsert_minute_bars(ticks, BarSource.TICKS)
    check = await manager.data_check(SYM, at(9, 0), at(10, 30))
    assert check.start == at(10, 0)
    assert (check.compared, check.mismatched, check.only_rest, check.only_ticks) == (19, 1, 1, 0)
    assert check.rate == pytest.approx(1 / 19)
    assert check.mismatches[0][0].start == starts[7]
    events = await store.list_events("data_check")
    assert [e.detail["mismatched"] for e in events] == [1]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3599), st.integers(1, 50)), min_size=1, max_size=60))
async def test_live_bars_equal_hand_computed_bars(prints: list[tuple[int, int]]) -> None:
    """Minute bars from trades = OHLCV computed by hand per minute (continuous session 10:00-11:00)."""
    async with await SqliteStore.open(":memory:") as s:
        clock = ManualClock(at(11, 30))
        manager = MarketDataManager(ScriptedBroker(), s, clock)  # type: ignore[arg-type]
        ordered = sorted(prints, key=lambda p: p[0])
        for i, (sec, qty) in enumerate(ordered):
            manager.on_event(
                Trade(SYM, at(10, 0) + timedelta(seconds=sec), 70_000 + 100 * (i % 5), qty, Side.BUY)
            )
        manager.flush()
        expected: dict[datetime, list[tuple[int, int]]] = {}
        for i, (sec, qty) in enumerate(ordered):
            expected.setdefault(at(10, sec // 60), []).append((70_000 + 100 * (i % 5), qty))
        want = [
            Bar(
                SYM,
                m,
                ps[0][0],
                max(p for p, _ in ps),
                min(p for p, _ in ps),
                ps[-1][0],
                sum(q for _, q in ps),
            )
            for m, ps in sorted(expected.items())
        ]
        assert manager.tick_bars(SYM) == want
        assert await manager.persist_tick_bars() == len(want)
        assert await s.get_minute_bars(SYM, at(9, 0), at(12, 0), BarSource.TICKS) == want
        assert manager.latest_trade(SYM) is not None and manager.latest_trade(SYM).ts.hour == 10  # type: ignore[union-attr]


async def test_daily_cache_rules(store: SqliteStore) -> None:
    broker = ScriptedBroker(missing={date(2026, 11, 10)})  # e.g. a trading halt: no bar that day
    clock = ManualClock(at(12, 0))  # during the session of DAY
    manager = MarketDataManager(broker, store, clock)  # type: ignore[arg-type]
    bars = await manager.daily_bars(SYM, date(2026, 11, 2), DAY)
    sessions = default_calendar().sessions(date(2026, 11, 2), DAY)
    assert [b.start.date() for b in bars] == [d for d in sessions if d != date(2026, 11, 10)]
    assert broker.calls == [(date(2026, 11, 2), date(2026, 11, 23)), (DAY, DAY)]
    assert await store.get_daily_bars(SYM, DAY, DAY) == []  # the running day is not cached
    broker.calls.clear()
    await manager.daily_bars(SYM, date(2026, 11, 2), date(2026, 11, 23))
    assert broker.calls == []  # the halted day is remembered: no request for it either
    clock.set(at(16, 0))  # after the close, today's bar is final and cached
    await manager.daily_bars(SYM, DAY, DAY)
    await manager.daily_bars(SYM, DAY, DAY)
    assert broker.calls == [(DAY, DAY)]
    # misses: 16 past sessions + today (running) + today (final); hits: 15 stored sessions + today
    assert (manager.stats.hits, manager.stats.misses) == (16, 18)
