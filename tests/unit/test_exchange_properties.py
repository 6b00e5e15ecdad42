"""Properties of the venue under random order flow between one account and a synthetic crowd.

* cash: initial = cash_d2 + sum(buy values) - sum(sell values) + commissions + taxes
* shares: held = initial + bought - sold
* reservations equal the sum over open orders, and are zero once no order is open
* the engine's resting account orders match the ledger's open orders (kept as an index, equal
  to a scan of every order)
* every fill is on the tick grid and within the daily limits
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.domain.sessions import Phase
from kistrade.domain.ticks import add_ticks, is_valid_tick
from kistrade.domain.types import KST, Side, Symbol
from kistrade.exchange.events import MARKET_OWNER, Event, Fill
from kistrade.exchange.fees import FixedFeeModel
from kistrade.exchange.ledger import Ledger
from kistrade.exchange.records import OrderKind
from kistrade.exchange.venue import Exchange

SYM = Symbol("035720")
ACC = "acc"
BASE = 19_950  # straddles the 20,000 tick band (10 below, 50 from 20,000)
CASH = 3_000_000
SHARES = 100
PHASES = [Phase.PRE_OPEN_AUCTION, Phase.CONTINUOUS, Phase.CLOSING_AUCTION, Phase.AFTER_HOURS]

sides = st.sampled_from([Side.BUY, Side.SELL])
offsets = st.integers(min_value=-6, max_value=6)
qtys = st.integers(min_value=1, max_value=40)
maybe_qty = st.one_of(st.none(), st.integers(1, 40))


@dataclass(frozen=True)
class Place:
    owner: str
    side: Side
    offset: int | None
    qty: int


@dataclass(frozen=True)
class Cancel:
    pick: int
    qty: int | None


@dataclass(frozen=True)
class Revise:
    pick: int
    offset: int | None
    qty: int | None


@dataclass(frozen=True)
class NextPhase:
    pass


Action = Place | Cancel | Revise | NextPhase
crowd = st.builds(Place, st.just(MARKET_OWNER), sides, st.one_of(st.none(), offsets, offsets, offsets), qtys)
account = st.builds(Place, st.just(ACC), sides, st.one_of(st.none(), offsets, offsets), qtys)
actions: st.SearchStrategy[Action] = st.one_of(
    crowd,
    crowd,
    crowd,
    account,
    account,
    st.builds(Cancel, st.integers(0, 50), maybe_qty),
    st.builds(Revise, st.integers(0, 50), offsets, maybe_qty),
    st.builds(NextPhase),
)


def price_at(offset: int | None) -> int | None:
    return None if offset is None else add_ticks(BASE, offset)


def check_open_state(ex: Exchange, led: Ledger) -> None:
    open_orders = led.open_orders()
    assert open_orders == [o for o in led.orders() if o.remaining > 0]  # the index is the scan
    assert led.reserved_cash == sum(o.reserved_cash for o in open_orders)
    assert led.orderable_cash >= 0
    h = led.holding(SYM)
    reserved_shares = sum(o.remaining for o in open_orders if o.side is Side.SELL)
    assert (h.reserved if h else 0) == reserved_shares
    assert h is None or 0 <= h.orderable <= h.qty
    for order in open_orders:
        resting = ex.engine.order(order.odno)
        assert resting is not None and resting.remaining == order.remaining


@settings(max_examples=150, deadline=None)
@given(st.lists(actions, min_size=5, max_size=80))
def test_conservation_and_limits(script: list[Action]) -> None:
    ex = Exchange(fees=FixedFeeModel())
    ex.engine.list_symbol(SYM, base_price=BASE)
    led = ex.open_account(ACC, cash=CASH, trade_date=date(2026, 3, 3))
    led.add_shares(SYM, SHARES, SHARES * BASE)
    limits = ex.engine.limits(SYM)
    ts = datetime(2026, 3, 3, 8, 30, tzinfo=KST)
    phase_i = 0
    events: list[Event] = list(ex.set_phase(PHASES[0], ts))
    for step in script:
        ts += timedelta(seconds=1)
        rows = led.orders()
        if isinstance(step, Place):
            events += ex.place(step.owner, SYM, step.side, step.qty, price_at(step.offset), ts=ts)
        elif isinstance(step, Cancel) and rows:
            events += ex.cancel(ACC, rows[step.pick % len(rows)].odno, ts, qty=step.qty)
        elif isinstance(step, Revise) and rows:
            target = rows[step.pick % len(rows)].odno
            events += ex.revise(ACC, target, ts, price=price_at(step.offset), qty=step.qty)
        elif isinstance(step, NextPhase):
            phase_i = (phase_i + 1) % len(PHASES)
            events += ex.set_phase(PHASES[phase_i], ts)
        check_open_state(ex, led)
    events += ex.set_phase(Phase.AFTER_HOURS, ts)

    fills = [e for e in events if isinstance(e, Fill)]
    for f in fills:
        assert is_valid_tick(f.price) and limits.lower <= f.price <= limits.upper, f
        assert f.qty > 0
    bought = sum(f.qty for f in fills if f.buy_owner == ACC)
    sold = sum(f.qty for f in fills if f.sell_owner == ACC)
    buy_value = sum(f.value for f in fills if f.buy_owner == ACC)
    sell_value = sum(f.value for f in fills if f.sell_owner == ACC)
    fees = sum(fl.commission for fl in led.fills())
    taxes = sum(fl.tax for fl in led.fills())
    assert (fees, taxes) == (led.total_commission, led.total_tax)
    assert led.costs_today == fees + taxes
    assert led.cash_d2 + buy_value - sell_value + fees + taxes == CASH
    assert (led.buy_amount_today, led.sell_amount_today) == (buy_value, sell_value)
    h = led.holding(SYM)
    assert h is not None and h.qty == SHARES + bought - sold
    assert h.purchase_amount >= 0 and (h.qty > 0 or h.purchase_amount == 0)
    assert led.open_orders() == [] and led.reserved_cash == 0 and h.reserved == 0
    assert len(ex.engine.book(SYM)) == 0
    for order in led.orders():
        assert order.filled_qty == sum(fl.qty for fl in order.fills)
        if order.kind is not OrderKind.CANCEL:
            assert order.filled_qty + order.cancelled_qty + order.revised_qty == order.qty
