"""What the matching engine and the venue report: phases, reject/cancel reasons and event objects.

Every mutating call of :class:`~kistrade.exchange.engine.MatchingEngine` and
:class:`~kistrade.exchange.venue.Exchange` returns a ``list[Event]`` in the order things happened,
so a simulator can turn each into a notice (order ack, execution notice, quote update).

The events are frozen ``msgspec.Struct`` values (several are made for every fill; a Struct is
built several times faster than a frozen slots dataclass), like the market data in
``kistrade.domain.types``: keyword/positional construction, ``==``, ``hash``, ``repr``; use
``msgspec.structs.replace`` instead of ``dataclasses.replace``. ``gc=False``: they hold only
scalars, never a cycle.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import msgspec

from kistrade.domain.sessions import Phase
from kistrade.domain.types import Side, Symbol

MARKET_OWNER = "market"
"""Owner id of synthetic participants (the simulated crowd)."""


ORDER_PHASES = frozenset({Phase.PRE_OPEN_AUCTION, Phase.CONTINUOUS, Phase.CLOSING_AUCTION})
"""Phases in which the engine takes new orders (``kistrade.domain.sessions.Phase``)."""
AUCTION_PHASES = frozenset({Phase.PRE_OPEN_AUCTION, Phase.CLOSING_AUCTION})


class RejectReason(StrEnum):
    UNKNOWN_SYMBOL = "unknown_symbol"
    MARKET_CLOSED = "market_closed"
    INVALID_QTY = "invalid_qty"
    OFF_TICK = "off_tick"
    OUTSIDE_LIMITS = "outside_limits"
    DUPLICATE_ORDER_ID = "duplicate_order_id"
    UNKNOWN_ORDER = "unknown_order"
    ORDER_DONE = "order_done"
    QTY_ABOVE_REMAINING = "qty_above_remaining"
    INSUFFICIENT_CASH = "insufficient_cash"
    INSUFFICIENT_SHARES = "insufficient_shares"


class CancelReason(StrEnum):
    REQUESTED = "requested"
    """The owner asked (full or partial cancel)."""
    MARKET_REMAINDER = "market_remainder"
    """The unfilled rest of a market order (IOC-like: continuous walk, or after an auction uncross)."""
    EXPIRED = "expired"
    """A day order still resting when the regular session ended (phase AFTER_HOURS or CLOSED)."""


class Accepted(msgspec.Struct, frozen=True, gc=False):
    order_id: str
    owner: str
    symbol: Symbol
    side: Side
    qty: int
    price: int | None
    """Limit price; ``None`` for a market order."""
    ts: datetime


class Rejected(msgspec.Struct, frozen=True, gc=False):
    reason: RejectReason
    message: str
    owner: str
    ts: datetime
    symbol: Symbol | None = None
    order_id: str | None = None
    """The order the request referred to (revise/cancel), when there was one."""


class Fill(msgspec.Struct, frozen=True, gc=False):
    """One execution between a buy order and a sell order at ``price``.

    ``aggressor`` is the taker's side in continuous trading and ``None`` in an auction uncross.
    ``*_remaining`` are the orders' remaining quantities after this fill.
    """

    symbol: Symbol
    price: int
    qty: int
    ts: datetime
    buy_id: str
    buy_owner: str
    buy_remaining: int
    sell_id: str
    sell_owner: str
    sell_remaining: int
    aggressor: Side | None

    @property
    def value(self) -> int:
        return self.price * self.qty

    @property
    def taker_id(self) -> str | None:
        if self.aggressor is None:
            return None
        return self.buy_id if self.aggressor is Side.BUY else self.sell_id

    @property
    def maker_id(self) -> str | None:
        if self.aggressor is None:
            return None
        return self.sell_id if self.aggressor is Side.BUY else self.buy_id

    def legs(self) -> tuple[tuple[str, str, Side, int], tuple[str, str, Side, int]]:
        """``(order_id, owner, side, remaining)`` for the buy leg, then the sell leg."""
        return (
            (self.buy_id, self.buy_owner, Side.BUY, self.buy_remaining),
            (self.sell_id, self.sell_owner, Side.SELL, self.sell_remaining),
        )


class Cancelled(msgspec.Struct, frozen=True, gc=False):
    order_id: str
    owner: str
    symbol: Symbol
    side: Side
    qty: int
    """Quantity cancelled by this event."""
    remaining: int
    """Quantity still resting afterwards (0 unless a partial cancel)."""
    reason: CancelReason
    ts: datetime


class Replaced(msgspec.Struct, frozen=True, gc=False):
    """``qty`` moved from ``old_id`` to the new order ``new_id`` at ``price`` (a revise).

    The new order has fresh time priority; it may trade at once (fills follow this event).
    """

    old_id: str
    new_id: str
    owner: str
    symbol: Symbol
    side: Side
    price: int | None
    qty: int
    old_remaining: int
    ts: datetime


class AuctionUncross(msgspec.Struct, frozen=True, gc=False):
    symbol: Symbol
    phase: Phase
    """The auction that ended: PRE_OPEN_AUCTION or CLOSING_AUCTION."""
    price: int
    qty: int
    ts: datetime


Event = Accepted | Rejected | Fill | Cancelled | Replaced | AuctionUncross
