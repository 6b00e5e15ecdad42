"""Execution notices to broker events, and through the router."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from kistrade.domain.broker_events import ExecutionNotice, NoticeKind
from kistrade.domain.types import KST, Side, Symbol
from kistrade.engine.events import (
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderRejected,
    OrderRevised,
)
from kistrade.engine.notices import NoticeTranslator, notice_fill_id

TS = datetime(2026, 3, 3, 9, 49, 41, tzinfo=KST)
BASE = ExecutionNotice(
    account="1234567801",
    broker_order_id="0000002891",
    original_order_id="",
    org_no="06010",
    symbol=Symbol("136480"),
    name="하림",
    side=Side.BUY,
    kind=NoticeKind.NEW,
    order_type_code="00",
    qty=10,
    price=3_190,
    order_qty=10,
    order_price=3_190,
    ts=TS,
    is_fill=False,
    rejected=False,
    accept_code="1",
)


def test_order_notices() -> None:
    t = NoticeTranslator()
    assert t.events(BASE) == [OrderAccepted(TS, "0000002891", "06010")]
    assert t.events(replace(BASE, rejected=True)) == [
        OrderRejected(TS, "rejected by the broker (refusal notice)", broker_order_id="0000002891")
    ]
    cancel = replace(
        BASE, broker_order_id="0000002892", original_order_id="0000002891", kind=NoticeKind.CANCEL
    )
    assert t.events(cancel) == []  # request received only
    [c] = t.events(replace(cancel, accept_code="2"))
    assert isinstance(c, OrderCancelled) and c.broker_order_id == "0000002891"
    revise = replace(cancel, kind=NoticeKind.REVISE, accept_code="2", order_price=3_200)
    assert t.events(revise) == [OrderRevised(TS, "0000002892", 3_200, broker_order_id="0000002891")]
    [ioc] = t.events(replace(BASE, accept_code="3"))
    assert isinstance(ioc, OrderCancelled) and ioc.broker_order_id == "0000002891"


def test_fill_notices_and_their_ids() -> None:
    fill = replace(BASE, is_fill=True, accept_code="2", qty=4)
    t = NoticeTranslator()
    [a] = t.events(fill)
    assert a == OrderFilled(TS, "0000002891:094941:4@3190", 4, 3_190, broker_order_id="0000002891")
    assert t.events(fill) == [a]  # a redelivery gets the same id: the router applies it once
    distinct = NoticeTranslator(distinct_repeats=True)
    ids = [e.fill_id for e in distinct.events(fill) + distinct.events(fill) if isinstance(e, OrderFilled)]
    assert ids == [notice_fill_id(fill), notice_fill_id(fill) + "#2"]
