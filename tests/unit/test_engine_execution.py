"""The order router: intents to orders, broker events to the FSM and the portfolio, commands out."""

from __future__ import annotations

import random
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.domain.costs import CostModel
from kistrade.domain.errors import InvalidInputError, StateError
from kistrade.domain.intents import IntentPurpose, OrderIntent
from kistrade.domain.orders import Order, OrderState
from kistrade.domain.types import KST, OrderType, Side, Symbol
from kistrade.engine.events import (
    CancelOrder,
    CancelRefused,
    DuplicateFill,
    FillApplied,
    InvalidBrokerEvent,
    OrderAccepted,
    OrderCancelled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderRevised,
    OrderSent,
    OrderUpdated,
    ReviseOrder,
    SubmitOrder,
    UnknownOrderEvent,
)
from kistrade.engine.execution import ClientIdFactory, OrderRouter
from kistrade.engine.portfolio import Portfolio
from kistrade.engine.risk_sizing import ApprovedOrder

SYM = Symbol("005930")
TS = datetime(2026, 3, 3, 10, 0, tzinfo=KST)
COSTS = CostModel(sell_tax_override=Decimal("0.0020"))


def make(cash: int = 10_000_000) -> OrderRouter:
    return OrderRouter(Portfolio(cash), ClientIdFactory("t1"), costs=COSTS)


def approved(
    side: Side = Side.BUY, qty: int = 10, price: int | None = 70_000, reserve: int | None = None
) -> ApprovedOrder:
    purpose = IntentPurpose.ENTRY if side is Side.BUY else IntentPurpose.EXIT
    otype = OrderType.LIMIT if price is not None else OrderType.MARKET
    intent = OrderIntent(SYM, side, purpose, qty=qty, order_type=otype, limit_price=price)
    return ApprovedOrder(SYM, side, qty, otype, price, purpose, reserve or price or 0, intent)


def working(router: OrderRouter, a: ApprovedOrder | None = None, odno: str = "0000000001") -> Order:
    order, _ = router.create(a or approved(), TS)
    router.apply(OrderSent(order.client_order_id, TS))
    router.apply(OrderAccepted(TS, odno, "00950", client_order_id=order.client_order_id))
    return order


def test_create_reserves_cash_and_returns_the_command() -> None:
    r = make()
    order, cmd = r.create(approved(price=None, reserve=93_600), TS)
    assert order.client_order_id == "20260303-000001-t1"
    assert order.state is OrderState.NEW
    assert cmd == SubmitOrder(
        "20260303-000001-t1", SYM, Side.BUY, OrderType.MARKET, 10, None, IntentPurpose.ENTRY, TS
    )
    # 936,000 + floor(936,000 x 0.000140527 = 131.53) = 936,131
    assert r.portfolio.reserved_cash == 936_131
    assert r.open_orders(SYM) == [order]


def test_lifecycle_with_partial_fills_costs_and_reservations() -> None:
    r = make()
    order, _ = r.create(approved(), TS)
    cid = order.client_order_id
    step = r.apply(OrderSent(cid, TS))
    assert step.events == [OrderUpdated(TS, cid, OrderState.NEW, OrderState.SUBMITTED, "")]
    r.apply(OrderAccepted(TS, "0000000001", "00950", client_order_id=cid))
    assert r.by_broker_id("0000000001") is order
    step = r.apply(OrderFilled(TS, "f1", 4, 70_000, broker_order_id="0000000001"))
    # commission floor(280,000 x 0.000140527 = 39.35) = 39
    fill = step.events[0]
    assert fill == FillApplied(TS, cid, "f1", SYM, Side.BUY, 4, 70_000, 39, 0, 0)
    assert isinstance(step.events[1], OrderUpdated) and step.events[1].state is OrderState.PARTIALLY_FILLED
    assert r.portfolio.qty(SYM) == 4
    assert r.portfolio.cash == 10_000_000 - 280_039
    assert r.portfolio.reserved_cash == 420_000 + 59  # 6 left at 70,000
    # the same execution reported again (REST after the notice): nothing changes
    step = r.apply(OrderFilled(TS, "f1", 4, 70_000, client_order_id=cid))
    assert step.events == [DuplicateFill(TS, cid, "f1")]
    assert r.portfolio.qty(SYM) == 4
    step = r.apply(OrderFilled(TS, "f2", 6, 70_100, broker_order_id="0000000001", commission=50, tax=0))
    assert order.state is OrderState.FILLED
    assert r.portfolio.reserved_cash == 0
    assert order.commission == 89
    assert r.open_orders() == []


