"""Risk limits (mirrors ``app.settings_models.RiskSettings``; the engine does not import app) and
the trading-state switch ACTIVE / REDUCING / HALTED.

The switch is moved by rules (``source="rule:daily_loss"``) and by commands (``"cli"``,
``"telegram"``, ``"dashboard"``) through the same ``set_state``; every move returns a
:class:`StateChanged` event to persist and notify. ``snapshot()`` gives (state, reason, source,
since) for storage; construct with ``restore=`` to resume after a restart. A HALTED state set by
a rule stays until someone sets it back: a new day does not clear it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from kistrade.domain.errors import ConfigError
from kistrade.engine.events import StateChanged, TradingState


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """Same names and defaults as ``RiskSettings``. Percentages are of equity (or of price for stops)."""

    max_position_pct: Decimal = Decimal("10")
    max_open_positions: int = 5
    stop_loss_pct: Decimal = Decimal("-5")
    take_profit_pct: Decimal = Decimal("10")
    daily_loss_pct: Decimal = Decimal("-3")
    flatten_on_halt: bool = False
    symbol_cooldown_s: int = 300
    max_orders_per_day: int = 50
    max_volume_participation_pct: Decimal = Decimal("5")

    def __post_init__(self) -> None:
        if not Decimal(0) < self.max_position_pct <= 100:
            raise ConfigError(f"risk.max_position_pct {self.max_position_pct} must be in (0, 100]")
        if self.max_open_positions < 1:
            raise ConfigError(f"risk.max_open_positions {self.max_open_positions} must be >= 1")
        if not Decimal(-100) < self.stop_loss_pct < 0:
            raise ConfigError(f"risk.stop_loss_pct {self.stop_loss_pct} must be in (-100, 0)")
        if self.take_profit_pct <= 0:
            raise ConfigError(f"risk.take_profit_pct {self.take_profit_pct} must be positive")
        if not Decimal(-100) < self.daily_loss_pct < 0:
            raise ConfigError(f"risk.daily_loss_pct {self.daily_loss_pct} must be in (-100, 0)")
        if self.symbol_cooldown_s < 0:
            raise ConfigError(f"risk.symbol_cooldown_s {self.symbol_cooldown_s} must be >= 0")
        if self.max_orders_per_day < 1:
            raise ConfigError(f"risk.max_orders_per_day {self.max_orders_per_day} must be >= 1")
        if not Decimal(0) < self.max_volume_participation_pct <= 100:
            raise ConfigError(
                f"risk.max_volume_participation_pct {self.max_volume_participation_pct} must be in (0, 100]"
            )


@dataclass(frozen=True, slots=True)
class SwitchSnapshot:
    state: TradingState
    reason: str
    source: str
    since: datetime | None


class TradingSwitch:
    def __init__(self, restore: SwitchSnapshot | None = None) -> None:
        self._snap = restore or SwitchSnapshot(TradingState.ACTIVE, "start", "default", None)
        self.state: TradingState = self._snap.state
        """The current state (``snapshot().state``), a plain attribute: the risk gate reads it on
        every bar, fill and intent. Read it; only ``set_state`` moves it."""

    @property
    def reason(self) -> str:
        return self._snap.reason

    def snapshot(self) -> SwitchSnapshot:
        return self._snap

    def set_state(self, state: TradingState, reason: str, source: str, ts: datetime) -> StateChanged | None:
        """Move the switch; None when it is already in ``state`` (nothing to persist)."""
        if not reason.strip():
            raise ValueError("a trading-state change needs a reason")
        previous = self._snap.state
        if state is previous:
            return None
        self._snap = SwitchSnapshot(state, reason, source, ts)
        self.state = state
        return StateChanged(ts=ts, previous=previous, state=state, reason=reason, source=source)
