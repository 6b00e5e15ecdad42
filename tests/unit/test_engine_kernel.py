"""The kernel end to end on a small synthetic bar series with a fake strategy and a fake broker."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from kistrade.domain.costs import CostModel
from kistrade.domain.intents import IntentPurpose, OrderIntent, Signal
from kistrade.domain.orders import OrderState
from kistrade.domain.sessions import Phase, SessionTimes, build_session_times
from kistrade.domain.types import KST, Bar, Fill, OrderType, Side, Symbol, Trade
from kistrade.engine.bar_builder import BarBuilder
from kistrade.engine.events import (
    CancelOrder,
    FillApplied,
    IntentDenied,
    OrderAccepted,
    OrderFilled,
    OrderSent,
    OrderUpdated,
    RiskRule,
    StateChanged,
    Step,
    SubmitOrder,
    TradingState,
)
from kistrade.engine.execution import ClientIdFactory, OrderRouter
from kistrade.engine.kernel import Kernel
from kistrade.engine.market import MarketState
from kistrade.engine.portfolio import Portfolio
from kistrade.engine.risk import RiskGate
from kistrade.engine.switch import RiskLimits
from kistrade.strategy.base import Strategy, StrategyContext

SYM = Symbol("005930")
DAY = date(2026, 3, 3)
COSTS = CostModel(sell_tax_override=Decimal("0.0020"))


def at(h: int, m: int, s: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, h, m, s, tzinfo=KST)


def phase_at(ts: datetime) -> Phase:
    return build_session_times(ts.date(), time(9, 0), time(15, 30)).phase_at(ts)


def sessions(d: date) -> SessionTimes | None:
    return build_session_times(d, time(9, 0), time(15, 30))


class BuyThird(Strategy):
    """Buys (twice, to test the working-order rule) on the 3rd bar; records what it saw."""

    name = "buy_third"

    def __init__(self) -> None:
        self.seen: list[tuple[datetime, datetime]] = []
        self.fills: list[Fill] = []
        self.positions: list[int] = []

    def on_bar(self, bar: Bar, ctx: StrategyContext) -> list[OrderIntent]:
        self.seen.append((bar.start, ctx.now()))
        pos = ctx.position(bar.symbol)
        self.positions.append(pos.qty if pos else 0)
        if len(self.seen) != 3:
            return []
        sig = Signal(bar.symbol, ctx.now(), Side.BUY, 0.8, ("rsi 28 < 30", "bid depth 2x ask"), self.name)
        ctx.record_signal(sig)
        assert ctx.last_signal(bar.symbol) is sig
        intent = OrderIntent(bar.symbol, Side.BUY, IntentPurpose.ENTRY, signal=sig)
        return [intent, intent]

    def on_fill(self, fill: Fill, ctx: StrategyContext) -> None:
        self.fills.append(fill)


def make(cash: int = 10_000_000, **limits: object) -> tuple[Kernel, BuyThird]:
    market = MarketState()
    market.set_base_price(SYM, 72_000)
    pf = Portfolio(cash)
    lim = RiskLimits(**{"symbol_cooldown_s": 0, **limits})  # type: ignore[arg-type]
    gate = RiskGate(lim, pf, market, costs=COSTS, phase_at=phase_at)
    router = OrderRouter(pf, ClientIdFactory("k"), costs=COSTS)
    strat = BuyThird()
    return Kernel([strat], gate, router, bar_builder=BarBuilder(sessions=sessions)), strat


class FakeBroker:
    """Fills every submitted order in full at a given price."""

    def __init__(self, kernel: Kernel) -> None:
        self.k = kernel
        self.n = 0
        self.submitted: list[SubmitOrder] = []

    def run(self, step: Step, price: int, ts: datetime) -> Step:
        out = Step()
        for cmd in step.commands:
            if not isinstance(cmd, SubmitOrder):
                continue
            self.submitted.append(cmd)
            self.n += 1
            odno = f"{self.n:010d}"
            out.extend(self.k.on_broker_event(OrderSent(cmd.client_order_id, ts)))
            out.extend(self.k.on_broker_event(OrderAccepted(ts, odno, "00950", cmd.client_order_id)))
            out.extend(
                self.k.on_broker_event(OrderFilled(ts, f"{odno}-1", cmd.qty, price, broker_order_id=odno))
            )
        return out


def bar(minute: int, o: int, h: int, lo: int, c: int, v: int = 10_000) -> Bar:
    return Bar(SYM, at(9, minute), o, h, lo, c, v)


def test_bars_to_entry_fill_and_automatic_stop_loss() -> None:
    k, strat = make()
    broker = FakeBroker(k)
    series = [
        bar(0, 72_000, 72_100, 71_900, 72_000),
        bar(1, 72_000, 72_000, 71_800, 71_900),
        bar(2, 71_900, 72_200, 71_900, 72_100),  # strategy buys at this close
        bar(3, 72_200, 72_300, 72_000, 72_200),
        bar(4, 72_200, 72_200, 68_000, 68_400),  # -5.1% from 72,200: stop-loss
        bar(5, 68_300, 68_500, 68_000, 68_400),
    ]
    pending = Step()
    all_events = []
    for b in series:
        fills = broker.run(pending, b.open, b.start)  # market orders fill at the next bar's open
        all_events += fills.events
        pending = k.on_bar(b)
        all_events += pending.events
        if b.start == at(9, 2):
            [cmd] = pending.commands
            # 10% of 10,000,000 at 72,100 = 13 shares; a market buy
            assert (cmd.side, cmd.qty, cmd.order_type, cmd.purpose) == (
                Side.BUY,
                13,
                OrderType.MARKET,
                IntentPurpose.ENTRY,
            )
            [dup] = [e for e in pending.events if isinstance(e, IntentDenied)]
            assert dup.rule is RiskRule.WORKING_ORDER
            assert [s.reasons for s in pending.signals] == [("rsi 28 < 30", "bid depth 2x ask")]
        if b.start == at(9, 4):
            [stop] = pending.commands
            assert (stop.side, stop.qty, stop.purpose) == (Side.SELL, 13, IntentPurpose.STOP_LOSS)
            assert k.owner_of(stop.client_order_id) == "risk"
    # ctx.now() at on_bar is the bar's end
    assert all(now == start + timedelta(minutes=1) for start, now in strat.seen)
    assert strat.positions == [0, 0, 0, 13, 13, 0]
    assert [(f.side, f.qty, f.price) for f in strat.fills] == [
        (Side.BUY, 13, 72_200),
        (Side.SELL, 13, 68_300),
    ]
    pf = k.portfolio
    assert pf.qty(SYM) == 0 and pf.reserved_cash == 0
    # buy 938,600 + commission 131; sell 887,900 - commission 124 - tax 1,775
    assert pf.cash == 10_000_000 - 938_600 - 131 + 887_900 - 124 - 1_775
    assert pf.realized_pnl == 887_900 - 938_600 - 124 - 1_775
    fills = [e for e in all_events if isinstance(e, FillApplied)]
    assert len(fills) == 2
    assert [s.strategy for s in k.signals] == ["buy_third"]
    assert all(o.state is OrderState.FILLED for o in k.router.orders())


def test_trades_build_bars_and_run_on_bar_at_the_bar_end() -> None:
    k, strat = make()
    for m in range(4):
        k.on_trade(Trade(SYM, at(9, m, 10), 72_000 + 100 * m, 1_000))
    assert [s for s, _ in strat.seen] == [at(9, 0), at(9, 1), at(9, 2)]
    assert all(now == s + timedelta(minutes=1) for s, now in strat.seen)
    step = k.tick(at(9, 4))
    assert [s for s, _ in strat.seen][-1] == at(9, 3)
    assert step.commands == []  # the buy came on the 3rd bar (09:02), already routed
    assert len(k.router.orders()) == 1
    assert [d.rule for d in k.denials] == [RiskRule.WORKING_ORDER]


def test_daily_loss_halts_cancels_buys_and_does_not_flatten_by_default() -> None:
    k, _ = make(max_position_pct=Decimal(100), symbol_cooldown_s=0)
    k.portfolio.apply_fill(SYM, Side.BUY, 100, 10_000)
    k.portfolio.mark(SYM, 10_000)
    k.gate.start_day(DAY)
    buy = OrderIntent(
        Symbol("000660"),
        Side.BUY,
        IntentPurpose.ENTRY,
        qty=1,
        order_type=OrderType.LIMIT,
        limit_price=100_000,
    )
    k.market.set_base_price(Symbol("000660"), 100_000)
    first = k.submit([buy], at(10, 0))
    [cmd] = first.commands
    k.on_broker_event(OrderSent(cmd.client_order_id, at(10, 0)))
    k.on_broker_event(OrderAccepted(at(10, 0), "0000000001", "00950", cmd.client_order_id))
    step = k.on_trade(Trade(SYM, at(10, 1), 6_900, 1))  # -310,000 on 10,000,000 = -3.1%
    [change] = [e for e in step.events if isinstance(e, StateChanged)]
    assert change.state is TradingState.HALTED and change.source == "rule:daily_loss"
    assert [type(c) for c in step.commands] == [CancelOrder]  # the open buy; no flatten
    assert k.gate.state is TradingState.HALTED
    # nothing gets through now, not even a strategy exit
    res = k.submit([OrderIntent(SYM, Side.SELL, IntentPurpose.EXIT)], at(10, 2))
    assert res.commands == [] and isinstance(res.events[0], IntentDenied)
    # an explicit flatten does
    flat = k.flatten(at(10, 3), "operator", source="cli")
    assert [(c.side, c.qty, c.purpose) for c in flat.commands if isinstance(c, SubmitOrder)] == [
        (Side.SELL, 100, IntentPurpose.FLATTEN)
    ]


def test_flatten_on_halt() -> None:
    k, _ = make(flatten_on_halt=True)
    k.portfolio.apply_fill(SYM, Side.BUY, 100, 10_000)
    k.portfolio.mark(SYM, 10_000)
    k.gate.start_day(DAY)
    step = k.on_trade(Trade(SYM, at(10, 1), 6_900, 1))
    kinds = [(c.side, c.purpose) for c in step.commands if isinstance(c, SubmitOrder)]
    assert kinds == [(Side.SELL, IntentPurpose.FLATTEN)]


def test_state_commands_and_revise_validation() -> None:
    k, _ = make()
    step = k.set_state(TradingState.REDUCING, "end of day wind-down", "telegram", at(14, 0))
    [ev] = step.events
    assert isinstance(ev, StateChanged) and ev.source == "telegram"
    assert k.set_state(TradingState.REDUCING, "again", "cli", at(14, 0)).events == []
    k.set_state(TradingState.ACTIVE, "resume", "cli", at(14, 1))
    k.on_trade(Trade(SYM, at(14, 1), 72_000, 1))
    sub = k.submit(
        [
            OrderIntent(
                SYM, Side.BUY, IntentPurpose.ENTRY, qty=1, order_type=OrderType.LIMIT, limit_price=71_000
            )
        ],
        at(14, 2),
    )
    [cmd] = sub.commands
    k.on_broker_event(OrderSent(cmd.client_order_id, at(14, 2)))
    k.on_broker_event(OrderAccepted(at(14, 2), "0000000001", "00950", cmd.client_order_id))
    bad = k.revise(cmd.client_order_id, 71_050, at(14, 3))
    assert isinstance(bad, IntentDenied) and bad.rule is RiskRule.PRICE_TICK
    good = k.revise(cmd.client_order_id, 70_900, at(14, 3))
    assert isinstance(good, Step) and good.commands[0].client_order_id == cmd.client_order_id


def test_stop_sells_the_rest_beside_a_working_exit_and_is_quiet_when_halted() -> None:
    k, _ = make()
    k.portfolio.apply_fill(SYM, Side.BUY, 10, 70_000)
    k.portfolio.mark(SYM, 70_000)
    k.gate.start_day(DAY)
    part = OrderIntent(
        SYM, Side.SELL, IntentPurpose.EXIT, qty=4, order_type=OrderType.LIMIT, limit_price=75_000
    )
    [resting] = k.submit([part], at(10, 0)).commands
    step = k.on_trade(Trade(SYM, at(10, 1), 66_500, 1))  # -5%
    subs = [c for c in step.commands if isinstance(c, SubmitOrder)]
    assert [(c.qty, c.purpose) for c in subs] == [(6, IntentPurpose.STOP_LOSS)]
    assert isinstance(resting, SubmitOrder)
    # every share is now in an order: no more stops, no denials
    again = k.on_trade(Trade(SYM, at(10, 2), 66_000, 1))
    assert again.commands == [] and again.events == []
    # HALTED: no automatic exits are even tried
    k2, _ = make()
    k2.portfolio.apply_fill(SYM, Side.BUY, 10, 70_000)
    k2.set_state(TradingState.HALTED, "operator stop", "cli", at(10, 0))
    quiet = k2.on_trade(Trade(SYM, at(10, 1), 60_000, 1))
    assert quiet.commands == [] and not any(isinstance(e, IntentDenied) for e in quiet.events)


def test_end_session_flushes_the_closing_bar_and_expires_orders() -> None:
    k, strat = make()
    k.on_trade(Trade(SYM, at(15, 10), 72_000, 500))
    limit = OrderIntent(
        SYM, Side.BUY, IntentPurpose.ENTRY, qty=1, order_type=OrderType.LIMIT, limit_price=71_000
    )
    [resting] = k.submit([limit], at(15, 15)).commands
    k.on_broker_event(OrderSent(resting.client_order_id, at(15, 15)))
    k.on_broker_event(OrderAccepted(at(15, 15), "0000000001", "00950", resting.client_order_id))
    [dup] = k.submit([limit], at(15, 16)).events
    assert isinstance(dup, IntentDenied) and dup.rule is RiskRule.WORKING_ORDER
    other = OrderIntent(Symbol("000660"), Side.BUY, IntentPurpose.ENTRY, qty=1)
    [late] = k.submit([other], at(15, 25)).events
    assert isinstance(late, IntentDenied) and late.rule is RiskRule.SESSION
    assert "closing_auction" in late.reason
    k.on_trade(Trade(SYM, at(15, 30), 72_100, 900))  # the closing print -> the 15:29 bar
    step = k.end_session(at(15, 31))
    assert [s for s, _ in strat.seen] == [at(15, 10), at(15, 29)]
    assert k.router.open_orders() == []
    [expired] = step.events
    assert isinstance(expired, OrderUpdated) and expired.state is OrderState.EXPIRED
    assert k.portfolio.reserved_cash == 0


def test_broker_events_in_one_step_equal_one_by_one() -> None:
    """``on_broker_events`` gives the concatenation of ``on_broker_event``'s steps, in order,
    with the same effects (here a losing fill halts trading and cancels the other open buy)."""

    def run(batched: bool) -> tuple[list[object], list[object], int, TradingState, list[Fill]]:
        k, strat = make(max_position_pct=Decimal(100))
        k.portfolio.apply_fill(SYM, Side.BUY, 100, 10_000)
        k.portfolio.mark(SYM, 10_000)
        k.market.on_trade(Trade(SYM, at(9, 59), 10_000, 1))
        k.gate.start_day(DAY)
        other = Symbol("000660")
        k.market.set_base_price(other, 100_000)
        buy = OrderIntent(
            other, Side.BUY, IntentPurpose.ENTRY, qty=1, order_type=OrderType.LIMIT, limit_price=100_000
        )
        [cmd] = k.submit([buy], at(10, 0)).commands
        k.on_broker_event(OrderSent(cmd.client_order_id, at(10, 0)))
        k.on_broker_event(OrderAccepted(at(10, 0), "0000000001", "00950", cmd.client_order_id))
        [sell] = k.submit([OrderIntent(SYM, Side.SELL, IntentPurpose.EXIT, qty=100)], at(10, 1)).commands
        events = [
            OrderSent(sell.client_order_id, at(10, 1)),
            OrderAccepted(at(10, 1), "0000000002", "00950", sell.client_order_id),
            OrderFilled(at(10, 1), "f1", 40, 6_900, client_order_id=sell.client_order_id),
            OrderFilled(at(10, 1), "f2", 60, 6_900, client_order_id=sell.client_order_id),
        ]
        if batched:
            step = k.on_broker_events(events)
        else:
            step = Step()
            for ev in events:
                step.extend(k.on_broker_event(ev))
        return step.events, step.commands, k.portfolio.cash, k.gate.state, strat.fills

    assert run(batched=True) == run(batched=False)
    events, commands, _, state, fills = run(batched=True)
    assert state is TradingState.HALTED and [type(c) for c in commands] == [CancelOrder]
    assert [f.qty for f in fills] == [40, 60]
    assert sum(isinstance(e, FillApplied) for e in events) == 2


def test_fills_go_to_the_owning_strategies_or_to_every_strategy() -> None:
    """A fill of an order a strategy made goes to the strategies of that name (in order); one of
    an order made by a person or by risk goes to every strategy."""

    class Named(BuyThird):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    k, _ = make(max_position_pct=Decimal(100))
    a, b, a2 = Named("a"), Named("b"), Named("a")
    k.strategies = [a, b, a2]
    k.market.on_trade(Trade(SYM, at(10, 0), 70_000, 1))
    k.gate.start_day(DAY)
    for n, source in enumerate(["a", "b", "manual"]):
        ts = at(10, n)
        buy = OrderIntent(
            SYM, Side.BUY, IntentPurpose.ENTRY, qty=1, order_type=OrderType.LIMIT, limit_price=70_000
        )
        [cmd] = k.submit([buy], ts, source=source).commands
        odno = f"{n + 1:010d}"
        k.on_broker_events(
            [
                OrderSent(cmd.client_order_id, ts),
                OrderAccepted(ts, odno, "00950", cmd.client_order_id),
                OrderFilled(ts, f"{odno}-1", 1, 70_000, broker_order_id=odno),
            ]
        )
    got = {s: [f.broker_order_id for f in s.fills] for s in (a, b, a2)}
    assert got == {
        a: ["0000000001", "0000000003"],
        b: ["0000000002", "0000000003"],
        a2: ["0000000001", "0000000003"],
    }
