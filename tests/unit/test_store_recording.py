"""The recorder's multi-row encoders bind exactly what ``codec.trade_params``/``book_params`` bind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from kistrade.domain.types import KST, BookLevel, OrderBook, Side, Symbol, Trade
from kistrade.store.codec import book_params, trade_params
from kistrade.store.recording import _INSERT_MANY, _INSERT_ONE, book_values, trade_values

zones = st.sampled_from([KST, UTC, timezone(timedelta(hours=-3, minutes=-30))])
times = st.builds(
    lambda ts, zone: ts.replace(tzinfo=UTC).astimezone(zone),
    st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2200, 1, 1)),
    zones,
)
trades = st.builds(
    Trade,
    st.sampled_from([Symbol("005930"), Symbol("000660")]),
    times,
    st.integers(1, 10**9),
    st.integers(1, 10**7),
    st.sampled_from([Side.BUY, Side.SELL, None]),
    st.integers(0, 10**12),
)
levels = st.lists(st.builds(BookLevel, st.integers(0, 10**7), st.integers(0, 10**7)), max_size=10).map(tuple)
books = st.builds(OrderBook, st.just(Symbol("005930")), times, levels, levels)


@given(st.lists(trades, max_size=40), st.integers(1, 7))
def test_trade_values_are_trade_params_flattened(items: list[Trade], per: int) -> None:
    stop = len(items) - len(items) % per
    chunks = list(trade_values(items, stop, per))
    assert all(len(c) == 8 * per for c in chunks)
    assert [v for c in chunks for v in c] == [v for t in items[:stop] for v in trade_params(t)]


@given(st.lists(books, max_size=20), st.integers(1, 5))
def test_book_values_are_book_params_flattened(items: list[OrderBook], per: int) -> None:
    stop = len(items) - len(items) % per
    chunks = list(book_values(items, stop, per))
    assert all(len(c) == 9 * per for c in chunks)
    assert [v for c in chunks for v in c] == [v for b in items[:stop] for v in book_params(b)]


def test_statements_have_one_placeholder_group_per_row() -> None:
    assert _INSERT_ONE["ticks"].count("?8") == 1 and "?9" not in _INSERT_ONE["ticks"]
    assert "?512" in _INSERT_MANY["ticks"] and "?513" not in _INSERT_MANY["ticks"]
    assert "?288" in _INSERT_MANY["orderbooks"] and "?289" not in _INSERT_MANY["orderbooks"]
