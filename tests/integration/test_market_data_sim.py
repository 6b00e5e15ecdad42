"""MarketDataManager against the real simulator over loopback: incremental daily fetch (a second
fetch of a cached range makes no request, counted at the broker port AND at the simulator's HTTP
handler), minute charts, and tick-built minute bars checked against REST minute bars."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from kistrade.app.market_data import MarketDataManager
from kistrade.domain.calendar import default_calendar
from kistrade.domain.types import KST, Bar, Symbol, Trade
from kistrade.kis.client.adapters import KisBroker
from kistrade.kis.client.commands import fetch_sim_clock
from kistrade.kis.client.facade import KisClient, KisClientConfig
from kistrade.kis.simulator.config import SimConfig
from kistrade.kis.simulator.server import RunningSimulator, start_simulator
from kistrade.store.records import BarSource
from kistrade.store.sqlite_store import SqliteStore

SYM = Symbol("005930")
DAY = date(2026, 11, 24)  # a Tuesday session: the simulated day


@dataclass
class CountingBroker:
    """The Broker port with a call counter per method (the seam the manager goes through)."""

    inner: KisBroker
    calls: dict[str, int] = field(default_factory=dict)

    def _count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1

    async def daily_bars(self, symbol: Symbol, start: date, end: date | None = None) -> list[Bar]:
        self._count("daily_bars")
        return await self.inner.daily_bars(symbol, start, end)

    async def minute_bars(self, symbol: Symbol, until: time | None = None, count: int = 30) -> list[Bar]:
        self._count("minute_bars")
        return await self.inner.minute_bars(symbol, until, count)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@dataclass
class Rig:
    sim: RunningSimulator
    kis: KisClient
    broker: CountingBroker
    store: SqliteStore

    def manager(self) -> MarketDataManager:
        return MarketDataManager(self.broker, self.store, self.kis.clock)  # type: ignore[arg-type]


async def _rig(tmp_path: Path, **sim: Any) -> AsyncIterator[Rig]:
    config = SimConfig(seed=11, start_date=DAY, token_min_interval_s=0.0, rate_limit_per_s=200, **sim)
    async with start_simulator(config) as running:
        c = running.credentials
        cfg = KisClientConfig(
            env=running.env,
            app_key=c.app_key,
            app_secret=c.app_secret,
            account=c.account,
            rest_url=running.rest_url,
            ws_url=running.ws_url,
            data_dir=tmp_path,
            token_min_interval=0.0,
            rate_limit=200,
            timeout=5.0,
        )
        clock = await fetch_sim_clock(running.rest_url)
        async with KisClient(cfg, clock) as kis, await SqliteStore.open(tmp_path / "md.db") as store:
            yield Rig(running, kis, CountingBroker(KisBroker(kis)), store)


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    async for r in _rig(tmp_path):
        yield r


@pytest.fixture
async def fast_rig(tmp_path: Path) -> AsyncIterator[Rig]:
    async for r in _rig(tmp_path, speed=120.0, start=time(9, 5)):
        yield r


async def test_daily_fetch_is_incremental(rig: Rig) -> None:
    cal = default_calendar()
    end = cal.previous_session(DAY)
    start = cal.add_sessions(end, -149)  # 150 sessions: two pages of 100 rows in the client
    first = rig.manager()
    bars = await first.daily_bars(SYM, start, end)
    sessions = cal.sessions(start, end)
    assert [b.start.date() for b in bars] == sessions
    assert rig.broker.calls == {"daily_bars": 1}
    http_after_first = rig.sim.services.activity.requests
    assert http_after_first >= 2  # paged: 150 rows need at least two TR calls
    assert (first.stats.hits, first.stats.misses) == (0, len(sessions))

    # the same range again, even through a new manager on the same store: zero requests
    second = rig.manager()
    again = await second.daily_bars(SYM, start, end)
    assert again == bars
    assert rig.broker.calls == {"daily_bars": 1}
    assert rig.sim.services.activity.requests == http_after_first
    assert second.stats.hit_rate == 1.0

    # a wider range asks only for the missing sessions, in one request per missing run
    wider_start = cal.add_sessions(start, -10)
    wider_end = cal.add_sessions(end, -0)
    third = rig.manager()
    wider = await third.daily_bars(SYM, wider_start, wider_end)
    assert len(wider) == len(sessions) + 10
    assert rig.broker.calls == {"daily_bars": 2}
    assert (third.stats.hits, third.stats.misses) == (len(sessions), 10)
    assert third.stats.hit_rate > 0.8
    stored = await rig.store.get_daily_bars(SYM, wider_start, wider_end)
    assert stored == wider


async def test_daily_fetch_of_running_day_is_not_cached(fast_rig: Rig) -> None:
    rig = fast_rig  # the session is running (09:05 on): today's bar exists and changes
    manager = rig.manager()
    bars = await manager.daily_bars(SYM, cal_prev(DAY, 3), DAY)
    assert bars[-1].start.date() == DAY  # today's running bar comes from the broker
    assert await rig.store.get_daily_bars(SYM, DAY, DAY) == []  # and is not stored
    calls = rig.broker.calls["daily_bars"]
    await manager.daily_bars(SYM, cal_prev(DAY, 3), DAY)
    assert rig.broker.calls["daily_bars"] == calls + 1  # only today's bar again


def cal_prev(day: date, n: int) -> date:
    return default_calendar().add_sessions(day, -n)


@pytest.fixture
async def faster_rig(tmp_path: Path) -> AsyncIterator[Rig]:
    async for r in _rig(tmp_path, speed=600.0, start=time(9, 5)):
        yield r


async def test_minute_chart_fetch_and_cache(faster_rig: Rig) -> None:
    rig = faster_rig
    clock = rig.kis.clock
    # let the simulated session run 35 minutes (~3.5 wall seconds at x600)
    await asyncio.sleep(
        clock.mapping.to_wall(datetime.combine(DAY, time(9, 40), KST)) - clock.mapping.to_wall(clock.now())
    )
    manager = rig.manager()
    until = clock.now().replace(second=0, microsecond=0).time()
    bars = await manager.minute_bars(SYM, until=until, count=30)
    assert 1 <= len(bars) <= 30
    assert all(b.start.date() == DAY and b.start.time() < until for b in bars)
    assert [b.start for b in bars] == sorted(b.start for b in bars)
    assert rig.broker.calls == {"minute_bars": 1}
    stored = await rig.store.get_minute_bars(
        SYM, bars[0].start, datetime.combine(DAY, until, KST), BarSource.REST
    )
    assert stored == bars  # every completed minute fetched is stored (source REST)
    again = await manager.minute_bars(SYM, until=until, count=30)
    assert again == bars
    assert rig.broker.calls == {"minute_bars": 1}
    assert manager.stats.by_kind["minute"] == [1, 1]
    earlier = (datetime.combine(DAY, until) - timedelta(minutes=10)).time()
    assert (
        await manager.minute_bars(SYM, until=earlier, count=10)
        == [b for b in bars if b.start.time() < earlier][-10:]
    )
    assert rig.broker.calls == {"minute_bars": 1}  # inside the covered span: from the store


async def test_tick_bars_match_rest_minute_bars(faster_rig: Rig) -> None:
    """Build minute bars from the H0STCNT0 stream, fetch the REST chart for the same minutes, and
    compute the data-check mismatch rate (both sources stored; the rate recorded as an event)."""
    rig = faster_rig
    clock = rig.kis.clock
    manager = rig.manager()
    ws = rig.kis.ws
    await ws.start()
    await ws.wait_connected(5.0)
    await ws.subscribe_market([SYM], book=True)
    manager.mark_live([SYM])
    live_from = clock.now()
    stop_at = (live_from + timedelta(minutes=12)).replace(second=0, microsecond=0)
    trades = 0

    async def consume() -> None:
        nonlocal trades
        async for ev in ws.events():
            manager.on_event(ev)  # type: ignore[arg-type]
            if isinstance(ev, Trade):
                trades += 1
                if ev.ts >= stop_at:
                    return

    await asyncio.wait_for(consume(), 30.0)
    manager.flush(stop_at)
    assert manager.latest_trade(SYM) is not None
    assert manager.latest_book(SYM) is not None
    stored_ticks = await manager.persist_tick_bars()
    assert stored_ticks >= 10
    rest = await manager.minute_bars(SYM, until=stop_at.time(), count=30)
    assert rest
    check = await manager.data_check(SYM, live_from, stop_at)
    assert check.compared >= 10
    print(
        f"data check: {check.compared} minutes compared, {check.mismatched} mismatched, rate {check.rate:.4f}"
    )
    assert check.rate < 0.001, check.mismatches[:3]
    events = await rig.store.list_events("data_check")
    assert events[-1].detail["compared"] == check.compared
    assert events[-1].detail["rate"] == check.rate
    assert trades > check.compared
