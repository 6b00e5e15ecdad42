"""The live engine wired for a backtest: Portfolio, MarketState, RiskGate, OrderRouter and Kernel
(the same classes as live), the simulated broker, and what a run records.

Strategies are wrapped in :class:`NextOpen` for bar mode: ``on_bar`` runs at bar t's close (the
strategy sees nothing later) and its intents are held; the runner submits them through the
kernel (risk gate, router) at bar t+1's open, after marking the price at the open, so a
``qty=None`` entry is sized at the fill price (all-in: the largest whole quantity the cash covers
including commission). Risk exits the kernel makes at a close are sent at the next open too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from kistrade.backtest.broker import SimBroker
from kistrade.backtest.config import BacktestConfig, FillCosts
from kistrade.domain.intents import OrderIntent, Signal
from kistrade.domain.sessions import Phase
from kistrade.domain.types import Bar, Fill, Instrument, OrderBook, Symbol, Trade
from kistrade.engine.bar_builder import BarBuilder
from kistrade.engine.events import BrokerEvent, FillApplied, IntentDenied, OrderRejected, Step, SubmitOrder
from kistrade.engine.execution import ClientIdFactory, InstrumentInfo, OrderRouter
from kistrade.engine.kernel import BarColumnsView, Kernel
from kistrade.engine.market import MarketState
from kistrade.engine.portfolio import Portfolio
from kistrade.engine.risk import RiskGate
from kistrade.engine.switch import TradingSwitch
from kistrade.strategy.base import Strategy, StrategyContext

_CONTINUOUS = Phase.CONTINUOUS  # a module global: an enum member lookup goes through EnumType


def _continuous(ts: datetime) -> Phase:
    """The market phase the risk gate sees in a backtest: always the continuous session."""
    return _CONTINUOUS


class NextOpen(Strategy):
    """Holds a strategy's bar-close intents for the next bar's open (bar mode)."""

    def __init__(self, inner: Strategy) -> None:
        self.inner = inner
        self.pending: list[OrderIntent] = []

    def on_bar(self, bar: Bar, ctx: StrategyContext) -> list[OrderIntent]:
        self.pending.extend(self.inner.on_bar(bar, ctx))
        return []

    def on_trade(self, trade: Trade, ctx: StrategyContext) -> list[OrderIntent]:
        return self.inner.on_trade(trade, ctx)

    def on_orderbook(self, book: OrderBook, ctx: StrategyContext) -> list[OrderIntent]:
        return self.inner.on_orderbook(book, ctx)

    def on_fill(self, fill: Fill, ctx: StrategyContext) -> None:
        self.inner.on_fill(fill, ctx)

    def quiet_bars(self, bars: BarColumnsView, start: int, stop: int, ctx: StrategyContext) -> int:
        """The inner strategy's ``quiet_bars`` (bulk ``on_bar`` of bars that give nothing); none
        taken when it has none."""
        quiet = getattr(self.inner, "quiet_bars", None)
        if quiet is None:
            return start
        end: int = quiet(bars, start, stop, ctx)
        return end

    def take(self) -> list[OrderIntent]:
        out, self.pending = self.pending, []
        return out


def next_open(inner: Strategy) -> NextOpen:
    """A NextOpen wrapper that carries the inner strategy's name (fills are routed by name)."""
    wrapper: NextOpen = _next_open_class(inner.name)(inner)
    return wrapper


@cache
def _next_open_class(name: str) -> type[NextOpen]:
    """The NextOpen subclass named ``name``, made once per name (a class is a reference cycle)."""
    return type(f"NextOpen_{name}", (NextOpen,), {"name": name})


@dataclass(slots=True)
class Record:
    """What a run produced, indexed by bar where it applies."""

    times: Sequence[datetime] = field(default_factory=list)
    closes: Sequence[int] = field(default_factory=list)
    """The close of every bar (a bar run shares its series' immutable column when it has one)."""
    equity: list[int] = field(default_factory=list)
    fills: list[FillApplied] = field(default_factory=list)
    signals: list[tuple[int, Signal]] = field(default_factory=list)
    denials: list[IntentDenied] = field(default_factory=list)
    unfilled_at_end: int = 0
    rejections: list[OrderRejected] = field(default_factory=list)
    """Orders the venue refused (should stay empty; a non-empty list is a finding)."""


class Harness:
    def __init__(
        self,
        strategy: Strategy,
        symbol: Symbol,
        config: BacktestConfig,
        start: datetime,
        base: int,
        *,
        defer: bool,
        bar_builder: BarBuilder | None = None,
    ) -> None:
        self.config = config
        self.symbol = symbol
        self.costs = FillCosts(config)
        self.portfolio = Portfolio(config.cash)
        self.market = MarketState()
        self.market.set_instrument(Instrument(symbol, str(symbol), config.market, config.kind))
        cost_model = config.cost_model()
        self.gate = RiskGate(
            config.limits,
            self.portfolio,
            self.market,
            switch=TradingSwitch(),
            costs=cost_model,
            phase_at=_continuous,
        )
        self.router = OrderRouter(
            self.portfolio,
            ClientIdFactory("BT"),
            costs=cost_model,
            instruments={symbol: InstrumentInfo(config.market, config.kind)},
        )
        self.strategy = strategy
        self.wrapper: NextOpen | None = next_open(strategy) if defer else None
        runs: list[Strategy] = [self.wrapper] if self.wrapper is not None else [strategy]
        self.kernel = Kernel(runs, self.gate, self.router, start=start, bar_builder=bar_builder)
        self.broker = SimBroker(symbol, config, self.costs, start.date(), base)
        self.record = Record()
        self.bar_index = -1

    def collect(self, step: Step) -> list[SubmitOrder]:
        """Remember fills, signals and denials of ``step``; return its new orders."""
        rec = self.record
        for ev in step.events:
            if isinstance(ev, FillApplied):
                rec.fills.append(ev)
            elif isinstance(ev, IntentDenied):
                rec.denials.append(ev)
        for sig in step.signals:
            rec.signals.append((max(self.bar_index, 0), sig))
        return [c for c in step.commands if isinstance(c, SubmitOrder)]

    def apply(self, events: list[BrokerEvent]) -> list[SubmitOrder]:
        for ev in events:
            if isinstance(ev, OrderRejected):
                self.record.rejections.append(ev)
        return self.collect(self.kernel.on_broker_events(events))
