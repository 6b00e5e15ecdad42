"""Daily price limits: the worked examples of kis-protocol §8.3 and properties."""

from __future__ import annotations

from datetime import date, timedelta

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.limits import (
    LIMIT_30_PERCENT_FROM,
    RULE_CHANGES,
    limit_percent,
    limit_rule,
    period_limits,
    price_limits,
    rule_period,
)
from kistrade.domain.ticks import (
    FUND_ONE_WON_TICK_FROM,
    ONE_WON_STOCK_TICK_FROM,
    UNIFIED_STOCK_TICKS_FROM,
    Rounding,
    is_valid_tick,
    round_to_tick,
    tick_in,
    tick_size,
    tick_table,
)
from kistrade.domain.types import InstrumentKind, Market

Y2022 = date(2022, 6, 1)


@pytest.mark.parametrize(
    ("base", "on", "width", "upper", "lower"),
    [
        (128_500, Y2022, 38_500, 167_000, 90_000),  # portal example, 2022 table (tick 500)
        (111_000, Y2022, 33_000, 144_000, 78_000),  # portal example, 2022 table
        (111_000, None, 33_300, 144_300, 77_700),  # 2023 table (tick 100)
        (72_000, None, 21_600, 93_600, 50_400),
    ],
)
def test_worked_examples(base: int, on: date | None, width: int, upper: int, lower: int) -> None:
    limits = price_limits(base, on=on)
    assert (limits.width, limits.upper, limits.lower) == (width, upper, lower)


def test_off_grid_limit_is_rounded_inward() -> None:
    # 19,990 (tick 10): width 5,990 -> upper 25,980 lies in the 50-won band -> down to 25,950.
    limits = price_limits(19_990)
    assert limits.width == 5_990
    assert limits.upper == 25_950
    assert limits.lower == 14_000
    # 2,850 (tick 5): width 855 -> 855 - 855 % 5 = 855; lower 1,995 is in the 1-won band (valid).
    assert price_limits(2_850).lower == 1_995


def test_fifteen_percent_before_june_2015() -> None:
    assert price_limits(10_000, on=date(2015, 6, 12)).upper == 11_500
    assert price_limits(10_000, on=date(2015, 6, 15)).upper == 13_000


def test_bad_base() -> None:
    with pytest.raises(InvalidInputError, match="base price"):
        price_limits(0)


@given(
    st.integers(min_value=1, max_value=3_000_000),
    st.sampled_from(list(InstrumentKind)),
    st.sampled_from(list(Market)),
    st.sampled_from([None, Y2022, date(2024, 3, 4), date(2012, 1, 3)]),
)
def test_limits_are_ticks_and_contain_the_base(
    raw: int, kind: InstrumentKind, market: Market, on: date | None
) -> None:
    base = round_to_tick(raw, Rounding.UP, kind, on=on, market=market)
    limits = price_limits(base, kind, on=on, market=market)
    assert is_valid_tick(limits.upper, kind, on=on, market=market)
    assert is_valid_tick(limits.lower, kind, on=on, market=market)
    assert limits.contains(base)
    assert limits.lower <= base <= limits.upper
    assert limits.upper <= base + base * 30 // 100
    assert limits.lower >= base - base * 30 // 100


any_base_and_day = given(
    st.integers(1, 3_000_000),
    st.sampled_from(list(InstrumentKind)),
    st.sampled_from(list(Market)),
    st.dates(date(1995, 1, 1), date(2035, 12, 31)),
)
"""(a raw price, kind, market, day) for the properties below."""


@any_base_and_day
def test_limits_are_cached_per_rule_period_without_changing_them(
    raw: int, kind: InstrumentKind, market: Market, on: date
) -> None:
    """The cache keys a day by the start of its rules (RULE_CHANGES); computed for the day
    itself (not through the cache) the limits are the same."""
    base = round_to_tick(raw, Rounding.UP, kind, on=on, market=market)
    exact = period_limits.__wrapped__(base, kind, on, market)
    assert price_limits(base, kind, on=on, market=market) == exact
    if on >= RULE_CHANGES[-1]:
        assert price_limits(base, kind, market=market) == exact  # today's rules


