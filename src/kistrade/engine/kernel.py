"""One run of strategies over an event stream: synchronous, no I/O, time from the events.

Every ``on_*`` call returns a :class:`~kistrade.engine.events.Step`: the commands the I/O layer
must send (in order), the engine events to store/notify, and the signals strategies recorded.

* ``on_trade(trade)``: feed the bar builder (a bar this print completes runs ``on_bar`` first),
  mark the price, check the daily loss rule, generate stop-loss / take-profit exits, then run
  the strategies' ``on_trade``.
* ``on_bar(bar)``: a completed bar (from the builder or a bar feed in backtests). ``ctx.now()`` is
  the bar's end. Mark at the close, check the daily loss rule and the stops (on the close), then
  the strategies' ``on_bar``.
* ``on_quiet_bars(bars, start, stop)``: bar feeds (backtests) only: completed bars in bulk while
  provably nothing happens at them (no rule fires at their closes, the strategy's
  ``quiet_bars`` takes them without a decision); the first bar where something could happen is
  left for ``on_bar``.
* ``on_orderbook(book)``: remember the book (touch and depth for the risk gate), strategies'
  ``on_orderbook``.
* ``on_broker_event(event)`` (alias ``on_fill`` for fills): the router applies it; each applied
  fill goes to the owning strategy's ``on_fill`` (orders made by risk or by a person: to every
  strategy), then the daily loss rule is checked.
* ``tick(now)``: flush bars whose minute closed (a scheduler calls it on the Clock).
* ``submit(intents, ts)``, ``set_state(...)``, ``flatten(...)``, ``cancel(...)``: commands from
  people (CLI, Telegram, dashboard through the app services).

Intents go: drop if an order of the same symbol and side is still working (the strategy contract
allows repeats; protective exits skip this: they only sell shares no order holds yet) ->
``RiskGate.check`` -> ``OrderRouter.create`` -> a SubmitOrder command. When the
daily loss rule halts trading, open buy orders are cancelled; positions are flattened only if
``flatten_on_halt``.
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.intents import OrderIntent, Signal
from kistrade.domain.sessions import to_kst
from kistrade.domain.types import KST, Bar, Fill, OrderBook, Position, Side, Symbol, Trade
from kistrade.engine.bar_builder import BarBuilder
from kistrade.engine.events import (
    BrokerEvent,
    FillApplied,
    IntentDenied,
    OrderFilled,
    RiskRule,
    StateChanged,
    Step,
    TradingState,
)
from kistrade.engine.execution import OrderRouter
from kistrade.engine.market import MarketState
from kistrade.engine.portfolio import Portfolio
from kistrade.engine.risk import PROTECTIVE_PURPOSES, RiskGate
from kistrade.engine.risk_band import TOP
from kistrade.strategy.base import BarCloses, Strategy

BAR_LENGTH = timedelta(minutes=1)
EPOCH = datetime(1970, 1, 1, tzinfo=KST)
RISK_OWNER = "risk"


class BarColumnsView(BarCloses, Protocol):
    """The columns ``Kernel.on_quiet_bars`` reads: a strategy's, and the volumes."""

    @property
    def volumes(self) -> Sequence[int]: ...

    def first_close_outside(self, start: int, stop: int, lo: int, hi: int) -> int:
        """The first index in ``[start, stop)`` whose close is ``<= lo`` or ``>= hi``, else
        ``stop`` (``kistrade.engine.risk_band.first_close_outside`` on ``close_array``)."""
        ...


class KernelContext:
    """The StrategyContext the kernel gives strategies (kistrade.strategy.base.StrategyContext).

    It reaches its kernel through a weak proxy: the kernel holds its context, and a strong
    reference back would make every finished kernel (a backtest's whole object graph: orders,
    fills, ledger records) a reference cycle that only the cyclic collector frees."""

    def __init__(self, kernel: Kernel) -> None:
        self._k: Kernel = weakref.proxy(kernel)

    def now(self) -> datetime:
        return self._k.now

    def position(self, symbol: Symbol) -> Position | None:
        h = self._k.portfolio.holding(symbol)
        return h.to_position() if h is not None and h.qty else None

    def held(self, symbol: Symbol) -> int:
        return self._k.portfolio.qty(symbol)

    def cash(self) -> int:
        return self._k.portfolio.available_cash

    def record_signal(self, signal: Signal) -> None:
        self._k.record_signal(signal)

    def last_signal(self, symbol: Symbol) -> Signal | None:
        return self._k.last_signal(symbol)


