"""Commission, dated sell tax and the CostModel (T+2 settlement date)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_FLOOR, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kistrade.domain.costs import (
    DEFAULT_COMMISSION_RATE,
    CostModel,
    commission,
    floor_mul,
    floor_won,
    sell_tax,
    sell_tax_rate,
)
from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import InstrumentKind, Market


def test_commission_floors_to_the_won() -> None:
    assert Decimal("0.000140527") == DEFAULT_COMMISSION_RATE
    assert commission(10_000_000) == 1_405  # 1,405.27
    assert commission(100_000) == 14  # 14.0527
    assert commission(7_000) == 0
    assert commission(1_000_000, Decimal("0.00015")) == 150
    with pytest.raises(InvalidInputError, match="negative"):
        commission(-1)


@pytest.mark.parametrize(
    ("settle", "market", "rate"),
    [
        (date(2019, 5, 31), Market.KOSPI, "0.0030"),
        (date(2019, 5, 31), Market.KONEX, "0.0030"),
        (date(2019, 6, 3), Market.KOSPI, "0.0025"),
        (date(2019, 6, 3), Market.KONEX, "0.0010"),
        (date(2021, 1, 4), Market.KOSDAQ, "0.0023"),
        (date(2023, 1, 3), Market.KOSPI, "0.0020"),
        (date(2024, 12, 31), Market.KOSPI, "0.0018"),
        (date(2025, 1, 2), Market.KOSPI, "0.0015"),
        (date(2025, 12, 30), Market.KOSDAQ, "0.0015"),
        (date(2025, 6, 1), Market.KONEX, "0.0010"),
        (date(2026, 1, 2), Market.KOSPI, "0.0020"),
        (date(2026, 1, 2), Market.KOSDAQ, "0.0020"),
        (date(2026, 1, 2), Market.KONEX, "0.0010"),
    ],
)
def test_tax_table(settle: date, market: Market, rate: str) -> None:
    assert sell_tax_rate(settle, market) == Decimal(rate)


@pytest.mark.parametrize("kind", [InstrumentKind.ETF, InstrumentKind.ETN])
def test_funds_pay_no_tax(kind: InstrumentKind) -> None:
    assert sell_tax_rate(date(2026, 3, 3), Market.KOSPI, kind) == 0
    assert sell_tax(10_000_000, date(2026, 3, 3), Market.KOSPI, kind) == 0


def test_sell_tax_floors() -> None:
    assert sell_tax(1_234_567, date(2025, 3, 4)) == 1_851  # 1,851.85
    assert sell_tax(1_234_567, date(2026, 3, 4)) == 2_469  # 2,469.134


def test_cost_model_uses_the_t_plus_2_settlement_date() -> None:
    model = CostModel()
    # Traded 2024-12-26 (Thu) settles 2024-12-30 (Mon): 2024 rate. Traded 2024-12-27 (Fri):
    # 12-31 is the year-end closure, so it settles 2025-01-02 at the 2025 rate.
    assert model.sell_costs(10_000_000, date(2024, 12, 26)) == (1_405, 18_000)
    assert model.sell_costs(10_000_000, date(2024, 12, 27)) == (1_405, 15_000)
    # 2025-12-29 (Mon) settles 2026-01-02 (12-31 closed, 01-01 holiday): 2026 rate.
    assert model.sell_costs(10_000_000, date(2025, 12, 29)) == (1_405, 20_000)
    assert model.sell_costs(10_000_000, date(2025, 12, 26)) == (1_405, 15_000)
    assert model.sell_costs(10_000_000, date(2026, 3, 3), Market.KOSPI, InstrumentKind.ETF) == (1_405, 0)
    assert model.buy_cost(10_000_000, date(2026, 3, 3)) == 1_405


def test_cost_model_override() -> None:
    model = CostModel(commission_rate=Decimal("0.00015"), sell_tax_override=Decimal("0.0023"))
    assert model.sell_costs(1_000_000, date(2026, 3, 3)) == (150, 2_300)
    assert model.sell_costs(1_000_000, date(2026, 3, 3), kind=InstrumentKind.ETN) == (150, 0)
    with pytest.raises(InvalidInputError):
        CostModel(commission_rate=Decimal("-0.1"))


values = st.integers(min_value=0, max_value=10**12)
settles = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))


@given(values, values, settles, st.sampled_from(list(Market)), st.sampled_from(list(InstrumentKind)))
def test_costs_non_negative_and_monotone(
    a: int, b: int, settle: date, market: Market, kind: InstrumentKind
) -> None:
    low, high = sorted((a, b))
    assert 0 <= commission(low) <= commission(high)
    assert 0 <= sell_tax(low, settle, market, kind) <= sell_tax(high, settle, market, kind)
    assert commission(high) <= high
    if kind is not InstrumentKind.STOCK:
        assert sell_tax(high, settle, market, kind) == 0


@given(st.decimals(min_value=-(10**15), max_value=10**15, allow_nan=False, places=12))
def test_floor_won_floors_exactly(amount: Decimal) -> None:
    assert floor_won(amount) == int(amount.to_integral_value(rounding=ROUND_FLOOR))
    assert floor_won(amount) <= amount < floor_won(amount) + 1


@given(
    st.integers(0, 10**13),
    st.decimals(min_value=0, max_value=1, allow_nan=False, allow_infinity=False, places=9),
)
def test_floor_mul_is_the_exact_floored_product(value: int, rate: Decimal) -> None:
    exact = Decimal(value) * rate  # exact: 13 + 10 digits fit the context's 28
    assert floor_mul(value, rate) == floor_won(exact)
    assert commission(value, rate) == floor_won(exact)


@given(
    st.integers(0, 10**13),
    st.decimals(min_value=0, max_value=1, allow_nan=False, allow_infinity=False, places=9),
    st.none() | st.decimals(min_value=0, max_value=1, allow_nan=False, allow_infinity=False, places=6),
    st.sampled_from(list(Market)),
    st.sampled_from(list(InstrumentKind)),
)
def test_cost_model_takes_its_commission_fraction_once(
    value: int, rate: Decimal, tax: Decimal | None, market: Market, kind: InstrumentKind
) -> None:
    """``buy_cost`` (and the sell commission) from the fraction taken at construction equal
    ``commission(value, rate)``; the fraction is not part of equality, hash or repr."""
    model = CostModel(commission_rate=rate, sell_tax_override=tax)
    day = date(2026, 3, 3)
    assert model.buy_cost(value, day) == commission(value, rate)
    fee, _ = model.sell_costs(value, day, market, kind)
    assert fee == commission(value, rate)
    twin = CostModel(commission_rate=rate, sell_tax_override=tax)
    assert twin == model and hash(twin) == hash(model) and repr(twin) == repr(model)
    assert "commission_ratio" not in repr(model)
    with pytest.raises(InvalidInputError, match="traded value -1 is negative"):
        model.buy_cost(-1, day)
