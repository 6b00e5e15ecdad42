"""Replay merges recorded trades and books of all symbols in time order, across write batches."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kistrade.clock import ManualClock
from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import KST, BookLevel, OrderBook, Side, Symbol, Trade
from kistrade.store.codec import to_us
from kistrade.store.sqlite_store import SqliteStore

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=KST)
SYMBOLS = [Symbol("005930"), Symbol("000660"), Symbol("035420")]


@pytest.fixture(params=["file", "memory"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqliteStore]:
    path = tmp_path / "replay.db" if request.param == "file" else ":memory:"
    s = await SqliteStore.open(path, clock=ManualClock(T0))
    yield s
    await s.close()


def trade(symbol: Symbol, ms: int, n: int) -> Trade:
    return Trade(symbol, T0 + timedelta(milliseconds=ms), 10_000 + n, 1 + n % 5, Side.BUY, n)


def book(symbol: Symbol, ms: int, n: int) -> OrderBook:
    return OrderBook(
        symbol, T0 + timedelta(milliseconds=ms), (BookLevel(10_100, n),), (BookLevel(10_000, n + 1),)
    )


def expected_order(events: list[tuple[int, Trade | OrderBook]]) -> list[Trade | OrderBook]:
    """Hand-written oracle: by ts, trades before books, then symbol, then arrival."""
    return [
        e for _, e in sorted(events, key=lambda p: (p[1].ts, isinstance(p[1], OrderBook), p[1].symbol, p[0]))
    ]


async def test_merge_order_with_ties_and_out_of_order_batches(store: SqliteStore) -> None:
    # batch 1 covers 0..5 ms, batch 2 arrives later but holds an earlier print (3 ms) and ties
    await store.append_trades([trade(SYMBOLS[0], 0, 0), trade(SYMBOLS[1], 5, 1), trade(SYMBOLS[0], 5, 2)])
    await store.append_books([book(SYMBOLS[0], 5, 3), book(SYMBOLS[1], 1, 4)])
    await store.append_trades([trade(SYMBOLS[2], 3, 5), trade(SYMBOLS[0], 5, 6)])
    got = [e async for e in store.replay(T0, T0 + timedelta(seconds=1))]
    assert [(int((e.ts - T0) / timedelta(milliseconds=1)), type(e).__name__, e.symbol) for e in got] == [
        (0, "Trade", "005930"),
        (1, "OrderBook", "000660"),
        (3, "Trade", "035420"),
        (5, "Trade", "000660"),
        (5, "Trade", "005930"),
        (5, "Trade", "005930"),
        (5, "OrderBook", "005930"),
    ]
    # same ts and symbol: arrival order (cum_volume 2 was written before 6)
    assert [e.cum_volume for e in got if isinstance(e, Trade) and e.symbol == "005930"] == [0, 2, 6]


async def test_window_and_symbol_filter(store: SqliteStore) -> None:
    await store.append_trades([trade(SYMBOLS[i % 3], i, i) for i in range(30)])
    window = [e async for e in store.replay(T0 + timedelta(milliseconds=10), T0 + timedelta(milliseconds=20))]
    assert [e.cum_volume for e in window if isinstance(e, Trade)] == list(range(10, 20))
    only = [e async for e in store.replay(T0, T0 + timedelta(seconds=1), [SYMBOLS[1]])]
    assert [e.cum_volume for e in only if isinstance(e, Trade)] == list(range(1, 30, 3))
    assert [e async for e in store.replay(T0 + timedelta(hours=1), T0 + timedelta(hours=2))] == []
    with pytest.raises(InvalidInputError, match="is before start"):
        [e async for e in store.replay(T0 + timedelta(hours=1), T0)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.lists(st.tuples(st.booleans(), st.integers(0, 2), st.integers(0, 50)), min_size=1, max_size=15),
        min_size=1,
        max_size=6,
    )
)
async def test_replay_matches_the_oracle_for_any_batches(
    tmp_path: Path, batches: list[list[tuple[bool, int, int]]]
) -> None:
    events: list[tuple[int, Trade | OrderBook]] = []
    async with await SqliteStore.open(":memory:", clock=ManualClock(T0)) as store:
        n = 0
        for batch in batches:
            trades, books = [], []
            for is_book, sym, ms in batch:
                e: Trade | OrderBook = book(SYMBOLS[sym], ms, n) if is_book else trade(SYMBOLS[sym], ms, n)
                (books if is_book else trades).append(e)
                n += 1
            # trades of a batch are written before its books, so arrival order = this order
            for e in [*trades, *books]:
                events.append((len(events), e))
            if trades:
                await store.append_trades(trades)
            if books:
                await store.append_books(books)
        got = [e async for e in store.replay(T0, T0 + timedelta(seconds=1))]
    assert got == expected_order(events)


async def test_a_shuffled_day_replays_sorted(store: SqliteStore) -> None:
    rng = random.Random(7)
    items: list[Trade | OrderBook] = [
        (book if i % 4 == 0 else trade)(SYMBOLS[rng.randrange(3)], rng.randrange(5000), i)
        for i in range(3000)
    ]
    for start in range(0, len(items), 500):
        chunk = sorted(items[start : start + 500], key=lambda e: e.ts)  # each batch roughly in time order
        await store.append_trades([e for e in chunk if isinstance(e, Trade)])
        await store.append_books([e for e in chunk if isinstance(e, OrderBook)])
    got = [e async for e in store.replay(T0, T0 + timedelta(seconds=10))]
    assert len(got) == len(items)
    assert [(e.ts, isinstance(e, OrderBook), e.symbol) for e in got] == sorted(
        (e.ts, isinstance(e, OrderBook), e.symbol) for e in items
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.datetimes(
            min_value=datetime(1950, 1, 1),
            max_value=datetime(2150, 1, 1),
            timezones=st.sampled_from([KST, UTC, timezone(timedelta(hours=-5, minutes=-30))]),
            allow_imaginary=False,
        ),
        min_size=1,
        max_size=20,
    )
)
def test_recorded_timestamps_are_exact_in_any_zone_and_era(stamps: list[datetime]) -> None:
    """The recorder binds KST wall-clock parts and SQLite computes the epoch microseconds: it must
    agree with exact arithmetic for other zones and for 1987-88, when Korea had summer time."""

    async def run() -> list[Trade | OrderBook]:
        async with await SqliteStore.open(":memory:", clock=ManualClock(T0)) as store:
            await store.append_trades([Trade(SYMBOLS[0], ts, 1, 1) for ts in stamps])
            await store.append_books([OrderBook(SYMBOLS[1], ts, (), ()) for ts in stamps])
            lo, hi = min(stamps), max(stamps) + timedelta(microseconds=1)
            return [e async for e in store.replay(lo, hi)]

    got = asyncio.run(run())
    assert sorted(e.ts for e in got if isinstance(e, Trade)) == sorted(stamps)
    assert sorted(e.ts for e in got if isinstance(e, OrderBook)) == sorted(stamps)
    assert all(e.ts.tzinfo is KST for e in got)


def test_korean_summer_time_1988_is_handled() -> None:
    summer = datetime(1988, 7, 1, 12, 0, tzinfo=KST)  # UTC+10 that summer
    assert to_us(summer) == to_us(datetime(1988, 7, 1, 2, 0, tzinfo=UTC))

    async def run() -> list[Trade]:
        async with await SqliteStore.open(":memory:", clock=ManualClock(T0)) as store:
            await store.append_trades([Trade(SYMBOLS[0], summer, 1, 1)])
            return [t async for t in store.iter_trades(SYMBOLS[0], summer, summer + timedelta(seconds=1))]

    assert [t.ts for t in asyncio.run(run())] == [summer]


async def test_a_long_segment_that_began_before_the_window_is_found(store: SqliteStore) -> None:
    day = timedelta(days=1)
    # one batch spanning three days (a bulk append), then short batches
    await store.append_trades([trade(SYMBOLS[0], 0, 0), Trade(SYMBOLS[0], T0 + 2 * day, 1, 1, None, 1)])
    for n in range(2, 6):
        await store.append_trades([Trade(SYMBOLS[1], T0 + day + timedelta(hours=n), 1, 1, None, n)])
    window = [e.cum_volume async for e in store.replay(T0 + 2 * day, T0 + 3 * day) if isinstance(e, Trade)]
    assert window == [1]
    middle = [e.cum_volume async for e in store.replay(T0 + day, T0 + 2 * day) if isinstance(e, Trade)]
    assert middle == [2, 3, 4, 5]
