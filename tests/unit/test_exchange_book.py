"""OrderBook: price-time priority, partial fills, walking the book, cancel/reduce/reprice, depth."""

from __future__ import annotations

from datetime import datetime

import pytest

from kistrade.domain.errors import StateError
from kistrade.domain.types import KST, BookLevel, Side, Symbol
from kistrade.exchange.book import BookOrder, OrderBook

SYM = Symbol("005930")
TS = datetime(2026, 3, 3, 9, 0, tzinfo=KST)


class Seq:
    def __init__(self) -> None:
        self.n = 0

    def order(self, oid: str, side: Side, price: int | None, qty: int, owner: str = "market") -> BookOrder:
        self.n += 1
        return BookOrder(oid, owner, SYM, side, price, qty, qty, self.n, TS)


def test_same_price_earlier_order_fills_first() -> None:
    s, book = Seq(), OrderBook(SYM)
    book.add(s.order("a1", Side.SELL, 70_000, 5))
    book.add(s.order("a2", Side.SELL, 70_000, 5))
    taker = s.order("b", Side.BUY, 70_000, 7)
    fills = book.match(taker, 70_000)
    assert [(m.order_id, p, q) for m, p, q in fills] == [("a1", 70_000, 5), ("a2", 70_000, 2)]
    assert taker.remaining == 0
    assert "a1" not in book
    a2 = book.get("a2")
    assert a2 is not None and a2.remaining == 3
    assert book.depth() == ((), (BookLevel(70_000, 3),))


def test_better_price_beats_earlier_time_and_walk_stops_at_limit() -> None:
    s, book = Seq(), OrderBook(SYM)
    book.add(s.order("far", Side.SELL, 70_200, 10))
    book.add(s.order("mid", Side.SELL, 70_100, 10))
    book.add(s.order("near", Side.SELL, 70_000, 3))
    taker = s.order("b", Side.BUY, 70_100, 20)
    fills = book.match(taker, 70_100)
    assert [(m.order_id, p, q) for m, p, q in fills] == [("near", 70_000, 3), ("mid", 70_100, 10)]
    assert taker.remaining == 7  # 70,200 is beyond the taker's limit
    assert book.best_ask() == 70_200
    assert book.best_bid() is None


def test_sell_taker_walks_bids_downwards() -> None:
    s, book = Seq(), OrderBook(SYM)
    for oid, price in (("b1", 69_900), ("b2", 70_000), ("b3", 69_800)):
        book.add(s.order(oid, Side.BUY, price, 4))
    taker = s.order("s", Side.SELL, None, 10)
    fills = book.match(taker, 69_800)
    assert [(m.order_id, p, q) for m, p, q in fills] == [
        ("b2", 70_000, 4),
        ("b1", 69_900, 4),
        ("b3", 69_800, 2),
    ]
    assert book.depth() == ((BookLevel(69_800, 2),), ())


def test_depth_aggregates_and_caps_at_ten_levels() -> None:
    s, book = Seq(), OrderBook(SYM)
    for i in range(12):
        book.add(s.order(f"b{i}", Side.BUY, 60_000 + 100 * i, 1))
        book.add(s.order(f"c{i}", Side.BUY, 60_000 + 100 * i, 2))
        book.add(s.order(f"a{i}", Side.SELL, 62_000 + 100 * i, 5))
    bids, asks = book.depth()
    assert len(bids) == 10 and len(asks) == 10
    assert bids[0] == BookLevel(61_100, 3) and bids[-1] == BookLevel(60_200, 3)
    assert asks[0] == BookLevel(62_000, 5) and asks[-1] == BookLevel(62_900, 5)


def test_cancel_removes_level_and_skips_lazily() -> None:
    s, book = Seq(), OrderBook(SYM)
    book.add(s.order("a1", Side.SELL, 70_000, 5))
    book.add(s.order("a2", Side.SELL, 70_000, 6))
    book.remove("a1")
    assert book.depth()[1] == (BookLevel(70_000, 6),)
    fills = book.match(s.order("b", Side.BUY, 70_000, 1), 70_000)
    assert [m.order_id for m, _, _ in fills] == ["a2"]
    book.remove("a2")
    assert book.best_ask() is None and len(book) == 0
    with pytest.raises(StateError, match="a2"):
        book.remove("a2")


def test_reduce_keeps_priority_reprice_loses_it() -> None:
    s, book = Seq(), OrderBook(SYM)
    book.add(s.order("a1", Side.SELL, 70_000, 5))
    book.add(s.order("a2", Side.SELL, 70_000, 5))
    book.reduce("a1", 3)
    fills = book.match(s.order("b", Side.BUY, 70_000, 2), 70_000)
    assert [(m.order_id, q) for m, _, q in fills] == [("a1", 2)]  # still first after the reduction
    book.add(s.order("a3", Side.SELL, 70_100, 1))
    book.reprice("a2", 70_100, 99, TS)  # a2 moves behind a3
    book.reprice("a3", 70_000, 100, TS)  # a3 back to 70,000: a stale entry must not revive
    fills = book.match(s.order("b2", Side.BUY, 70_100, 10), 70_100)
    assert [(m.order_id, p, q) for m, p, q in fills] == [("a3", 70_000, 1), ("a2", 70_100, 5)]
    assert len(book) == 0


def test_market_orders_rest_ahead_of_limits_and_out_of_depth() -> None:
    s, book = Seq(), OrderBook(SYM)
    book.add(s.order("l", Side.BUY, 93_600, 5))
    book.add(s.order("m", Side.BUY, None, 7))
    assert [o.order_id for o in book.in_priority(Side.BUY)] == ["m", "l"]
    assert book.market_qty(Side.BUY) == 7
    assert book.depth()[0] == (BookLevel(93_600, 5),)
