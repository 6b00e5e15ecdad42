"""The KIS client against the bundled simulator over loopback: every TR, the streams, and faults."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from kistrade.domain.errors import RejectedError
from kistrade.domain.types import OrderBook, OrderType, Side, Trade
from kistrade.kis.client.adapters import KisBroker, KisMarketFeed
from kistrade.kis.client.commands import fetch_sim_clock
from kistrade.kis.client.facade import KisClient, KisClientConfig
from kistrade.kis.client.models import ExecutionNotice, OrderStateUnknownError, StreamGap
from kistrade.kis.client.websocket import WsEvent
from kistrade.kis.simulator.config import SimConfig
from kistrade.kis.simulator.server import RunningSimulator, start_simulator

SYM = "005930"


async def admin(sim: RunningSimulator, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    async with aiohttp.ClientSession() as s, s.request(method, sim.rest_url + path, json=body) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def open_client(sim: RunningSimulator, tmp: Path) -> KisClient:
    c = sim.credentials
    cfg = KisClientConfig(
        env=sim.env,
        app_key=c.app_key,
        app_secret=c.app_secret,
        account=c.account,
        hts_id=c.hts_id,
        rest_url=sim.rest_url,
        ws_url=sim.ws_url,
        data_dir=tmp,
        token_min_interval=0.0,
        timeout=5.0,
    )
    return KisClient(cfg, await fetch_sim_clock(sim.rest_url))


@pytest.fixture(params=["real"])
async def kis(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[RunningSimulator, KisClient]]:
    config = SimConfig(env=request.param, seed=7, token_min_interval_s=0.0, pingpong_interval=0.5)
    async with start_simulator(config) as sim:
        client = await open_client(sim, tmp_path)
        async with client:
            yield sim, client


@pytest.fixture
async def paper(tmp_path: Path) -> AsyncIterator[tuple[RunningSimulator, KisClient]]:
    config = SimConfig(env="paper", seed=8, token_min_interval_s=0.0, rate_limit_per_s=20)
    async with start_simulator(config) as sim:
        client = await open_client(sim, tmp_path)
        async with client:
            yield sim, client


async def collect(
    events: AsyncIterator[WsEvent], pred: Any, n: int = 1, within: float = 10.0
) -> list[WsEvent]:
    got: list[WsEvent] = []

    async def run() -> None:
        async for ev in events:
            if pred(ev):
                got.append(ev)
                if len(got) >= n:
                    return

    await asyncio.wait_for(run(), within)
    return got


async def test_market_data_trs(kis: tuple[RunningSimulator, KisClient]) -> None:
    sim, client = kis
    q = await client.quotes.quote(SYM)
    assert q.found and q.price > 0 and q.lower_limit < q.price < q.upper_limit and q.tick > 0
    book = await client.quotes.orderbook(SYM)
    assert book.best_ask is not None and book.best_bid is not None and book.best_bid < book.best_ask
    clock = client.clock.now()
    daily = await client.quotes.daily_bars(SYM, clock.date().replace(year=clock.year - 1))
    assert daily == sorted(daily, key=lambda b: b.start) and all(b.low <= b.close <= b.high for b in daily)
    await admin(sim, "POST", "/sim/market", {"symbol": SYM, "burst": 50})
    minutes = await client.quotes.minute_bars(SYM)
    assert minutes == sorted(minutes, key=lambda b: b.start)


async def test_holiday_check(kis: tuple[RunningSimulator, KisClient]) -> None:
    _, client = kis
    days = await client.quotes.holidays()
    assert days and days[0].day == client.clock.now().date()


async def test_order_lifecycle_matches_ledger(kis: tuple[RunningSimulator, KisClient]) -> None:
    sim, client = kis
    broker = KisBroker(client)
    before = await broker.balance()
    buy = await broker.buyable(SYM, 50_000)
    assert buy.cash == before.cash_d0 and buy.qty > 0
    q = await broker.quote(SYM)
    low = q.lower_limit
    ack = await broker.place_order(SYM, Side.BUY, 3, low)  # rests at the lower limit
    opens = await broker.open_orders()
    assert [(o.broker_order_id, o.remaining_qty, o.price) for o in opens] == [(ack.broker_order_id, 3, low)]
    revised = await broker.revise_order(ack.broker_order_id, ack.org_no, low + q.tick)
    assert revised.broker_order_id != ack.broker_order_id
    opens = await broker.open_orders()
    assert [o.price for o in opens] == [low + q.tick]
    cancelled = await broker.cancel_order(revised.broker_order_id, revised.org_no)
    assert cancelled.broker_order_id
    assert await broker.open_orders() == []
    with pytest.raises(RejectedError):
        await broker.place_order(SYM, Side.BUY, 1, low + 1)  # off tick
    filled = await broker.place_order(SYM, Side.BUY, 2, 0, OrderType.MARKET)
    fills = []
    for _ in range(50):
        fills = [f for f in await broker.fills() if f.broker_order_id == filled.broker_order_id]
        if fills:
            break
        await asyncio.sleep(0.1)
    assert fills and fills[0].qty == 2
    ledger = await admin(sim, "GET", "/sim/ledger")
    daily = await broker.daily_orders()
    assert {o.broker_order_id for o in daily} == {str(o["odno"]) for o in ledger["orders"]}
    positions = await broker.positions()
    assert [(p.symbol, p.qty) for p in positions] == [(SYM, 2)]


async def test_paper_uses_v_tr_ids_and_daily_ccld_for_open_orders(
    paper: tuple[RunningSimulator, KisClient],
) -> None:
    _, client = paper
    broker = KisBroker(client)
    q = await broker.quote(SYM)
    ack = await broker.place_order(SYM, Side.BUY, 1, q.lower_limit)
    opens = await broker.open_orders()
    assert [o.broker_order_id for o in opens] == [ack.broker_order_id]
    assert "TTTC0084R" not in client.rest.metrics.latency and "VTTC0081R" in client.rest.metrics.latency
    assert "VTTC0012U" in client.rest.metrics.latency


async def test_egw00201_burst_loses_no_request(kis: tuple[RunningSimulator, KisClient]) -> None:
    sim, client = kis
    await admin(sim, "POST", "/sim/faults", {"egw00201_rate": 0.4})
    quotes = await asyncio.gather(*(client.quotes.quote(SYM) for _ in range(15)))
    assert all(q.price > 0 for q in quotes)
    assert client.rest.metrics.rate_limited > 0 and client.limiter.violations > 0


async def test_http_500_queries_retried_orders_not(kis: tuple[RunningSimulator, KisClient]) -> None:
    sim, client = kis
    await admin(sim, "POST", "/sim/faults", {"http500_rate": 0.3})
    quotes = await asyncio.gather(*(client.quotes.quote(SYM) for _ in range(8)))
    assert all(q.price > 0 for q in quotes)
    await admin(sim, "POST", "/sim/faults", {"http500_rate": 1.0})
    client.rest.max_retries = 1  # keep the (failing) recovery inquiries short
    client.orders.recover_attempts = 2
    with pytest.raises(OrderStateUnknownError):
        await client.orders.place(SYM, Side.BUY, 1, 50_000)
    await admin(sim, "POST", "/sim/faults", {"reset": True})
    ledger = await admin(sim, "GET", "/sim/ledger")
    assert ledger["orders"] == []  # the 500 was answered before the order reached the book


async def test_token_expiry_mid_session_reauths_once(kis: tuple[RunningSimulator, KisClient]) -> None:
    sim, client = kis
    first = await client.quotes.quote(SYM)
    await admin(sim, "POST", "/sim/faults", {"expire_tokens": True})
    second = await client.quotes.quote(SYM)
    assert first.symbol == second.symbol and client.rest.metrics.reauths == 1


async def test_streams_notices_and_dropped_ws(kis: tuple[RunningSimulator, KisClient]) -> None:
    sim, client = kis
    feed = KisMarketFeed(client.ws, hts_id=sim.credentials.hts_id)
    await feed.start()
    await client.ws.wait_connected(5)
    await feed.subscribe([SYM])  # type: ignore[list-item]
    events = feed.all_events()
    await admin(sim, "POST", "/sim/market", {"symbol": SYM, "burst": 5})
    await collect(events, lambda e: isinstance(e, Trade))
    await collect(events, lambda e: isinstance(e, OrderBook))
    await client.orders.place(SYM, Side.BUY, 1, 0, OrderType.MARKET)
    [notice] = await collect(events, lambda e: isinstance(e, ExecutionNotice) and e.is_fill)
    assert isinstance(notice, ExecutionNotice) and notice.symbol == SYM and notice.qty == 1
    await admin(sim, "POST", "/sim/faults", {"drop_ws": True})
    [gap] = await collect(events, lambda e: isinstance(e, StreamGap))
    assert isinstance(gap, StreamGap) and SYM in gap.symbols and client.ws.stats.reconnects >= 1
    await admin(sim, "POST", "/sim/market", {"symbol": SYM, "burst": 5})
    await collect(events, lambda e: isinstance(e, Trade))
    assert client.ws.stats.parse_errors == 0 and client.ws.stats.frames > 0


async def test_cli_commands(tmp_path: Path) -> None:
    from kistrade.kis.client import commands

    async with start_simulator(SimConfig(env="real", seed=9, token_min_interval_s=0.0)) as sim:
        c = sim.credentials
        cfg = KisClientConfig(
            env="real",
            app_key=c.app_key,
            app_secret=c.app_secret,
            account=c.account,
            hts_id=c.hts_id,
            rest_url=sim.rest_url,
            ws_url=sim.ws_url,
            data_dir=tmp_path,
            token_min_interval=0.0,
        )
        clock = await fetch_sim_clock(sim.rest_url)
        assert (await commands.token_status(cfg, clock)).cached is False
        issued = await commands.token_issue(cfg, clock)
        assert issued.cached and issued.seconds_left > 3600 and len(issued.preview) < 16
        view = await commands.quote(cfg, clock, SYM)
        assert view.quote.price > 0 and view.book.best_ask is not None
        bal = await commands.balance(cfg, clock)
        assert bal.cash_d0 == sim.config.cash
        await admin(sim, "POST", "/sim/market", {"symbol": SYM, "burst": 20})
        seen = [ev async for ev in commands.watch(cfg, clock, [SYM], max_events=3)]
        assert len(seen) == 3 and all(isinstance(e, Trade | OrderBook) for e in seen)
        assert await commands.token_revoke(cfg, clock) is True
        assert (await commands.token_status(cfg, clock)).cached is False
