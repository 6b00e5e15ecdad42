"""What the CLI, the dashboard and Telegram see: one query/control facade (``TradingService``) and
its plain read-only views. Money is int won, rates Decimal percent, times KST-aware."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from kistrade.engine.events import TradingState


@dataclass(frozen=True, slots=True)
class StatusView:
    mode: str  # sim | paper | live: shown on every screen and notification
    state: TradingState
    state_reason: str
    state_source: str  # "risk:daily_loss", "telegram:<chat>", "cli", "dashboard", ...
    now: datetime
    phase: str  # KRX session phase at ``now``
    equity: int
    cash: int
    day_pnl: int
    day_pnl_pct: Decimal
    positions: int
    open_orders: int
    feed_connected: bool
    last_tick_age_s: float | None
    started_at: datetime
    watchlist: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PositionView:
    symbol: str
    name: str
    qty: int
    avg_price: Decimal
    last_price: int
    value: int
    pnl: int
    pnl_pct: Decimal
    stop_loss_price: int | None
    take_profit_price: int | None


@dataclass(frozen=True, slots=True)
class OrderView:
    client_order_id: str
    broker_order_id: str
    symbol: str
    side: str
    order_type: str
    qty: int
    filled_qty: int
    limit_price: int | None
    avg_fill_price: Decimal | None
    state: str
    purpose: str
    created_at: datetime
    updated_at: datetime
    reason: str = ""


@dataclass(frozen=True, slots=True)
class FillView:
    ts: datetime
    client_order_id: str
    broker_order_id: str
    symbol: str
    side: str
    qty: int
    price: int
    commission: int
    tax: int


@dataclass(frozen=True, slots=True)
class SignalView:
    ts: datetime
    symbol: str
    side: str
    strength: float
    reasons: str
    strategy: str
    acted: bool


@dataclass(frozen=True, slots=True)
class PnlView:
    day_start_equity: int
    equity: int
    realized: int
    unrealized: int
    commission: int
    tax: int
    day_pnl: int
    day_pnl_pct: Decimal
    daily_loss_limit_pct: Decimal


@dataclass(frozen=True, slots=True)
class DailyReport:
    day: str  # YYYY-MM-DD
    mode: str
    text: str  # human-readable, Korean labels where clearer
    pnl: PnlView
    trades: int
    fills: int
    signals: int
    denials: int
    errors: int
    extra: dict[str, object] = field(default_factory=dict)


class TradingService(Protocol):
    """The one control/query facade. Telegram, the dashboard and the CLI call only this."""

    @property
    def mode(self) -> str: ...

    async def status(self) -> StatusView: ...

    async def positions(self) -> list[PositionView]: ...

    async def orders(self, *, open_only: bool = False, limit: int = 100) -> list[OrderView]: ...

    async def fills(self, *, limit: int = 100) -> list[FillView]: ...

    async def signals(self, *, limit: int = 100) -> list[SignalView]: ...

    async def pnl(self) -> PnlView: ...

    async def set_state(self, state: TradingState, *, reason: str, source: str) -> StatusView:
        """Pause (REDUCING), resume (ACTIVE) or stop (HALTED): the same switch as the risk rules."""
        ...

    async def daily_report(self) -> DailyReport: ...
