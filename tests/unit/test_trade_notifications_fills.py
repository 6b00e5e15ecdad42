"""``TradeNotifications`` tells each stored fill once: two equal executions are two fills, a fill
counted before it is stored is told when it appears, and fills from before the start are not
news. (The trader counts a fill just before storing it; a notifier that trusted the count told
the previous fill twice and lost the new one.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kistrade.app.views import FillView
from kistrade.cli.run_interfaces import TradeNotifications
from kistrade.domain.types import KST
from kistrade.engine.events import TradingState

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=KST)


def fill(k: int, qty: int = 10) -> FillView:
    return FillView(T0 + timedelta(seconds=k), f"c{k}", f"b{k}", "005930", "buy", qty, 70_000, 9, 0)


@dataclass
class Counters:
    fills: int = 0
    errors: int = 0


@dataclass
class Io:
    counters: Counters = field(default_factory=Counters)


@dataclass
class Status:
    state: TradingState = TradingState.ACTIVE


class Service:
    def __init__(self) -> None:
        self.stored: list[FillView] = []  # oldest first, as the store orders them

    async def fills(self, *, limit: int = 100) -> list[FillView]:
        return list(reversed(self.stored[-limit:]))

    async def signals(self, *, limit: int = 50) -> list[Any]:
        return []

    async def orders(self, *, limit: int = 100) -> list[Any]:
        return []

    async def status(self) -> Status:
        return Status()


@dataclass
class Trader:
    io: Io = field(default_factory=Io)


@dataclass
class Runtime:
    service: Service = field(default_factory=Service)
    trader: Trader = field(default_factory=Trader)


class Sent:
    def __init__(self) -> None:
        self.texts: list[str] = []

    async def notify(self, kind: str, text: str, *, urgent: bool = False) -> None:
        if kind == "fill":
            self.texts.append(text)


async def test_each_stored_fill_is_told_once() -> None:
    rt, sent = Runtime(), Sent()
    rt.service.stored = [fill(0)]
    rt.trader.io.counters.fills = 1
    watcher = TradeNotifications(rt, sent)  # type: ignore[arg-type]
    await watcher._baseline()
    watcher._state = TradingState.ACTIVE
    await watcher.check()
    assert sent.texts == []  # the fill from before the start is not news

    rt.trader.io.counters.fills = 2  # counted, not stored yet
    await watcher.check()
    assert sent.texts == []
    rt.service.stored.append(fill(1))
    await watcher.check()  # found at the next look, although the count did not move
    assert sent.texts == ["fill: buy 10 005930 @ 70,000 (c1)"]

    twice = fill(2, qty=5)
    rt.service.stored += [twice, twice]  # two equal executions
    rt.trader.io.counters.fills = 4
    await watcher.check()
    await watcher.check()
    assert sent.texts[1:] == ["fill: buy 5 005930 @ 70,000 (c2)"] * 2
    assert watcher._owed == 0
