"""Trading costs in won: brokerage commission and the securities transaction tax on sells.

Integer/Decimal arithmetic only; every amount is floored to the won (shared/kis-protocol.md §8.4).

Sell-tax rates (증권거래세 + 농어촌특별세 on KOSPI) by SETTLEMENT date, sources:
* to 2019-06-02: 0.30% on KOSPI (0.15 + 0.15), KOSDAQ, KONEX (fntimes.com 2019-04-02);
* from 2019-06-03: KOSPI 0.25% (0.10 + 0.15), KOSDAQ 0.25%, KONEX 0.10% (etnews.com 20190521000300,
  hankookilbo.com 201905211157035366: applies to shares settling from 2019-06-03);
* 2021: 0.23% (hankyung.com/article/2020072267916);
* 2023: 0.20%, 2024: 0.18%, 2025: 0.15% (fntimes.com 2022-12-22 agreement; 2024 and 2025 split in
  hygood.co.kr notice 1419: KOSPI 0.03 + 0.15 -> 0.00 + 0.15, "2024-12-27 sells already at 0.15%");
* from 2026-01-01: 0.20% (KOSPI 0.05 + 0.15), KONEX 0.10% (donga.com 20251201/132875262).
ETFs and ETNs pay no transaction tax.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import InstrumentKind, Market

DEFAULT_COMMISSION_RATE = Decimal("0.000140527")  # KIS online (BanKIS) 0.0140527%, fees included
ETF_COMMISSION_RATE = Decimal("0.000146527")  # KIS online ETF/ETN 0.0146527%

# (first settlement date, {market: rate}) ascending.
_TAX_TABLE: tuple[tuple[date, dict[Market, Decimal]], ...] = (
    (
        date.min,
        {Market.KOSPI: Decimal("0.0030"), Market.KOSDAQ: Decimal("0.0030"), Market.KONEX: Decimal("0.0030")},
    ),
    (
        date(2019, 6, 3),
        {Market.KOSPI: Decimal("0.0025"), Market.KOSDAQ: Decimal("0.0025"), Market.KONEX: Decimal("0.0010")},
    ),
    (
        date(2021, 1, 1),
        {Market.KOSPI: Decimal("0.0023"), Market.KOSDAQ: Decimal("0.0023"), Market.KONEX: Decimal("0.0010")},
    ),
    (
        date(2023, 1, 1),
        {Market.KOSPI: Decimal("0.0020"), Market.KOSDAQ: Decimal("0.0020"), Market.KONEX: Decimal("0.0010")},
    ),
    (
        date(2024, 1, 1),
        {Market.KOSPI: Decimal("0.0018"), Market.KOSDAQ: Decimal("0.0018"), Market.KONEX: Decimal("0.0010")},
    ),
    (
        date(2025, 1, 1),
        {Market.KOSPI: Decimal("0.0015"), Market.KOSDAQ: Decimal("0.0015"), Market.KONEX: Decimal("0.0010")},
    ),
    (
        date(2026, 1, 1),
        {Market.KOSPI: Decimal("0.0020"), Market.KOSDAQ: Decimal("0.0020"), Market.KONEX: Decimal("0.0010")},
    ),
)
_TAX_STARTS = tuple(start for start, _ in _TAX_TABLE)


@lru_cache(maxsize=256)
def rate_ratio(rate: Decimal) -> tuple[int, int]:
    """``rate`` as an exact fraction ``(numerator, denominator)``, denominator > 0."""
    return rate.as_integer_ratio()


def floor_mul(value: int, rate: Decimal) -> int:
    """``value × rate`` floored to the won, exactly (integer arithmetic on the rate's fraction)."""
    num, den = rate_ratio(rate)
    return value * num // den


def floor_won(amount: Decimal) -> int:
    """``amount`` floored to the won (KRX and KIS floor commission and tax); exact
    (``Decimal.__floor__``)."""
    return math.floor(amount)


def _check_value(value: int) -> None:
    if value < 0:
        raise InvalidInputError(f"traded value {value} is negative")


def commission(value: int, rate: Decimal = DEFAULT_COMMISSION_RATE) -> int:
    """Brokerage commission on a traded ``value`` (won), floored to the won."""
    _check_value(value)
    if rate < 0:
        raise InvalidInputError(f"commission rate {rate} is negative")
    return floor_mul(value, rate)


def sell_tax_rate(
    settle_date: date, market: Market = Market.KOSPI, kind: InstrumentKind = InstrumentKind.STOCK
) -> Decimal:
    """The transaction tax rate on a sell that settles on ``settle_date`` (0 for ETF/ETN)."""
    if kind is not InstrumentKind.STOCK:
        return Decimal(0)
    return _TAX_TABLE[bisect_right(_TAX_STARTS, settle_date) - 1][1][market]


def sell_tax(
    value: int,
    settle_date: date,
    market: Market = Market.KOSPI,
    kind: InstrumentKind = InstrumentKind.STOCK,
) -> int:
    """Transaction tax on a sell of ``value`` won settling on ``settle_date``, floored to the won."""
    _check_value(value)
    return floor_mul(value, sell_tax_rate(settle_date, market, kind))


@dataclass(frozen=True, slots=True)
class CostModel:
    """Costs of one fill. The tax rate comes from the T+2 settlement date unless overridden."""

    commission_rate: Decimal = DEFAULT_COMMISSION_RATE
    sell_tax_override: Decimal | None = None
    commission_ratio: tuple[int, int] = field(init=False, repr=False, compare=False)
    """``rate_ratio(commission_rate)``, taken once (the rate is frozen): ``buy_cost`` runs a few
    times per order."""

    def __post_init__(self) -> None:
        if self.commission_rate < 0:
            raise InvalidInputError(f"commission_rate {self.commission_rate} is negative")
        if self.sell_tax_override is not None and self.sell_tax_override < 0:
            raise InvalidInputError(f"sell_tax_override {self.sell_tax_override} is negative")
        object.__setattr__(self, "commission_ratio", rate_ratio(self.commission_rate))

    def buy_cost(self, value: int, trade_date: date) -> int:
        """Commission on a buy of ``value`` won (``trade_date`` kept for dated fee schedules):
        ``commission(value, commission_rate)``."""
        del trade_date
        if value < 0:
            _check_value(value)
        num, den = self.commission_ratio
        return value * num // den

    def sell_costs(
        self,
        value: int,
        trade_date: date,
        market: Market = Market.KOSPI,
        kind: InstrumentKind = InstrumentKind.STOCK,
    ) -> tuple[int, int]:
        """(commission, tax) on a sell of ``value`` won traded on ``trade_date``."""
        fee = self.buy_cost(value, trade_date)  # the same commission on both sides
        if self.sell_tax_override is not None:
            rate = self.sell_tax_override if kind is InstrumentKind.STOCK else Decimal(0)
            return fee, floor_mul(value, rate)
        from kistrade.domain.calendar import default_calendar

        settle = default_calendar().settlement_date(trade_date)
        return fee, sell_tax(value, settle, market, kind)
