"""Execution notices (H0STCNI0/9, already decoded into ``domain.broker_events.ExecutionNotice``)
to engine broker events. Pure; the I/O layer calls it and feeds the result to
``Kernel.on_broker_event``.

Mapping (shared/kis-protocol.md §7.3):

* a refusal -> OrderRejected of ``broker_order_id``;
* an execution -> OrderFilled with id :func:`notice_fill_id`;
* an IOC/FOK remainder cancelled -> OrderCancelled;
* a new order's acceptance -> OrderAccepted (broker order number + org no);
* a confirmed cancel -> OrderCancelled of the ORIGINAL order;
* a confirmed revise -> OrderRevised: the original order now lives under the new broker order
  number; a revise/cancel notice that is not a confirmation gives nothing.

Fill ids. A notice carries no execution id, so the id is ``<broker order number>:HHMMSS:qty@price``
(+ ``#n`` for the n-th identical notice in the same second, counted by the caller-owned ``seen``
map).
A notice delivered twice gives the same id (applied once). Should two real executions ever be
merged, the order comes out short, never doubled, and ``OrderRouter.catch_up_fill`` repairs it
from the REST totals: a miss can be repaired, a double count cannot.
"""

from __future__ import annotations

from collections import Counter

from kistrade.domain.broker_events import ExecutionNotice, NoticeKind
from kistrade.engine.events import (
    BrokerEvent,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderRejected,
    OrderRevised,
)

ACCEPT_CONFIRMED = "2"
ACCEPT_IOC_CANCELLED = "3"


def notice_fill_id(notice: ExecutionNotice, occurrence: int = 1) -> str:
    base = f"{notice.broker_order_id}:{notice.ts:%H%M%S}:{notice.qty}@{notice.price}"
    return base if occurrence <= 1 else f"{base}#{occurrence}"


class NoticeTranslator:
    """Stateful only to tell apart identical fill notices within one second of one process.

    ``distinct_repeats=False`` (default) treats an identical fill notice as a redelivery (same
    id). Set True only if the stream is known never to redeliver."""

    def __init__(self, *, distinct_repeats: bool = False) -> None:
        self.distinct_repeats = distinct_repeats
        self._seen: Counter[str] = Counter()

    def events(self, n: ExecutionNotice) -> list[BrokerEvent]:
        odno = n.broker_order_id
        if n.rejected:
            return [OrderRejected(n.ts, "rejected by the broker (refusal notice)", broker_order_id=odno)]
        if n.is_fill:
            base = notice_fill_id(n)
            self._seen[base] += 1
            occurrence = self._seen[base] if self.distinct_repeats else 1
            fid = notice_fill_id(n, occurrence)
            return [OrderFilled(n.ts, fid, n.qty, n.price, broker_order_id=odno)]
        if n.accept_code == ACCEPT_IOC_CANCELLED:
            return [OrderCancelled(n.ts, broker_order_id=odno, reason="IOC/FOK remainder cancelled")]
        if n.kind is not NoticeKind.NEW and n.accept_code != ACCEPT_CONFIRMED:
            return []  # a revise/cancel request was received, not yet done: wait for the confirmation
        if n.kind is NoticeKind.CANCEL:
            target = n.original_order_id or odno
            return [OrderCancelled(n.ts, broker_order_id=target, reason="cancel confirmed")]
        if n.kind is NoticeKind.REVISE:
            price = n.order_price or n.price or None
            return [
                OrderRevised(
                    n.ts, new_broker_order_id=odno, new_limit_price=price, broker_order_id=n.original_order_id
                )
            ]
        return [OrderAccepted(n.ts, odno, n.org_no or None)]
