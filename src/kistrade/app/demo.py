"""The demo session behind ``make demo``: the bundled simulator and the KIS client, over real sockets.

1. start the KIS-compatible simulator on free loopback ports (synthetic market, a session that
   opens now, accelerated);
2. attach the KIS client exactly as it would attach to KIS (token, approval key, WebSocket);
3. stream trades and books for the symbols;
4. buy at the best ask through the cash-order TR, wait for the encrypted fill notice, then read
   the balance, and compare it with the simulator's own ledger.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kistrade.domain.broker import Balance, OrderAck
from kistrade.domain.broker_events import ExecutionNotice
from kistrade.domain.ticks import add_ticks
from kistrade.domain.types import OrderBook, OrderType, Side, Symbol, Trade, parse_symbol
from kistrade.kis.client.facade import KisClient, KisClientConfig
from kistrade.kis.simulator.config import SimConfig
from kistrade.kis.simulator.server import start_simulator


@dataclass(slots=True)
class DemoResult:
    events: int = 0
    trades: int = 0
    books: int = 0
    order: OrderAck | None = None
    fills: list[ExecutionNotice] = field(default_factory=list)
    balance: Balance | None = None
    ledger_cash: int | None = None
    ledger_qty: int | None = None


async def run_demo(
    symbols: list[str],
    *,
    seconds: float,
    speed: float,
    buy_qty: int,
    data_dir: Path,
    on_event: Callable[[object], None],
    on_step: Callable[[str], None],
) -> DemoResult:
    syms = [parse_symbol(s) for s in symbols]
    result = DemoResult()
    sim_cfg = SimConfig(env="real", symbols=tuple(syms), speed=speed, seed=7)
    async with start_simulator(sim_cfg) as sim:
        on_step(f"simulator up: REST {sim.rest_url}  WS {sim.ws_url}  (speed x{speed:g})")
        creds = sim.credentials
        cfg = KisClientConfig(
            env="real",
            app_key=creds.app_key,
            app_secret=creds.app_secret,
            account=creds.account,
            hts_id=creds.hts_id,
            rest_url=sim.rest_url,
            ws_url=sim.ws_url,
            data_dir=data_dir,
        )
        from kistrade.clock import AffineClock, AffineMap

        clock = AffineClock(AffineMap.from_dict(dict(sim.hub.clock_info())))
        async with KisClient(cfg, clock) as kis:
            await kis.auth.get_access_token()
            on_step("access token issued (cached 0600 under the data directory)")
            await kis.ws.start()
            await kis.ws.wait_connected(10.0)
            await kis.ws.subscribe_market(list(syms))
            await kis.ws.subscribe_notices(creds.hts_id)
            on_step(f"subscribed: trades + 10-level book for {', '.join(syms)}; execution notices")
            await _stream(kis, syms[0], seconds, buy_qty, result, on_event, on_step)
            result.balance = await kis.accounts.balance()
        ledger = sim.hub.ledger(creds.account_no)
        result.ledger_cash = ledger.cash_d2
        holding = ledger.holding(syms[0])
        result.ledger_qty = holding.qty if holding else 0
    return result


async def _stream(  # noqa: PLR0917
    kis: KisClient,
    symbol: Symbol,
    seconds: float,
    buy_qty: int,
    result: DemoResult,
    on_event: Callable[[object], None],
    on_step: Callable[[str], None],
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    buy_at = loop.time() + seconds / 3
    best_ask: int | None = None
    events = kis.ws.events()
    while loop.time() < deadline:
        try:
            ev = await asyncio.wait_for(anext(events), timeout=max(0.05, deadline - loop.time()))
        except TimeoutError:
            break
        result.events += 1
        on_event(ev)
        if isinstance(ev, Trade):
            result.trades += 1
        elif isinstance(ev, OrderBook):
            result.books += 1
            if ev.symbol == symbol and ev.best_ask is not None:
                best_ask = ev.best_ask
        elif isinstance(ev, ExecutionNotice) and ev.is_fill:
            result.fills.append(ev)
            on_step(f"fill notice (decrypted): {ev.side.value} {ev.qty} {ev.symbol} @ {ev.price:,}")
        if result.order is None and best_ask is not None and loop.time() >= buy_at:
            # a marketable limit: two ticks through the ask, so it fills even if the ask moves
            limit = add_ticks(best_ask, 2)
            result.order = await kis.orders.place(symbol, Side.BUY, buy_qty, limit, OrderType.LIMIT)
            on_step(
                f"order sent: buy {buy_qty} {symbol} limit {limit:,} (ask {best_ask:,}) -> "
                f"order no {result.order.broker_order_id}"
            )
