"""Ports: the Protocols the core depends on. Adapters (kis, store, notify, backtest) implement them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from datetime import date, datetime, time
from typing import Protocol, runtime_checkable

from kistrade.domain.broker import Balance, Buyable, DailyOrder, OpenOrder, OrderAck, Quote
from kistrade.domain.types import Bar, Fill, OrderBook, OrderType, Position, Side, Symbol, Trade


@runtime_checkable
class Clock(Protocol):
    """The only source of time. ``now()`` is timezone-aware (Asia/Seoul)."""

    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of this clock's time (simulated seconds on an accelerated clock)."""
        ...


class Broker(Protocol):
    """Orders out, account state in. Raises RejectedError (never retried) or
    OrderStateUnknownError (reconcile before sending again) from the order methods."""

    async def place_order(
        self,
        symbol: Symbol,
        side: Side,
        qty: int,
        price: int = 0,
        order_type: OrderType = OrderType.LIMIT,
        *,
        known_order_ids: Collection[str] = (),
    ) -> OrderAck: ...

    async def cancel_order(self, order_id: str, org_no: str, qty: int | None = None) -> OrderAck: ...

    async def revise_order(
        self,
        order_id: str,
        org_no: str,
        price: int,
        qty: int | None = None,
        order_type: OrderType = OrderType.LIMIT,
    ) -> OrderAck: ...

    async def open_orders(self) -> list[OpenOrder]: ...

    async def daily_orders(self, day: date | None = None) -> list[DailyOrder]: ...

    async def fills(self, day: date | None = None) -> list[Fill]: ...

    async def balance(self) -> Balance: ...

    async def positions(self) -> list[Position]: ...

    async def buyable(
        self, symbol: Symbol, price: int = 0, order_type: OrderType = OrderType.LIMIT
    ) -> Buyable: ...

    async def quote(self, symbol: Symbol) -> Quote: ...

    async def orderbook(self, symbol: Symbol) -> OrderBook: ...

    async def daily_bars(self, symbol: Symbol, start: date, end: date | None = None) -> list[Bar]: ...

    async def minute_bars(self, symbol: Symbol, until: time | None = None, count: int = 30) -> list[Bar]: ...

    async def is_open_day(self, day: date | None = None) -> bool: ...


class MarketFeed(Protocol):
    """Real-time market data in: trades and order books as domain events."""

    async def subscribe(self, symbols: list[Symbol]) -> None: ...

    async def unsubscribe(self, symbols: list[Symbol]) -> None: ...

    def events(self) -> AsyncIterator[Trade | OrderBook | Fill]: ...


class Notifier(Protocol):
    async def notify(self, kind: str, text: str, *, urgent: bool = False) -> None: ...
