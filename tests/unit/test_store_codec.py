"""Pure conversions of kistrade.store.codec, missing-date grouping and the CSV parser."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import KST, BookLevel, OrderBook, Side, Symbol, Trade
from kistrade.store.codec import (
    TS_FROM_PARTS_SQL,
    bar_day,
    book_params,
    book_row,
    day_start,
    from_us,
    pack_levels,
    row_trade,
    to_us,
    trade_params,
    trade_row,
    unpack_levels,
)
from kistrade.store.market_repo import missing_ranges
from kistrade.store.records import DateRange

aware = st.datetimes(
    min_value=datetime(1950, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.sampled_from([KST, UTC]),
    allow_imaginary=False,  # wall times skipped by a summer-time jump do not exist
)


@given(aware)
def test_timestamp_round_trip_is_exact(ts: datetime) -> None:
    us = to_us(ts)
    back = from_us(us)
    assert back == ts
    assert back.tzinfo is KST


@given(aware)
def test_the_same_instant_in_any_zone_has_one_value(ts: datetime) -> None:
    kst = ts.astimezone(KST)
    other = ts.astimezone(timezone(timedelta(hours=-5)))
    assert to_us(kst) == to_us(other) == (ts - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def sql_formula(o: int, s: int, u: int) -> int:
    """TS_FROM_PARTS_SQL, evaluated by hand."""
    return (o - 719163) * 86400000000 + s * 1000000 + u - 32400000000


def test_the_sql_formula_is_the_one_documented() -> None:
    assert TS_FROM_PARTS_SQL == "(?2 - 719163) * 86400000000 + ?3 * 1000000 + ?4 - 32400000000"


@given(aware, st.sampled_from([KST, UTC, timezone(timedelta(hours=5, minutes=45))]))
def test_recorder_parts_give_the_exact_microseconds(ts: datetime, zone: timezone) -> None:
    local = ts.astimezone(zone)
    trade = trade_params(Trade(Symbol("005930"), local, 1, 2, Side.SELL, 3))
    book = book_params(OrderBook(Symbol("005930"), local, (BookLevel(5, 6),), ()))
    assert sql_formula(*trade[1:4]) == sql_formula(*book[1:4]) == to_us(ts)  # type: ignore[arg-type]
    assert trade[4:] == (1, 2, -1, 3)
    assert book[4:] == (5, None, 6, 0, pack_levels((BookLevel(5, 6),), ()))


def test_naive_timestamp_is_refused_with_the_value_named() -> None:
    with pytest.raises(InvalidInputError, match="2026-01-05T09:00:00 has no timezone"):
        to_us(datetime(2026, 1, 5, 9, 0))


def test_daily_bar_start_maps_to_the_kst_date() -> None:
    # 23:30 UTC on Jan 4 is 08:30 KST on Jan 5
    assert bar_day(datetime(2026, 1, 4, 23, 30, tzinfo=UTC)) == date(2026, 1, 5)
    assert day_start(date(2026, 1, 5)) == datetime(2026, 1, 5, tzinfo=KST)


levels = st.lists(
    st.builds(BookLevel, st.integers(0, 2**62), st.integers(0, 2**62)), min_size=0, max_size=12
).map(tuple)


@given(levels, levels)
def test_book_levels_pack_round_trip(asks: tuple[BookLevel, ...], bids: tuple[BookLevel, ...]) -> None:
    blob = pack_levels(asks, bids)
    assert len(blob) == 2 + 16 * (len(asks) + len(bids))
    assert unpack_levels(blob) == (asks, bids)


def test_book_row_has_best_prices_and_totals() -> None:
    ts = datetime(2026, 1, 5, 9, 0, 1, tzinfo=KST)
    book = OrderBook(
        Symbol("005930"),
        ts,
        (BookLevel(71_000, 10), BookLevel(71_100, 5)),
        (BookLevel(70_900, 7), BookLevel(70_800, 3)),
    )
    symbol, us, best_ask, best_bid, total_ask, total_bid, _ = book_row(book)
    assert (symbol, us, best_ask, best_bid, total_ask, total_bid) == (
        "005930",
        to_us(ts),
        71_000,
        70_900,
        15,
        10,
    )


@given(aware, st.sampled_from([Side.BUY, Side.SELL, None]), st.integers(1, 10**7), st.integers(1, 10**6))
def test_trade_row_round_trip(ts: datetime, side: Side | None, price: int, qty: int) -> None:
    trade = Trade(Symbol("000660"), ts, price, qty, side, qty * 3)
    assert row_trade(trade_row(trade)) == trade


def test_missing_ranges_group_consecutive_sessions() -> None:
    sessions = [date(2026, 1, d) for d in (2, 5, 6, 7, 8, 9, 12, 13)]  # weekends skipped
    missing = [date(2026, 1, 2), date(2026, 1, 5), date(2026, 1, 8), date(2026, 1, 9), date(2026, 1, 12)]
    assert missing_ranges(missing, sessions) == [
        DateRange(date(2026, 1, 2), date(2026, 1, 5)),
        DateRange(date(2026, 1, 8), date(2026, 1, 12)),
    ]
    assert missing_ranges([], sessions) == []