def test_sell_reserves_shares_and_computes_tax() -> None:
    r = make()
    r.portfolio.apply_fill(SYM, Side.BUY, 10, 70_000)
    order = working(r, approved(Side.SELL, qty=10, price=72_000))
    assert r.portfolio.sellable_qty(SYM) == 0
    step = r.apply(OrderFilled(TS, "s1", 10, 72_000, broker_order_id="0000000001"))
    fill = step.events[0]
    assert isinstance(fill, FillApplied)
    # commission floor(720,000 x 0.000140527) = 101; tax 0.20% = 1,440
    assert (fill.commission, fill.tax, fill.realized_pnl) == (101, 1_440, 20_000 - 1_541)
    assert order.state is OrderState.FILLED
    assert r.portfolio.qty(SYM) == 0
    assert r.portfolio.reserved_shares(SYM) == 0


def test_unknown_orders_overfills_and_impossible_events_are_reported() -> None:
    r = make()
    step = r.apply(OrderFilled(TS, "x", 1, 70_000, broker_order_id="9999999999"))
    [ev] = step.events
    assert isinstance(ev, UnknownOrderEvent) and "9999999999" in ev.detail
    order = working(r)
    step = r.apply(OrderFilled(TS, "big", 11, 70_000, broker_order_id="0000000001"))
    [bad] = step.events
    assert isinstance(bad, InvalidBrokerEvent) and "overfills" in bad.detail
    assert order.filled_qty == 0 and r.portfolio.qty(SYM) == 0
    step = r.apply(OrderRejected(TS, "late", client_order_id=order.client_order_id))
    assert isinstance(step.events[0], InvalidBrokerEvent)
    assert "accepted to rejected" in step.events[0].detail
    assert order.state is OrderState.ACCEPTED


def test_repeated_terminal_and_sent_reports_are_no_ops() -> None:
    r = make()
    order = working(r)
    assert r.apply(OrderSent(order.client_order_id, TS)).events == []  # late "sent" after the ack
    r.cancel(order.client_order_id, TS)
    assert len(r.apply(OrderCancelled(TS, client_order_id=order.client_order_id)).events) == 1
    assert r.apply(OrderCancelled(TS, broker_order_id="0000000001")).events == []
    assert order.state is OrderState.CANCELLED


def test_catch_up_fill_from_rest_totals() -> None:
    r = make()
    order = working(r)
    cid = order.client_order_id
    r.apply(OrderFilled(TS, "n1", 3, 70_000, client_order_id=cid))
    [fill] = r.catch_up_fill(cid, 7, 3 * 70_000 + 4 * 70_100, TS)
    assert fill == OrderFilled(TS, "0000000001:sync:7", 4, 70_100, client_order_id=cid)
    r.apply(fill)
    assert r.apply(fill).events == [DuplicateFill(TS, cid, "0000000001:sync:7")]
    assert r.catch_up_fill(cid, 7, 0, TS) == []
    with pytest.raises(StateError, match="broker reports 5"):
        r.catch_up_fill(cid, 5, 0, TS)


