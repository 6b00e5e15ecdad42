"""Reconciliation events (app/reconcile.py): pure functions over an OrderRouter and daily orders."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from kistrade.app.reconcile import ReconcileReport, match_events, total_events
from kistrade.domain.broker import DailyOrder
from kistrade.domain.intents import IntentPurpose
from kistrade.domain.orders import Order, OrderState
from kistrade.domain.types import KST, OrderType, Side, Symbol
from kistrade.engine.events import OrderAccepted, OrderCancelled, OrderFilled, OrderRejected, OrderSent
from kistrade.engine.execution import ClientIdFactory, OrderRouter
from kistrade.engine.portfolio import Portfolio

T0 = datetime(2026, 11, 24, 9, 30, tzinfo=KST)
SYM = Symbol("005930")


def _router(*orders: Order) -> OrderRouter:
    r = OrderRouter(Portfolio(100_000_000), ClientIdFactory("T"))
    for o in orders:
        r.restore(o)
    return r


def _order(cid: str, *, state: OrderState = OrderState.NEW, odno: str | None = None, qty: int = 10) -> Order:
    o = Order(cid, SYM, Side.BUY, OrderType.LIMIT, qty, 70_000, IntentPurpose.ENTRY, T0)
    o.state, o.broker_order_id = state, odno
    return o


def _daily(
    odno: str,
    *,
    qty: int = 10,
    filled: int = 0,
    price: int = 70_000,
    remaining: int | None = None,
    ts: datetime = T0,
) -> DailyOrder:
    rem = qty - filled if remaining is None else remaining
    return DailyOrder(
        T0.date(),
        odno,
        "06010",
        "",
        SYM,
        "삼성전자",
        Side.BUY,
        OrderType.LIMIT,
        qty,
        price,
        ts,
        filled,
        Decimal(price) if filled else Decimal(0),
        filled * price,
        False,
        0,
        rem,
        0,
    )


def test_a_new_order_found_at_the_broker_is_adopted_not_resent() -> None:
    router = _router(_order("20261124-000001-T"))
    rep = ReconcileReport()
    evs = match_events(
        router, [_daily("0000000007", ts=T0 + timedelta(seconds=1))], T0, final=True, report=rep
    )
    assert [type(e) for e in evs] == [OrderSent, OrderAccepted]
    assert isinstance(evs[1], OrderAccepted) and evs[1].broker_order_id == "0000000007"
    assert rep.matched == 1


def test_a_new_order_not_at_the_broker_is_rejected_locally() -> None:
    router = _router(_order("20261124-000001-T"))
    rep = ReconcileReport()
    evs = match_events(router, [_daily("0000000007", price=69_900)], T0, final=False, report=rep)
    assert [type(e) for e in evs] == [OrderRejected] and rep.unmatched == 1


def test_a_broker_order_owned_by_another_local_order_is_not_matched_twice() -> None:
    owner = _order("20261124-000001-T", state=OrderState.ACCEPTED, odno="0000000007")
    router = _router(owner, _order("20261124-000002-T"))
    evs = match_events(router, [_daily("0000000007")], T0, final=True, report=ReconcileReport())
    assert [type(e) for e in evs] == [OrderRejected]


def test_an_order_placed_before_the_local_order_existed_is_not_it() -> None:
    router = _router(_order("20261124-000001-T"))
    old = _daily("0000000007", ts=T0 - timedelta(minutes=5))
    evs = match_events(router, [old], T0, final=True, report=ReconcileReport())
    assert [type(e) for e in evs] == [OrderRejected]


def test_submitted_without_answer_waits_until_final() -> None:
    router = _router(_order("20261124-000001-T", state=OrderState.SUBMITTED))
    assert match_events(router, [], T0, final=False, report=ReconcileReport()) == []
    assert [type(e) for e in match_events(router, [], T0, final=True, report=ReconcileReport())] == [
        OrderRejected
    ]


def test_missing_fills_are_caught_up_once_by_cumulative_quantity() -> None:
    router = _router(_order("20261124-000001-T", state=OrderState.ACCEPTED, odno="0000000007"))
    daily = [_daily("0000000007", filled=6)]
    rep = ReconcileReport()
    (fill,) = total_events(router, daily, T0, rep)
    assert isinstance(fill, OrderFilled) and fill.qty == 6 and fill.fill_id == "0000000007:sync:6"
    router.apply(fill)
    assert total_events(router, daily, T0, ReconcileReport()) == []  # in sync: nothing more
    assert router.portfolio.qty(SYM) == 6


def test_an_order_the_broker_closed_is_closed_locally() -> None:
    router = _router(_order("20261124-000001-T", state=OrderState.ACCEPTED, odno="0000000007"))
    evs = total_events(router, [_daily("0000000007", filled=4, remaining=0)], T0, ReconcileReport())
    assert [type(e) for e in evs] == [OrderFilled, OrderCancelled]


def test_skipped_orders_are_left_to_their_notices() -> None:
    router = _router(_order("20261124-000001-T", state=OrderState.ACCEPTED, odno="0000000007"))
    daily = [_daily("0000000007", filled=10)]
    assert total_events(router, daily, T0, ReconcileReport(), skip={"20261124-000001-T"}) == []
