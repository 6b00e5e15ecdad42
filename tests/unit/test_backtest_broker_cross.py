"""The backtest broker's one-call opening cross (``Exchange.cross_market``) against the
phase-by-phase auction it stands for: the same broker events, ledger books and engine state."""

from __future__ import annotations

from dataclasses import astuple
from datetime import datetime, timedelta
from decimal import Decimal

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.backtest.broker import SimBroker
from kistrade.backtest.config import BacktestConfig, FillCosts
from kistrade.domain.errors import StateError
from kistrade.domain.intents import IntentPurpose
from kistrade.domain.sessions import Phase
from kistrade.domain.ticks import tick_size
from kistrade.domain.types import KST, OrderType, Side, Symbol
from kistrade.engine.events import BrokerEvent, SubmitOrder
from kistrade.exchange import MARKET_OWNER, Accepted, AuctionUncross, Exchange, Fill, MatchingEngine

SYM = Symbol("005930")
T0 = datetime(2024, 3, 4, 9, 0, tzinfo=KST)

# (side, qty, open price, limit offset in ticks or None for a market order, roll the day first)
Step = tuple[Side, int, int, int | None, bool]
steps = st.lists(
    st.tuples(
        st.sampled_from([Side.BUY, Side.SELL]),
        st.integers(1, 400),
        st.integers(1_000, 900_000),
        st.one_of(st.none(), st.integers(-3, 3)),
        st.booleans(),
    ),
    min_size=1,
    max_size=25,
)


def _broker(slippage: int) -> SimBroker:
    cfg = BacktestConfig(cash=50_000_000, commission_rate=Decimal("0.00015"), slippage_ticks=slippage)
    return SimBroker(SYM, cfg, FillCosts(cfg), T0.date(), 60_000)


def _state(b: SimBroker) -> tuple[object, ...]:
    eng = b.exchange.engine
    holding = b.ledger.holding(SYM)
    return (
        b.ledger.cash_d2,
        None if holding is None else astuple(holding),
        [msgspec.structs.astuple(f) for f in b.ledger.fills()],
        [(r.odno, r.side, r.qty, r.remaining) for r in b.ledger.orders()],
        eng.phase,
        eng.stats(SYM),
        eng.next_order_id(),
        len(eng.book(SYM)),
    )


def _run(b: SimBroker, plan: list[Step], phased: bool) -> list[BrokerEvent]:
    out: list[BrokerEvent] = []
    for k, (side, qty, price, offset, roll) in enumerate(plan):
        ts = T0 + timedelta(days=k // 3, minutes=k)
        if roll and ts.date() != b.day:
            out.extend(b.new_day(ts.date(), ts))
        step = tick_size(price, on=ts.date())
        limit = None if offset is None else max(price // step * step + offset * step, step)
        order_type = OrderType.MARKET if limit is None else OrderType.LIMIT
        cmd = SubmitOrder(f"C{k}", SYM, side, order_type, qty, limit, IntentPurpose.ENTRY, ts)
        fill = b.phased_auction if phased else b.auction
        out.extend(fill(cmd, price, ts))
    return out


@settings(max_examples=150, deadline=None)
@given(plan=steps, slippage=st.sampled_from([0, 2]))
def test_auction_equals_the_phased_auction(plan: list[Step], slippage: int) -> None:
    fast, phased = _broker(slippage), _broker(slippage)
    assert _run(fast, plan, phased=False) == _run(phased, plan, phased=True)
    assert _state(fast) == _state(phased)


def test_a_sell_of_unheld_shares_is_refused_by_the_ledger_in_both() -> None:
    plan: list[Step] = [(Side.SELL, 10, 60_000, None, False)]
    fast, phased = _run(_broker(0), plan, False), _run(_broker(0), plan, True)
    assert fast == phased
    assert [type(e).__name__ for e in fast] == ["OrderSent", "OrderRejected"]


def _engine_phased(owner: str, side: Side, qty: int, ts: datetime) -> list[object]:
    eng = MatchingEngine()
    eng.list_symbol(SYM, 61_000)
    eng.set_phase(Phase.PRE_OPEN_AUCTION, ts)
    events: list[object] = [*eng.submit(owner, SYM, side, qty, None, ts=ts, order_id="0000000001")]
    events += eng.submit(MARKET_OWNER, SYM, side.opposite, qty, None, ts=ts)
    events += eng.set_phase(Phase.CONTINUOUS, ts)
    return [*events, eng.stats(SYM), eng.next_order_id()]


@pytest.mark.parametrize("side", [Side.BUY, Side.SELL])
def test_engine_cross_gives_the_auction_events(side: Side) -> None:
    eng = MatchingEngine()
    eng.list_symbol(SYM, 61_000)
    events = eng.cross_market("ACC", SYM, side, 7, ts=T0, order_id="0000000001", crowd=MARKET_OWNER)
    assert [*events, eng.stats(SYM), eng.next_order_id()] == _engine_phased("ACC", side, 7, T0)
    fill = events[2]
    assert isinstance(fill, Fill) and (fill.price, fill.qty) == (61_000, 7)
    assert isinstance(events[0], Accepted) and isinstance(events[3], AuctionUncross)


def test_engine_cross_refuses_a_book_with_orders_and_a_bad_quantity() -> None:
    ex = Exchange()
    ex.engine.list_symbol(SYM, 61_000)
    ex.set_phase(Phase.CONTINUOUS, T0)
    ex.place(MARKET_OWNER, SYM, Side.BUY, 5, 60_000, ts=T0)
    with pytest.raises(StateError, match="not empty"):
        ex.engine.cross_market("ACC", SYM, Side.SELL, 5, ts=T0, order_id="0000000009", crowd=MARKET_OWNER)
    with pytest.raises(StateError, match="quantity 0"):
        ex.engine.cross_market("ACC", SYM, Side.SELL, 0, ts=T0, order_id="0000000009", crowd=MARKET_OWNER)


# (side, qty, open price, roll the day first): market orders only, some refused (sells of
# shares not held, buys beyond the cash)
crosses = st.lists(
    st.tuples(
        st.sampled_from([Side.BUY, Side.SELL]),
        st.integers(1, 2_000),
        st.integers(1_000, 900_000),
        st.booleans(),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=100, deadline=None)
@given(plan=crosses)
def test_crossed_equals_the_generic_translation(plan: list[tuple[Side, int, int, bool]]) -> None:
    """``_crossed`` (the fixed shape of a cross's events) gives what ``_sent`` (the generic
    translation of any order entry) gives for the same venue events, refusals included; two
    brokers on the same crosses keep the same fill numbering and client order ids."""
    fast, generic = _broker(0), _broker(0)
    for k, (side, qty, price, roll) in enumerate(plan):
        ts = T0 + timedelta(days=k // 3, minutes=k)
        cmd = SubmitOrder(f"C{k}", SYM, side, OrderType.MARKET, qty, None, IntentPurpose.ENTRY, ts)
        outs = []
        for b in (fast, generic):
            if roll and ts.date() != b.day:
                b.new_day(ts.date(), ts)
            b.relist(price)
            events = b.exchange.cross_market("BACKTEST-01", SYM, side, qty, ts=ts)
            outs.append(b._crossed(cmd, events, ts) if b is fast else b._sent(cmd, events, ts))
        assert outs[0] == outs[1]
        assert type(outs[0][1]).__name__ in {"OrderAccepted", "OrderRejected"}
    assert fast._cid == generic._cid
    assert _state(fast) == _state(generic)
