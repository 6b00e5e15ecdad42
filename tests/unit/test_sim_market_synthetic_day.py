"""A whole synthetic trading day (08:30-15:30) on the MarketHub, without sockets: the 1-minute
bars must look like a KRX large cap's (RSI(14) reaches below 30 and above 70 a few times, the
volume is U-shaped), on the tick grid, inside the daily limits, with a tight book."""

from __future__ import annotations

import random
import statistics
from datetime import date, datetime

import numpy as np
import pytest

from kistrade.domain.sessions import Phase
from kistrade.domain.ticks import is_valid_tick, tick_size
from kistrade.domain.types import Symbol
from kistrade.indicators.batch import rsi
from kistrade.kis.simulator.market import MarketBar, MarketEvent, MarketHub, TradePrint
from kistrade.kis.simulator.sessionclock import SessionClock, WeekdayCalendar
from kistrade.kis.simulator.synthetic_mood import DayMood

DAY = date(2026, 11, 24)  # a Tuesday
SAMSUNG, HYUNDAI = Symbol("005930"), Symbol("005380")  # a 0.14% and a 0.24% tick
DAY_SECONDS = 7 * 3600 + 1  # 08:30 to 15:30:01 (after the closing uncross)


class Day:
    """One seeded synthetic day of ``symbols``: every print and the spread of every book."""

    def __init__(self, symbols: list[Symbol], seed: int) -> None:
        self.wall = 1_800_000_000.0
        clock = SessionClock.create(
            day=DAY, start="08:30", calendar=WeekdayCalendar(), wall=lambda: self.wall
        )
        self.hub = MarketHub(symbols, clock, seed=seed)
        self.prints: dict[Symbol, list[TradePrint]] = {s: [] for s in symbols}
        self.spreads: dict[Symbol, list[int]] = {s: [] for s in symbols}  # ticks, after each trade
        self.hub.add_listener(self._record)
        done = 0
        while done < DAY_SECONDS:
            step = min(120, DAY_SECONDS - done)
            self.wall += step
            done += step
            self.hub.advance_to(clock.now())
        assert self.hub.phase() is Phase.AFTER_HOURS

    def _record(self, event: MarketEvent) -> None:
        if isinstance(event, TradePrint):
            self.prints[event.symbol].append(event)
            ask, bid = event.best_ask, event.best_bid
            if event.phase is Phase.CONTINUOUS and ask and bid:
                self.spreads[event.symbol].append((ask - bid) // tick_size(bid))


def episodes(values: np.ndarray, below: float, above: float, reset: float = 5.0) -> tuple[int, int]:
    """Runs of RSI under ``below`` / over ``above``; a run ends once RSI is ``reset`` points back."""
    lows = highs = 0
    state = 0
    for v in values[~np.isnan(values)]:
        if v < below and state != -1:
            lows, state = lows + 1, -1
        elif v > above and state != 1:
            highs, state = highs + 1, 1
        elif (state == -1 and v >= below + reset) or (state == 1 and v <= above - reset):
            state = 0
    return lows, highs


def per_minute_volume(bars: list[MarketBar], start: tuple[int, int], end: tuple[int, int]) -> float:
    lo, hi = start[0] * 60 + start[1], end[0] * 60 + end[1]
    picked = [b.volume for b in bars if lo <= b.start.hour * 60 + b.start.minute < hi]
    return sum(picked) / (hi - lo)


@pytest.fixture(scope="module", params=[7, 1], ids=lambda s: f"seed{s}")
def day(request: pytest.FixtureRequest) -> Day:
    return Day([SAMSUNG, HYUNDAI], seed=request.param)


@pytest.mark.parametrize("symbol", [SAMSUNG, HYUNDAI])
def test_minute_rsi14_reaches_oversold_and_overbought_a_few_times(day: Day, symbol: Symbol) -> None:
    bars = day.hub.minute_bars(symbol)
    assert len(bars) >= 370  # 09:00-15:20 continuous minutes plus the auctions
    values = rsi(np.array([b.close for b in bars], dtype=float), 14)
    lows, highs = episodes(values, 30.0, 70.0)
    assert 2 <= lows <= 10 and 2 <= highs <= 10, (lows, highs)
    finite = values[~np.isnan(values)]
    assert 0.01 < float(np.mean(finite < 30)) < 0.3 and 0.01 < float(np.mean(finite > 70)) < 0.3


@pytest.mark.parametrize("symbol", [SAMSUNG, HYUNDAI])
def test_prints_are_on_the_tick_grid_inside_the_limits_and_the_range_is_sane(
    day: Day, symbol: Symbol
) -> None:
    snap = day.hub.snapshot(symbol)
    kind = day.hub.instruments[symbol].kind
    prints = day.prints[symbol]
    assert len(prints) > 5_000
    for p in prints:
        assert is_valid_tick(p.price, kind) and snap.lower <= p.price <= snap.upper, p
    # a trending day, but a large cap's: well inside the ±30% limits
    assert snap.base * 0.9 < snap.low <= snap.high < snap.base * 1.1, (snap.low, snap.high, snap.base)


@pytest.mark.parametrize("symbol", [SAMSUNG, HYUNDAI])
def test_the_book_keeps_a_spread_of_a_few_ticks(day: Day, symbol: Symbol) -> None:
    spreads = day.spreads[symbol]
    assert len(spreads) > 5_000
    assert min(spreads) >= 1
    assert sum(1 for s in spreads if s <= 2) > 0.95 * len(spreads)
    assert statistics.median(spreads) == 1 and max(spreads) <= 8


@pytest.mark.parametrize("symbol", [SAMSUNG, HYUNDAI])
def test_volume_is_u_shaped(day: Day, symbol: Symbol) -> None:
    bars = day.hub.minute_bars(symbol)
    opening = per_minute_volume(bars, (9, 1), (9, 31))  # 09:00 holds the opening auction
    lunch = per_minute_volume(bars, (11, 30), (13, 0))
    closing = per_minute_volume(bars, (14, 50), (15, 20))
    assert opening > 2 * lunch and closing > 1.5 * lunch, (opening, lunch, closing)


def test_the_day_script_is_seeded_and_has_trends_both_ways() -> None:
    def script(seed: str) -> DayMood:
        return DayMood(random.Random(seed), trend_minutes=13.0, bursts_per_day=2.0)

    a, b = script("mood:7:005930:2026-11-24"), script("mood:7:005930:2026-11-24")
    assert (a.trend, a.activity, a.vol) == (b.trend, b.activity, b.vol)
    assert a.trend != script("mood:8:005930:2026-11-24").trend
    for seed in range(30):
        mood = script(f"mood:{seed}")
        assert len(mood.trend) == 390 and min(mood.vol) > 0 and min(mood.activity) >= 1.0
        assert max(mood.trend) >= 0.9 and min(mood.trend) <= -0.9
        assert mood.minute(-600.0) == 0 and mood.minute(10**6) == 389
        assert mood.minute(61.0) == 1


def test_times_are_minute_labels_of_the_day(day: Day) -> None:
    bars = day.hub.minute_bars(SAMSUNG)
    assert bars[0].start == datetime(2026, 11, 24, 9, 0, tzinfo=bars[0].start.tzinfo)
    assert all(b.start.second == 0 for b in bars) and bars[-1].start.hour == 15
