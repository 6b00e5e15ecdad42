"""Tick mode against a hand-made recorded book: resting limit orders fill when later books cross
them, partially when the crossing depth is short; market orders take the depth and the rest is
cancelled."""

from __future__ import annotations

from datetime import datetime, timedelta

from kistrade.backtest.config import BacktestConfig
from kistrade.backtest.tick import run_ticks
from kistrade.domain.intents import IntentPurpose, OrderIntent
from kistrade.domain.types import KST, Bar, BookLevel, OrderBook, OrderType, Side, Symbol, Trade
from kistrade.strategy.base import Strategy, StrategyContext

SYM = Symbol("005930")
T0 = datetime(2025, 3, 4, 9, 0, 1, tzinfo=KST)


def book(sec: int, asks: list[tuple[int, int]], bids: list[tuple[int, int]]) -> OrderBook:
    return OrderBook(
        SYM,
        T0 + timedelta(seconds=sec),
        tuple(BookLevel(p, q) for p, q in asks),
        tuple(BookLevel(p, q) for p, q in bids),
    )


class OneOrder(Strategy):
    name = "one_order"

    def __init__(self, intent: OrderIntent) -> None:
        self.intent: OrderIntent | None = intent

    def on_bar(self, bar: Bar, ctx: StrategyContext) -> list[OrderIntent]:
        return []

    def on_orderbook(self, book: OrderBook, ctx: StrategyContext) -> list[OrderIntent]:
        out = [self.intent] if self.intent is not None else []
        self.intent = None
        return out


def test_resting_limit_fills_partially_against_later_books() -> None:
    intent = OrderIntent(
        SYM, Side.BUY, IntentPurpose.ENTRY, qty=100, order_type=OrderType.LIMIT, limit_price=1_000
    )
    events = [
        book(0, [(1_010, 500)], [(990, 500)]),  # order rests at 1000 (touch 1010)
        book(1, [(1_000, 30), (1_005, 50)], [(990, 500)]),  # 30 cross at 1000
        book(2, [(1_002, 40)], [(990, 500)]),  # nothing crosses
        book(3, [(990, 100)], [(980, 500)]),  # the remaining 70 fill at the resting price
    ]
    cfg = BacktestConfig(cash=1_000_000, commission_rate=0, sell_tax_rate=0)  # type: ignore[arg-type]
    result = run_ticks(OneOrder(intent), events, SYM, cfg)
    fills = [(f.qty, f.price, f.ts) for f in result.record.fills]
    assert fills == [(30, 1_000, T0 + timedelta(seconds=1)), (70, 1_000, T0 + timedelta(seconds=3))]
    assert result.final_qty == 100
    assert result.final_cash == 1_000_000 - 100 * 1_000
    assert result.ledger_cash == result.final_cash


def test_limit_partially_filled_then_expires_at_the_day_end() -> None:
    intent = OrderIntent(
        SYM, Side.BUY, IntentPurpose.ENTRY, qty=100, order_type=OrderType.LIMIT, limit_price=1_000
    )
    nxt = T0 + timedelta(days=1)
    events = [
        book(0, [(1_010, 500)], [(990, 500)]),
        book(1, [(1_000, 30)], [(990, 500)]),
        OrderBook(SYM, nxt, (BookLevel(995, 500),), (BookLevel(985, 500),)),
    ]
    cfg = BacktestConfig(cash=1_000_000, commission_rate=0, sell_tax_rate=0)  # type: ignore[arg-type]
    strategy = OneOrder(intent)
    result = run_ticks(strategy, events, SYM, cfg)
    assert [(f.qty, f.price) for f in result.record.fills] == [(30, 1_000)]
    assert result.final_qty == 30


def test_market_order_takes_the_recorded_depth_level_by_level() -> None:
    intent = OrderIntent(SYM, Side.BUY, IntentPurpose.ENTRY, qty=80)
    # a market order is valued at the last trade price, so a print comes first
    events: list[Trade | OrderBook] = [
        Trade(SYM, T0, 1_000, 1),
        book(0, [(1_010, 50), (1_020, 20), (1_030, 100)], [(990, 500)]),
    ]
    cfg = BacktestConfig(cash=10_000_000, commission_rate=0, sell_tax_rate=0)  # type: ignore[arg-type]
    result = run_ticks(OneOrder(intent), events, SYM, cfg)
    assert [(f.qty, f.price) for f in result.record.fills] == [(50, 1_010), (20, 1_020), (10, 1_030)]
    assert result.final_cash == 10_000_000 - (50 * 1_010 + 20 * 1_020 + 10 * 1_030)


def test_market_remainder_beyond_the_depth_is_cancelled() -> None:
    """Straight through the simulated broker (the live gate would cut the order to the depth)."""
    from decimal import Decimal

    from kistrade.backtest.broker import SimBroker
    from kistrade.backtest.config import FillCosts
    from kistrade.domain.sessions import Phase
    from kistrade.engine.events import OrderCancelled, OrderFilled, SubmitOrder
    from kistrade.exchange import MARKET_OWNER

    cfg = BacktestConfig(cash=10_000_000, commission_rate=Decimal(0), sell_tax_rate=Decimal(0))
    broker = SimBroker(SYM, cfg, FillCosts(cfg), T0.date(), 1_000)
    broker.set_phase(Phase.CONTINUOUS, T0)
    broker.exchange.place(MARKET_OWNER, SYM, Side.SELL, 60, 1_010, ts=T0)
    cmd = SubmitOrder("c1", SYM, Side.BUY, OrderType.MARKET, 100, None, IntentPurpose.ENTRY, T0)
    out = broker.place(cmd, T0)
    fills = [e for e in out if isinstance(e, OrderFilled)]
    cancels = [e for e in out if isinstance(e, OrderCancelled)]
    assert [(f.qty, f.price, f.client_order_id) for f in fills] == [(60, 1_010, "c1")]
    assert len(cancels) == 1 and cancels[0].client_order_id == "c1"
