"""Values the store keeps that the domain does not define (yet).

When the Store port moves into ``kistrade/ports.py`` these move with it into ``kistrade.domain``
(ports may import only the domain). They are plain frozen dataclasses: no I/O, no SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import KST, OrderType, Side, Symbol


class BarSource(StrEnum):
    """Where a minute bar came from; both may exist for one minute (the data check compares them)."""

    REST = "rest"
    TICKS = "ticks"


class RiskSwitch(StrEnum):
    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"
    HALTED = "HALTED"


def kst_date(ts: datetime) -> date:
    """The KST calendar date of a tz-aware timestamp (KIS trade dates are KST dates)."""
    if ts.tzinfo is None:
        raise InvalidInputError(f"timestamp {ts.isoformat()} has no timezone; a KST trade date needs one")
    return ts.astimezone(KST).date()


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """The persisted form of an order (written before it is sent; updated on every transition).

    ``trade_date`` is the KST trading day the order belongs to: KIS order numbers restart every
    day, so a broker order id is unique only within it. Left None it is ``created_at``'s KST date;
    once stored it never changes (an upsert keeps the first value).
    """

    client_order_id: str
    symbol: Symbol
    side: Side
    order_type: OrderType
    qty: int
    price: int | None
    state: str
    created_at: datetime
    updated_at: datetime
    broker_order_id: str | None = None
    broker_org_no: str | None = None
    filled_qty: int = 0
    reason: str = ""
    trade_date: date | None = None

    def __post_init__(self) -> None:
        if self.trade_date is None:
            object.__setattr__(self, "trade_date", kst_date(self.created_at))

    @property
    def day(self) -> date:
        """``trade_date``, never None (set from ``created_at`` when not given)."""
        return self.trade_date if self.trade_date is not None else kst_date(self.created_at)


@dataclass(frozen=True, slots=True)
class SignalRecord:
    symbol: Symbol
    ts: datetime
    side: Side
    strength: float
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """Account value at one time (won). ``equity`` = cash + market value."""

    ts: datetime
    cash: int
    equity: int
    market_value: int = 0
    realized_pnl: int = 0
    unrealized_pnl: int = 0
    fees: int = 0


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One broker API call: a logical name given by the client, its latency and result code."""

    ts: datetime
    name: str
    latency_ms: float
    code: str
    ok: bool = True


@dataclass(frozen=True, slots=True)
class EventRecord:
    """Something that happened (start/stop, fault, state change); ``detail`` must be JSON-serialisable."""

    ts: datetime
    kind: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RiskStateRecord:
    state: RiskSwitch
    reason: str
    ts: datetime
    source: str = ""


@dataclass(frozen=True, slots=True)
class DateRange:
    """An inclusive range of session dates (a fetch request for missing daily bars)."""

    first: date
    last: date
