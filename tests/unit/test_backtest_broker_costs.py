"""The backtest's fill costs in exact integer form (FillCosts, and the venue fee model CostFees
built on it) against the domain cost functions they stand for."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kistrade.backtest.broker import CostFees
from kistrade.backtest.config import BacktestConfig, FillCosts
from kistrade.domain.costs import commission, floor_mul
from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import InstrumentKind, Market, Side

rates = st.decimals(min_value=0, max_value=Decimal("0.01"), places=9, allow_nan=False)
tax_overrides = st.none() | st.decimals(min_value=0, max_value=Decimal("0.005"), places=6, allow_nan=False)
values = st.integers(0, 10**13)
days = st.dates(date(2010, 1, 1), date(2026, 12, 31))
kinds = st.sampled_from(list(InstrumentKind))


@given(rates, tax_overrides, kinds, values, days, st.sampled_from(list(Side)))
def test_fill_costs_are_the_floored_commission_and_tax(
    rate: Decimal, tax: Decimal | None, kind: InstrumentKind, value: int, day: date, side: Side
) -> None:
    costs = FillCosts(BacktestConfig(commission_rate=rate, sell_tax_rate=tax, kind=kind))
    want_tax = floor_mul(value, costs.tax_rate(day)) if side is Side.SELL else 0
    assert costs(side, value, day) == (commission(value, rate), want_tax)
    assert costs.commission(value) == commission(value, rate)
    assert costs.tax(value, day) == floor_mul(value, costs.tax_rate(day))


@given(rates, tax_overrides, values, days)
def test_the_venue_fee_model_agrees_with_the_fill_costs(
    rate: Decimal, tax: Decimal | None, value: int, day: date
) -> None:
    costs = FillCosts(BacktestConfig(commission_rate=rate, sell_tax_rate=tax))
    fees = CostFees(costs)
    assert fees.commission_rate() == rate
    assert fees.commission(value) == floor_mul(value, rate) == costs(Side.BUY, value, day)[0]
    assert fees.sell_tax(value, day, Market.KOSPI) == costs(Side.SELL, value, day)[1]


def test_a_negative_value_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="-1"):
        FillCosts(BacktestConfig())(Side.BUY, -1, date(2024, 3, 4))
