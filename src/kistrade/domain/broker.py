"""What a broker reports about prices, orders and the account, in domain vocabulary.

The ``Broker`` port (kistrade.ports) returns these; the KIS client maps KIS fields onto them in
one place (kistrade.kis.client.mapping).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from kistrade.domain.types import OrderType, Side, Symbol


@dataclass(frozen=True, slots=True)
class Quote:
    symbol: Symbol
    price: int
    open: int
    high: int
    low: int
    base: int
    upper_limit: int
    lower_limit: int
    volume: int
    turnover: int
    tick: int
    change: int
    change_rate: Decimal
    found: bool = True


@dataclass(frozen=True, slots=True)
class OrderAck:
    """The broker accepted an order (or a revise/cancel, which gets its own new order number)."""

    broker_order_id: str
    org_no: str
    ts: datetime
    code: str = ""
    message: str = ""
    recovered: bool = False  # True when found by inquiry after a timeout, not from the POST answer


@dataclass(frozen=True, slots=True)
class OpenOrder:
    broker_order_id: str
    org_no: str
    original_order_id: str
    symbol: Symbol
    side: Side
    order_type: OrderType
    qty: int
    price: int
    filled_qty: int
    remaining_qty: int
    ts: datetime | None


@dataclass(frozen=True, slots=True)
class Holding:
    symbol: Symbol
    name: str
    qty: int
    sellable_qty: int
    avg_price: Decimal
    purchase_amount: int
    price: int
    eval_amount: int
    pnl: int


@dataclass(frozen=True, slots=True)
class Balance:
    cash_d0: int
    cash_d1: int
    cash_d2: int
    holdings: tuple[Holding, ...]
    securities_value: int
    total_value: int
    net_assets: int
    purchase_total: int
    pnl_total: int
    fees_today: int


@dataclass(frozen=True, slots=True)
class Buyable:
    cash: int
    amount: int
    qty: int
    max_amount: int
    max_qty: int
    price_used: int


@dataclass(frozen=True, slots=True)
class DailyOrder:
    """One row of the daily order/fill inquiry (orders, revises and cancels each have a row)."""

    day: date
    broker_order_id: str
    org_no: str
    original_order_id: str
    symbol: Symbol
    name: str
    side: Side
    order_type: OrderType
    qty: int
    price: int
    ts: datetime | None
    filled_qty: int
    avg_fill_price: Decimal
    filled_amount: int
    cancelled: bool
    cancel_confirmed_qty: int
    remaining_qty: int
    rejected_qty: int


@dataclass(frozen=True, slots=True)
class HolidayInfo:
    day: date
    business_day: bool
    trading_day: bool
    open_day: bool
    settlement_day: bool
