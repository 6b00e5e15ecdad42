"""The ledger's records: orders (with their fills) and holdings, as a broker reports them.

``OrderRecord`` carries what inquire-daily-ccld and inquire-psbl-rvsecncl need: order number,
original order number (revise/cancel rows), quantities ordered / filled / cancelled / remaining,
filled value and average, fees and taxes. ``Holding`` carries what inquire-balance needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import msgspec

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import InstrumentKind, Market, OrderType, Side, Symbol

AVG_QUANTUM = Decimal("0.0001")


class OrderKind(StrEnum):
    NEW = "new"
    REVISE = "revise"
    """Created by a revise; ``orgn_odno`` is the order it took its quantity from."""
    CANCEL = "cancel"
    """The row a cancel request creates; ``qty`` is the quantity it cancelled."""


class OrderState(StrEnum):
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    """Nothing left and not all filled: cancelled, expired, or a market remainder."""
    REPLACED = "replaced"
    """Nothing left; the unfilled rest moved to a revise order."""


class LedgerFill(msgspec.Struct, frozen=True, gc=False):
    """One fill of an account order as booked (a frozen Struct: made for every fill)."""

    odno: str
    symbol: Symbol
    side: Side
    price: int
    qty: int
    ts: datetime
    commission: int
    tax: int
    realized_pnl: int = 0
    """Sells only: value - cost removed - commission - tax."""

    @property
    def value(self) -> int:
        return self.price * self.qty


class OrderRecord(msgspec.Struct, eq=False):
    """One order row of the account (mutable: the ledger updates it as the order lives). A
    ``msgspec.Struct`` (one is made for every order); ``eq=False``: compared by identity."""

    odno: str
    org_no: str
    orgn_odno: str
    """The original order of a revise/cancel row; ``""`` for a new order."""
    kind: OrderKind
    symbol: Symbol
    side: Side
    order_type: OrderType
    qty: int
    price: int
    """Limit price; 0 for a market order (as KIS reports ``ord_unpr``)."""
    ts: datetime
    trade_date: date
    market: Market = Market.KOSPI
    instrument_kind: InstrumentKind = InstrumentKind.STOCK
    reserve_price: int = 0
    """Buy orders: the price cash is reserved at (limit price, or the upper limit for market)."""
    remaining: int = 0
    filled_qty: int = 0
    filled_value: int = 0
    cancelled_qty: int = 0
    revised_qty: int = 0
    commission: int = 0
    tax: int = 0
    reserved_cash: int = 0
    fills: list[LedgerFill] = msgspec.field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.remaining > 0

    @property
    def state(self) -> OrderState:
        if self.remaining > 0:
            return OrderState.PARTIALLY_FILLED if self.filled_qty else OrderState.OPEN
        if self.kind is not OrderKind.CANCEL and self.filled_qty == self.qty:
            return OrderState.FILLED
        if self.revised_qty and not self.cancelled_qty:
            return OrderState.REPLACED
        return OrderState.CANCELLED

    @property
    def revisable_qty(self) -> int:
        """``psbl_qty``: what can still be revised or cancelled."""
        return self.remaining

    @property
    def avg_fill_price(self) -> Decimal:
        if not self.filled_qty:
            return Decimal(0)
        return (Decimal(self.filled_value) / self.filled_qty).quantize(AVG_QUANTUM)


@dataclass(slots=True, eq=False)
class Holding:
    symbol: Symbol
    qty: int = 0
    purchase_amount: int = 0
    """``pchs_amt``: sum of buy values (no fees), reduced proportionally on sells."""
    reserved: int = 0
    """Shares held back by open sell orders."""
    bought_today: int = 0
    sold_today: int = 0
    bought_prev_day: int = 0
    sold_prev_day: int = 0
    market: Market = Market.KOSPI
    kind: InstrumentKind = InstrumentKind.STOCK

    @property
    def orderable(self) -> int:
        return self.qty - self.reserved

    @property
    def avg_price(self) -> Decimal:
        """``pchs_avg_pric`` = purchase_amount / qty, 4 decimals (0 when flat)."""
        if not self.qty:
            return Decimal(0)
        return (Decimal(self.purchase_amount) / self.qty).quantize(AVG_QUANTUM)

    def book_buy(self, qty: int, value: int) -> None:
        self.qty += qty
        self.purchase_amount += value
        self.bought_today += qty

    def book_sell(self, qty: int) -> int:
        """Remove ``qty`` sold shares (they were reserved); return the purchase cost removed."""
        if not 0 < qty <= self.qty:
            raise InvalidInputError(f"cannot sell {qty} of {self.qty} {self.symbol} shares")
        kept = self.purchase_amount * (self.qty - qty) // self.qty
        removed = self.purchase_amount - kept
        self.purchase_amount = kept
        self.qty -= qty
        self.reserved -= qty
        self.sold_today += qty
        return removed
