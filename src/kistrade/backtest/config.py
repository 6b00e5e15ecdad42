"""Backtest settings: cash, costs (dated KRX defaults or overrides), slippage, risk limits.

Costs: commission ``commission_rate`` (default: KIS online 0.0140527 %) on every fill; sell tax by
the T+2 settlement date (``kistrade.domain.costs``) unless ``sell_tax_rate`` overrides it. Both
are floored to the won per fill. ``slippage_ticks`` moves every fill that many ticks against the
order (buys higher, sells lower) on the tick table of the bar's date.

Risk: the live gate runs in every backtest. :func:`non_binding_limits` are the limits of the ``rsi``
reference / parity run: 100 % of equity in one position, stop-loss -99.99 % and take-profit
1e9 % (never reached), daily loss halt at -99.99 % (never reached), no cooldown, 10^6 orders a
day, 100 % of recent volume (the bar feed's volume never binds the few-hundred-share orders).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from kistrade.domain.costs import DEFAULT_COMMISSION_RATE, CostModel, rate_ratio, sell_tax_rate
from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import InstrumentKind, Market, Side
from kistrade.engine.switch import RiskLimits


def non_binding_limits() -> RiskLimits:
    """Risk limits that never bind a single-symbol all-in strategy (documented in the module)."""
    return RiskLimits(
        max_position_pct=Decimal(100),
        max_open_positions=1_000,
        stop_loss_pct=Decimal("-99.99"),
        take_profit_pct=Decimal("1000000000"),
        daily_loss_pct=Decimal("-99.99"),
        flatten_on_halt=False,
        symbol_cooldown_s=0,
        max_orders_per_day=1_000_000,
        max_volume_participation_pct=Decimal(100),
    )


def _settle(trade_date: date) -> date:
    """T+2 on the KRX calendar (falls back to two weekdays when the calendar does not cover it)."""
    from kistrade.domain.calendar import default_calendar

    try:
        return default_calendar().settlement_date(trade_date)
    except Exception:
        d, added = trade_date, 0
        while added < 2:
            d = date.fromordinal(d.toordinal() + 1)
            if d.weekday() < 5:
                added += 1
        return d


@dataclass(frozen=True, slots=True)
class BacktestConfig:
    cash: int = 10_000_000
    commission_rate: Decimal = DEFAULT_COMMISSION_RATE
    sell_tax_rate: Decimal | None = None
    """None: the dated KRX default by settlement date (KOSPI stock)."""
    slippage_ticks: int = 0
    limits: RiskLimits = field(default_factory=non_binding_limits)
    market: Market = Market.KOSPI
    kind: InstrumentKind = InstrumentKind.STOCK
    signal_horizon: int = 5
    """Bars ahead used by ``signal_accuracy``."""

    def __post_init__(self) -> None:
        if self.cash <= 0:
            raise InvalidInputError(f"cash {self.cash} must be positive")
        if self.commission_rate < 0:
            raise InvalidInputError(f"commission {self.commission_rate} must be >= 0")
        if self.sell_tax_rate is not None and self.sell_tax_rate < 0:
            raise InvalidInputError(f"sell tax {self.sell_tax_rate} must be >= 0")
        if self.slippage_ticks < 0:
            raise InvalidInputError(f"slippage {self.slippage_ticks} ticks must be >= 0")
        if self.signal_horizon < 1:
            raise InvalidInputError(f"signal horizon {self.signal_horizon} must be >= 1 bar")

    def cost_model(self) -> CostModel:
        return CostModel(commission_rate=self.commission_rate, sell_tax_override=self.sell_tax_rate)


class FillCosts:
    """(commission, tax) of one fill, the tax rate cached per trade date.

    Both amounts are ``value × rate`` floored to the won in exact integer arithmetic on the
    rate's fraction (``kistrade.domain.costs.floor_mul``), the fractions taken once: the tax's
    once per trade date, or once for the run when it does not depend on the date (an override,
    or an ETF/ETN's 0).
    """

    def __init__(self, config: BacktestConfig) -> None:
        self.config = config
        self._rates: dict[date, Decimal] = {}
        self._tax_ratios: dict[date, tuple[int, int]] = {}
        self._fee_num, self._fee_den = rate_ratio(config.commission_rate)
        dated = config.kind is InstrumentKind.STOCK and config.sell_tax_rate is None
        self._fixed_tax = None if dated else rate_ratio(self.tax_rate(date.min))

    def tax_rate(self, trade_date: date) -> Decimal:
        cfg = self.config
        if cfg.kind is not InstrumentKind.STOCK:
            return Decimal(0)
        if cfg.sell_tax_rate is not None:
            return cfg.sell_tax_rate
        rate = self._rates.get(trade_date)
        if rate is None:
            rate = self._rates[trade_date] = sell_tax_rate(_settle(trade_date), cfg.market, cfg.kind)
        return rate

    def commission(self, value: int) -> int:
        """The commission on a traded ``value`` (``kistrade.domain.costs.commission``)."""
        if value < 0:
            raise InvalidInputError(f"traded value {value} is negative")
        return value * self._fee_num // self._fee_den

    def tax(self, value: int, trade_date: date) -> int:
        """The sell tax on a sale of ``value`` traded on ``trade_date``."""
        ratio = self._fixed_tax
        if ratio is None:
            ratio = self._tax_ratios.get(trade_date)
            if ratio is None:
                ratio = self._tax_ratios[trade_date] = rate_ratio(self.tax_rate(trade_date))
        return value * ratio[0] // ratio[1]

    def __call__(self, side: Side, value: int, trade_date: date) -> tuple[int, int]:
        fee = self.commission(value)
        if side is Side.BUY:
            return fee, 0
        return fee, self.tax(value, trade_date)