@pytest.mark.parametrize(
    "day", [ONE_WON_STOCK_TICK_FROM, LIMIT_30_PERCENT_FROM, UNIFIED_STOCK_TICKS_FROM, FUND_ONE_WON_TICK_FROM]
)
def test_each_rule_change_starts_a_period(day: date) -> None:
    assert day in RULE_CHANGES
    for d in (day - timedelta(days=1), day):
        for kind in InstrumentKind:
            for base in (999, 1_000, 4_990, 9_990, 49_950, 99_900, 150_000, 499_000):
                assert price_limits(base, kind, on=d) == period_limits.__wrapped__(
                    base, kind, d, Market.KOSPI
                )


@any_base_and_day
def test_limits_are_the_rounded_band_around_the_base(
    raw: int, kind: InstrumentKind, market: Market, on: date
) -> None:
    """The §8.3 rule through the public tick functions: width truncated to the base's tick, the
    upper limit rounded down and the lower one up to their own bands' grids."""
    base = round_to_tick(raw, Rounding.UP, kind, on=on, market=market)
    width = base * (30 if on >= LIMIT_30_PERCENT_FROM else 15) // 100
    width -= width % tick_size(base, kind, on=on, market=market)
    upper = round_to_tick(base + width, Rounding.DOWN, kind, on=on, market=market)
    lower = round_to_tick(max(base - width, 1), Rounding.UP, kind, on=on, market=market)
    limits = price_limits(base, kind, on=on, market=market)
    assert (limits.width, limits.upper, limits.lower) == (width, upper, lower)


@any_base_and_day
def test_price_limits_are_the_limits_of_the_days_rule_period(
    raw: int, kind: InstrumentKind, market: Market, on: date
) -> None:
    """rule_period maps a day to the first day of its rules (a fixed point, never after the
    day, with no rule change in between); the limits of the period are those of the day."""
    period = rule_period(on)
    assert period is not None and period <= on
    assert rule_period(period) == period or period == date.min
    assert not [d for d in RULE_CHANGES if period < d <= on]
    base = round_to_tick(raw, Rounding.UP, kind, on=on, market=market)
    assert period_limits(base, kind, period, market) == price_limits(base, kind, on=on, market=market)
    assert rule_period(None) is None


def _reference_limits(base: int, kind: InstrumentKind, on: date, market: Market) -> tuple[int, int, int, int]:
    """The §8.3 formula through the generic tick look-ups (``tick_table`` / ``tick_in``), as
    ``period_limits`` computed it before the LimitRule: any positive base, on the grid or not."""
    table = tick_table(kind, on=on, market=market)
    tick = tick_in(table, base)
    width = base * limit_percent(on) // 100
    width -= width % tick
    upper = base + width
    upper -= upper % tick_in(table, upper)
    lower = max(base - width, 1)
    step = tick_in(table, lower)
    if lower % step:
        lower += step - lower % step
    return base, width, upper, lower


@any_base_and_day
def test_limit_rule_equals_the_generic_formula(
    raw: int, kind: InstrumentKind, market: Market, on: date
) -> None:
    """A listing's LimitRule (its table's bounds and ticks taken once) gives the limits of the
    generic tick look-ups, for on-grid and off-grid bases, on every day, kind and market."""
    rule = limit_rule(kind, rule_period(on), market)
    for base in (raw, round_to_tick(raw, Rounding.UP, kind, on=on, market=market)):
        limits = rule.limits(base)
        assert msgspec.structs.astuple(limits) == _reference_limits(base, kind, on, market)
        assert limits == price_limits(base, kind, on=on, market=market)


def test_limit_rule_refuses_a_base_that_is_not_positive() -> None:
    rule = limit_rule(InstrumentKind.STOCK, None, Market.KOSPI)
    for base in (0, -5):
        with pytest.raises(InvalidInputError, match=f"base price {base}"):
            rule.limits(base)
