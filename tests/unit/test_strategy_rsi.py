"""The plain ``rsi`` reference: hand-made decisions, real data vs TA-Lib, no look-ahead, registry."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.intents import IntentPurpose, OrderIntent
from kistrade.domain.types import KST, Bar, Fill, OrderType, Position, Side, Symbol
from kistrade.indicators import rsi
from kistrade.strategy import (
    RsiOrderbookParams,
    RsiOrderbookStrategy,
    RsiParams,
    RsiStrategy,
    Strategy,
    create_strategy,
    get_spec,
    strategy_names,
)
from kistrade.strategy.memory_context import MemoryContext

SYM = Symbol("005930")
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=KST)
DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "krx-daily"


def make_bars(closes: list[int]) -> list[Bar]:
    bars = []
    prev = closes[0]
    for i, c in enumerate(closes):
        bars.append(Bar(SYM, T0 + timedelta(minutes=i), prev, max(prev, c), min(prev, c), c, 1000))
        prev = c
    return bars


@dataclass
class Replay:
    """Bar-mode driver for tests: intents decided at the close of bar t fill at the open of t+1,
    all-in for entries (cash // open, no costs), the whole position for exits."""

    strategy: Strategy
    cash: int = 10_000_000
    ctx: MemoryContext = field(init=False)
    decisions: list[tuple[int, OrderIntent]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ctx = MemoryContext(clock=T0, cash_won=self.cash)

    def run(self, bars: list[Bar]) -> list[tuple[int, OrderIntent]]:
        pending: list[OrderIntent] = []
        for i, bar in enumerate(bars):
            self.ctx.clock = bar.start
            for intent in pending:
                self._fill(intent, bar, i)
            self.ctx.clock = bar.start + timedelta(minutes=1)
            pending = self.strategy.on_bar(bar, self.ctx)
            self.decisions.extend((i, intent) for intent in pending)
        return self.decisions

    def _fill(self, intent: OrderIntent, bar: Bar, i: int) -> None:
        ctx = self.ctx
        if intent.side is Side.BUY:
            qty = ctx.cash_won // bar.open
            if qty <= 0:
                return
            ctx.cash_won -= qty * bar.open
            ctx.positions[intent.symbol] = Position(intent.symbol, qty, Decimal(bar.open))
        else:
            pos = ctx.positions.pop(intent.symbol)
            qty = pos.qty
            ctx.cash_won += qty * bar.open
        fill = Fill(f"c{i}", f"b{i}", intent.symbol, intent.side, qty, bar.open, ctx.clock)
        self.strategy.on_fill(fill, ctx)


# Period 2 by hand: moves +2, -1, -3, +1, +4.
# seed: gain 2/2 = 1, loss 1/2 = 0.5 -> RSI 66.67 at index 2
# idx 3 (-3): gain 0.5, loss 1.75   -> RSI 22.22  (flat: BUY)
# idx 4 (+1): gain 0.75, loss 0.875 -> RSI 46.15
# idx 5 (+4): gain 2.375, loss 0.4375 -> RSI 84.44 (long: SELL)
HAND = [10, 12, 11, 8, 9, 13]
P2 = RsiParams(rsi_period=2, oversold=30, overbought=70)


def test_hand_made_series_buys_below_30_and_sells_above_70() -> None:
    decisions = Replay(RsiStrategy(P2)).run(make_bars(HAND))
    assert [(i, d.side, d.purpose) for i, d in decisions] == [
        (3, Side.BUY, IntentPurpose.ENTRY),
        (5, Side.SELL, IntentPurpose.EXIT),
    ]
    buy, sell = decisions[0][1], decisions[1][1]
    for intent in (buy, sell):
        assert intent.qty is None  # sized by the engine at the fill
        assert intent.order_type is OrderType.MARKET
        assert intent.limit_price is None
        assert intent.signal is not None
    assert buy.signal is not None and sell.signal is not None
    assert buy.signal.reasons == ("RSI 22.2 < 30",)
    assert buy.signal.strength == pytest.approx((30 - 200 / 9) / 30)
    assert sell.signal.reasons == ("RSI 84.4 > 70",)
    assert sell.signal.strength == pytest.approx((100 * 2.375 / 2.8125 - 70) / 30)
    assert buy.signal.ts == T0 + timedelta(minutes=4)  # close of bar 3
    assert buy.signal.strategy == "rsi"


def test_rsi_values_match_the_hand_computation() -> None:
    strategy = RsiStrategy(P2)
    ctx = MemoryContext(clock=T0)
    seen = []
    for bar in make_bars(HAND):
        strategy.on_bar(bar, ctx)
        seen.append(strategy.rsi(SYM))
    assert seen[:2] == [None, None]
    assert seen[2:] == pytest.approx([200 / 3, 200 / 9, 100 * 0.75 / 1.625, 100 * 2.375 / 2.8125])


def test_no_buy_while_long_and_no_sell_while_flat() -> None:
    long_ctx = MemoryContext(clock=T0, positions={SYM: Position(SYM, 10, Decimal(10))})
    flat_ctx = MemoryContext(clock=T0)
    long_s, flat_s = RsiStrategy(P2), RsiStrategy(P2)
    long_out, flat_out = [], []
    for i, bar in enumerate(make_bars(HAND)):
        long_out += [(i, x.side) for x in long_s.on_bar(bar, long_ctx)]
        flat_out += [(i, x.side) for x in flat_s.on_bar(bar, flat_ctx)]
    assert long_out == [(5, Side.SELL)]  # RSI 22 at bar 3 but already long
    assert flat_out == [(3, Side.BUY)]  # RSI 84 at bar 5 but nothing to sell
    assert [s.side for s in flat_ctx.signals] == [Side.BUY]
    assert flat_ctx.last_signal(SYM) is flat_ctx.signals[-1]
    assert flat_ctx.last_signal(Symbol("000660")) is None


def test_boundaries_are_strict() -> None:
    # RSI exactly at the band never trades: 22.2 is not < 22.2 (oversold set to the value itself).
    value = 200 / 9
    params = RsiParams(rsi_period=2, oversold=value, overbought=100 * 2.375 / 2.8125)
    assert Replay(RsiStrategy(params)).run(make_bars(HAND)) == []


def test_default_is_rsi_14_30_70() -> None:
    assert RsiParams() == RsiParams(rsi_period=14, oversold=30.0, overbought=70.0)
    closes = [100 + i for i in range(15)] + [100 - 3 * i for i in range(30)]
    decisions = Replay(RsiStrategy()).run(make_bars(closes))
    expected_rsi = rsi(np.array(closes, dtype=float), 14)
    first_below = int(np.flatnonzero(expected_rsi < 30)[0])
    assert decisions[0][0] == first_below
    assert decisions[0][1].side is Side.BUY


def real_bars(code: str) -> list[Bar]:
    path = DATA / f"{code}.csv"
    if not path.exists():
        pytest.skip(f"real data {path} is absent (shared/data/krx-daily not mounted)")
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    bars = []
    for r in rows:
        day = datetime.strptime(r["date"], "%Y%m%d").replace(tzinfo=KST)
        o, h, lo, c = (int(r[k]) for k in ("open", "high", "low", "close"))
        bars.append(Bar(Symbol(r["code"]), day, o or c, h or c, lo or c, c, int(r["volume"])))
    return bars


def test_real_data_decisions_follow_talib_rsi() -> None:
    bars = real_bars("005930")
    decisions = Replay(RsiStrategy(), cash=10**12).run(bars)
    talib_rsi = rsi(np.array([b.close for b in bars], dtype=float), 14)
    expected = []
    long = False
    for i, value in enumerate(talib_rsi):
        if np.isnan(value):
            continue
        if not long and value < 30:
            expected.append((i, Side.BUY))
            long = True  # fills at the next open (cash is ample)
        elif long and value > 70:
            expected.append((i, Side.SELL))
            long = False
    assert [(i, d.side) for i, d in decisions] == expected
    assert len(expected) > 20


closes_st = st.lists(st.integers(min_value=50, max_value=150), min_size=20, max_size=120)


@settings(max_examples=60, deadline=None)
@given(closes=closes_st, data=st.data())
def test_no_look_ahead(closes: list[int], data: st.DataObject) -> None:
    """Changing the bars after t never changes the decisions at or before t."""
    t = data.draw(st.integers(min_value=0, max_value=len(closes) - 2), label="t")
    tail = data.draw(st.lists(st.integers(50, 150), min_size=0, max_size=40), label="new tail")
    changed = closes[: t + 1] + tail
    for make in (lambda: RsiStrategy(RsiParams(5, 30, 70)), lambda: create_strategy("rsi_orderbook")):
        a = [(i, d.side) for i, d in Replay(make()).run(make_bars(closes)) if i <= t]
        b = [(i, d.side) for i, d in Replay(make()).run(make_bars(changed)) if i <= t]
        assert a == b


def test_warm_up_feeds_the_rsi_without_trading() -> None:
    bars = make_bars(HAND)
    warmed = RsiStrategy(P2)
    warmed.warm_up(bars[:4])  # includes the oversold bar 3: no intent, no signal
    assert warmed.rsi(SYM) == pytest.approx(200 / 9)
    ctx = MemoryContext(clock=T0, positions={SYM: Position(SYM, 5, Decimal(8))})
    assert warmed.on_bar(bars[4], ctx) == []
    out = warmed.on_bar(bars[5], ctx)
    assert [x.side for x in out] == [Side.SELL]
    assert len(ctx.signals) == 1


def test_symbols_are_independent() -> None:
    other = Symbol("000660")
    strategy = RsiStrategy(P2)
    ctx = MemoryContext(clock=T0)
    for bar in make_bars(HAND)[:3]:
        strategy.on_bar(bar, ctx)
    assert strategy.rsi(other) is None
    b = make_bars(HAND)[0]
    strategy.on_bar(Bar(other, b.start, 5, 5, 5, 5, 1), ctx)
    assert strategy.rsi(other) is None
    assert strategy.rsi(SYM) == pytest.approx(200 / 3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rsi_period": 1}, "rsi_period must be an int >= 2"),
        ({"oversold": 70, "overbought": 30}, "oversold < overbought"),
        ({"overbought": 100}, "overbought < 100"),
        ({"oversold": float("nan")}, "oversold must be a finite number"),
    ],
)
def test_bad_params_are_refused(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        RsiParams(**kwargs)  # type: ignore[arg-type]


def test_registry() -> None:
    assert strategy_names() == ("rsi", "rsi_orderbook")
    assert isinstance(create_strategy("rsi"), RsiStrategy)
    s = create_strategy("rsi_orderbook", RsiOrderbookParams(rsi_period=7))
    assert isinstance(s, RsiOrderbookStrategy)
    assert s.params.rsi_period == 7
    assert get_spec("rsi").params_type is RsiParams
    with pytest.raises(InvalidInputError, match=r"unknown strategy 'macd' \(known: rsi, rsi_orderbook\)"):
        create_strategy("macd")
    with pytest.raises(InvalidInputError, match="takes RsiParams, got RsiOrderbookParams"):
        create_strategy("rsi", RsiOrderbookParams())
