"""Settings sections other than ``kis``: strategy, risk, storage, telegram, dashboard, logging."""

from __future__ import annotations

import ipaddress
import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from kistrade.app.settings_common import field_error, parse_list

_TIMEFRAME_RE = re.compile(r"^(\d+)([smh])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600}

NotifyLevel = Literal["on", "silent", "off"]
LogLevel = Literal["TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


class OrderbookWeights(_Section):
    """How much each order-book signal counts in the rsi_orderbook score (need not sum to 1)."""

    spread: float = Field(default=0.3, ge=0)
    imbalance: float = Field(default=0.4, ge=0)
    trade_flow: float = Field(default=0.3, ge=0)

    @model_validator(mode="after")
    def _some_weight(self) -> Self:
        if self.spread + self.imbalance + self.trade_flow <= 0:
            raise ValueError("at least one of spread, imbalance, trade_flow must be positive")
        return self


class OrderbookSettings(_Section):
    """Order-book confirmation for the rsi_orderbook strategy."""

    weights: OrderbookWeights = Field(default_factory=OrderbookWeights)
    max_spread_pct: Decimal = Field(default=Decimal("0.5"), gt=0, le=30)
    min_imbalance: float = Field(default=0.2, ge=-1, le=1)
    min_trade_flow: float = Field(default=0.0, ge=-1, le=1)
    min_score: float = Field(default=0.5, ge=0, le=1)
    depth_levels: int = Field(default=5, ge=1, le=10)
    trade_flow_window_s: int = Field(default=60, ge=1)


class StrategySettings(_Section):
    name: Literal["rsi", "rsi_orderbook"] = "rsi_orderbook"
    rsi_period: int = Field(default=14, ge=2, le=500)
    oversold: float = Field(default=30.0, gt=0, lt=100)
    overbought: float = Field(default=70.0, gt=0, lt=100)
    timeframe: str = "1m"
    orderbook: OrderbookSettings = Field(default_factory=OrderbookSettings)

    @field_validator("timeframe")
    @classmethod
    def _timeframe(cls, value: str) -> str:
        match = _TIMEFRAME_RE.match(value.strip().lower())
        if not match or int(match.group(1)) <= 0:
            raise ValueError("must be a positive count and a unit s, m or h, like '1m', '30s' or '1h'")
        return match.group(0)

    @model_validator(mode="after")
    def _bands(self) -> Self:
        if self.oversold >= self.overbought:
            raise ValueError(f"oversold ({self.oversold}) must be below overbought ({self.overbought})")
        return self

    @property
    def timeframe_s(self) -> int:
        match = _TIMEFRAME_RE.match(self.timeframe)
        assert match is not None  # validated
        return int(match.group(1)) * _UNIT_S[match.group(2)]


class RiskSettings(_Section):
    """Limits the risk gate enforces. Percentages are of equity (or of price for stops)."""

    max_position_pct: Decimal = Field(default=Decimal("10"), gt=0, le=100)
    max_open_positions: int = Field(default=5, ge=1)
    stop_loss_pct: Decimal = Decimal("-5")
    take_profit_pct: Decimal = Decimal("10")
    daily_loss_pct: Decimal = Decimal("-3")
    flatten_on_halt: bool = False
    symbol_cooldown_s: int = Field(default=300, ge=0)
    max_orders_per_day: int = Field(default=50, ge=1)
    max_volume_participation_pct: Decimal = Field(default=Decimal("5"), gt=0, le=100)

    @field_validator("stop_loss_pct", "daily_loss_pct")
    @classmethod
    def _negative(cls, value: Decimal) -> Decimal:
        if not (Decimal("-100") < value < 0):
            raise ValueError(f"must be negative and above -100 (a loss, e.g. -5), got {value}")
        return value

    @field_validator("take_profit_pct")
    @classmethod
    def _positive(cls, value: Decimal) -> Decimal:
        if value <= 0:
            raise ValueError(f"must be positive (a gain, e.g. 10), got {value}")
        return value


class StorageSettings(_Section):
    data_dir: Path = Path("data")
    db_file: Path = Path("data") / "kistrade.db"


class NotifyLevels(_Section):
    """Per kind of notification: ``on`` (with sound), ``silent`` (no sound) or ``off``."""

    start_stop: NotifyLevel = "on"
    signal: NotifyLevel = "silent"
    order: NotifyLevel = "silent"
    fill: NotifyLevel = "on"
    risk: NotifyLevel = "on"
    error: NotifyLevel = "on"
    daily_report: NotifyLevel = "on"

    @field_validator("*", mode="before")
    @classmethod
    def _yaml_booleans(cls, value: object) -> object:
        # YAML 1.1 reads an unquoted on/off as a boolean.
        if isinstance(value, bool):
            return "on" if value else "off"
        return value.strip().lower() if isinstance(value, str) else value


class TelegramSettings(_Section):
    enabled: bool = False
    bot_token: SecretStr | None = None
    allowed_chat_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    base_url: str | None = None
    notify: NotifyLevels = Field(default_factory=NotifyLevels)

    @field_validator("bot_token", mode="before")
    @classmethod
    def _empty_token(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("allowed_chat_ids", mode="before")
    @classmethod
    def _ids(cls, value: object) -> object:
        return parse_list(value)

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _usable_when_enabled(self) -> Self:
        if self.enabled and self.bot_token is None:
            raise field_error("bot_token", "is required when telegram.enabled is true")
        if self.enabled and not self.allowed_chat_ids:
            raise field_error(
                "allowed_chat_ids", "must list at least one chat id when telegram.enabled is true"
            )
        return self


def is_loopback(host: str) -> bool:
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class DashboardSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    token: SecretStr | None = None

    @field_validator("token", mode="before")
    @classmethod
    def _empty_token(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _token_off_loopback(self) -> Self:
        if self.token is None and not is_loopback(self.host):
            raise field_error(
                "token",
                f"is required when dashboard.host ({self.host}) is not a loopback address",
                because="host",
            )
        return self


class LoggingSettings(_Section):
    level: LogLevel = "INFO"
    file: Path = Path("data") / "logs" / "kistrade.log"
    rotation: str = "10 MB"
    retention: str = "14 days"
    json_lines: bool = Field(default=False, alias="json")
    stderr: bool = True

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, populate_by_name=True)

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value
