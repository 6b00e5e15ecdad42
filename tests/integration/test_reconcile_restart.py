"""A fill that happens while the bot is stopped is applied exactly once at restart.

The simulator runs in this process on free loopback ports; the trader attaches to it by URL
(as ``kistrade run --sim-url``), places a limit buy below the market, stops; the market is
pushed through the limit (POST /sim/market) and the order fills at the broker; the trader
restarts on the same SQLite file: the fill is applied once, local books equal the ledger, and
further syncs and restarts change nothing.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import aiohttp

from kistrade.app.bootstrap import RunOptions, open_runtime
from kistrade.domain.intents import IntentPurpose, OrderIntent
from kistrade.domain.orders import OrderState
from kistrade.domain.ticks import add_ticks
from kistrade.domain.types import OrderType, Side
from kistrade.engine.events import TradingState
from kistrade.kis.simulator.config import SimConfig
from kistrade.kis.simulator.server import start_simulator
from kistrade.strategy.params import RsiParams
from kistrade.strategy.registry import create_strategy

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from crash_support import busy_limits, ledger, ledger_mismatch, settings

SYMBOL = "005930"


def quiet_options(sim_url: str, db: Path) -> RunOptions:
    # a strategy that never fires (RSI band it cannot reach on 1-minute bars of a short run)
    quiet = create_strategy("rsi", RsiParams(rsi_period=400, oversold=1.0, overbought=99.0))
    return RunOptions(
        mode="sim", symbols=(SYMBOL,), sim_url=sim_url, db_path=db, strategy=quiet, limits=busy_limits()
    )


async def _ledger_filled(url: str, odno: str) -> bool:
    book = await ledger(url)
    return any(o["odno"] == odno and o["remaining"] == 0 and o["filled_qty"] > 0 for o in book["orders"])


async def _wait_filled(url: str, odno: str, *, within: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await _ledger_filled(url, odno):
        assert loop.time() < deadline, f"order {odno} did not fill at the broker within {within}s"
        await asyncio.sleep(0.1)  # polling the broker's ledger, not waiting out a race


async def test_fill_while_stopped_is_applied_once(tmp_path: Path) -> None:
    cfg = SimConfig(env="real", symbols=(SYMBOL,), speed=60.0, seed=11)
    async with start_simulator(cfg) as sim:
        url = sim.rest_url
        opts = quiet_options(url, tmp_path / "t.db")
        async with open_runtime(settings(tmp_path), opts) as rt:
            k = rt.trader.kernel
            assert k is not None and rt.trader.io is not None
            quote = await rt.trader.broker.quote(SYMBOL)
            limit = add_ticks(quote.price, -15)
            intent = OrderIntent(
                SYMBOL, Side.BUY, IntentPurpose.ENTRY, qty=7, order_type=OrderType.LIMIT, limit_price=limit
            )
            async with rt.trader.io.lock:
                await rt.trader.io.handle(k.submit([intent], rt.clock.now(), source="test"))
            (order,) = k.router.orders()
            assert order.broker_order_id and order.state is OrderState.ACCEPTED
            odno, cid = order.broker_order_id, order.client_order_id
        # the bot is down: the market falls through the limit and the order fills
        async with aiohttp.ClientSession() as s:
            path = [add_ticks(limit, -3), add_ticks(limit, -6), add_ticks(limit, -6)]
            r = await s.post(f"{url}/sim/market", json={"symbol": SYMBOL, "path": path, "seconds": 30})
            assert r.status == 200, await r.text()
        await _wait_filled(url, odno, within=20.0)

        for restart in range(2):
            async with open_runtime(settings(tmp_path), opts) as rt:
                k = rt.trader.kernel
                assert k is not None
                o = k.router.order(cid)
                assert o is not None and o.state is OrderState.FILLED and o.filled_qty == 7
                rec = rt.trader.recovery
                assert rec is not None
                assert rec.report.catch_up_fills == (1 if restart == 0 else 0)
                fills = await rt.store.list_fills(cid)
                assert len(fills) == 1 and fills[0].qty == 7
                again = await rt.trader.sync()
                assert again.report.catch_up_fills == 0
                assert ledger_mismatch(k.portfolio, await ledger(url)) == []
                assert k.portfolio.qty(SYMBOL) == 7
                status = await rt.service.status()  # the switch is persisted and restored
                if restart == 0:
                    assert status.state is TradingState.ACTIVE
                    await rt.service.set_state(TradingState.REDUCING, reason="test pause", source="test")
                else:
                    assert (status.state, status.state_source) == (TradingState.REDUCING, "test")
