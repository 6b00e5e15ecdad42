"""Fee models for the ledger: brokerage commission on every fill, securities tax on sells.

``KrxFeeModel`` delegates to ``kistrade.domain.costs`` (rates by settlement date and market) and
the KRX calendar (T+2 settlement date, which decides the tax year). ``FixedFeeModel`` uses fixed
rates and needs no calendar: tests and quick backtests use it.

Rounding: every amount is floored to the won, per fill.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from kistrade.domain import costs
from kistrade.domain.calendar import default_calendar
from kistrade.domain.costs import floor_mul
from kistrade.domain.types import InstrumentKind, Market

KIS_ONLINE_COMMISSION_RATE = costs.DEFAULT_COMMISSION_RATE
"""KIS non-face-to-face stock rate, 0.0140527% (shared/kis-protocol.md §8.4)."""


class FeeModel(Protocol):
    def commission_rate(self, kind: InstrumentKind = InstrumentKind.STOCK) -> Decimal: ...

    def commission(self, value: int, kind: InstrumentKind = InstrumentKind.STOCK) -> int:
        """Commission on a traded value, floored to the won."""
        ...

    def sell_tax(
        self,
        value: int,
        trade_date: date,
        market: Market = Market.KOSPI,
        kind: InstrumentKind = InstrumentKind.STOCK,
    ) -> int:
        """Securities transaction tax on a sale value traded on ``trade_date``, floored."""
        ...


@dataclass(frozen=True, slots=True)
class FixedFeeModel:
    """Fixed rates for every instrument and date (ETF/ETN pay no sell tax)."""

    rate: Decimal = KIS_ONLINE_COMMISSION_RATE
    tax_rate: Decimal = Decimal("0.0020")

    def commission_rate(self, kind: InstrumentKind = InstrumentKind.STOCK) -> Decimal:
        return self.rate

    def commission(self, value: int, kind: InstrumentKind = InstrumentKind.STOCK) -> int:
        return floor_mul(value, self.rate)

    def sell_tax(
        self,
        value: int,
        trade_date: date,
        market: Market = Market.KOSPI,
        kind: InstrumentKind = InstrumentKind.STOCK,
    ) -> int:
        if kind is not InstrumentKind.STOCK:
            return 0
        return floor_mul(value, self.tax_rate)


class KrxFeeModel:
    """KIS online commission (stock / ETF-ETN rate) and the sell tax by T+2 settlement date.

    Rates come from ``kistrade.domain.costs``; the settlement date from the KRX calendar, built
    on first use (it takes seconds), so a venue that never sells never builds it.
    """

    def __init__(
        self,
        stock_rate: Decimal | None = None,
        fund_rate: Decimal | None = None,
        settlement: Callable[[date], date] | None = None,
    ) -> None:
        """``settlement`` maps a trade date to its settlement date (default: the KRX calendar)."""
        self._settlement = settlement
        self._stock_rate = stock_rate if stock_rate is not None else costs.DEFAULT_COMMISSION_RATE
        self._fund_rate = fund_rate if fund_rate is not None else costs.ETF_COMMISSION_RATE

    def commission_rate(self, kind: InstrumentKind = InstrumentKind.STOCK) -> Decimal:
        return self._stock_rate if kind is InstrumentKind.STOCK else self._fund_rate

    def commission(self, value: int, kind: InstrumentKind = InstrumentKind.STOCK) -> int:
        return costs.commission(value, self.commission_rate(kind))

    def sell_tax(
        self,
        value: int,
        trade_date: date,
        market: Market = Market.KOSPI,
        kind: InstrumentKind = InstrumentKind.STOCK,
    ) -> int:
        if kind is not InstrumentKind.STOCK:
            return 0
        if self._settlement is None:
            self._settlement = default_calendar().settlement_date
        settle = self._settlement(trade_date)
        return costs.sell_tax(value, settle, market, kind)