def test_catch_up_books_the_brokers_value_exactly_when_the_average_is_not_whole() -> None:
    r = make()
    order = working(r)
    cid = order.client_order_id
    value = 2 * 70_000 + 1 * 70_100  # three executions the bot missed: average 70,033.33
    fills = r.catch_up_fill(cid, 3, value, TS)
    assert fills == [
        OrderFilled(TS, "0000000001:sync:3", 2, 70_033, client_order_id=cid),
        OrderFilled(TS, "0000000001:sync:3:hi", 1, 70_034, client_order_id=cid),
    ]
    for f in fills:
        r.apply(f)
    assert order.filled_qty == 3 and order.filled_value == value
    assert r.catch_up_fill(cid, 3, value, TS) == []


def test_sell_fill_beyond_holdings_is_refused_before_touching_the_order() -> None:
    r = make()
    r.portfolio.apply_fill(SYM, Side.BUY, 2, 70_000)
    order = working(r, approved(Side.SELL, qty=2, price=70_000))
    r.portfolio.apply_fill(SYM, Side.SELL, 2, 70_000)  # sold elsewhere (e.g. by hand at the HTS)
    step = r.apply(OrderFilled(TS, "s", 2, 70_000, client_order_id=order.client_order_id))
    assert isinstance(step.events[0], InvalidBrokerEvent)
    assert order.filled_qty == 0


def test_cancel_paths() -> None:
    r = make()
    # NEW: cancelled at once, nothing to send
    unsent, _ = r.create(approved(), TS)
    step = r.cancel(unsent.client_order_id, TS, "changed my mind")
    assert step.commands == [] and unsent.state is OrderState.CANCELLED
    # working: CANCEL_PENDING + command for the remainder, then confirmed
    order = working(r)
    r.apply(OrderFilled(TS, "f1", 3, 70_000, client_order_id=order.client_order_id))
    step = r.cancel(order.client_order_id, TS, "flatten")
    assert step.commands == [CancelOrder(order.client_order_id, "0000000001", "00950", SYM, 7, TS, "flatten")]
    assert order.state is OrderState.CANCEL_PENDING
    assert r.cancel(order.client_order_id, TS).commands == []  # already pending
    r.apply(OrderCancelled(TS, broker_order_id="0000000001"))
    assert order.state is OrderState.CANCELLED
    assert r.portfolio.reserved_cash == 0


def test_cancel_before_the_ack_is_sent_when_the_ack_arrives() -> None:
    r = make()
    order, _ = r.create(approved(), TS)
    r.apply(OrderSent(order.client_order_id, TS))
    assert r.cancel(order.client_order_id, TS, "halt").commands == []
    step = r.apply(OrderAccepted(TS, "0000000005", "00950", client_order_id=order.client_order_id))
    assert [type(c) for c in step.commands] == [CancelOrder]
    assert [e.state for e in step.events if isinstance(e, OrderUpdated)] == [
        OrderState.ACCEPTED,
        OrderState.CANCEL_PENDING,
    ]


def test_cancel_refused_reject_and_expire() -> None:
    r = make()
    order = working(r)
    r.cancel(order.client_order_id, TS)
    r.apply(CancelRefused(TS, "already filled", client_order_id=order.client_order_id))
    assert order.state is OrderState.ACCEPTED
    assert r.portfolio.reserved_cash > 0
    rej, _ = r.create(approved(), TS)
    r.apply(OrderSent(rej.client_order_id, TS))
    r.apply(OrderRejected(TS, "주문가능금액 부족", client_order_id=rej.client_order_id))
    assert rej.state is OrderState.REJECTED and rej.reject_reason == "주문가능금액 부족"
    r.apply(OrderExpired(TS, broker_order_id="0000000001"))
    assert order.state is OrderState.EXPIRED
    assert r.portfolio.reserved_cash == 0


def test_revise_moves_the_broker_id_and_the_reservation() -> None:
    r = make()
    order = working(r)
    cmd = r.revise(order.client_order_id, 69_000, TS)
    assert cmd == ReviseOrder(order.client_order_id, "0000000001", "00950", SYM, 10, 69_000, TS)
    r.apply(OrderRevised(TS, "0000000002", 69_000, broker_order_id="0000000001"))
    assert r.by_broker_id("0000000002") is order and r.by_broker_id("0000000001") is order
    assert r.portfolio.reserved_cash == 690_000 + 96
    unsent, _ = r.create(approved(), TS)
    with pytest.raises(StateError, match="cannot be revised"):
        r.revise(unsent.client_order_id, 69_000, TS)


