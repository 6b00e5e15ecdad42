"""The dashboard's MarketView over a running Trader: the minute bars its bar builder completed
and the latest 10-level book the feed delivered (both read from the engine's memory)."""

from __future__ import annotations

from collections.abc import Sequence

from kistrade.app.trader import Trader
from kistrade.domain.types import Bar, OrderBook, parse_symbol


class TraderMarketView:
    """``interfaces.http.protocols.MarketView`` (structurally) for one trader."""

    def __init__(self, trader: Trader) -> None:
        self._trader = trader

    async def bars(self, symbol: str, *, limit: int = 390) -> Sequence[Bar]:
        kernel = self._trader.kernel
        if kernel is None or kernel.bar_builder is None or limit <= 0:
            return []
        return kernel.bar_builder.bars(parse_symbol(symbol))[-limit:]

    async def book(self, symbol: str) -> OrderBook | None:
        kernel = self._trader.kernel
        if kernel is None:
            return None
        return kernel.market.get(parse_symbol(symbol)).book


__all__ = ["TraderMarketView"]
