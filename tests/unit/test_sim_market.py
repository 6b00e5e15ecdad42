"""MarketHub with its synthetic crowd, driven by a hand-moved wall clock (no sockets, no sleeps)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest

from kistrade.domain.sessions import Phase
from kistrade.domain.ticks import is_valid_tick, tick_size
from kistrade.domain.types import KST, InstrumentKind, OrderType, Side, Symbol
from kistrade.kis.simulator.market import (
    BookUpdate,
    MarketEvent,
    MarketHub,
    NoticeKind,
    OrderNotice,
    TradePrint,
)
from kistrade.kis.simulator.sessionclock import SessionClock, WeekdayCalendar
from kistrade.kis.simulator.synthetic import CrowdParams, intensity_shape

DAY = date(2026, 11, 24)  # a Tuesday
WALL0 = 1_800_000_000.0
SAMSUNG, ETF, OTHER = Symbol("005930"), Symbol("069500"), Symbol("123450")
QUIET = CrowdParams(trades_per_sec=0.1)


class Rig:
    """A hub on a fake wall clock, recording every event."""

    def __init__(
        self,
        symbols: list[Symbol],
        seed: int = 1,
        start: str | None = None,
        params: CrowdParams | None = None,
    ) -> None:
        self.wall = WALL0
        self.clock = SessionClock.create(
            day=DAY, start=start, calendar=WeekdayCalendar(), wall=lambda: self.wall
        )
        self.hub = MarketHub(symbols, self.clock, seed=seed, crowd_params=params or QUIET)
        self.events: list[MarketEvent] = []
        self.hub.add_listener(self.events.append)

    def run(self, sim_seconds: float, step: float = 60.0) -> None:
        done = 0.0
        while done < sim_seconds:
            dt = min(step, sim_seconds - done)
            self.wall += dt
            done += dt
            self.hub.advance_to(self.clock.now())

    def prints(self, symbol: Symbol | None = None) -> list[TradePrint]:
        return [
            e for e in self.events if isinstance(e, TradePrint) and (symbol is None or e.symbol == symbol)
        ]

    def books(self, symbol: Symbol) -> list[BookUpdate]:
        return [e for e in self.events if isinstance(e, BookUpdate) and e.symbol == symbol]


def tape(prints: list[TradePrint]) -> list[tuple[str, datetime, int, int]]:
    return [(p.symbol, p.ts, p.price, p.qty) for p in prints]


def test_default_clock_opens_the_continuous_session_at_once() -> None:
    rig = Rig([SAMSUNG])
    assert rig.hub.phase() is Phase.CONTINUOUS
    info = rig.hub.clock_info()
    assert info["now"] == datetime(2026, 11, 24, 9, 0, tzinfo=KST).isoformat()
    assert (info["phase"], info["speed"], info["wall_origin"]) == ("continuous", 1.0, WALL0)
    snap = rig.hub.snapshot(SAMSUNG)
    assert (snap.base, snap.upper, snap.lower) == (72_000, 93_600, 50_400)
    assert snap.best_bid < snap.best_ask and all(lv.price for lv in (*snap.asks, *snap.bids))
    assert rig.hub.instruments[SAMSUNG].name == "삼성전자"


def test_same_seed_same_tape_whatever_the_step() -> None:
    a, b, c = Rig([SAMSUNG, ETF], seed=5), Rig([SAMSUNG, ETF], seed=5), Rig([SAMSUNG, ETF], seed=6)
    a.run(1200, step=60)
    b.run(1200, step=7)  # other chunking of the same sim time
    c.run(1200, step=60)
    assert len(a.prints()) > 50
    key = lambda p: (p.ts, p.symbol)  # noqa: E731 - symbols interleave differently per chunk
    assert tape(sorted(a.prints(), key=key)) == tape(sorted(b.prints(), key=key))
    assert tape(a.prints(SAMSUNG)) != tape(c.prints(SAMSUNG))


def test_prices_stay_on_the_tick_grid_inside_the_limits() -> None:
    rig = Rig([SAMSUNG, ETF, OTHER], seed=3, params=CrowdParams(trades_per_sec=0.3))
    rig.run(3600, step=30)
    for symbol in (SAMSUNG, ETF, OTHER):
        info = rig.hub.instruments[symbol]
        snap = rig.hub.snapshot(symbol)
        prints = rig.prints(symbol)
        assert prints, symbol
        for p in prints:
            assert is_valid_tick(p.price, info.kind) and snap.lower <= p.price <= snap.upper, p
        for book in rig.books(symbol):
            prices = [lv.price for lv in (*book.asks, *book.bids) if lv.price]
            assert all(is_valid_tick(x, info.kind) and snap.lower <= x <= snap.upper for x in prices)
            if book.asks[0].price and book.bids[0].price:
                assert book.bids[0].price < book.asks[0].price


def test_book_has_ten_levels_growing_away_and_a_tight_spread() -> None:
    rig = Rig([SAMSUNG], seed=2, params=CrowdParams(trades_per_sec=0.4))
    rig.run(3600, step=10)
    books = rig.books(SAMSUNG)
    full = [b for b in books if all(lv.price for lv in (*b.asks, *b.bids))]
    assert len(full) > 0.9 * len(books)
    tight = 0
    for b in books:
        ask, bid = b.asks[0].price, b.bids[0].price
        if ask and bid and (ask - bid) <= 2 * tick_size(bid):
            tight += 1
    assert tight > 0.85 * len(books)
    near = sum(b.asks[0].qty + b.bids[0].qty for b in full)
    far = sum(b.asks[9].qty + b.bids[9].qty for b in full)
    assert far > near  # depth grows away from the touch


def test_minute_bars_are_the_prints_cut_by_minute() -> None:
    rig = Rig([SAMSUNG], seed=4, params=CrowdParams(trades_per_sec=0.3))
    rig.run(1200, step=45)
    by_minute: dict[datetime, list[TradePrint]] = defaultdict(list)
    for p in rig.prints(SAMSUNG):
        by_minute[p.ts.replace(second=0, microsecond=0)].append(p)
    bars = rig.hub.minute_bars(SAMSUNG)
    assert [b.start for b in bars] == sorted(by_minute)
    cum = 0
    for bar in bars:
        ps = by_minute[bar.start]
        assert bar.start.second == 0 and bar.start.strftime("%H%M%S").endswith("00")
        assert (bar.open, bar.close) == (ps[0].price, ps[-1].price)
        assert (bar.high, bar.low) == (max(p.price for p in ps), min(p.price for p in ps))
        assert bar.volume == sum(p.qty for p in ps)
        cum += bar.volume
        assert bar.cum_volume == cum
    until = bars[len(bars) // 2].start
    assert rig.hub.minute_bars(SAMSUNG, until)[-1].start == until


def test_intensity_is_u_shaped() -> None:
    at = lambda h, m: datetime(2026, 11, 24, h, m, tzinfo=KST)  # noqa: E731
    assert intensity_shape(at(9, 1)) > 2 * intensity_shape(at(12, 0))
    assert intensity_shape(at(15, 18)) > 2 * intensity_shape(at(12, 0))
    rig = Rig([ETF], seed=9, params=CrowdParams(trades_per_sec=0.25))
    rig.run(6 * 3600 + 20 * 60, step=300)

    def count(h0: int, m0: int, minutes: int) -> int:
        lo = at(h0, m0)
        hi = lo + timedelta(minutes=minutes)
        return sum(1 for p in rig.prints() if lo <= p.ts < hi and p.aggressor is not None)

    opening, midday, closing = count(9, 0, 20), count(12, 0, 20), count(15, 0, 20)
    assert opening > 1.5 * midday and closing > 1.5 * midday, (opening, midday, closing)


def test_auctions_uncross_at_the_open_and_the_close_and_the_day_rolls() -> None:
    rig = Rig([SAMSUNG], seed=11, start="08:30")
    assert rig.hub.phase() is Phase.PRE_OPEN_AUCTION
    rig.run(30 * 60 + 1)
    opening = [p for p in rig.prints() if p.aggressor is None]
    assert opening and {p.ts for p in opening} == {datetime(2026, 11, 24, 9, 0, tzinfo=KST)}
    assert len({p.price for p in opening}) == 1
    assert {p.phase for p in opening} == {Phase.PRE_OPEN_AUCTION}
    assert rig.hub.snapshot(SAMSUNG).open == opening[0].price
    rig.run(6.5 * 3600, step=300)  # to 15:30:01
    assert rig.hub.phase() is Phase.AFTER_HOURS
    close_ts = datetime(2026, 11, 24, 15, 30, tzinfo=KST)
    closing = [p for p in rig.prints() if p.aggressor is None and p.ts == close_ts]
    assert closing, "the closing auction printed"
    assert {p.phase for p in closing} == {Phase.CLOSING_AUCTION}
    close = closing[-1].price
    today = rig.hub.daily_bars(SAMSUNG, DAY, DAY)
    assert today[-1].close == close
    rig.run(18 * 3600, step=900)  # to the next morning 09:30
    assert rig.hub.trading_date() == date(2026, 11, 25)
    assert rig.hub.instruments[SAMSUNG].base_price == close
    assert rig.hub.snapshot(SAMSUNG).upper == 93_600 if close == 72_000 else True
    history = rig.hub.daily_bars(SAMSUNG, date(2026, 1, 1), date(2026, 11, 24))
    assert history[-1].close == close and len(history) >= 200


def test_orders_fill_against_the_crowd_with_notices() -> None:
    rig = Rig([SAMSUNG])
    rig.hub.open_account("12345678-01", "hts1", 10_000_000)
    snap = rig.hub.snapshot(SAMSUNG)
    buy = rig.hub.submit_order("1234567801", SAMSUNG, Side.BUY, OrderType.LIMIT, 5, snap.best_ask)
    assert buy.accepted and buy.odno == "0000000001" and buy.ord_time == "090000"
    notices = [e for e in rig.events if isinstance(e, OrderNotice)]
    assert [n.kind for n in notices] == [NoticeKind.ACCEPTED, NoticeKind.FILL]
    assert notices[1].fill_price == snap.best_ask and notices[1].fill_qty == 5
    assert rig.hub.ledger("1234567801").holding(SAMSUNG).qty == 5  # type: ignore[union-attr]
    off = rig.hub.submit_order("1234567801", SAMSUNG, Side.BUY, OrderType.LIMIT, 1, snap.best_bid + 1)
    assert not off.accepted and off.reason is not None and off.reason.value == "off_tick"
    too_much = rig.hub.submit_order("1234567801", SAMSUNG, Side.SELL, OrderType.LIMIT, 6, snap.best_ask)
    assert not too_much.accepted and too_much.reason is not None
    with pytest.raises(KeyError, match="99999999"):
        rig.hub.submit_order("9999999901", SAMSUNG, Side.BUY, OrderType.LIMIT, 1, snap.best_bid)


def test_push_path_prints_each_price_and_burst_returns_prints() -> None:
    rig = Rig([SAMSUNG], seed=12)
    rig.run(60)
    path = [72_500, 73_000, 72_200]
    rig.hub.push_path(SAMSUNG, path, seconds=90)
    start = len(rig.prints())
    rig.run(120, step=5)
    printed = [p.price for p in rig.prints()[start:]]
    for price in path:
        assert price in printed
    before = len(rig.prints())
    made = rig.hub.burst(SAMSUNG, 10)
    assert made == len(rig.prints()) - before and made >= 10
    assert len({p.ts for p in rig.prints()[before:]}) == 1


def test_unknown_codes_get_plausible_instruments() -> None:
    rig = Rig([SAMSUNG])
    info = rig.hub.ensure_symbol(Symbol("247540"))
    again = Rig([SAMSUNG]).hub.ensure_symbol(Symbol("247540"))
    assert info == again and info.name and info.kind is InstrumentKind.STOCK
    assert is_valid_tick(info.base_price) and rig.hub.snapshot(Symbol("247540")).best_ask > 0
    with pytest.raises(KeyError, match="111111"):
        rig.hub.snapshot(Symbol("111111"))


def test_order_flow_imbalance_moves_the_price() -> None:
    rig = Rig([SAMSUNG], seed=21, params=CrowdParams(trades_per_sec=0.3))
    rig.run(3600, step=60)
    flow: dict[datetime, int] = defaultdict(int)
    for p in rig.prints(SAMSUNG):
        if p.aggressor is not None:
            flow[p.ts.replace(second=0, microsecond=0)] += p.qty * p.aggressor.sign
    bars = rig.hub.minute_bars(SAMSUNG)
    pairs = [(flow[b.start], b.close - prev.close) for prev, b in itertools.pairwise(bars)]
    n = len(pairs)
    mx, my = sum(x for x, _ in pairs) / n, sum(y for _, y in pairs) / n
    cov = sum((x - mx) * (y - my) for x, y in pairs)
    var_x, var_y = sum((x - mx) ** 2 for x, _ in pairs), sum((y - my) ** 2 for _, y in pairs)
    corr = cov / (var_x * var_y) ** 0.5
    assert corr > 0.2  # net buying lifts the price, net selling drops it
