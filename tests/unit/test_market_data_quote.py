"""The day's quote (base price, limits) is fetched once a day per symbol; stream events keep the
latest trade and book without building bars; both count in the cache statistics."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from kistrade.app.market_data import MarketDataManager
from kistrade.clock import ManualClock
from kistrade.domain.broker import Quote
from kistrade.domain.types import KST, Symbol, Trade

SYM = Symbol("005930")


class CountingBroker:
    def __init__(self) -> None:
        self.calls = 0

    async def quote(self, symbol: Symbol) -> Quote:
        self.calls += 1
        p = 70_000 + self.calls
        return Quote(symbol, p, p, p, p, 70_000, 91_000, 49_000, 0, 0, 100, 0, Decimal(0))


async def test_the_day_quote_is_fetched_once_a_day() -> None:
    clock = ManualClock(datetime(2026, 11, 25, 9, 1, tzinfo=KST))
    broker = CountingBroker()
    md = MarketDataManager(broker, store=object(), clock=clock)  # type: ignore[arg-type]
    first = await md.day_quote("005930")
    again = await md.day_quote("005930")
    assert first is again and broker.calls == 1
    clock.advance(24 * 3600)
    assert (await md.day_quote("005930")).price == 70_002 and broker.calls == 2
    assert md.stats.by_kind["quote"] == [1, 2] and md.stats.requests == 2


def test_noted_trades_are_latest_without_bars() -> None:
    clock = ManualClock(datetime(2026, 11, 25, 9, 1, tzinfo=KST))
    md = MarketDataManager(CountingBroker(), store=object(), clock=clock)  # type: ignore[arg-type]
    assert md.latest_trade("005930") is None
    t = Trade(SYM, clock.now(), 70_100, 3)
    md.note(t)
    assert md.latest_trade("005930") is t
    assert md.tick_bars("005930") == []
    assert md.stats.by_kind["latest"] == [1, 1]
