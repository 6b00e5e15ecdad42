"""Port adapters: ``KisBroker`` (orders, account, quotes) and ``KisMarketFeed`` (ports.MarketFeed).

``KisBroker`` implements ``kistrade.ports.Broker`` (checked statically by ``_conforms``):
place/cancel/revise, open orders, daily orders, fills, balance,
positions, buyable, quote, orderbook, bars, open-day check.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from datetime import date, datetime, time

from kistrade.domain.types import (
    KST,
    Bar,
    Fill,
    OrderBook,
    OrderType,
    Position,
    Side,
    Symbol,
    Trade,
    parse_symbol,
)
from kistrade.kis.client.facade import KisClient
from kistrade.kis.client.models import (
    Balance,
    Buyable,
    DailyOrder,
    ExecutionNotice,
    OpenOrder,
    OrderAck,
    Quote,
    StreamGap,
)
from kistrade.kis.client.websocket import KisWebSocket, WsEvent
from kistrade.ports import Broker, MarketFeed


def fills_from_daily(rows: list[DailyOrder]) -> list[Fill]:
    """One ``Fill`` per order with a filled quantity (quantity-weighted average price, rounded
    to the won; the exact per-execution prints come from the notice stream)."""
    out: list[Fill] = []
    for o in rows:
        if o.filled_qty <= 0 or o.original_order_id:
            continue
        price = int(o.avg_fill_price) if o.avg_fill_price else o.filled_amount // o.filled_qty
        out.append(
            Fill(
                client_order_id="",
                broker_order_id=o.broker_order_id,
                symbol=o.symbol,
                side=o.side,
                qty=o.filled_qty,
                price=price,
                ts=o.ts or datetime.combine(o.day, time(), KST),
            )
        )
    return out


def fill_from_notice(n: ExecutionNotice) -> Fill:
    return Fill(
        client_order_id="",
        broker_order_id=n.broker_order_id,
        symbol=n.symbol,
        side=n.side,
        qty=n.qty,
        price=n.price,
        ts=n.ts,
    )


class KisBroker:
    """Orders and account over KIS REST (paper, live, or the simulator)."""

    def __init__(self, client: KisClient) -> None:
        self.client = client

    async def place_order(
        self,
        symbol: Symbol,
        side: Side,
        qty: int,
        price: int = 0,
        order_type: OrderType = OrderType.LIMIT,
        *,
        known_order_ids: Collection[str] = (),
    ) -> OrderAck:
        """Raises RejectedError (never retried) or OrderStateUnknownError (reconcile first)."""
        return await self.client.orders.place(
            symbol, side, qty, price, order_type, known_order_ids=known_order_ids
        )

    async def cancel_order(self, order_id: str, org_no: str, qty: int | None = None) -> OrderAck:
        return await self.client.orders.cancel(order_id, org_no, qty)

    async def revise_order(
        self,
        order_id: str,
        org_no: str,
        price: int,
        qty: int | None = None,
        order_type: OrderType = OrderType.LIMIT,
    ) -> OrderAck:
        return await self.client.orders.revise(order_id, org_no, price, qty, order_type)

    async def open_orders(self) -> list[OpenOrder]:
        return await self.client.accounts.open_orders()

    async def daily_orders(self, day: date | None = None) -> list[DailyOrder]:
        return await self.client.accounts.daily_orders(day, day)

    async def fills(self, day: date | None = None) -> list[Fill]:
        return fills_from_daily(await self.client.accounts.daily_orders(day, day, filled=True))

    async def balance(self) -> Balance:
        return await self.client.accounts.balance()

    async def positions(self) -> list[Position]:
        bal = await self.client.accounts.balance()
        return [Position(h.symbol, h.qty, h.avg_price) for h in bal.holdings]

    async def buyable(
        self, symbol: Symbol, price: int = 0, order_type: OrderType = OrderType.LIMIT
    ) -> Buyable:
        return await self.client.accounts.buyable(symbol, price, order_type)

    async def quote(self, symbol: Symbol) -> Quote:
        return await self.client.quotes.quote(symbol)

    async def orderbook(self, symbol: Symbol) -> OrderBook:
        return await self.client.quotes.orderbook(symbol)

    async def daily_bars(self, symbol: Symbol, start: date, end: date | None = None) -> list[Bar]:
        return await self.client.quotes.daily_bars(symbol, start, end)

    async def minute_bars(self, symbol: Symbol, until: time | None = None, count: int = 30) -> list[Bar]:
        return await self.client.quotes.minute_bars(symbol, until, count)

    async def is_open_day(self, day: date | None = None) -> bool:
        return await self.client.quotes.is_open_day(day)


class KisMarketFeed:
    """Trades and order books (and, with an HTS id, execution notices) over the KIS WebSocket.

    ``events()`` satisfies ports.MarketFeed (Trade | OrderBook | Fill: fill notices become Fills);
    ``all_events()`` also yields order notices (accepted/rejected/cancelled) and ``StreamGap``s,
    which the engine needs to reconcile. Consume one of the two, not both.
    """

    def __init__(self, ws: KisWebSocket, *, hts_id: str = "", trades: bool = True, book: bool = True) -> None:
        self.ws = ws
        self.hts_id = hts_id
        self.trades = trades
        self.book = book

    async def start(self) -> None:
        await self.ws.start()
        if self.hts_id:
            await self.ws.subscribe_notices(self.hts_id)

    async def aclose(self) -> None:
        await self.ws.aclose()

    async def subscribe(self, symbols: list[Symbol]) -> None:
        await self.ws.subscribe_market([parse_symbol(s) for s in symbols], trades=self.trades, book=self.book)

    async def unsubscribe(self, symbols: list[Symbol]) -> None:
        await self.ws.unsubscribe_market([parse_symbol(s) for s in symbols])

    async def events(self) -> AsyncIterator[Trade | OrderBook | Fill]:
        async for ev in self.ws.events():
            if isinstance(ev, Trade | OrderBook):
                yield ev
            elif isinstance(ev, ExecutionNotice) and ev.is_fill and not ev.rejected:
                yield fill_from_notice(ev)

    async def all_events(self) -> AsyncIterator[WsEvent]:
        async for ev in self.ws.events():
            yield ev


__all__ = ["KisBroker", "KisMarketFeed", "StreamGap", "fill_from_notice", "fills_from_daily"]


def _implements_market_feed(feed: KisMarketFeed) -> MarketFeed:
    """Static check (mypy): KisMarketFeed satisfies ports.MarketFeed."""
    return feed


def _conforms(broker: KisBroker) -> Broker:
    """Static check (mypy): KisBroker implements the Broker port."""
    return broker
