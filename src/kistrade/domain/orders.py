"""The Order entity and its state machine (shared/DESIGN.md "domain: Order (state machine)").

States and the allowed steps (``TRANSITIONS`` is the single source of truth)::

    NEW ──submit──▶ SUBMITTED ──accept──▶ ACCEPTED ──fill──▶ PARTIALLY_FILLED ──fill──▶ FILLED
     │                 │  │                  │                    │
     │                 │  └─fill (notice before the ack)          │
     │                 └─reject──▶ REJECTED  └─request_cancel──▶ CANCEL_PENDING ──▶ CANCELLED
     └─cancel before it was sent──▶ CANCELLED        (also: expire ──▶ EXPIRED at the session end)

* A fill while CANCEL_PENDING keeps CANCEL_PENDING (the cancel covers what is left) unless it
  completes the order (FILLED). A refused cancel returns to ACCEPTED / PARTIALLY_FILLED.
* FILLED, CANCELLED, REJECTED and EXPIRED are terminal.
* An impossible step raises :class:`~kistrade.domain.errors.StateError` naming both states.
* Fills are idempotent by ``fill_id``: a fill id seen before is ignored and reported
  (``apply_fill`` returns False); a fill beyond the ordered quantity is a StateError.

Client order ids (:func:`make_client_order_id`) are ``YYYYMMDD-NNNNNN-SUFFIX``: the trade date and
a zero-padded per-day sequence make them unique and sortable; the suffix (random, supplied by the
caller) keeps them unique across restarts that reuse a sequence number.

:class:`Transition` and :class:`OrderFill` (made for every step and fill) are frozen
``msgspec.Struct`` values, like the engine events (``kistrade.engine.events``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import msgspec

from kistrade.domain.errors import InvalidInputError, StateError
from kistrade.domain.intents import IntentPurpose
from kistrade.domain.types import OrderType, Side, Symbol

AVG_QUANTUM = Decimal("0.0001")


class OrderState(StrEnum):
    NEW = "new"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCEL_PENDING = "cancel_pending"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    EXPIRED = "expired"

    is_terminal: bool
    """In ``TERMINAL_STATES`` (no step leads out). A plain attribute of each member, set below
    from ``TERMINAL_STATES``: the order queries read it several times per broker event."""


S = OrderState
TERMINAL_STATES: frozenset[OrderState] = frozenset({S.FILLED, S.CANCELLED, S.REJECTED, S.EXPIRED})
for _state in OrderState:
    _state.is_terminal = _state in TERMINAL_STATES
del _state

# The members the order's methods read, as module globals: on Python 3.11 ``OrderState.NEW``
# goes through ``EnumType.__getattr__`` (~80 ns a read against ~10 ns for a global), and the
# methods run several times for every broker event.
_NEW, _SUBMITTED, _ACCEPTED = S.NEW, S.SUBMITTED, S.ACCEPTED
_PARTIALLY_FILLED, _FILLED, _CANCEL_PENDING = S.PARTIALLY_FILLED, S.FILLED, S.CANCEL_PENDING
_CANCELLED, _REJECTED, _EXPIRED = S.CANCELLED, S.REJECTED, S.EXPIRED
_LIMIT, _MARKET = OrderType.LIMIT, OrderType.MARKET

TRANSITIONS: dict[OrderState, frozenset[OrderState]] = {
    S.NEW: frozenset({S.SUBMITTED, S.CANCELLED, S.REJECTED}),
    S.SUBMITTED: frozenset(
        {S.ACCEPTED, S.REJECTED, S.PARTIALLY_FILLED, S.FILLED, S.CANCEL_PENDING, S.CANCELLED, S.EXPIRED}
    ),
    S.ACCEPTED: frozenset({S.PARTIALLY_FILLED, S.FILLED, S.CANCEL_PENDING, S.CANCELLED, S.EXPIRED}),
    S.PARTIALLY_FILLED: frozenset({S.PARTIALLY_FILLED, S.FILLED, S.CANCEL_PENDING, S.CANCELLED, S.EXPIRED}),
    S.CANCEL_PENDING: frozenset(
        {S.CANCEL_PENDING, S.ACCEPTED, S.PARTIALLY_FILLED, S.FILLED, S.CANCELLED, S.EXPIRED}
    ),
    S.FILLED: frozenset(),
    S.CANCELLED: frozenset(),
    S.REJECTED: frozenset(),
    S.EXPIRED: frozenset(),
}
"""Allowed ``from -> to`` steps. Self-loops are listed where they are meaningful (another partial fill)."""

_CLIENT_ID_RE = re.compile(r"^\d{8}-\d{6}-[0-9A-Za-z]{1,16}$")
_SUFFIX_RE = re.compile(r"[0-9A-Za-z]{1,16}")


def make_client_order_id(trade_date: date, seq: int, suffix: str) -> str:
    """``YYYYMMDD-NNNNNN-SUFFIX``: deterministic for its inputs, sortable by date then sequence."""
    if not 0 <= seq <= 999_999:
        raise InvalidInputError(f"client order sequence {seq} is outside 0..999999")
    if not _SUFFIX_RE.fullmatch(suffix):
        raise InvalidInputError(f"client order id suffix {suffix!r} must be 1-16 letters or digits")
    return f"{trade_date.year:04d}{trade_date.month:02d}{trade_date.day:02d}-{seq:06d}-{suffix}"


def is_client_order_id(value: str) -> bool:
    return bool(_CLIENT_ID_RE.match(value))


class Transition(msgspec.Struct, frozen=True, gc=False):
    """One step in an order's history."""

    ts: datetime
    from_state: OrderState
    to_state: OrderState
    reason: str = ""


