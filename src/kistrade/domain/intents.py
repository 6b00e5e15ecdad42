"""What strategies produce: signals (why) and order intents (what). The engine turns intents into orders.

Signal and OrderIntent are frozen ``msgspec.Struct``s like the market-data values in
``kistrade.domain.types`` (a strategy makes one of each per decision, on the backtest's hot path,
where a Struct is several times cheaper to build than a frozen slots dataclass). They behave
alike (keyword/positional construction, ``==``, ``hash``, ``repr``, pickling, checks in
``__post_init__``); use ``msgspec.structs.replace`` instead of ``dataclasses.replace``.
``gc=False``: they hold only scalars, tuples of strings and (an intent) its Signal, never a cycle.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import msgspec

from kistrade.domain.types import OrderType, Side, Symbol


class IntentPurpose(StrEnum):
    ENTRY = "entry"
    EXIT = "exit"
    STOP_LOSS = "stop_loss"
    TAKE_PROFIT = "take_profit"
    FLATTEN = "flatten"


class Signal(msgspec.Struct, frozen=True, gc=False):
    """A strategy's view at one moment: side, strength in [0, 1] and human-readable reasons."""

    symbol: Symbol
    ts: datetime
    side: Side
    strength: float
    reasons: tuple[str, ...]
    strategy: str

    def __post_init__(self) -> None:
        if not 0.0 <= self.strength <= 1.0:
            raise ValueError(f"signal strength {self.strength} is outside [0, 1]")

    @property
    def reason_text(self) -> str:
        return "; ".join(self.reasons)


class OrderIntent(msgspec.Struct, frozen=True, gc=False):
    """A request to trade. ``qty=None`` asks the engine to size it (the largest quantity that cash
    and the risk limits allow for entries; the whole position for exits). ``limit_price=None``
    with ``order_type=LIMIT`` asks the engine to price at the touch."""

    symbol: Symbol
    side: Side
    purpose: IntentPurpose
    qty: int | None = None
    order_type: OrderType = OrderType.MARKET
    limit_price: int | None = None
    signal: Signal | None = None
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.qty is not None and self.qty <= 0:
            raise ValueError(f"intent quantity {self.qty} must be positive")
        if self.order_type is OrderType.MARKET and self.limit_price is not None:
            raise ValueError("a market intent carries no limit price")
