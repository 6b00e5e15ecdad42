"""What strategies produce: signals (why) and order intents (what). The engine turns intents into orders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from kistrade.domain.types import OrderType, Side, Symbol


class IntentPurpose(StrEnum):
    ENTRY = "entry"
    EXIT = "exit"
    STOP_LOSS = "stop_loss"
    TAKE_PROFIT = "take_profit"
    FLATTEN = "flatten"


@dataclass(frozen=True, slots=True)
class Signal:
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


@dataclass(frozen=True, slots=True)
class OrderIntent:
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
    tags: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.qty is not None and self.qty <= 0:
            raise ValueError(f"intent quantity {self.qty} must be positive")
        if self.order_type is OrderType.MARKET and self.limit_price is not None:
            raise ValueError("a market intent carries no limit price")
