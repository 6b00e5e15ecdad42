"""The router's bookkeeping on random streams of broker events (sent, acks, fills, duplicate and
over-fills, cancels and refused cancels, revises, rejects, expiries, events by either id, unknown
orders) and cancel commands:

* after every call each order's reservation is what a model recomputed from scratch says: an open
  buy holds ``v + commission(v)`` with ``v`` = reserve price × remaining quantity, an open sell
  its remaining shares, a closed order nothing (the router skips re-reserving when an event leaves
  the order open with the same remainder and reserve price; this checks the skip is exact);
* every call reports one OrderUpdated per new step of the order's history, in order;
* ``apply_into`` returns the FillApplied it added (a fill it applied), else None.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.domain.costs import CostModel
from kistrade.domain.intents import IntentPurpose, OrderIntent
from kistrade.domain.orders import Order
from kistrade.domain.types import KST, OrderType, Side, Symbol
from kistrade.engine.events import (
    BrokerEvent,
    CancelRefused,
    FillApplied,
    OrderAccepted,
    OrderCancelled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderRevised,
    OrderSent,
    OrderUpdated,
    Step,
)
from kistrade.engine.execution import ClientIdFactory, OrderRouter
from kistrade.engine.portfolio import Portfolio
from kistrade.engine.risk_sizing import ApprovedOrder

SYM = Symbol("005930")
T0 = datetime(2026, 3, 3, 9, 30, tzinfo=KST)
COSTS = CostModel(commission_rate=Decimal("0.000140527"), sell_tax_override=Decimal("0.0020"))

KINDS = ["sent", "ack", "fill", "cancelled", "refused", "revised", "rejected", "expired", "cancel"]
ops = st.lists(
    st.one_of(
        st.tuples(
            st.just("new"),
            st.sampled_from([Side.BUY, Side.SELL]),
            st.integers(1, 30),
            st.booleans(),
            st.booleans(),
        ),
        st.tuples(st.sampled_from(KINDS), st.just(0) | st.integers(0, 5), st.integers(1, 12), st.booleans()),
    ),
    max_size=40,
)


def expected_reservations(router: OrderRouter, reserve: dict[str, int]) -> tuple[int, int]:
    """(cash, shares) the open orders should hold, recomputed from the orders."""
    cash = shares = 0
    for order in router.orders():
        if not order.is_open:
            continue
        remaining = order.qty - order.filled_qty
        if order.side is Side.BUY:
            value = reserve[order.client_order_id] * remaining
            cash += value + COSTS.buy_cost(value, order.created_at.date())
        else:
            shares += remaining
    return cash, shares


def event_for(kind: str, order: Order, k: int, qty: int, by_broker: bool, ts: datetime) -> BrokerEvent | None:
    cid = order.client_order_id
    odno = order.broker_order_id
    ids: dict[str, str | None] = {"broker_order_id": odno} if by_broker and odno else {"client_order_id": cid}
    if kind == "sent":
        return OrderSent(cid, ts)
    if kind == "ack":
        return OrderAccepted(ts, odno or f"{k:010d}", "00950", client_order_id=cid)
    if kind == "fill":
        return OrderFilled(ts, f"{cid}:f{qty % 4}", qty, 70_000 + 10 * qty, **ids)
    if kind == "cancelled":
        return OrderCancelled(ts, reason="ioc", **ids)
    if kind == "refused":
        return CancelRefused(ts, "too late", **ids)
    if kind == "revised":
        return OrderRevised(ts, f"R{k}{qty:08d}", 69_000 + 100 * qty, **ids)
    if kind == "rejected":
        return OrderRejected(ts, "no", **ids)
    if kind == "expired":
        return OrderExpired(ts, **ids)
    return None


@settings(max_examples=300, deadline=None)
@given(ops)
def test_reservations_updates_and_returned_fills_follow_the_orders(
    script: list[tuple[object, ...]],
) -> None:
    pf = Portfolio(10**10)
    pf.seed_holding(SYM, 200, 200 * 70_000)
    router = OrderRouter(pf, ClientIdFactory("p1"), costs=COSTS)
    reserve: dict[str, int] = {}
    for n, op in enumerate(script):
        ts = T0 + timedelta(seconds=n)
        orders = router.orders()
        seen = {o.client_order_id: len(o.history) for o in orders}
        step = Step()
        if op[0] == "new":
            _, side, qty, limit, sent = op
            assert isinstance(side, Side) and isinstance(qty, int)
            price = 70_000 if limit else None
            purpose = IntentPurpose.ENTRY if side is Side.BUY else IntentPurpose.EXIT
            otype = OrderType.LIMIT if limit else OrderType.MARKET
            intent = OrderIntent(SYM, side, purpose, qty=qty, order_type=otype, limit_price=price)
            order, _ = router.create(ApprovedOrder(SYM, side, qty, otype, price, purpose, 71_000, intent), ts)
            reserve[order.client_order_id] = 71_000
            if sent:  # and sent at once (fills need it)
                assert router.apply_into(OrderSent(order.client_order_id, ts), step) is None
        elif orders:
            kind, k, qty, flag = op
            assert isinstance(kind, str) and isinstance(k, int) and isinstance(qty, int)
            order = orders[-1 - k % len(orders)]  # mostly the newest
            if kind == "cancel":
                step = router.cancel(order.client_order_id, ts, "asked")
            else:
                event = event_for(kind, order, k, qty, bool(flag), ts)
                assert event is not None
                applied = router.apply_into(event, step)
                fills = [e for e in step.events if isinstance(e, FillApplied)]
                assert (applied is None and not fills) or (len(fills) == 1 and applied is fills[0])
                if isinstance(event, OrderRevised) and order.side is Side.BUY and order.is_open:
                    reserve[order.client_order_id] = event.new_limit_price or reserve[order.client_order_id]
        updates = [e for e in step.events if isinstance(e, OrderUpdated)]
        steps = [
            OrderUpdated(t.ts, o.client_order_id, t.from_state, t.to_state, t.reason)
            for o in router.orders()
            for t in o.history[seen.get(o.client_order_id, 0) :]
        ]
        assert updates == steps
        cash, shares = expected_reservations(router, reserve)
        assert (pf.reserved_cash, pf.reserved_cash_symbol(SYM), pf.reserved_shares(SYM)) == (
            cash,
            cash,
            shares,
        )