class Kernel:
    def __init__(
        self,
        strategies: Sequence[Strategy],
        gate: RiskGate,
        router: OrderRouter,
        *,
        bar_builder: BarBuilder | None = None,
        start: datetime | None = None,
        history: int = 10_000,
    ) -> None:
        if router.portfolio is not gate.portfolio:
            raise ValueError("the risk gate and the router must share one Portfolio")
        self.strategies = list(strategies)
        self.gate = gate
        self.router = router
        self.market: MarketState = gate.market
        self.portfolio: Portfolio = gate.portfolio
        self.bar_builder = bar_builder
        self.now: datetime = start or EPOCH
        self.ctx = KernelContext(self)
        self.signals: deque[Signal] = deque(maxlen=history)
        """The last ``history`` signals recorded, oldest first (``Step.signals`` has each call's new
        ones: store those)."""
        self.denials: deque[IntentDenied] = deque(maxlen=history)
        self._last_signal: dict[Symbol, Signal] = {}
        self._owner: dict[str, str] = {}
        self._pending_signals: list[Signal] = []

    # --- signals ---------------------------------------------------------------------------

    def record_signal(self, signal: Signal) -> None:
        self.signals.append(signal)
        self._pending_signals.append(signal)
        self._last_signal[signal.symbol] = signal

    def last_signal(self, symbol: Symbol) -> Signal | None:
        return self._last_signal.get(symbol)

    def owner_of(self, client_order_id: str) -> str | None:
        """The strategy name (or ``"risk"``) that created an order."""
        return self._owner.get(client_order_id)

    # --- market events ---------------------------------------------------------------------

    def on_trade(self, trade: Trade) -> Step:
        step = Step()
        if self.bar_builder is not None:
            for bar in self.bar_builder.on_trade(trade):
                step.extend(self.on_bar(bar))
        self._advance(trade.ts)
        self.market.on_trade(trade)
        self._mark_and_protect(trade.symbol, trade.price, step)
        for s in self.strategies:
            self._route(s.on_trade(trade, self.ctx), s.name, step)
        return self._done(step)

    def on_bar(self, bar: Bar) -> Step:
        step = Step()
        self._advance(bar.start + BAR_LENGTH)
        self.market.on_bar(bar)
        self._mark_and_protect(bar.symbol, bar.close, step)
        ctx = self.ctx
        for s in self.strategies:
            intents = s.on_bar(bar, ctx)
            if intents:
                self._route(intents, s.name, step)
        return self._done(step)

    def on_quiet_bars(self, bars: BarColumnsView, start: int, stop: int) -> int:
        """``on_bar`` for bars ``start, start + 1, ...`` of ``bars`` in bulk, as long as nothing can
        happen at them; return the index of the first bar where something could (``stop`` when
        none), which is not taken: the caller sends it through ``on_bar``.

        Nothing can happen at a bar when its close is inside the gate's ``quiet_band`` (no daily
        loss halt, no stop-loss / take-profit exit) and the one strategy's ``quiet_bars`` takes it
        (no signal, no intent). After the call, the strategy, the market state (last price,
        recent volumes), the position's mark and ``now`` are as if ``on_bar`` had run for each
        bar taken. The caller guarantees that no broker event or command comes between the bars (a
        backtest feed). Nothing is taken without a ``quiet_bars`` strategy (or with several), or
        when the bars' ends leave the gate's current day or exit phase (checked at both ends; the
        gate's phase function is taken to be monotone over them) or lie before ``now``."""
        if stop <= start or len(self.strategies) != 1:
            return start
        quiet = getattr(self.strategies[0], "quiet_bars", None)
        if quiet is None:
            return start
        gate = self.gate
        starts = bars.starts
        first = starts[start] + BAR_LENGTH
        final = starts[stop - 1] + BAR_LENGTH if stop - start > 1 else first
        day = gate.day
        if first < self.now or to_kst(first).date() != day:
            return start
        exits = gate.exits_allowed(first)
        if final is not first and (to_kst(final).date() != day or gate.exits_allowed(final) != exits):
            return start
        symbol = bars.symbol
        band = gate.quiet_band(symbol, first, exits)
        if band is None:
            return start
        lo, hi = band
        taken = stop  # ``final`` is the end of bar ``taken - 1``
        if lo > 0 or hi < TOP:  # else no close can leave the band
            stop = bars.first_close_outside(start, stop, lo, hi)
        end: int = quiet(bars, start, stop, self.ctx)
        if end > start:
            last = end - 1
            self._advance(final if end == taken else starts[last] + BAR_LENGTH)
            close = bars.closes[last]
            window = self.market.volume_window
            self.market.on_quiet_bars(symbol, close, bars.volumes[max(start, end - window) : end])
            if self.portfolio.holding(symbol) is not None:
                self.portfolio.mark(symbol, close)
        return end

    def on_orderbook(self, book: OrderBook) -> Step:
        step = Step()
        self._advance(book.ts)
        self.market.on_orderbook(book)
        for s in self.strategies:
            self._route(s.on_orderbook(book, self.ctx), s.name, step)
        return self._done(step)

    def tick(self, now: datetime) -> Step:
        """Flush completed bars (each runs ``on_bar``)."""
        step = Step()
        if self.bar_builder is not None:
            for bar in self.bar_builder.flush(now):
                step.extend(self.on_bar(bar))
        self._advance(now)
        return self._done(step)

    # --- broker events ---------------------------------------------------------------------

    def on_broker_event(self, event: BrokerEvent) -> Step:
        step = Step()
        self._broker_event(event, step)
        return self._done(step)

    def on_broker_events(self, events: Iterable[BrokerEvent]) -> Step:
        """``on_broker_event`` for each event in order, in one Step (a broker's reply to a
        command: sent, accepted, filled)."""
        step = Step()
        for event in events:
            self._broker_event(event, step)
        return self._done(step)

    def _broker_event(self, event: BrokerEvent, step: Step) -> None:
        self._advance(event.ts)
        applied = self.router.apply_into(event, step)  # the FillApplied, when it applied a fill
        if applied is not None:
            self._deliver_fill(applied)
            change = self.gate.check_daily_loss(self.now)
            if change is not None:
                self._halted(change, step)

    def on_fill(self, event: OrderFilled) -> Step:
        return self.on_broker_event(event)

    def _deliver_fill(self, ev: FillApplied) -> None:
        order = self.router.order(ev.client_order_id)
        broker_id = (order.broker_order_id if order is not None else None) or ""
        fill = Fill(
            ev.client_order_id, broker_id, ev.symbol, ev.side, ev.qty, ev.price, ev.ts, ev.commission, ev.tax
        )
        owner = self._owner.get(ev.client_order_id)
        ctx, mine = self.ctx, False
        for s in self.strategies:  # its own (those named ``owner``) ...
            if s.name == owner:
                s.on_fill(fill, ctx)
                mine = True
        if not mine:  # ... or (made by risk / a person) every strategy
            for s in self.strategies:
                s.on_fill(fill, ctx)

    # --- commands --------------------------------------------------------------------------

    def submit(self, intents: Iterable[OrderIntent], ts: datetime, source: str = "manual") -> Step:
        """Intents from outside the strategies (still through the risk gate)."""
        step = Step()
        self._advance(ts)
        self._route(list(intents), source, step)
        return self._done(step)

    def set_state(self, state: TradingState, reason: str, source: str, ts: datetime) -> Step:
        """Move the trading switch (CLI / Telegram / dashboard). REDUCING or HALTED cancels open buys."""
        step = Step()
        self._advance(ts)
        change = self.gate.set_state(state, reason, source, ts)
        if change is not None:
            step.events.append(change)
            if state is not TradingState.ACTIVE:
                self._cancel_buys(reason, step)
        return self._done(step)

    def flatten(self, ts: datetime, reason: str = "flatten", source: str = "manual") -> Step:
        """Cancel open buys and sell every position at market (allowed in any state)."""
        step = Step()
        self._advance(ts)
        self._cancel_buys(reason, step)
        self._route(self.gate.flatten_intents(f"{reason} ({source})"), RISK_OWNER, step)
        return self._done(step)

    def end_session(self, ts: datetime, reason: str = "session ended") -> Step:
        """Flush the last bars, then expire every open order locally (backtests; live day orders
        expire at the broker and come back through reconciliation)."""
        step = self.tick(ts)
        step.extend(self.router.expire_open(self.now, reason))
        return self._done(step)

    def cancel(self, client_order_id: str, ts: datetime, reason: str = "") -> Step:
        self._advance(ts)
        return self._done(self.router.cancel(client_order_id, ts, reason))

    def revise(self, client_order_id: str, new_limit_price: int, ts: datetime) -> Step | IntentDenied:
        """Revise a working order's price; the tick and daily-limit rules apply to the new price."""
        self._advance(ts)
        order = self.router.order(client_order_id)
        if order is None:
            raise InvalidInputError(f"no order {client_order_id} is tracked")
        why = self.gate.price_problem(order.symbol, new_limit_price)
        if why is not None:
            intent = OrderIntent(order.symbol, order.side, order.purpose, qty=order.qty)
            return IntentDenied(ts, intent, why[0], why[1])
        step = Step()
        step.commands.append(self.router.revise(client_order_id, new_limit_price, ts))
        return step

    # --- internals -------------------------------------------------------------------------

    def _advance(self, ts: datetime) -> None:
        """Move the kernel's time forward (never back) and roll the trading day when it changes."""
        if ts > self.now:  # noqa: PLR1730 - ``max`` costs a call and a tuple (on every event)
            self.now = ts
        self.gate.roll_day(self.now)

    def _done(self, step: Step) -> Step:
        if self._pending_signals:
            step.signals.extend(self._pending_signals)
            self._pending_signals.clear()
        return step

    def _mark_and_protect(self, symbol: Symbol, price: int, step: Step) -> None:
        pf = self.portfolio
        h = pf.holding(symbol)
        if h is not None:
            pf.mark(symbol, price)
        change = self.gate.check_daily_loss(self.now)
        if change is not None:
            self._halted(change, step)
        # no shares: no automatic exit (``exit_intents`` gives none); exits not allowed now:
        # none asked for (else every print would log a denied stop)
        if h is not None and h.qty > 0 and self.gate.exits_allowed(self.now):
            exits = self.gate.exit_intents(symbol, price)
            if exits:
                self._route(exits, RISK_OWNER, step)

    def _halted(self, change: StateChanged, step: Step) -> None:
        """The daily loss rule halted trading: cancel the open buys (and flatten if configured)."""
        step.events.append(change)
        self._cancel_buys(change.reason, step)
        if self.gate.limits.flatten_on_halt:
            self._route(self.gate.flatten_intents(change.reason), RISK_OWNER, step)

    def _cancel_buys(self, reason: str, step: Step) -> None:
        for order in self.router.open_orders():
            if order.side is Side.BUY:
                step.extend(self.router.cancel(order.client_order_id, self.now, reason))

    def _route(self, intents: list[OrderIntent], owner: str, step: Step) -> None:
        pf, gate = self.portfolio, self.gate
        for intent in intents:
            # the router reserves cash (buys) or shares (sells) for every open order, so without a
            # reservation of this symbol and side there is no working order to look for
            if intent.purpose not in PROTECTIVE_PURPOSES and pf.has_reservation(intent.symbol, intent.side):
                working = [o for o in self.router.open_orders(intent.symbol) if o.side is intent.side]
                if working:
                    ids = ", ".join(o.client_order_id for o in working)
                    denial = IntentDenied(
                        self.now,
                        intent,
                        RiskRule.WORKING_ORDER,
                        f"{intent.symbol}: order {ids} is still working",
                    )
                    self._deny(denial, step)
                    continue
            result = gate.check(intent, self.now)
            if isinstance(result, IntentDenied):
                self._deny(result, step)
                continue
            order, cmd = self.router.create(result, self.now)
            self._owner[order.client_order_id] = owner
            step.commands.append(cmd)

    def _deny(self, denial: IntentDenied, step: Step) -> None:
        self.denials.append(denial)
        step.events.append(denial)
