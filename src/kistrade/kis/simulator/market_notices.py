"""Account events -> OrderNotice values for the execution-notice stream (H0STCNI0/H0STCNI9)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime

from kistrade.exchange.events import Accepted, Cancelled, Event, Fill, Replaced
from kistrade.exchange.ledger import Ledger
from kistrade.exchange.records import OrderRecord
from kistrade.kis.simulator.market_types import NoticeKind, OrderNotice


def notice_from_record(
    kind: NoticeKind, record: OrderRecord, fill: tuple[int, int], ts: datetime, reason: str = ""
) -> OrderNotice:
    """A notice for an account's order row (account fields are filled in by the hub)."""
    return OrderNotice(
        account_no="",
        hts_id="",
        kind=kind,
        odno=record.odno,
        orig_odno=record.orgn_odno,
        org_no=record.org_no,
        symbol=record.symbol,
        name=record.symbol,
        side=record.side,
        order_type=record.order_type,
        order_qty=record.qty,
        order_price=record.price,
        fill_qty=fill[0],
        fill_price=fill[1],
        ts=ts,
        reason=reason,
    )


def notice_for_event(ledger: Ledger, event: Event, cancel_odno: str = "") -> OrderNotice | None:
    """ACCEPTED / REVISED / CANCELLED notices for an account event (fills: notice_from_record)."""
    if isinstance(event, Accepted):
        kind, odno = NoticeKind.ACCEPTED, event.order_id
    elif isinstance(event, Replaced):
        kind, odno = NoticeKind.REVISED, event.new_id
    elif isinstance(event, Cancelled):
        kind, odno = NoticeKind.CANCELLED, cancel_odno or event.order_id
    else:
        return None
    record = ledger.order(odno) or ledger.order(getattr(event, "order_id", ""))
    if record is None:
        return None
    reason = event.reason.value if isinstance(event, Cancelled) else ""
    return notice_from_record(kind, record, (0, 0), event.ts, reason)


def account_notices(
    event: Event,
    ledger_of: Callable[[str], Ledger | None],
    cancel_odno: str = "",
) -> Iterator[tuple[str, OrderNotice]]:
    """``(account, notice)`` for every account an exchange event touches (``ledger_of`` returns
    None for the crowd); account/HTS/name fields are left for the caller to fill in."""
    if isinstance(event, Fill):
        for order_id, owner, _side, _remaining in event.legs():
            ledger = ledger_of(owner)
            record = ledger.order(order_id) if ledger is not None else None
            if record is not None:
                yield owner, notice_from_record(NoticeKind.FILL, record, (event.qty, event.price), event.ts)
        return
    owner = getattr(event, "owner", "")
    ledger = ledger_of(owner) if owner else None
    if ledger is not None:
        notice = notice_for_event(ledger, event, cancel_odno)
        if notice is not None:
            yield owner, notice


def dress(notice: OrderNotice, account: str, hts_id: str, account_name: str, symbol_name: str) -> OrderNotice:
    return replace(notice, account_no=account, hts_id=hts_id, account_name=account_name, name=symbol_name)