class OrderFill(msgspec.Struct, frozen=True, gc=False):
    """A fill as the order recorded it (costs in won)."""

    fill_id: str
    qty: int
    price: int
    ts: datetime
    commission: int
    tax: int


@dataclass(slots=True, eq=False)
class Order:
    """One order from intent to terminal state. Mutated only through its methods."""

    client_order_id: str
    symbol: Symbol
    side: Side
    order_type: OrderType
    qty: int
    limit_price: int | None
    purpose: IntentPurpose
    created_at: datetime
    state: OrderState = OrderState.NEW
    updated_at: datetime | None = None
    broker_order_id: str | None = None
    """KIS ODNO; changes when a revise is confirmed (the old ones are in ``previous_broker_ids``)."""
    broker_org_no: str | None = None
    """KRX order org number (KRX_FWDG_ORD_ORGNO), needed to revise/cancel."""
    previous_broker_ids: list[str] = field(default_factory=list)
    filled_qty: int = 0
    filled_value: int = 0
    commission: int = 0
    tax: int = 0
    reject_reason: str = ""
    fills: list[OrderFill] = field(default_factory=list)
    history: list[Transition] = field(default_factory=list)
    _fill_ids: set[str] = field(default_factory=set, repr=False)

    def __post_init__(self) -> None:
        if self.qty <= 0:
            raise InvalidInputError(f"order {self.client_order_id}: quantity {self.qty} must be positive")
        if self.order_type is _LIMIT and (self.limit_price is None or self.limit_price <= 0):
            raise InvalidInputError(f"limit order {self.client_order_id} needs a positive limit price")
        if self.order_type is _MARKET and self.limit_price is not None:
            raise InvalidInputError(f"market order {self.client_order_id} carries no limit price")
        if self.updated_at is None:
            self.updated_at = self.created_at

    # --- queries ---------------------------------------------------------------------------

    @property
    def remaining_qty(self) -> int:
        """Quantity still working (0 once terminal)."""
        return 0 if self.state.is_terminal else self.qty - self.filled_qty

    @property
    def is_open(self) -> bool:
        return not self.state.is_terminal

    @property
    def avg_fill_price(self) -> Decimal:
        """Filled value / filled quantity, 4 decimals (0 before any fill)."""
        if not self.filled_qty:
            return Decimal(0)
        return (Decimal(self.filled_value) / self.filled_qty).quantize(AVG_QUANTUM)

    def has_fill(self, fill_id: str) -> bool:
        return fill_id in self._fill_ids

    def can_transition(self, to: OrderState) -> bool:
        return to in TRANSITIONS[self.state]

    # --- transitions -----------------------------------------------------------------------

    def _go(self, to: OrderState, ts: datetime, reason: str = "") -> None:
        state = self.state
        if to not in TRANSITIONS[state]:
            raise StateError(
                f"order {self.client_order_id}: cannot go from {state.value} to {to.value}"
                + (f" ({reason})" if reason else "")
            )
        self.history.append(Transition(ts, state, to, reason))
        self.state = to
        self.updated_at = ts

    def submit(self, ts: datetime) -> None:
        """The order was handed to the broker (written to the store first)."""
        self._go(_SUBMITTED, ts)

    def accept(self, ts: datetime, broker_order_id: str, org_no: str | None = None) -> bool:
        """The broker acknowledged the order with its ODNO. Returns False for a repeated ack.

        An ack that arrives after fills (notice order is not guaranteed) only records the ids.
        """
        if self.state is _NEW:
            raise StateError(f"order {self.client_order_id}: cannot go from new to accepted (not sent)")
        if broker_order_id in self.previous_broker_ids or (
            self.broker_order_id == broker_order_id and self.state is not _SUBMITTED
        ):
            return False
        if self.broker_order_id not in (None, broker_order_id):
            raise StateError(
                f"order {self.client_order_id}: ack for broker id {broker_order_id} "
                f"but it already has {self.broker_order_id}"
            )
        self.broker_order_id = broker_order_id
        if org_no:
            self.broker_org_no = org_no
        if self.state is _SUBMITTED:
            self._go(_ACCEPTED, ts)
        else:
            self.updated_at = ts
        return True

    def reject(self, ts: datetime, reason: str) -> None:
        self._go(_REJECTED, ts, reason)
        self.reject_reason = reason

    def apply_fill(
        self, fill_id: str, qty: int, price: int, ts: datetime, *, commission: int = 0, tax: int = 0
    ) -> bool:
        """Apply one fill. Returns False (and changes nothing) when ``fill_id`` was applied before."""
        if fill_id in self._fill_ids:
            return False
        if qty <= 0 or price <= 0:
            raise InvalidInputError(
                f"order {self.client_order_id}: fill {fill_id} has qty {qty} price {price}; both must be > 0"
            )
        if self.filled_qty + qty > self.qty:
            raise StateError(
                f"order {self.client_order_id}: fill {fill_id} of {qty} overfills "
                f"({self.filled_qty} of {self.qty} already filled)"
            )
        if self.filled_qty + qty == self.qty:
            to = _FILLED
        elif self.state is _CANCEL_PENDING:
            to = _CANCEL_PENDING
        else:
            to = _PARTIALLY_FILLED
        self._go(to, ts, f"fill {fill_id}: {qty} @ {price}")
        self._fill_ids.add(fill_id)
        self.filled_qty += qty
        self.filled_value += qty * price
        self.commission += commission
        self.tax += tax
        self.fills.append(OrderFill(fill_id, qty, price, ts, commission, tax))
        return True

    def request_cancel(self, ts: datetime, reason: str = "") -> None:
        """A cancel of the remainder was sent (an unsent NEW order is cancelled at once)."""
        if self.state is _NEW:
            self._go(_CANCELLED, ts, reason or "cancelled before it was sent")
        else:
            self._go(_CANCEL_PENDING, ts, reason)

    def cancel_refused(self, ts: datetime, reason: str) -> None:
        """The broker refused the cancel: back to working."""
        if self.state is not _CANCEL_PENDING:
            raise StateError(
                f"order {self.client_order_id}: cancel refused while {self.state.value}, not cancel_pending"
            )
        to = _PARTIALLY_FILLED if self.filled_qty else _ACCEPTED
        self._go(to, ts, f"cancel refused: {reason}")

    def cancelled(self, ts: datetime, reason: str = "") -> None:
        """The broker confirmed the remainder is cancelled."""
        self._go(_CANCELLED, ts, reason)

    def expire(self, ts: datetime, reason: str = "session ended") -> None:
        self._go(_EXPIRED, ts, reason)

    def revised(self, ts: datetime, new_broker_order_id: str, new_limit_price: int | None) -> None:
        """A revise was confirmed: KIS gives the remainder a new ODNO (and price). State is kept."""
        if self.state.is_terminal:
            raise StateError(
                f"order {self.client_order_id}: cannot revise in terminal state {self.state.value}"
            )
        if self.broker_order_id and self.broker_order_id != new_broker_order_id:
            self.previous_broker_ids.append(self.broker_order_id)
        self.broker_order_id = new_broker_order_id
        if new_limit_price is not None:
            self.limit_price = new_limit_price
            self.order_type = _LIMIT
        self.updated_at = ts
