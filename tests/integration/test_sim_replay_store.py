"""The simulator replaying a kistrade store file (``--source replay:FILE.db``): ticks recorded from
one simulator by the recorder are served again by a second one as H0STCNT0 frames, with the
recorded time (to the second: the frame's resolution), price, quantity and aggressor."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from kistrade.app.recorder import record
from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import KST, Side, Symbol, Trade
from kistrade.kis.client.commands import fetch_sim_clock
from kistrade.kis.client.facade import KisClient, KisClientConfig
from kistrade.kis.simulator.config import SimConfig
from kistrade.kis.simulator.replay_store import StoreReplayHub, StoreTickReplay
from kistrade.kis.simulator.server import RunningSimulator, start_simulator
from kistrade.store.sqlite_store import SqliteStore

DAY = date(2026, 11, 24)
SYMS = [Symbol("005930"), Symbol("000660")]


def client_config(sim: RunningSimulator, tmp: Path) -> KisClientConfig:
    c = sim.credentials
    return KisClientConfig(
        env=sim.env,
        app_key=c.app_key,
        app_secret=c.app_secret,
        rest_url=sim.rest_url,
        ws_url=sim.ws_url,
        data_dir=tmp,
        token_min_interval=0.0,
        timeout=5.0,
    )


Key = tuple[Symbol, datetime, int, int, Side | None]


def key(t: Trade) -> Key:
    return (t.symbol, t.ts.replace(microsecond=0), t.price, t.qty, t.aggressor)


async def record_day(tmp_path: Path) -> Path:
    db = tmp_path / "recorded.db"
    config = SimConfig(seed=21, start_date=DAY, start=time(9, 5), speed=120.0, token_min_interval_s=0.0)
    async with start_simulator(config) as sim:
        clock = await fetch_sim_clock(sim.rest_url)
        until = clock.now() + timedelta(minutes=3)
        result = await record(client_config(sim, tmp_path / "a"), clock, db, list(SYMS), until=until)
    assert result.writer.trades_written > 50
    return db


async def test_recorded_ticks_are_served_again(tmp_path: Path) -> None:
    db = await record_day(tmp_path)
    start = datetime.combine(DAY, time(0), KST)
    async with await SqliteStore.open(db) as store:
        recorded = {
            s: [key(t) async for t in store.iter_trades(s, start, start + timedelta(days=1))] for s in SYMS
        }
    replay = StoreTickReplay(db)
    assert replay.day == DAY
    assert list(replay.symbols()) == sorted(SYMS)
    first = recorded[SYMS[0]][0][1]
    window = replay.prints_between(SYMS[0], first - timedelta(seconds=1), first + timedelta(seconds=30))
    assert [(ts.replace(microsecond=0), p, q) for ts, p, q in window] == [
        (k[1], k[2], k[3]) for k in recorded[SYMS[0]] if k[1] <= first + timedelta(seconds=30)
    ][: len(window)]

    config = SimConfig(
        seed=99, source=f"replay:{db}", start=time(9, 5), speed=60.0, token_min_interval_s=0.0, symbols=()
    )
    got: dict[Symbol, list[Key]] = {s: [] for s in SYMS}
    async with start_simulator(config) as sim:
        assert isinstance(sim.hub, StoreReplayHub)
        assert sim.hub.trading_date() == DAY
        clock = await fetch_sim_clock(sim.rest_url)
        async with KisClient(client_config(sim, tmp_path / "b"), clock) as kis:
            ws = kis.ws
            await ws.start()
            await ws.wait_connected(5.0)
            await ws.subscribe_market(list(SYMS), book=True)

            async def collect() -> None:
                async for ev in ws.events():
                    if isinstance(ev, Trade):
                        got[ev.symbol].append(key(ev))
                        if all(len(v) >= 40 for v in got.values()):
                            return

            await asyncio.wait_for(collect(), 30.0)
            book = await kis.quotes.orderbook(SYMS[0])
        assert sim.hub.replayed > 80
    for sym in SYMS:
        served = got[sym]
        rec = recorded[sym]
        assert served[0] in rec, (sym, served[:3], rec[:3])
        i = rec.index(served[0])
        assert served == rec[i : i + len(served)], sym  # same prints, same order, nothing added
    assert book.best_ask is not None and book.best_bid is not None  # the recorded book is served


def test_not_a_store_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    with pytest.raises(InvalidInputError, match=r"nope\.db"):
        StoreTickReplay(missing)
    empty = tmp_path / "empty.db"
    import sqlite3

    sqlite3.connect(empty).execute("CREATE TABLE ticks (symbol TEXT, ts INTEGER)").connection.close()
    with pytest.raises(InvalidInputError, match="no recorded ticks"):
        StoreTickReplay(empty)
