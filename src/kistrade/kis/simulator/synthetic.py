"""The synthetic crowd: seeded order flow per symbol, sent through the exchange engine.

Per symbol a ``Crowd`` keeps a latent reference price and acts at the event times of a Poisson
process whose intensity follows an intraday U shape (busy at the open and the close) times the
day's activity script. Free-running, the reference follows the day's mood (``synthetic_mood``:
trend regimes of random length and sign, news bursts, clustered volatility), is pulled weakly
back to the day's base price and pushed by the crowd's own order-flow imbalance; with a
replay/pushed path it follows the path instead. At each event the crowd either sends an
aggressive order (a marketable limit whose remainder is cancelled at once; its side leans
towards the reference and a persistent flow state that the regime pulls, so a trend is a run
of mostly same-side orders walking through the book) or maintains the book: 10 levels a side
with lognormal quantities growing away from the touch and tilted towards the flow (more bids
while buyers lead), quotes inside a wide spread (the spread reverts to 1-2 ticks), stale quotes
cancelled. In call auctions it adds crossing orders around the reference so the uncross prints
near it. Nothing is written to the tape directly.

Deterministic: the same seed, symbol, day and sequence of calls give the same orders; event
times are drawn by thinning against a per-minute bound, so they do not depend on how the
caller chunks sim time.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Protocol

from kistrade.domain.limits import PriceLimits
from kistrade.domain.sessions import Phase
from kistrade.domain.ticks import Rounding, add_ticks, round_to_tick, tick_size
from kistrade.domain.types import KST, InstrumentKind, Side, Symbol
from kistrade.exchange.book import OrderBook
from kistrade.exchange.events import AUCTION_PHASES, ORDER_PHASES
from kistrade.kis.simulator.synthetic_mood import DayMood

CONTINUOUS_START = time(9, 0)
CONTINUOUS_SECONDS = 6 * 3600 + 20 * 60  # 09:00-15:20
_U_A, _U_OPEN, _U_CLOSE, _U_TAU = 0.6, 2.6, 2.0, 0.05
_U_MEAN = _U_A + (_U_OPEN + _U_CLOSE) * _U_TAU  # mean of the unnormalised U over [0, 1]
U_MAX = (_U_A + _U_OPEN + _U_CLOSE * math.exp(-1 / _U_TAU)) / _U_MEAN
AUCTION_SHAPE = 0.25 * U_MAX  # the crowd's activity in call auctions (same units)


def logistic(x: float) -> float:
    """1 / (1 + e^-x), safe for any x."""
    return 1.0 / (1.0 + math.exp(-min(60.0, max(-60.0, x))))


def shape_at(seconds: float) -> float:
    """``intensity_shape`` of a time given as seconds from 09:00."""
    x = min(1.0, max(0.0, seconds / CONTINUOUS_SECONDS))
    return (_U_A + _U_OPEN * math.exp(-x / _U_TAU) + _U_CLOSE * math.exp(-(1.0 - x) / _U_TAU)) / _U_MEAN


def intensity_shape(when: datetime) -> float:
    """Intraday activity multiplier (mean 1 over 09:00-15:20): high at the open and the close."""
    local = when.astimezone(KST)
    start = datetime.combine(local.date(), CONTINUOUS_START, KST)
    return shape_at((local - start).total_seconds())


@dataclass(frozen=True, slots=True)
class CrowdParams:
    trades_per_sec: float = 0.5  # mean aggressive orders per second per symbol (continuous)
    book_events_per_trade: float = 3.0  # book maintenance events per aggressive order
    trade_value: int = 12_000_000  # median aggressive order value, won
    level_value: int = 180_000_000  # median value of one resting crowd order at the touch, won
    depth_growth: float = 0.3  # quantity growth per level away from the touch
    daily_vol: float = 0.01  # relative volatility of the reference's noise over a session
    impact: float = 0.02  # reference move (in ticks) per aggressive order, signed
    flow_persistence: float = 0.97  # AR(1) coefficient of the order-flow state per event
    levels: int = 10
    trend_minutes: float = 13.0  # mean length of a trend regime (synthetic_mood)
    trend_ticks: float = 0.25  # reference drift in ticks per minute at trend strength 1 (mid-day pace)
    bursts_per_day: float = 2.0  # mean number of news bursts per symbol and day
    flow_gain: float = 0.5  # the flow state's target per unit of trend strength
    book_lean: float = 0.5  # log tilt of the book's depth towards the flow, per unit tanh(flow)
    trade_memory: float = 0.004  # share of the gap to the last trade the reference closes per event
    reversion_hours: float = 0.75  # time scale of the reference's pull back to the base price

    def scaled(self, factor: float) -> CrowdParams:
        """Trade sizes scaled by ``factor`` (replay: match the day's volume)."""
        return replace(
            self,
            trade_value=max(1, int(self.trade_value * factor)),
            level_value=max(1, int(self.level_value * factor)),
        )


class CrowdVenue(Protocol):
    """What the crowd may do: the engine's order entry for the crowd's owner, and read the book."""

    @property
    def phase(self) -> Phase: ...

    def book(self, symbol: Symbol) -> OrderBook: ...

    def limits(self, symbol: Symbol) -> PriceLimits: ...

    def last_price(self, symbol: Symbol) -> int | None: ...

    def crowd_submit(self, symbol: Symbol, side: Side, qty: int, price: int, ts: datetime) -> str | None:
        """Enter a crowd limit order; returns its id while it rests, else None."""
        ...

    def crowd_cancel(self, order_id: str, ts: datetime) -> None: ...

    def resting(self, order_id: str) -> bool: ...


Anchor = Callable[[datetime], int]


class Crowd:
    """One symbol's synthetic participants for one trading day."""

    def __init__(
        self,
        symbol: Symbol,
        kind: InstrumentKind,
        ref_price: int,
        seed: int | str,
        *,
        day: date,
        params: CrowdParams | None = None,
    ) -> None:
        self.symbol = symbol
        self.kind = kind
        self.params = p = params or CrowdParams()
        self.rng = random.Random(f"crowd:{seed}:{symbol}:{day.isoformat()}")
        self.mood = DayMood(
            random.Random(f"mood:{seed}:{symbol}:{day.isoformat()}"),
            trend_minutes=p.trend_minutes,
            bursts_per_day=p.bursts_per_day,
        )
        self.ref = float(ref_price)
        self.flow = 0.0
        self.anchor: Anchor | None = None
        self.bounds: tuple[int, int] | None = None  # replay: prices the crowd may trade at
        self._base_log = math.log(max(1, ref_price))
        self._t0 = datetime.combine(day, CONTINUOUS_START, KST)
        rate = p.trades_per_sec * (1.0 + p.book_events_per_trade)  # events/s at shape 1
        self._rate = rate
        self._auction_rate = rate * AUCTION_SHAPE
        # thinning bound per continuous minute: the U shape is convex, so its max is at an end
        self._bound = [
            rate * max(shape_at(60.0 * m), shape_at(60.0 * m + 60.0)) * self.mood.activity[m]
            for m in range(CONTINUOUS_SECONDS // 60)
        ]
        self._p_trade = 1.0 / (1.0 + p.book_events_per_trade)
        self._sigma = p.daily_vol / math.sqrt(CONTINUOUS_SECONDS)
        self._trend_rate = p.trend_ticks / 60.0
        self._revert_rate = 1.0 / (3600.0 * p.reversion_hours)
        self._flow_gain = p.flow_gain
        self._vol = 1.0  # the mood's volatility multiplier now
        self._lean = 0.0  # the book's log depth tilt now (bids +, asks -)
        self.next_at: datetime | None = None
        self._next_s = 0.0  # next_at as seconds from 09:00
        self._last_s = 0.0  # the last reference update, seconds from 09:00
        self._mine: dict[tuple[Side, int], list[str]] = {}  # the crowd's resting orders

    # --- timing --------------------------------------------------------------------------
    def schedule_from(self, when: datetime) -> None:
        """(Re)start the event process at ``when`` (phase start); the first event follows it."""
        self._next_s = self._last_s = (when - self._t0).total_seconds()
        self._advance_clock()

    def _advance_clock(self) -> None:
        """Draw the next candidate time: exponential gaps at the bound of the current segment
        (a continuous minute, or the auctions before 09:00 and after 15:20); a gap that leaves
        the segment restarts at its end (memoryless, so exact)."""
        s = self._next_s
        while True:
            if s < 0.0:
                end, rate = 0.0, self._auction_rate
            elif s >= CONTINUOUS_SECONDS:
                end, rate = math.inf, self._auction_rate
            else:
                m = int(s // 60.0)
                end, rate = 60.0 * (m + 1), self._bound[m]
            nxt = s + self.rng.expovariate(rate)
            if nxt < end:
                break
            s = end
        self._next_s = nxt
        self.next_at = self._t0 + timedelta(seconds=nxt)

    # --- helpers -------------------------------------------------------------------------
    def tick(self, price: int) -> int:
        return tick_size(max(1, price), self.kind)

    def snap(self, price: float, direction: Rounding = Rounding.NEAREST) -> int:
        return round_to_tick(max(1, round(price)), direction, self.kind)

    def _clamp(self, price: int, venue: CrowdVenue) -> int:
        lim = venue.limits(self.symbol)
        lo, hi = lim.lower, lim.upper
        if self.bounds is not None:
            lo, hi = max(lo, self.bounds[0]), min(hi, self.bounds[1])
        return min(hi, max(lo, price))

    def _qty(self, value: float, sigma: float, price: int) -> int:
        return max(1, int(self.rng.lognormvariate(math.log(max(1.0, value / price)), sigma)))

    def _move(self, price: int, n: int) -> int:
        try:
            return add_ticks(price, n, self.kind)
        except ValueError:
            return price

    def _mid(self, book: OrderBook) -> float:
        bid, ask = book.best_bid(), book.best_ask()
        if bid is not None and ask is not None:
            return (bid + ask) / 2
        if bid is not None:
            return float(bid)
        if ask is not None:
            return float(ask)
        return self.ref

    def _update_ref(self, when: datetime, seconds: float, venue: CrowdVenue) -> None:
        """Move the reference and the flow state to ``when`` (``seconds`` from 09:00)."""
        dt = max(0.0, seconds - self._last_s)
        self._last_s = seconds
        mood = self.mood
        m = mood.minute(seconds)
        if self.anchor is not None:
            trend = 0.0
            self._vol = 1.0
            target = float(self.anchor(when))
            self.ref += 0.3 * (target - self.ref) + self.rng.gauss(0.0, 0.3) * self.tick(int(target))
        else:
            trend = mood.trend[m]
            self._vol = vol = mood.vol[m]
            shape = shape_at(seconds) if 0.0 <= seconds < CONTINUOUS_SECONDS else AUCTION_SHAPE
            pace = math.sqrt(shape) * mood.activity[m]  # trends run faster when the crowd is busy
            step = max(self.tick(int(self.ref)) / self.ref, 0.001)  # trends count ticks (>= 0.1%)
            pull = (math.log(self.ref) - self._base_log) * self._revert_rate
            drift = trend * self._trend_rate * pace * step - pull
            shock = self._sigma * vol * math.sqrt(dt * shape) * self.rng.gauss(0.0, 1.0)
            self.ref *= math.exp(drift * dt + shock)
            last = venue.last_price(self.symbol)
            if last is not None:  # trades (the users' too) leave a lasting mark
                self.ref += self.params.trade_memory * (last - self.ref)
        lim = venue.limits(self.symbol)
        self.ref = min(float(lim.upper), max(float(lim.lower), self.ref))
        phi = self.params.flow_persistence
        self.flow = phi * self.flow + (1.0 - phi) * self._flow_gain * trend + self.rng.gauss(0.0, 0.1)
        self._lean = self.params.book_lean * math.tanh(self.flow)

    # --- events --------------------------------------------------------------------------
    def run_due(self, until: datetime, venue: CrowdVenue) -> None:
        """Process every event with time <= ``until`` (candidates are thinned to the U shape
        times the mood's activity; the auctions run at a flat rate)."""
        while self.next_at is not None and self.next_at <= until:
            at, s = self.next_at, self._next_s
            self._advance_clock()
            if 0.0 <= s < CONTINUOUS_SECONDS:
                m = int(s // 60.0)
                if self.rng.random() * self._bound[m] >= self._rate * shape_at(s) * self.mood.activity[m]:
                    continue
            self.act(at, venue, s)

    def act(self, at: datetime, venue: CrowdVenue, seconds: float | None = None) -> None:
        """One crowd event at ``at`` (``seconds``: the same time as seconds from 09:00)."""
        phase = venue.phase
        if phase not in ORDER_PHASES:
            return
        self._update_ref(at, (at - self._t0).total_seconds() if seconds is None else seconds, venue)
        if phase in AUCTION_PHASES:
            self._auction_event(at, venue)
        elif self.rng.random() < self._p_trade:
            self.aggress(at, venue)
        else:
            self._maintain(at, venue)

    def aggress(self, at: datetime, venue: CrowdVenue, side: Side | None = None, scale: float = 1.0) -> None:
        """Send one marketable order (IOC: the unfilled rest is cancelled at once)."""
        book = venue.book(self.symbol)
        mid = self._mid(book)
        gap = (self.ref - mid) / self.tick(int(mid))
        if side is None:
            p_buy = logistic(0.9 * gap + 0.8 * self.flow)
            side = Side.BUY if self.rng.random() < p_buy else Side.SELL
        best = book.best_ask() if side is Side.BUY else book.best_bid()
        if best is None:
            self._seed_side(side.opposite, at, venue)
            return
        large = self.rng.random() < 0.05 * self._vol
        qty = self._qty(self.params.trade_value * scale * (6.0 if large else 1.0), 0.9, best)
        cap = self._clamp(self._move(best, (3 if large else 1) * side.sign), venue)
        if (side is Side.BUY and cap < best) or (side is Side.SELL and cap > best):
            return  # the book sits outside the replay bounds
        self._ioc(side, qty, cap, at, venue)
        step = self.params.impact * self.tick(best) * side.sign * (2.0 if large else 1.0)
        self.ref = self.ref + step

    def _ioc(self, side: Side, qty: int, price: int, at: datetime, venue: CrowdVenue) -> None:
        oid = venue.crowd_submit(self.symbol, side, qty, price, at)
        if oid is not None:
            venue.crowd_cancel(oid, at)

    def sweep(self, target: int, at: datetime, venue: CrowdVenue) -> None:
        """Make the tape print exactly ``target`` now (replay/pushed knots): walk the book to it."""
        book = venue.book(self.symbol)
        price = self._clamp(target, venue)
        mid = self._mid(book)
        side = Side.BUY if price >= mid else Side.SELL
        own = book.levels(side.opposite)
        if side is Side.BUY:
            through = sum(lv.qty for lv in own if lv.price <= price)
            present = any(lv.price == price for lv in own)
        else:
            through = sum(lv.qty for lv in own if lv.price >= price)
            present = any(lv.price == price for lv in own)
        if not present:
            small = self._qty(self.params.trade_value * 0.3, 0.3, price)
            if venue.crowd_submit(self.symbol, side.opposite, small, price, at) is None:
                return  # it traded on entry (crossed book): the price printed already
            through += small
        self._ioc(side, through, price, at, venue)
        self.ref = float(price)

    def cross(self, price: int, at: datetime, venue: CrowdVenue) -> None:
        """A matched buy and sell at ``price`` (call auctions: pins the uncross to a target)."""
        price = self._clamp(price, venue)
        qty = self._qty(self.params.trade_value * 3.0, 0.3, price)
        self._place(Side.BUY, qty, price, at, venue)
        self._place(Side.SELL, qty, price, at, venue)

    def _remember(self, side: Side, price: int, oid: str | None) -> None:
        if oid is not None:
            self._mine.setdefault((side, price), []).append(oid)

    def _place(self, side: Side, qty: int, price: int, at: datetime, venue: CrowdVenue) -> None:
        self._remember(side, price, venue.crowd_submit(self.symbol, side, qty, price, at))

    def _cancel_at(self, side: Side, price: int, at: datetime, venue: CrowdVenue) -> bool:
        """Cancel the newest crowd order still resting at ``price``."""
        ids = self._mine.get((side, price))
        while ids:
            oid = ids.pop()
            if venue.resting(oid):
                venue.crowd_cancel(oid, at)
                return True
        self._mine.pop((side, price), None)
        return False

    def _target_qty(self, level: int, price: int, side: Side) -> float:
        value = self.params.level_value * (1.0 + self.params.depth_growth * level)
        return value / price * self.rng.lognormvariate(self._lean * side.sign, 0.35)

    def _maintain(self, at: datetime, venue: CrowdVenue) -> None:
        """Pull one level of one side towards its target depth; close a wide spread first."""
        book = venue.book(self.symbol)
        side = Side.BUY if self.rng.random() < 0.5 else Side.SELL
        own, other = book.best(side), book.best(side.opposite)
        if own is None:
            self._seed_side(side, at, venue)
            return
        mid = self._mid(book)
        lean = (self.ref - mid) / self.tick(int(mid))
        if other is not None and abs(other - own) > self.tick(min(own, other)):
            # wide spread: the side the reference leans to steps in (spread reverts to 1-2 ticks)
            wide = abs(other - own) > 2 * self.tick(min(own, other))
            p_bid = logistic(1.5 * lean)
            step = Side.BUY if self.rng.random() < p_bid else Side.SELL
            if wide or self.rng.random() < 0.4:
                best = book.best(step)
                if best is not None:
                    price = self._clamp(self._move(best, step.sign), venue)
                    self._place(step, max(1, int(self._target_qty(0, price, step))), price, at, venue)
                    return
        # quotes the reference ran through fade (the touch follows the reference)
        t = self.tick(own)
        through = (side is Side.BUY and own > self.ref + 2 * t) or (
            side is Side.SELL and own < self.ref - 2 * t
        )
        if through and self._cancel_at(side, own, at, venue):
            return
        depth = book.levels(side, self.params.levels + 3)
        if len(depth) < self.params.levels and self.rng.random() < 0.7:  # refill the deep levels
            price = self._clamp(self._move(depth[-1].price, -side.sign), venue)
            if price != depth[-1].price:
                self._place(side, max(1, int(self._target_qty(len(depth), price, side))), price, at, venue)
                return
        if len(depth) > self.params.levels + 2:
            self._cancel_at(side, depth[-1].price, at, venue)
            return
        level = self.rng.randrange(self.params.levels)
        price = self._clamp(self._move(own, -side.sign * level), venue)
        have = next((lv.qty for lv in depth if lv.price == price), 0)
        target = self._target_qty(level, price, side)
        if have < 0.7 * target:
            self._place(side, max(1, int(target - have)), price, at, venue)
        elif have > 1.6 * target:
            self._cancel_at(side, price, at, venue)

    def _seed_side(self, side: Side, at: datetime, venue: CrowdVenue) -> None:
        """Rebuild an empty side: 10 levels from one tick off the reference."""
        book = venue.book(self.symbol)
        other = book.best(side.opposite)
        ref = self.snap(self.ref, Rounding.DOWN if side is Side.BUY else Rounding.UP)
        if other is not None:
            ref = min(ref, self._move(other, -1)) if side is Side.BUY else max(ref, self._move(other, 1))
        price = self._clamp(ref, venue)
        for level in range(self.params.levels):
            self._place(side, max(1, int(self._target_qty(level, price, side))), price, at, venue)
            nxt = self._clamp(self._move(price, -side.sign), venue)
            if nxt == price:
                break
            price = nxt

    def seed_book(self, at: datetime, venue: CrowdVenue) -> None:
        """The opening book: bid one tick under the reference, ask one tick above (1-tick spread)."""
        self._seed_side(Side.BUY, at, venue)
        self._seed_side(Side.SELL, at, venue)

    def _auction_event(self, at: datetime, venue: CrowdVenue) -> None:
        """Call auction: resting depth plus crossing orders at the reference."""
        target = self.anchor(at) if self.anchor is not None else self.ref
        price = self._clamp(self.snap(target), venue)
        if self.rng.random() < 0.5:
            qty = self._qty(self.params.trade_value, 0.7, price)
            self._place(Side.BUY, qty, price, at, venue)
            self._place(Side.SELL, qty, price, at, venue)
            return
        side = Side.BUY if self.rng.random() < 0.5 else Side.SELL
        level = 1 + min(self.params.levels - 1, int(self.rng.expovariate(0.4)))
        p = self._clamp(self._move(price, -side.sign * level), venue)
        self._place(side, max(1, int(self._target_qty(level, p, side))), p, at, venue)