def test_expire_open_at_the_session_end() -> None:
    r = make()
    a = working(r)
    b, _ = r.create(approved(), TS)
    step = r.expire_open(TS)
    assert (a.state, b.state) == (OrderState.EXPIRED, OrderState.CANCELLED)
    assert len(step.events) == 2 and r.portfolio.reserved_cash == 0


def test_restore_rebuilds_reservations_and_broker_ids() -> None:
    r = make()
    order = Order("20260303-000007-x", SYM, Side.BUY, OrderType.LIMIT, 10, 70_000, IntentPurpose.ENTRY, TS)
    order.submit(TS)
    order.accept(TS, "0000000042", "00950")
    r.restore(order)
    assert r.by_broker_id("0000000042") is order
    assert r.portfolio.reserved_cash == 700_098
    with pytest.raises(StateError):
        r.restore(order)


def test_client_ids_count_per_day_and_resume() -> None:
    ids = ClientIdFactory("abc", start_seq=41)
    assert ids.next(date(2026, 3, 3)) == "20260303-000041-abc"
    assert ids.next(date(2026, 3, 3)) == "20260303-000042-abc"
    assert ids.next(date(2026, 3, 4)) == "20260304-000001-abc"
    assert ids.next(date(2026, 3, 4)) == "20260304-000002-abc"
    assert ids.next(date(2026, 3, 3)) == "20260303-000001-abc"  # any other day restarts the count


def test_client_ids_run_out_at_the_sequence_limit() -> None:
    ids = ClientIdFactory("abc", start_seq=999_999)
    assert ids.next(date(2026, 3, 3)) == "20260303-999999-abc"
    with pytest.raises(InvalidInputError, match="999999"):
        ids.next(date(2026, 3, 3))


def test_cancel_after_a_fill_that_beat_the_ack_waits_for_the_odno() -> None:
    r = make()
    order, _ = r.create(approved(), TS)
    cid = order.client_order_id
    r.apply(OrderSent(cid, TS))
    r.apply(OrderFilled(TS, "f1", 2, 70_000, client_order_id=cid))
    assert r.cancel(cid, TS, "stop").commands == []
    step = r.apply(OrderAccepted(TS, "0000000003", "00950", client_order_id=cid))
    assert step.commands == [CancelOrder(cid, "0000000003", "00950", SYM, 8, TS, "stop")]
    assert order.state is OrderState.CANCEL_PENDING


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=12),
    st.randoms(use_true_random=False),
)
def test_replayed_fills_change_nothing(sizes: list[int], rnd: random.Random) -> None:
    """Every fill delivered 1-3 times in shuffled order: the books equal a single delivery."""
    total = sum(sizes)
    fills = [
        OrderFilled(TS, f"f{i}", q, 70_000 + 100 * i, broker_order_id="0000000001")
        for i, q in enumerate(sizes)
    ]
    once, replayed = make(), make()
    o1 = working(once, approved(qty=total))
    o2 = working(replayed, approved(qty=total))
    for f in fills:
        once.apply(f)
    stream = [f for f in fills for _ in range(rnd.randint(1, 3))]
    rnd.shuffle(stream)
    dups = sum(1 for f in stream for e in replayed.apply(f).events if isinstance(e, DuplicateFill))
    assert dups == len(stream) - len(fills)
    assert (o2.filled_qty, o2.filled_value, o2.commission, o2.state) == (
        o1.filled_qty,
        o1.filled_value,
        o1.commission,
        OrderState.FILLED,
    )
    p1, p2 = once.portfolio, replayed.portfolio
    assert (p2.cash, p2.qty(SYM), p2.cost_basis, p2.reserved_cash) == (p1.cash, p1.qty(SYM), p1.cost_basis, 0)
