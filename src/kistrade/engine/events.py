"""What flows in and out of the engine, as frozen ``msgspec.Struct`` values.

* **Broker events** (in): what the I/O layer learned from the broker (REST replies, execution
  notices H0STCNI0/9, reconciliation). Each names the order by ``client_order_id`` when known,
  else by ``broker_order_id`` (ODNO); the router finds it either way.
* **Commands** (out): what the I/O layer must send. Write the order to the store first, send,
  then report :class:`OrderSent` (or :class:`OrderRejected` if the send was refused).
* **Engine events** (out): what happened inside (state switched, intent denied, order updated,
  fill applied / duplicate / unknown), for storage, notification and the dashboard.

They are Structs like the market data in ``kistrade.domain.types`` and the intents in
``kistrade.domain.intents``: several are made for every order (the command, one OrderUpdated per
transition, the broker events, FillApplied), and a Struct is built several times faster than a
frozen slots dataclass. They behave alike (keyword/positional construction, ``==``, ``hash``,
``repr``, pickling, frozen); use ``msgspec.structs.replace`` instead of ``dataclasses.replace``.
``gc=False``: they hold only scalars, intents and broker events, never a cycle. :class:`Step` is
a mutable Struct (its lists are fresh for each Step).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import msgspec

from kistrade.domain.intents import IntentPurpose, OrderIntent, Signal
from kistrade.domain.orders import OrderState
from kistrade.domain.types import OrderType, Side, Symbol

# --- broker events (in) ----------------------------------------------------------------------


class OrderSent(msgspec.Struct, frozen=True, gc=False):
    """The I/O layer handed the order to the broker (NEW -> SUBMITTED)."""

    client_order_id: str
    ts: datetime


class OrderAccepted(msgspec.Struct, frozen=True, gc=False):
    """The broker acknowledged the order: ODNO and the KRX order org number."""

    ts: datetime
    broker_order_id: str
    org_no: str | None = None
    client_order_id: str | None = None


class OrderRejected(msgspec.Struct, frozen=True, gc=False):
    ts: datetime
    reason: str
    client_order_id: str | None = None
    broker_order_id: str | None = None


class OrderFilled(msgspec.Struct, frozen=True, gc=False):
    """One execution. ``fill_id`` must be stable across replays (notice and REST daily-fills must
    produce the same id for the same execution) so a fill is applied once. ``commission``/``tax``
    None: the engine computes them with its cost model."""

    ts: datetime
    fill_id: str
    qty: int
    price: int
    client_order_id: str | None = None
    broker_order_id: str | None = None
    commission: int | None = None
    tax: int | None = None


class OrderCancelled(msgspec.Struct, frozen=True, gc=False):
    """The remainder was cancelled (by our request, or by the broker: IOC residual)."""

    ts: datetime
    client_order_id: str | None = None
    broker_order_id: str | None = None
    reason: str = ""


class CancelRefused(msgspec.Struct, frozen=True, gc=False):
    ts: datetime
    reason: str
    client_order_id: str | None = None
    broker_order_id: str | None = None


class OrderRevised(msgspec.Struct, frozen=True, gc=False):
    """A revise was confirmed: the remainder now lives under ``new_broker_order_id``."""

    ts: datetime
    new_broker_order_id: str
    new_limit_price: int | None
    client_order_id: str | None = None
    broker_order_id: str | None = None


class OrderExpired(msgspec.Struct, frozen=True, gc=False):
    """The order ended unfilled at the session end (day orders)."""

    ts: datetime
    client_order_id: str | None = None
    broker_order_id: str | None = None


BrokerEvent = (
    OrderSent
    | OrderAccepted
    | OrderRejected
    | OrderFilled
    | OrderCancelled
    | CancelRefused
    | OrderRevised
    | OrderExpired
)

# --- commands (out) --------------------------------------------------------------------------


class SubmitOrder(msgspec.Struct, frozen=True, gc=False):
    """Send a new order. ``limit_price`` None: a market order."""

    client_order_id: str
    symbol: Symbol
    side: Side
    order_type: OrderType
    qty: int
    limit_price: int | None
    purpose: IntentPurpose
    ts: datetime


class CancelOrder(msgspec.Struct, frozen=True, gc=False):
    """Cancel the whole remainder of an order (KIS order-rvsecncl, keyed by ODNO + org no)."""

    client_order_id: str
    broker_order_id: str
    org_no: str | None
    symbol: Symbol
    qty: int
    ts: datetime
    reason: str = ""


class ReviseOrder(msgspec.Struct, frozen=True, gc=False):
    """Move the remainder of an order to a new limit price."""

    client_order_id: str
    broker_order_id: str
    org_no: str | None
    symbol: Symbol
    qty: int
    new_limit_price: int
    ts: datetime


Command = SubmitOrder | CancelOrder | ReviseOrder

# --- engine events (out) ---------------------------------------------------------------------


class TradingState(StrEnum):
    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"
    """Exits only."""
    HALTED = "HALTED"
    """Nothing but an explicit flatten."""


class StateChanged(msgspec.Struct, frozen=True, gc=False):
    """The trading switch moved. ``source``: ``"rule:daily_loss"``, ``"cli"``, ``"telegram"``..."""

    ts: datetime
    previous: TradingState
    state: TradingState
    reason: str
    source: str


class RiskRule(StrEnum):
    """Which rule denied or resized an intent."""

    TRADING_STATE = "trading_state"
    SESSION = "session"
    PURPOSE = "purpose"
    NO_PRICE = "no_price"
    PRICE_TICK = "price_tick"
    PRICE_LIMIT = "price_limit"
    POSITION_LIMIT = "position_limit"
    CASH = "cash"
    NO_POSITION = "no_position"
    COOLDOWN = "cooldown"
    MAX_ORDERS = "max_orders_per_day"
    VOLUME = "volume"
    BOOK_DEPTH = "book_depth"
    DUPLICATE_EXIT = "duplicate_exit"
    WORKING_ORDER = "working_order"
    """An order of the same symbol and side is still working: the repeated intent is dropped."""


class IntentDenied(msgspec.Struct, frozen=True, gc=False):
    ts: datetime
    intent: OrderIntent
    rule: RiskRule
    reason: str


class OrderUpdated(msgspec.Struct, frozen=True, gc=False):
    """An order changed state (store: update the order row)."""

    ts: datetime
    client_order_id: str
    previous: OrderState
    state: OrderState
    reason: str = ""


class FillApplied(msgspec.Struct, frozen=True, gc=False):
    """A fill reached the order and the portfolio. ``realized_pnl``: sells only, net of costs."""

    ts: datetime
    client_order_id: str
    fill_id: str
    symbol: Symbol
    side: Side
    qty: int
    price: int
    commission: int
    tax: int
    realized_pnl: int


class DuplicateFill(msgspec.Struct, frozen=True, gc=False):
    """A fill id seen before: nothing changed."""

    ts: datetime
    client_order_id: str
    fill_id: str


class UnknownOrderEvent(msgspec.Struct, frozen=True, gc=False):
    """A broker event for an order the router does not know (the reconciler handles it)."""

    ts: datetime
    event: BrokerEvent
    detail: str


class InvalidBrokerEvent(msgspec.Struct, frozen=True, gc=False):
    """A broker event that contradicts the order's state (e.g. an overfill). Nothing changed."""

    ts: datetime
    client_order_id: str
    event: BrokerEvent
    detail: str


EngineEvent = (
    StateChanged
    | IntentDenied
    | OrderUpdated
    | FillApplied
    | DuplicateFill
    | UnknownOrderEvent
    | InvalidBrokerEvent
)


class Step(msgspec.Struct):
    """What one call into the engine produced: commands to send (in order) and events to record."""

    commands: list[Command] = msgspec.field(default_factory=list)
    events: list[EngineEvent] = msgspec.field(default_factory=list)
    signals: list[Signal] = msgspec.field(default_factory=list)
    """Signals strategies recorded during this call (store them)."""

    def extend(self, other: Step) -> None:
        self.commands.extend(other.commands)
        self.events.extend(other.events)
        self.signals.extend(other.signals)
