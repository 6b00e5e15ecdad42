"""Reconciliation: what the broker's daily orders say that the local orders do not know yet.

Pure functions over an :class:`~kistrade.engine.execution.OrderRouter` and the broker's
``DailyOrder`` rows; the trader applies the events they return through the kernel (so every
change is persisted and reaches the portfolio exactly once).

1. :func:`match_events` gives each local order without an ODNO (NEW in the store at restart, or
   a send whose outcome was unknown) the broker order that is it: same symbol, side, quantity,
   price and order type, placed no earlier than the order was created, not already owned by
   another local order. Found: OrderSent (if NEW) + OrderAccepted. Not found: a NEW order never
   reached the broker and is rejected locally (it may be decided again, never duplicated); a
   SUBMITTED one is rejected only at restart (``final=True``), else it waits for the next sync.
2. :func:`total_events` brings each open local order up to the broker's totals: the missing
   fill (``OrderRouter.catch_up_fill``: id ``<odno>:sync:<cum qty>``, so the same totals
   replayed are a duplicate) and the end of an order the broker finished (cancelled/rejected).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from kistrade.domain.broker import DailyOrder
from kistrade.domain.errors import StateError
from kistrade.domain.orders import Order, OrderState
from kistrade.domain.types import OrderType
from kistrade.engine.events import (
    BrokerEvent,
    OrderAccepted,
    OrderCancelled,
    OrderRejected,
    OrderSent,
)
from kistrade.engine.execution import OrderRouter

MATCH_TOLERANCE = timedelta(seconds=5)


@dataclass(slots=True)
class ReconcileReport:
    matched: int = 0
    unmatched: int = 0
    catch_up_fills: int = 0
    closed: int = 0
    problems: list[str] | None = None

    def add_problem(self, text: str) -> None:
        if self.problems is None:
            self.problems = []
        self.problems.append(text)

    @property
    def changed(self) -> bool:
        return bool(self.matched or self.unmatched or self.catch_up_fills or self.closed)


def originals(daily: Iterable[DailyOrder]) -> dict[str, DailyOrder]:
    """The rows of new orders (revise/cancel rows carry the original order id), by ODNO."""
    return {d.broker_order_id: d for d in daily if not d.original_order_id}


def is_same_order(order: Order, d: DailyOrder) -> bool:
    price = order.limit_price if order.order_type is OrderType.LIMIT else 0
    placed = d.ts is None or d.ts >= order.created_at - MATCH_TOLERANCE
    return (
        d.symbol == order.symbol
        and d.side is order.side
        and d.qty == order.qty
        and d.order_type is order.order_type
        and (d.price == price or order.order_type is OrderType.MARKET)
        and placed
    )


def known_broker_ids(router: OrderRouter) -> set[str]:
    ids: set[str] = set()
    for o in router.orders():
        if o.broker_order_id:
            ids.add(o.broker_order_id)
        ids.update(o.previous_broker_ids)
    return ids


def match_events(
    router: OrderRouter, daily: list[DailyOrder], now: datetime, *, final: bool, report: ReconcileReport
) -> list[BrokerEvent]:
    known = known_broker_ids(router)
    rows = sorted(originals(daily).values(), key=lambda d: (d.ts is None, d.ts, d.broker_order_id))
    events: list[BrokerEvent] = []
    for order in sorted(router.open_orders(), key=lambda o: (o.created_at, o.client_order_id)):
        if order.broker_order_id:
            continue
        cid = order.client_order_id
        found = next((d for d in rows if d.broker_order_id not in known and is_same_order(order, d)), None)
        if found is not None:
            known.add(found.broker_order_id)
            if order.state is OrderState.NEW:
                events.append(OrderSent(cid, now))
            events.append(
                OrderAccepted(now, found.broker_order_id, found.org_no or None, client_order_id=cid)
            )
            report.matched += 1
        elif order.state is OrderState.NEW or final:
            why = "never reached the broker" if order.state is OrderState.NEW else "not found at the broker"
            events.append(OrderRejected(now, f"{why} (reconciled)", client_order_id=cid))
            report.unmatched += 1
    return events


def total_events(
    router: OrderRouter,
    daily: list[DailyOrder],
    now: datetime,
    report: ReconcileReport,
    *,
    skip: Collection[str] = (),
) -> list[BrokerEvent]:
    """``skip``: client ids left alone this time (acknowledged moments ago: notices in flight)."""
    rows = originals(daily)
    events: list[BrokerEvent] = []
    for order in router.open_orders():
        if not order.broker_order_id or order.client_order_id in skip:
            continue
        d = rows.get(order.broker_order_id)
        if d is None:
            continue
        cid = order.client_order_id
        try:
            fills = router.catch_up_fill(cid, d.filled_qty, d.filled_amount, now)
        except StateError as exc:
            report.add_problem(str(exc))
            continue
        filled = order.filled_qty
        if fills:
            events.extend(fills)
            report.catch_up_fills += 1
            filled += sum(f.qty for f in fills)
        if d.remaining_qty == 0 and filled < order.qty:
            if filled == 0 and d.rejected_qty > 0 and order.state is OrderState.SUBMITTED:
                events.append(OrderRejected(now, "rejected by the broker (reconciled)", client_order_id=cid))
            else:
                events.append(
                    OrderCancelled(now, client_order_id=cid, reason="closed at the broker (reconciled)")
                )
            report.closed += 1
    return events


__all__ = [
    "MATCH_TOLERANCE",
    "ReconcileReport",
    "is_same_order",
    "known_broker_ids",
    "match_events",
    "originals",
    "total_events",
]
