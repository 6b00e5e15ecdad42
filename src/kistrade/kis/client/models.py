"""Typed results of the KIS client, in domain vocabulary (no KIS field names).

The result types live in the domain (kistrade.domain.broker, kistrade.domain.broker_events,
kistrade.domain.errors) because the engine and the Broker port consume them; they are re-exported
here for the client's callers.
"""

from __future__ import annotations

from kistrade.domain.broker import (
    Balance,
    Buyable,
    DailyOrder,
    Holding,
    HolidayInfo,
    OpenOrder,
    OrderAck,
    Quote,
)
from kistrade.domain.broker_events import ExecutionNotice, NoticeKind, StreamGap
from kistrade.domain.errors import KistradeError, OrderStateUnknownError


class SubscriptionLimitError(KistradeError):
    """More real-time registrations were asked than one KIS session allows (40)."""


__all__ = [
    "Balance",
    "Buyable",
    "DailyOrder",
    "ExecutionNotice",
    "Holding",
    "HolidayInfo",
    "NoticeKind",
    "OpenOrder",
    "OrderAck",
    "OrderStateUnknownError",
    "Quote",
    "StreamGap",
    "SubscriptionLimitError",
]
