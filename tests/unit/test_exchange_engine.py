"""MatchingEngine: validation reasons, continuous matching, market orders, cancel and revise."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.domain.limits import price_limits
from kistrade.domain.sessions import Phase
from kistrade.domain.ticks import Rounding, is_valid_tick, round_to_tick, tick_size
from kistrade.domain.types import KST, BookLevel, Side, Symbol
from kistrade.exchange.engine import MatchingEngine
from kistrade.exchange.events import Accepted, Cancelled, CancelReason, Fill, Rejected, RejectReason, Replaced

SYM = Symbol("005930")
TS = datetime(2026, 3, 3, 10, 0, tzinfo=KST)


@pytest.fixture
def eng() -> MatchingEngine:
    e = MatchingEngine()
    e.list_symbol(SYM, base_price=72_000)  # limits 50,400 .. 93,600, tick 100
    e.set_phase(Phase.CONTINUOUS, TS)
    return e


@pytest.mark.parametrize(
    ("symbol", "qty", "price", "reason"),
    [
        (Symbol("000660"), 1, 72_000, RejectReason.UNKNOWN_SYMBOL),
        (SYM, 0, 72_000, RejectReason.INVALID_QTY),
        (SYM, -3, 72_000, RejectReason.INVALID_QTY),
        (SYM, 1, 72_050, RejectReason.OFF_TICK),
        (SYM, 1, 0, RejectReason.OFF_TICK),
        (SYM, 1, 93_700, RejectReason.OUTSIDE_LIMITS),
        (SYM, 1, 50_300, RejectReason.OUTSIDE_LIMITS),
    ],
)
def test_rejections(eng: MatchingEngine, symbol: Symbol, qty: int, price: int, reason: RejectReason) -> None:
    [event] = eng.submit("u", symbol, Side.BUY, qty, price, ts=TS)
    assert isinstance(event, Rejected) and event.reason is reason
    assert len(eng.book(SYM)) == 0


@pytest.mark.parametrize("phase", [Phase.CLOSED, Phase.AFTER_HOURS])
def test_market_closed(phase: Phase) -> None:
    e = MatchingEngine()
    e.list_symbol(SYM, base_price=72_000)
    e.set_phase(phase, TS)
    [event] = e.submit("u", SYM, Side.BUY, 1, 72_000, ts=TS)
    assert isinstance(event, Rejected) and event.reason is RejectReason.MARKET_CLOSED


def test_limits_edges_accepted(eng: MatchingEngine) -> None:
    for price in (93_600, 50_400):
        assert isinstance(eng.submit("u", SYM, Side.BUY, 1, price, ts=TS)[0], Accepted)


def test_duplicate_order_id(eng: MatchingEngine) -> None:
    eng.submit("u", SYM, Side.BUY, 1, 70_000, ts=TS, order_id="X")
    [event] = eng.submit("u", SYM, Side.BUY, 1, 70_000, ts=TS, order_id="X")
    assert isinstance(event, Rejected) and event.reason is RejectReason.DUPLICATE_ORDER_ID


def test_partial_fill_rests_remainder(eng: MatchingEngine) -> None:
    eng.submit("crowd", SYM, Side.SELL, 4, 72_000, ts=TS, order_id="s")
    events = eng.submit("u", SYM, Side.BUY, 10, 72_100, ts=TS, order_id="b")
    [fill] = [e for e in events if isinstance(e, Fill)]
    assert (fill.price, fill.qty, fill.buy_remaining, fill.sell_remaining) == (72_000, 4, 6, 0)
    assert (fill.taker_id, fill.maker_id, fill.aggressor) == ("b", "s", Side.BUY)
    assert eng.depth(SYM).bids == (BookLevel(72_100, 6),)
    resting = eng.order("b")
    assert resting is not None and resting.remaining == 6


def test_market_order_walks_book_and_cancels_rest(eng: MatchingEngine) -> None:
    eng.submit("crowd", SYM, Side.SELL, 3, 72_000, ts=TS)
    eng.submit("crowd", SYM, Side.SELL, 3, 72_500, ts=TS)
    events = eng.submit("u", SYM, Side.BUY, 10, None, ts=TS, order_id="m")
    assert [(e.price, e.qty) for e in events if isinstance(e, Fill)] == [(72_000, 3), (72_500, 3)]
    assert events[-1] == Cancelled("m", "u", SYM, Side.BUY, 4, 0, CancelReason.MARKET_REMAINDER, TS)
    assert eng.order("m") is None
    stats = eng.stats(SYM)
    assert (stats.last, stats.high, stats.low, stats.volume, stats.value) == (
        72_500,
        72_500,
        72_000,
        6,
        433_500,
    )


def test_cancel_full_partial_and_unknown(eng: MatchingEngine) -> None:
    eng.submit("u", SYM, Side.SELL, 10, 73_000, ts=TS, order_id="s")
    [partial] = eng.cancel("s", TS, qty=4)
    assert isinstance(partial, Cancelled) and (partial.qty, partial.remaining) == (4, 6)
    [too_much] = eng.cancel("s", TS, qty=7)
    assert isinstance(too_much, Rejected) and too_much.reason is RejectReason.QTY_ABOVE_REMAINING
    [full] = eng.cancel("s", TS)
    assert isinstance(full, Cancelled) and (full.qty, full.remaining) == (6, 0)
    [unknown] = eng.cancel("s", TS)
    assert isinstance(unknown, Rejected) and unknown.reason is RejectReason.UNKNOWN_ORDER
    assert eng.depth(SYM).asks == ()


def test_revise_moves_qty_loses_priority_and_can_trade(eng: MatchingEngine) -> None:
    eng.submit("u", SYM, Side.BUY, 10, 71_000, ts=TS, order_id="b1")
    eng.submit("x", SYM, Side.BUY, 5, 71_000, ts=TS, order_id="b2")
    eng.submit("crowd", SYM, Side.SELL, 4, 71_500, ts=TS, order_id="s")
    events = eng.revise("b1", TS, price=71_500, qty=6, new_order_id="b1r")
    assert events[0] == Replaced("b1", "b1r", "u", SYM, Side.BUY, 71_500, 6, 4, TS)
    assert [(e.buy_id, e.price, e.qty) for e in events if isinstance(e, Fill)] == [("b1r", 71_500, 4)]
    assert eng.depth(SYM).bids == (BookLevel(71_500, 2), BookLevel(71_000, 9))
    # the 4 left at 71,000 keep their place ahead of b2
    events = eng.submit("crowd", SYM, Side.SELL, 7, 71_000, ts=TS)
    assert [(e.buy_id, e.qty) for e in events if isinstance(e, Fill)] == [("b1r", 2), ("b1", 4), ("b2", 1)]


def test_revise_rejections(eng: MatchingEngine) -> None:
    eng.submit("u", SYM, Side.BUY, 3, 71_000, ts=TS, order_id="b")
    [above] = eng.revise("b", TS, price=71_100, qty=4)
    assert isinstance(above, Rejected) and above.reason is RejectReason.QTY_ABOVE_REMAINING
    [off] = eng.revise("b", TS, price=71_150)
    assert isinstance(off, Rejected) and off.reason is RejectReason.OFF_TICK
    [gone] = eng.revise("nope", TS, price=71_100)
    assert isinstance(gone, Rejected) and gone.reason is RejectReason.UNKNOWN_ORDER


def test_no_matching_in_auction_and_relist_guard(eng: MatchingEngine) -> None:
    eng.set_phase(Phase.CLOSING_AUCTION, TS)
    eng.submit("a", SYM, Side.SELL, 1, 70_000, ts=TS)
    events = eng.submit("b", SYM, Side.BUY, 1, 75_000, ts=TS)
    assert not [e for e in events if isinstance(e, Fill)]
    with pytest.raises(Exception, match="still resting"):
        eng.list_symbol(SYM, base_price=70_000)


def test_listing_day_picks_the_tick_table_of_its_era() -> None:
    e = MatchingEngine()
    e.list_symbol(SYM, base_price=72_000, on=date(2022, 6, 2))  # before 2023-01-25: 50,000+ tick 100
    e.list_symbol(Symbol("000660"), base_price=111_000, on=date(2022, 6, 2))  # 100,000+: tick 500
    assert e.limits(Symbol("000660")).upper == 144_000  # §8.3 example
    e.set_phase(Phase.CONTINUOUS, TS)
    [off] = e.submit("u", Symbol("000660"), Side.BUY, 1, 111_100, ts=TS)
    assert isinstance(off, Rejected) and off.reason is RejectReason.OFF_TICK
    assert isinstance(e.submit("u", Symbol("000660"), Side.BUY, 1, 111_500, ts=TS)[0], Accepted)


def test_relisting_on_another_day_takes_that_days_rules() -> None:
    e = MatchingEngine()
    other = Symbol("000660")
    e.list_symbol(other, base_price=111_000, on=date(2022, 6, 2))  # old table: 100,000+ tick 500
    e.list_symbol(other, base_price=111_000, on=date(2023, 6, 2))  # unified: 50,000-200,000 tick 100
    assert e.limits(other).upper == 144_300
    e.set_phase(Phase.CONTINUOUS, TS)
    assert isinstance(e.submit("u", other, Side.BUY, 1, 111_100, ts=TS)[0], Accepted)


def test_relisting_resets_the_day(eng: MatchingEngine) -> None:
    eng.submit("a", SYM, Side.SELL, 3, 72_000, ts=TS)
    eng.submit("b", SYM, Side.BUY, 3, 72_000, ts=TS)
    assert eng.stats(SYM).volume == 3
    eng.list_symbol(SYM, base_price=80_000)  # same instrument: a new base, fresh stats
    stats = eng.stats(SYM)
    assert (stats.base, stats.last, stats.volume, stats.trades) == (80_000, None, 0, 0)
    assert (eng.limits(SYM).lower, eng.limits(SYM).upper) == (56_000, 104_000)
    [off] = eng.submit("u", SYM, Side.BUY, 1, 104_100, ts=TS)
    assert isinstance(off, Rejected) and off.reason is RejectReason.OUTSIDE_LIMITS
    eng.list_symbol(SYM, base_price=80_000, name="Samsung")  # another name: a new instrument
    assert eng.instrument(SYM).name == "Samsung"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1_000, 900_000), st.none() | st.dates(date(2005, 1, 1), date(2030, 12, 31))),
        min_size=1,
        max_size=8,
    )
)
def test_a_relisted_symbol_takes_each_days_limits_and_ticks(plan: list[tuple[int, date | None]]) -> None:
    """The listing reused across days keeps its limits' rule period with its day: every relist
    gives the limits and tick grid ``price_limits`` / ``is_valid_tick`` give for that day."""
    e = MatchingEngine()
    for raw, on in plan:
        base = round_to_tick(raw, Rounding.UP, on=on)
        e.list_symbol(SYM, base_price=base, on=on)
        assert e.limits(SYM) == price_limits(base, on=on)
        assert e.listing(SYM).on == on
        step = tick_size(base, on=on)
        assert e.listing(SYM).on_grid(base) and e.listing(SYM).on_grid(base + step)
        assert e.listing(SYM).on_grid(base + 1) == is_valid_tick(base + 1, on=on)
