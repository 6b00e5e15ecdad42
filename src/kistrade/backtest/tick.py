"""Tick-mode backtest: recorded trades and order books (the store's replay, merged by time)
replayed in time order through the live kernel (bar builder, strategies' ``on_trade`` /
``on_orderbook`` / ``on_bar``, risk gate, router) with the exchange engine as the broker.

The venue's book is the recorded book: on every recorded book the runner cancels the crowd's
(``MARKET_OWNER``) resting orders and enters one crowd limit order per recorded level (levels
outside the day's limits are skipped). Account orders meet that book: a marketable order fills
level by level at the recorded prices and quantities, a market order's unfilled rest is
cancelled (partial fill), a limit order rests and fills when a later recorded book crosses it
(partially when the crossing depth is short). Recorded trades move the last price and build
the minute bars; they do not consume the recorded book. The live risk gate caps marketable
entries to the visible depth (rule ``book_depth``), so partial fills come mostly from resting
limit orders. A new date expires what rests (day orders) and re-lists the symbol with the last
price as its base. Equity is recorded at the last event of each minute.

    result = run_ticks(create_strategy("rsi_orderbook"), events, Symbol("005930"), config)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from kistrade.backtest.config import BacktestConfig
from kistrade.backtest.data import BarSeries
from kistrade.backtest.gc_pause import gc_paused
from kistrade.backtest.harness import Harness
from kistrade.backtest.runner import PROGRESS_EVERY, BacktestResult, Progress
from kistrade.domain.errors import InvalidInputError
from kistrade.domain.sessions import Phase
from kistrade.domain.types import OrderBook, Side, Symbol, Trade
from kistrade.engine.bar_builder import BarBuilder, SessionsFn
from kistrade.engine.events import Step, SubmitOrder
from kistrade.exchange import MARKET_OWNER, Accepted
from kistrade.strategy.base import Strategy


def _first_price(event: Trade | OrderBook) -> int:
    if isinstance(event, Trade):
        return event.price
    best = [lv.price for lv in (*event.asks[:1], *event.bids[:1]) if lv.price > 0]
    if not best:
        raise InvalidInputError(f"first recorded book of {event.symbol} at {event.ts} is empty")
    return sum(best) // len(best)


class _Replay:
    def __init__(self, h: Harness) -> None:
        self.h = h
        self.crowd: list[str] = []
        self.last_price: int | None = None

    def send(self, commands: list[SubmitOrder], ts: datetime) -> None:
        while commands:
            cmd = commands.pop(0)
            commands.extend(self.h.apply(self.h.broker.place(cmd, ts)))

    def step(self, step: Step, ts: datetime) -> None:
        self.send(self.h.collect(step), ts)
        for cmd in step.commands:  # cancels asked by the kernel (e.g. a halt)
            cid = getattr(cmd, "client_order_id", None)
            if not isinstance(cmd, SubmitOrder) and cid is not None:
                self.send(self.h.apply(self.h.broker.cancel(cid, ts)), ts)

    def book(self, book: OrderBook) -> None:
        ex, ts = self.h.broker.exchange, book.ts
        for oid in self.crowd:
            if ex.engine.order(oid) is not None:
                ex.cancel(MARKET_OWNER, oid, ts)
        self.crowd = []
        limits = ex.engine.limits(book.symbol)
        for side, levels in ((Side.SELL, book.asks), (Side.BUY, book.bids)):
            for lv in levels:
                if lv.price <= 0 or lv.qty <= 0 or not limits.contains(lv.price):
                    continue
                events = ex.place(MARKET_OWNER, book.symbol, side, lv.qty, lv.price, ts=ts)
                if isinstance(events[0], Accepted):
                    self.crowd.append(events[0].order_id)
                self.send(self.h.apply(self.h.broker.translate(events[1:])), ts)
        self.step(self.h.kernel.on_orderbook(book), ts)


@gc_paused()
def run_ticks(
    strategy: Strategy,
    events: Iterable[Trade | OrderBook],
    symbol: Symbol,
    config: BacktestConfig | None = None,
    *,
    sessions: SessionsFn | None = None,
    progress: Progress | None = None,
    total: int = 0,
) -> BacktestResult:
    cfg = config or BacktestConfig()
    it = iter(e for e in events if e.symbol == symbol)
    first = next(it, None)
    if first is None:
        raise InvalidInputError(f"no recorded trades or books of {symbol}")
    h = Harness(
        strategy,
        symbol,
        cfg,
        first.ts,
        _first_price(first),
        defer=False,
        bar_builder=BarBuilder(sessions=sessions),
    )
    h.broker.set_phase(Phase.CONTINUOUS, first.ts)
    replay = _Replay(h)
    rec, kernel = h.record, h.kernel
    times: list[datetime] = []
    rec.times = times
    closes: list[int] = []
    rec.closes = closes
    day = first.ts.date()
    minute: datetime | None = None
    n = 0
    for event in _chain(first, it):
        ts = event.ts
        if ts.date() != day:
            replay.step(kernel.tick(ts), ts)
            replay.send(h.apply(h.broker.new_day(ts.date(), ts)), ts)
            h.broker.relist(replay.last_price or _first_price(event))
            h.broker.set_phase(Phase.CONTINUOUS, ts)
            replay.crowd = []
            day = ts.date()
        if isinstance(event, OrderBook):
            replay.book(event)
        else:
            replay.last_price = event.price
            replay.step(kernel.on_trade(event), ts)
        if replay.last_price is not None:
            m = ts.replace(second=0, microsecond=0)
            if m == minute:
                closes[-1], rec.equity[-1] = replay.last_price, h.portfolio.equity
            else:
                minute = m
                times.append(m)
                closes.append(replay.last_price)
                rec.equity.append(h.portfolio.equity)
        h.bar_index = len(rec.times) - 1
        n += 1
        if progress is not None and n % PROGRESS_EVERY == 0:
            progress(n, total)
    replay.step(kernel.end_session(kernel.now), kernel.now)
    if progress is not None:
        progress(n, max(total, n))
    series = BarSeries(symbol, [], daily=False)
    return BacktestResult(
        strategy.name, series, cfg, rec, h.portfolio.cash, h.portfolio.qty(symbol), h.broker.ledger_cash
    )


def _chain(first: Trade | OrderBook, rest: Iterable[Trade | OrderBook]) -> Iterable[Trade | OrderBook]:
    yield first
    yield from rest
