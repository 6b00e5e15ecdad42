"""Ports: the Protocols the core depends on. Adapters (kis, store, notify, backtest) implement them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Protocol, runtime_checkable

from kistrade.domain.types import Fill, OrderBook, Symbol, Trade


@runtime_checkable
class Clock(Protocol):
    """The only source of time. ``now()`` is timezone-aware (Asia/Seoul)."""

    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of this clock's time (simulated seconds on an accelerated clock)."""
        ...


class MarketFeed(Protocol):
    """Real-time market data in: trades and order books as domain events."""

    async def subscribe(self, symbols: list[Symbol]) -> None: ...

    async def unsubscribe(self, symbols: list[Symbol]) -> None: ...

    def events(self) -> AsyncIterator[Trade | OrderBook | Fill]: ...


class Notifier(Protocol):
    async def notify(self, kind: str, text: str, *, urgent: bool = False) -> None: ...
