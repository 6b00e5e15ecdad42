"""What a broker tells the engine besides market data: order/fill notices and stream gaps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kistrade.domain.types import Side, Symbol


class NoticeKind(StrEnum):
    NEW = "new"
    REVISE = "revise"
    CANCEL = "cancel"


@dataclass(frozen=True, slots=True)
class ExecutionNotice:
    """One execution-notice record (H0STCNI0/9), decrypted and typed.

    ``is_fill``: a fill of ``qty`` at ``price``; otherwise an order event (accepted, revise/cancel
    confirmed, rejected) where ``qty``/``price`` are the order's. ``accept_code``: 1 accepted,
    2 confirmed, 3 IOC/FOK residual cancelled.
    """

    account: str
    broker_order_id: str
    original_order_id: str
    org_no: str
    symbol: Symbol
    name: str
    side: Side
    kind: NoticeKind
    order_type_code: str
    qty: int
    price: int
    order_qty: int
    order_price: int
    ts: datetime
    is_fill: bool
    rejected: bool
    accept_code: str


@dataclass(frozen=True, slots=True)
class StreamGap:
    """The WebSocket was down from ``start`` to ``end`` (clock time): reconcile these symbols."""

    start: datetime
    end: datetime
    symbols: tuple[str, ...]
    reason: str
    attempts: int

    @property
    def duration(self) -> float:
        return (self.end - self.start).total_seconds()
