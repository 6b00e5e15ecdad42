"""Strategy parameters: frozen dataclasses with the names and defaults of the settings tree
(``strategy.rsi_period``, ``strategy.oversold``, ``strategy.orderbook.weights.spread``, ...).

The app layer maps ``app.settings_models.StrategySettings`` onto these; the strategy package
never imports ``kistrade.app``. Fields not in the settings tree (yet) are marked "extra".
Every check raises :class:`~kistrade.domain.errors.InvalidInputError` naming the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from kistrade.domain.errors import InvalidInputError


def _finite(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInputError(f"{name} must be a finite number, got {value!r}")


def _between(name: str, value: float, low: float, high: float) -> None:
    _finite(name, value)
    if not low <= value <= high:
        raise InvalidInputError(f"{name} must be within [{low}, {high}], got {value}")


def _int_at_least(name: str, value: int, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInputError(f"{name} must be an int >= {minimum}, got {value!r}")


def check_rsi_band(rsi_period: int, oversold: float, overbought: float) -> None:
    _int_at_least("rsi_period", rsi_period, 2)
    _finite("oversold", oversold)
    _finite("overbought", overbought)
    if not 0 < oversold < overbought < 100:
        raise InvalidInputError(
            f"need 0 < oversold < overbought < 100, got oversold={oversold}, overbought={overbought}"
        )


@dataclass(frozen=True, slots=True)
class RsiParams:
    """The plain RSI reference: buy below ``oversold`` when flat, sell above ``overbought`` when long."""

    rsi_period: int = 14
    oversold: float = 30.0
    overbought: float = 70.0

    def __post_init__(self) -> None:
        check_rsi_band(self.rsi_period, self.oversold, self.overbought)


@dataclass(frozen=True, slots=True)
class OrderbookWeights:
    """How much each book signal counts in the composite score. Unlike the settings, all three
    may be zero: that switches the book off and reproduces the plain RSI decisions."""

    spread: float = 0.3
    imbalance: float = 0.4
    trade_flow: float = 0.3

    def __post_init__(self) -> None:
        for name in ("spread", "imbalance", "trade_flow"):
            value = getattr(self, name)
            _finite(f"orderbook.weights.{name}", value)
            if value < 0:
                raise InvalidInputError(f"orderbook.weights.{name} must be >= 0, got {value}")

    @property
    def total(self) -> float:
        return self.spread + self.imbalance + self.trade_flow

    @property
    def directional(self) -> float:
        """Weight of the signals that say which way the market leans (imbalance, trade flow)."""
        return self.imbalance + self.trade_flow


@dataclass(frozen=True, slots=True)
class OrderbookParams:
    """Book confirmation. ``max_spread_pct`` is in percent of the mid price (0.5 = 0.5 %)."""

    weights: OrderbookWeights = field(default_factory=OrderbookWeights)
    max_spread_pct: float = 0.5
    min_imbalance: float = 0.2
    min_trade_flow: float = 0.0
    min_score: float = 0.5
    depth_levels: int = 5
    trade_flow_window_s: int = 60
    depth_weighted: bool = False  # extra: weight level i by 1/(i+1) in the imbalance
    exit_pressure: float = 0.6  # extra: exit a long when book pressure <= -exit_pressure
    max_book_age_s: float = 60.0  # extra: an older book counts as no book

    def __post_init__(self) -> None:
        _finite("orderbook.max_spread_pct", self.max_spread_pct)
        if not 0 < self.max_spread_pct <= 30:
            raise InvalidInputError(f"orderbook.max_spread_pct must be in (0, 30], got {self.max_spread_pct}")
        _between("orderbook.min_imbalance", self.min_imbalance, -1.0, 1.0)
        _between("orderbook.min_trade_flow", self.min_trade_flow, -1.0, 1.0)
        _between("orderbook.min_score", self.min_score, 0.0, 1.0)
        _int_at_least("orderbook.depth_levels", self.depth_levels, 1)
        if self.depth_levels > 10:
            raise InvalidInputError(f"orderbook.depth_levels must be <= 10, got {self.depth_levels}")
        _int_at_least("orderbook.trade_flow_window_s", self.trade_flow_window_s, 1)
        _between("orderbook.exit_pressure", self.exit_pressure, 0.0, 1.0)
        _finite("orderbook.max_book_age_s", self.max_book_age_s)
        if self.max_book_age_s <= 0:
            raise InvalidInputError(f"orderbook.max_book_age_s must be > 0, got {self.max_book_age_s}")


@dataclass(frozen=True, slots=True)
class RsiOrderbookParams:
    rsi_period: int = 14
    oversold: float = 30.0
    overbought: float = 70.0
    orderbook: OrderbookParams = field(default_factory=OrderbookParams)

    def __post_init__(self) -> None:
        check_rsi_band(self.rsi_period, self.oversold, self.overbought)

    @property
    def rsi(self) -> RsiParams:
        return RsiParams(self.rsi_period, self.oversold, self.overbought)
