"""Call auction uncross: the KRX price rule and the allocation, with hand-computed examples."""

from __future__ import annotations

from datetime import datetime

from kistrade.domain.sessions import Phase
from kistrade.domain.types import KST, BookLevel, Side, Symbol
from kistrade.exchange.auction import uncross
from kistrade.exchange.engine import MatchingEngine
from kistrade.exchange.events import AuctionUncross, Cancelled, CancelReason, Fill

SYM = Symbol("000100")
T0 = datetime(2026, 3, 3, 8, 40, tzinfo=KST)
T_OPEN = datetime(2026, 3, 3, 9, 0, tzinfo=KST)


def _lv(*pairs: tuple[int, int]) -> list[BookLevel]:
    return [BookLevel(p, q) for p, q in pairs]


def test_price_maximises_volume() -> None:
    # demand/supply: 9,950 60/10 -> 10; 10,000 60/30 -> 30; 10,050 50/70 -> 50; 10,100 30/70 -> 30
    bids = _lv((10_100, 30), (10_050, 20), (10_000, 10))
    asks = _lv((9_950, 10), (10_000, 20), (10_050, 40))
    result = uncross(bids, asks, 0, 0, reference=10_000)
    assert result is not None
    assert (result.price, result.qty, result.demand, result.supply) == (10_050, 50, 50, 70)


def test_tie_on_volume_goes_to_smaller_imbalance() -> None:
    # 9,900: 15/10 imb 5; 10,000: 15/10 imb 5; 10,100: 10/10 imb 0 -> 10,100 even with reference 9,900
    result = uncross(_lv((10_100, 10), (10_000, 5)), _lv((9_900, 10)), 0, 0, reference=9_900)
    assert result is not None and (result.price, result.qty, result.imbalance) == (10_100, 10, 0)


def test_tie_on_imbalance_goes_closest_to_reference_then_lower() -> None:
    bids, asks = _lv((10_100, 10)), _lv((9_900, 10))  # both prices trade 10 with imbalance 0
    near_upper = uncross(bids, asks, 0, 0, reference=10_050)
    near_lower = uncross(bids, asks, 0, 0, reference=9_950)
    equidistant = uncross(bids, asks, 0, 0, reference=10_000)
    assert near_upper is not None and near_upper.price == 10_100
    assert near_lower is not None and near_lower.price == 9_900
    assert equidistant is not None and equidistant.price == 9_900


def test_no_cross_and_market_only() -> None:
    assert uncross(_lv((9_900, 10)), _lv((10_000, 10)), 0, 0, reference=10_000) is None
    only_market = uncross([], [], 10, 5, reference=10_000)
    assert only_market is not None and (only_market.price, only_market.qty) == (10_000, 5)


def _engine() -> MatchingEngine:
    eng = MatchingEngine()
    eng.list_symbol(SYM, base_price=10_000)
    eng.set_phase(Phase.PRE_OPEN_AUCTION, T0)
    return eng


def test_opening_auction_allocates_by_price_then_time() -> None:
    eng = _engine()
    for oid, side, price, qty in (
        ("b1", Side.BUY, 10_100, 30),
        ("b2", Side.BUY, 10_050, 20),
        ("b3", Side.BUY, 10_000, 10),
        ("s3", Side.SELL, 10_050, 40),
        ("s1", Side.SELL, 9_950, 10),
        ("s2", Side.SELL, 10_000, 20),
    ):
        events = eng.submit("market", SYM, side, qty, price, ts=T0, order_id=oid)
        assert not [e for e in events if isinstance(e, Fill)]  # collected, not matched
    expected = eng.expected_uncross(SYM)
    assert expected is not None and (expected.price, expected.qty) == (10_050, 50)
    events = eng.set_phase(Phase.CONTINUOUS, T_OPEN)
    fills = [(e.buy_id, e.sell_id, e.price, e.qty, e.aggressor) for e in events if isinstance(e, Fill)]
    assert fills == [
        ("b1", "s1", 10_050, 10, None),
        ("b1", "s2", 10_050, 20, None),
        ("b2", "s3", 10_050, 20, None),
    ]
    assert AuctionUncross(SYM, Phase.PRE_OPEN_AUCTION, 10_050, 50, T_OPEN) in events
    assert eng.depth(SYM).bids == (BookLevel(10_000, 10),)
    assert eng.depth(SYM).asks == (BookLevel(10_050, 20),)
    stats = eng.stats(SYM)
    assert (stats.open, stats.last, stats.volume, stats.value) == (10_050, 10_050, 50, 502_500)


def test_market_orders_have_priority_and_remainder_is_cancelled() -> None:
    eng = _engine()
    eng.submit("market", SYM, Side.BUY, 5, 13_000, ts=T0, order_id="limit-at-upper")
    eng.submit("market", SYM, Side.BUY, 15, None, ts=T0, order_id="mkt")
    eng.submit("market", SYM, Side.SELL, 10, 10_000, ts=T0, order_id="s1")
    eng.submit("market", SYM, Side.SELL, 10, 10_100, ts=T0, order_id="s2")
    # 10,000: demand 20 / supply 10; 10,100: 20/20 -> 20; 13,000: 20/20 but further from 10,000
    events = eng.set_phase(Phase.CONTINUOUS, T_OPEN)
    fills = [(e.buy_id, e.sell_id, e.price, e.qty) for e in events if isinstance(e, Fill)]
    assert fills == [("mkt", "s1", 10_100, 10), ("mkt", "s2", 10_100, 5), ("limit-at-upper", "s2", 10_100, 5)]


def test_unfilled_market_order_cancelled_after_uncross() -> None:
    eng = _engine()
    eng.submit("market", SYM, Side.BUY, 10, None, ts=T0, order_id="mb")
    eng.submit("market", SYM, Side.SELL, 4, None, ts=T0, order_id="ms")
    events = eng.set_phase(Phase.CONTINUOUS, T_OPEN)
    assert [(e.price, e.qty) for e in events if isinstance(e, Fill)] == [(10_000, 4)]
    assert Cancelled("mb", "market", SYM, Side.BUY, 6, 0, CancelReason.MARKET_REMAINDER, T_OPEN) in events
    assert eng.order("mb") is None


def test_closing_auction_sets_close_and_orders_expire() -> None:
    eng = _engine()
    eng.set_phase(Phase.CONTINUOUS, T_OPEN)
    eng.submit("market", SYM, Side.SELL, 3, 10_200, ts=T_OPEN, order_id="a")
    eng.submit("market", SYM, Side.BUY, 3, 10_200, ts=T_OPEN, order_id="b")  # trades 10,200
    eng.set_phase(Phase.CLOSING_AUCTION, T_OPEN)
    eng.submit("market", SYM, Side.SELL, 5, 10_300, ts=T_OPEN, order_id="c")
    eng.submit("market", SYM, Side.BUY, 2, 10_300, ts=T_OPEN, order_id="d")
    eng.submit("market", SYM, Side.BUY, 1, 9_000, ts=T_OPEN, order_id="e")
    assert eng.stats(SYM).close is None
    events = eng.set_phase(Phase.AFTER_HOURS, T_OPEN)
    assert [(e.price, e.qty) for e in events if isinstance(e, Fill)] == [(10_300, 2)]
    expired = {
        e.order_id: e.qty for e in events if isinstance(e, Cancelled) and e.reason is CancelReason.EXPIRED
    }
    assert expired == {"c": 3, "e": 1}
    stats = eng.stats(SYM)
    assert (stats.close, stats.high, stats.low, stats.volume) == (10_300, 10_300, 10_200, 5)
    assert len(eng.book(SYM)) == 0
