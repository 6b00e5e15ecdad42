"""What the usage recorder samples of a running bot: whether it is up, its account, its cache
counters, and the data check of its tick-built minute bars against the broker's REST chart."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from kistrade.app.market_data import DataCheck, MarketDataManager
from kistrade.app.trader import Trader
from kistrade.domain.types import Bar, Symbol
from kistrade.ports import Broker, Clock
from kistrade.store.port import Store
from kistrade.store.records import AccountSnapshot, BarSource

MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class UsageSources:
    """What the recorder samples. Each is called on the event loop and must be quick."""

    up: Callable[[], bool]  # the bot can trade now (day open, feed connected)
    account: Callable[[datetime], AccountSnapshot | None] | None = None
    cache: Callable[[], tuple[int, int]] | None = None  # cumulative (hits, misses)
    data_check: TickBarCheck | None = None


class TickBarCheck:
    """The data check of a live bot: the minute bars its bar builder made from the trade stream,
    stored as TICKS, against the broker's REST minute chart (stored as REST), per symbol, over
    the minutes completed since the previous check. Each check is a ``data_check`` event."""

    def __init__(
        self,
        broker: Broker,
        store: Store,
        clock: Clock,
        symbols: Sequence[Symbol],
        tick_bars: Callable[[Symbol], list[Bar]],
        *,
        manager: MarketDataManager | None = None,
    ) -> None:
        self._manager = manager or MarketDataManager(broker, store, clock)
        self._store = store
        self._clock = clock
        self._symbols = tuple(symbols)
        self._tick_bars = tick_bars
        self._live = False
        self._checked_to: dict[Symbol, datetime] = {}

    def observe(self, live: bool) -> None:
        """Tell whether the stream is live now: minutes from the next full one on are complete
        in the tick-built bars (a stream that went down and up again starts over)."""
        if live and not self._live:
            self._manager.mark_live(list(self._symbols), self._clock.now())
        self._live = live

    async def run(self) -> list[DataCheck]:
        """Check every symbol over the completed minutes not checked yet (none while not live)."""
        if not self._live:
            return []
        now = self._clock.now()
        end = now.replace(second=0, microsecond=0) - MINUTE  # the last minute may still be open
        out: list[DataCheck] = []
        for sym in self._symbols:
            start = self._checked_to.get(sym, end - 30 * MINUTE)
            if end <= start:
                continue
            ticks = [b for b in self._tick_bars(sym) if start <= b.start < end]
            if ticks:
                await self._store.upsert_minute_bars(ticks, BarSource.TICKS)
            await self._manager.minute_bars(sym)
            out.append(await self._manager.data_check(sym, start, end))
            self._checked_to[sym] = end
        return out


def trader_sources(trader: Trader, *, data_check: bool = True) -> UsageSources:
    """What to sample of a running :class:`Trader`: up = its trading day is open and the feed
    connected; its portfolio as account snapshots; its bar builder's minute bars for the data
    check (against the broker's REST minute chart)."""

    def up() -> bool:
        return bool(trader.day_open and trader.feed.ws.connected)

    def account(now: datetime) -> AccountSnapshot | None:
        if trader.kernel is None:
            return None
        p = trader.kernel.portfolio
        fees = p.total_commission + p.total_tax
        return AccountSnapshot(now, p.cash, p.equity, p.market_value, p.realized_pnl, p.unrealized_pnl, fees)

    def tick_bars(symbol: Symbol) -> list[Bar]:
        kernel = trader.kernel
        if kernel is None or kernel.bar_builder is None:
            return []
        return kernel.bar_builder.bars(symbol)

    check = (
        TickBarCheck(
            trader.broker, trader.store, trader.clock, trader.config.symbols, tick_bars, manager=trader.market
        )
        if data_check
        else None
    )

    def cache() -> tuple[int, int]:
        return trader.market.stats.hits, trader.market.stats.misses

    return UsageSources(up=up, account=account, cache=cache, data_check=check)


__all__ = ["TickBarCheck", "UsageSources", "trader_sources"]
