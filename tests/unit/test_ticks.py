"""Tick tables (current and dated) and rounding to the grid."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.ticks import (
    Rounding,
    add_ticks,
    is_valid_tick,
    round_to_tick,
    tick_in,
    tick_size,
    tick_table,
    ticks_between,
)
from kistrade.domain.types import InstrumentKind, Market

OLD = date(2022, 6, 1)  # before the 2023-01-25 unification
VERY_OLD = date(2009, 6, 1)  # before the 2010-10-04 one-won band


@pytest.mark.parametrize(
    ("price", "tick"),
    [
        (1, 1), (1_999, 1), (2_000, 5), (4_995, 5), (5_000, 10), (19_990, 10), (20_000, 50),
        (49_950, 50), (50_000, 100), (199_900, 100), (200_000, 500), (499_500, 500),
        (500_000, 1_000), (1_500_000, 1_000),
    ],
)  # fmt: skip
def test_current_stock_table(price: int, tick: int) -> None:
    assert tick_size(price) == tick
    assert tick_size(price, market=Market.KOSDAQ) == tick


@pytest.mark.parametrize(("price", "tick"), [(1, 1), (1_999, 1), (2_000, 5), (150_000, 5)])
@pytest.mark.parametrize("kind", [InstrumentKind.ETF, InstrumentKind.ETN])
def test_fund_table(price: int, tick: int, kind: InstrumentKind) -> None:
    assert tick_size(price, kind) == tick
    assert tick_size(price, kind, on=date(2024, 1, 2)) == tick
    assert tick_size(price, kind, on=date(2023, 6, 1)) == 5  # 5 won flat before Dec 2023


@pytest.mark.parametrize(
    ("price", "kospi", "kosdaq"),
    [
        (999, 1, 1), (1_000, 5, 5), (4_995, 5, 5), (5_000, 10, 10), (9_990, 10, 10),
        (10_000, 50, 50), (49_950, 50, 50), (50_000, 100, 100), (99_900, 100, 100),
        (100_000, 500, 100), (128_500, 500, 100), (499_500, 500, 100), (500_000, 1_000, 100),
    ],
)  # fmt: skip
def test_pre_2023_tables(price: int, kospi: int, kosdaq: int) -> None:
    assert tick_size(price, on=OLD) == kospi
    assert tick_size(price, on=OLD, market=Market.KOSDAQ) == kosdaq
    assert tick_size(price, on=OLD, market=Market.KONEX) == kosdaq


def test_table_switches_on_the_day() -> None:
    assert tick_size(12_340, on=date(2023, 1, 24)) == 50
    assert tick_size(12_340, on=date(2023, 1, 25)) == 10
    assert tick_size(12_340) == 10
    assert tick_size(999, on=date(2010, 10, 1)) == 5
    assert tick_size(999, on=date(2010, 10, 4)) == 1


def test_rounding_examples() -> None:
    assert round_to_tick(12_345, Rounding.DOWN) == 12_340
    assert round_to_tick(12_345, Rounding.UP) == 12_350
    assert round_to_tick(12_345, Rounding.NEAREST) == 12_350  # a tie goes up
    assert round_to_tick(12_344, Rounding.NEAREST) == 12_340
    assert round_to_tick(199_950, Rounding.UP) == 200_000  # lands on the band boundary
    assert round_to_tick(128_700, Rounding.DOWN, on=OLD) == 128_500
    assert round_to_tick(3, Rounding.UP, on=VERY_OLD) == 5
    with pytest.raises(InvalidInputError, match="no valid tick"):
        round_to_tick(3, Rounding.DOWN, on=VERY_OLD)
    with pytest.raises(InvalidInputError):
        round_to_tick(0)


def test_add_ticks_and_ticks_between() -> None:
    assert add_ticks(1_999, 1) == 2_000
    assert add_ticks(2_000, 1) == 2_005
    assert add_ticks(2_000, -1) == 1_999
    assert add_ticks(200_000, -1) == 199_900
    assert add_ticks(100_000, -1, on=OLD) == 99_900
    assert ticks_between(1_990, 2_010) == 12
    with pytest.raises(InvalidInputError):
        add_ticks(1, -1)


prices = st.integers(min_value=1, max_value=3_000_000)
kinds = st.sampled_from(list(InstrumentKind))
markets = st.sampled_from(list(Market))
days = st.sampled_from([None, date(2024, 5, 2), OLD, date(2015, 1, 5), VERY_OLD])


@given(prices, kinds, markets, days)
def test_rounding_lands_on_grid_within_one_tick(
    price: int, kind: InstrumentKind, market: Market, on: date | None
) -> None:
    tick = tick_size(price, kind, on=on, market=market)
    up = round_to_tick(price, Rounding.UP, kind, on=on, market=market)
    assert is_valid_tick(up, kind, on=on, market=market)
    assert 0 <= up - price < tick
    if price >= tick:  # below the first tick there is nothing to round down to
        down = round_to_tick(price, Rounding.DOWN, kind, on=on, market=market)
        assert is_valid_tick(down, kind, on=on, market=market)
        assert 0 <= price - down < tick
        nearest = round_to_tick(price, Rounding.NEAREST, kind, on=on, market=market)
        assert nearest in (down, up)
        assert abs(nearest - price) <= abs(price - down) and abs(nearest - price) <= abs(up - price)


@given(prices, kinds, markets, days, st.integers(min_value=1, max_value=30))
def test_add_ticks_round_trip(
    price: int, kind: InstrumentKind, market: Market, on: date | None, n: int
) -> None:
    start = round_to_tick(price, Rounding.UP, kind, on=on, market=market)
    moved = add_ticks(start, n, kind, on=on, market=market)
    assert is_valid_tick(moved, kind, on=on, market=market)
    assert ticks_between(start, moved, kind, on=on, market=market) == n
    assert add_ticks(moved, -n, kind, on=on, market=market) == start


@given(
    st.integers(0, 3_000_000),
    st.sampled_from(list(InstrumentKind)),
    st.sampled_from(list(Market)),
    st.none() | st.dates(date(2000, 1, 1), date(2030, 12, 31)),
)
def test_tick_in_reads_the_band_of_the_table_or_of_an_equal_copy(
    price: int, kind: InstrumentKind, market: Market, on: date | None
) -> None:
    """The band lookup by table identity gives what a scan of the table gives, and an equal
    table that is another object (not the module's) gets the same answer."""
    table = tick_table(kind, on=on, market=market)
    want = [tick for bound, tick in table if bound <= price][-1]
    copy = tuple((bound, tick) for bound, tick in table)
    assert copy is not table
    assert tick_in(table, price) == tick_in(copy, price) == want
