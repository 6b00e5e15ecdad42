"""A trading session end to end: bundled simulator (x120) + KIS client + trader + SQLite store.

The strategy trades; every fill reaches the position; at the end the local positions and cash
equal ``GET /sim/ledger`` exactly, and every broker order is one local order (no duplicates).
"""

from __future__ import annotations

from pathlib import Path

import aiohttp
from crash_support import SYMBOLS, busy_options, ledger, ledger_mismatch, settings, wait_for

from kistrade.app.account_sync import rounding_slack
from kistrade.app.bootstrap import open_runtime
from kistrade.engine.events import TradingState


async def test_session_trades_and_books_equal_the_ledger(tmp_path: Path) -> None:
    opts = busy_options(tmp_path / "trader.db", sync_interval_s=60.0)
    async with open_runtime(settings(tmp_path), opts) as rt:
        trader = rt.trader
        kernel = trader.kernel
        assert kernel is not None and trader.io is not None
        io = trader.io
        await wait_for(lambda: io.counters.fills >= 3, 45.0, "three fills")
        # a WebSocket drop: the client reconnects and reports the gap; the trader reconciles
        async with (
            aiohttp.ClientSession() as s,
            s.post(f"{rt.rest_url}/sim/faults", json={"drop_ws": True}) as r,
        ):
            assert r.status == 200
        await wait_for(
            lambda: bool(trader.gaps) and trader.syncs > trader.gaps[0][1], 30.0, "a sync after the gap"
        )
        await wait_for(lambda: io.counters.fills >= 6, 45.0, "six fills")
        await rt.service.set_state(TradingState.REDUCING, reason="test end", source="test")
        await wait_for(lambda: not kernel.router.open_orders(), 30.0, "no open orders")
        await trader.sync()
        book = await ledger(rt.rest_url)
        assert ledger_mismatch(kernel.portfolio, book) == []
        local_odnos = [o.broker_order_id for o in kernel.router.orders() if o.broker_order_id]
        assert len(local_odnos) == len(set(local_odnos))
        assert sorted(local_odnos) == sorted(o["odno"] for o in book["orders"] if o["kind"] == "new")
        local_fill_qty = sum(o.filled_qty for o in kernel.router.orders())
        assert local_fill_qty == sum(f["qty"] for f in book["fills"])
        assert {o.symbol for o in kernel.router.orders()} <= set(SYMBOLS)
        status = await rt.service.status()
        assert status.mode == "sim" and status.state is TradingState.REDUCING
        stored = await rt.store.list_orders()
        assert {r.client_order_id for r in stored} == {o.client_order_id for o in kernel.router.orders()}
        assert io.counters.signals > 0 and await rt.store.list_signals()
        assert trader.last_sync is not None and trader.last_sync.diff is not None
        # equal from local bookkeeping, or within the fee rounding of fills caught up after the drop
        last = trader.last_sync
        assert last.diff.empty or (last.adopted and last.diff.won <= rounding_slack(kernel.router.orders()))
