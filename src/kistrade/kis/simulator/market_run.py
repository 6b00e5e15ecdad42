"""One symbol inside the MarketHub: its crowd, tape, target path and quote/book events."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from kistrade.domain.limits import PriceLimits
from kistrade.domain.sessions import Phase
from kistrade.domain.ticks import tick_size
from kistrade.domain.types import KST, Side, Symbol
from kistrade.exchange.book import OrderBook
from kistrade.exchange.events import (
    AUCTION_PHASES,
    MARKET_OWNER,
    ORDER_PHASES,
    Event,
    Fill,
    Rejected,
)
from kistrade.kis.simulator.catalog import DailyBar
from kistrade.kis.simulator.market_types import (
    BookUpdate,
    InstrumentInfo,
    Level,
    QuoteSnapshot,
    TradePrint,
)
from kistrade.kis.simulator.replay import IntradayPath, expand_day
from kistrade.kis.simulator.synthetic import Crowd
from kistrade.kis.simulator.tape import Tape

if TYPE_CHECKING:
    from kistrade.kis.simulator.market import MarketHub

LEVELS = 10
EMPTY = Level(0, 0)
# prints assumed per day by the default crowd, to scale replayed volume (see CrowdParams)
_MEAN_QTY_FACTOR = 1.9
_CONTINUOUS_SECONDS = 22_800


def hhmmss(ts: datetime) -> str:
    return ts.astimezone(KST).strftime("%H%M%S")


def _pad(levels: tuple[Level, ...]) -> tuple[Level, ...]:
    return levels[:LEVELS] + (EMPTY,) * (LEVELS - len(levels))


class SymbolRunner:
    """Drives one symbol's crowd through the hub's exchange and turns fills into TradePrints."""

    def __init__(self, hub: MarketHub, symbol: Symbol, day: date, now: datetime) -> None:
        self.hub = hub
        self.symbol = symbol
        self.engine = hub.exchange.engine
        seed = hub.source.instrument(symbol, day)
        self.seed = seed
        history = hub.source.history(symbol, day, hub.clock)
        self.tape = Tape(symbol, day, seed.base_price, history)
        self.info = InstrumentInfo(
            symbol,
            seed.name,
            seed.market,
            seed.kind,
            seed.base_price,
            self.tape.prev_volume,
            seed.listed_shares,
        )
        self.engine.list_symbol(symbol, seed.base_price, market=seed.market, kind=seed.kind, name=seed.name)
        self.day_path: IntradayPath | None = None
        self.pushed: IntradayPath | None = None
        self._knot = 0
        self._dirty = False
        self._prints = 0
        self._ts = now
        self.crowd = self._new_crowd(day, hub.source.day_target(symbol, day))
        phase = self.engine.phase
        if phase in ORDER_PHASES:
            self.crowd.schedule_from(now)
            path = self._active_path()
            self._skip_knots(now)
            if path is not None:
                self.crowd.ref = float(path.price_at(now))
            if phase is Phase.CONTINUOUS:
                self.crowd.seed_book(now, self)
                if path is not None:
                    self.crowd.sweep(path.price_at(now), now, self)
            self.flush()

    # --- CrowdVenue ------------------------------------------------------------------------
    @property
    def phase(self) -> Phase:
        return self.engine.phase

    def book(self, symbol: Symbol) -> OrderBook:
        return self.engine.book(symbol)

    def limits(self, symbol: Symbol) -> PriceLimits:
        return self.engine.limits(symbol)

    def last_price(self, symbol: Symbol) -> int | None:
        return self.engine.stats(symbol).last

    def crowd_submit(self, symbol: Symbol, side: Side, qty: int, price: int, ts: datetime) -> str | None:
        events = self.hub.exchange.place(MARKET_OWNER, symbol, side, qty, price, ts=ts)
        self.hub.process_events(events)
        first = events[0] if events else None
        if first is None or isinstance(first, Rejected):
            return None
        oid = getattr(first, "order_id", None)
        return oid if oid is not None and self.engine.order(oid) is not None else None

    def resting(self, order_id: str) -> bool:
        return self.engine.order(order_id) is not None

    def crowd_cancel(self, order_id: str, ts: datetime) -> None:
        if self.engine.order(order_id) is not None:
            self.hub.process_events(self.hub.exchange.cancel(MARKET_OWNER, order_id, ts=ts))

    # --- day / path ------------------------------------------------------------------------
    def _new_crowd(self, day: date, target: DailyBar | None) -> Crowd:
        params = self.hub.crowd_params
        base = self.tape.base
        self.day_path = None
        if target is not None:
            self.day_path = expand_day(target, day, self.hub.seed, self.seed.kind)
            expected = (
                params.trades_per_sec * _CONTINUOUS_SECONDS * _MEAN_QTY_FACTOR * params.trade_value / base
            )
            params = params.scaled(max(0.01, target.volume / max(1.0, expected)))
        elif self.seed.daily_volume:
            expected = (
                params.trades_per_sec * _CONTINUOUS_SECONDS * _MEAN_QTY_FACTOR * params.trade_value / base
            )
            params = params.scaled(min(50.0, max(0.02, self.seed.daily_volume / expected)))
        crowd = Crowd(self.symbol, self.seed.kind, base, self.hub.seed, day=day, params=params)
        self._apply_anchor(crowd)
        return crowd

    def _active_path(self) -> IntradayPath | None:
        return self.pushed if self.pushed is not None else self.day_path

    def _apply_anchor(self, crowd: Crowd) -> None:
        path = self._active_path()
        crowd.anchor = path.price_at if path is not None else None
        day = self.day_path
        if self.pushed is None and day is not None:
            prices = [k.price for k in day.knots]
            crowd.bounds = (min(prices), max(prices))
        else:
            crowd.bounds = None

    def push(self, path: IntradayPath) -> None:
        self.pushed = path
        self._knot = 0
        self._apply_anchor(self.crowd)

    def roll_day(self, day: date, target: DailyBar | None) -> None:
        base = self.tape.close_day()
        self.tape.start_day(day, base)
        self.info = InstrumentInfo(
            self.symbol,
            self.info.name,
            self.info.market,
            self.info.kind,
            base,
            self.tape.prev_volume,
            self.info.listed_shares,
        )
        self.engine.list_symbol(
            self.symbol, base, market=self.info.market, kind=self.info.kind, name=self.info.name
        )
        self.pushed = None
        self._knot = 0
        self.crowd = self._new_crowd(day, target)

    def on_phase(self, at: datetime, phase: Phase) -> None:
        if phase not in ORDER_PHASES:
            self.crowd.next_at = None
            return
        if self.crowd.next_at is None:
            self.crowd.schedule_from(at)
        self._dirty = True

    def pin_auction(self, at: datetime, auction: Phase) -> None:
        """Before an uncross on a target path: cross at the path's price so the auction prints it."""
        path = self._active_path()
        if path is not None and path.start <= at <= path.end:
            self.crowd.cross(path.price_at(at), at, self)
        del auction

    # --- running ---------------------------------------------------------------------------
    def _next_knot(self) -> datetime | None:
        path = self._active_path()
        if path is None or self._knot >= len(path.knots):
            return None
        return path.knots[self._knot].at

    def _sweep_due(self, until: datetime) -> None:
        path = self._active_path()
        if path is None:
            return
        while self._knot < len(path.knots) and path.knots[self._knot].at <= until:
            knot = path.knots[self._knot]
            self._knot += 1
            if knot.sweep and self.engine.phase is Phase.CONTINUOUS:
                self.crowd.sweep(knot.price, knot.at, self)
                self.flush()

    def run_until(self, until: datetime) -> None:
        crowd = self.crowd
        while True:
            t_event = crowd.next_at
            t_knot = self._next_knot()
            if t_knot is not None and t_knot <= until and (t_event is None or t_knot <= t_event):
                self._sweep_due(t_knot)
                continue
            if t_event is None or t_event > until:
                break
            crowd.run_due(t_event, self)
        self.flush()
        if self.pushed is not None and until > self.pushed.end:
            self.pushed = None
            self._apply_anchor(crowd)
            self._skip_knots(until)

    def _skip_knots(self, until: datetime) -> None:
        path = self._active_path()
        self._knot = 0 if path is None else sum(1 for k in path.knots if k.at <= until)

    def burst(self, now: datetime, n: int) -> int:
        """``n`` aggressive crowd orders at ``now``; returns the prints they made."""
        if self.engine.phase is not Phase.CONTINUOUS:
            return 0
        count = self._prints
        for _ in range(max(0, n)):
            self.crowd.aggress(now, self)
        self.flush()
        return self._prints - count

    # --- events ----------------------------------------------------------------------------
    def on_event(self, event: Event) -> None:
        self._dirty = True
        self._ts = event.ts
        if isinstance(event, Fill):
            self._print(event)

    def _print(self, fill: Fill) -> None:
        stats = self.tape.record(fill.ts, fill.price, fill.qty, fill.aggressor)
        self._prints += 1
        book = self.engine.book(self.symbol)
        bids, asks = book.depth(LEVELS)
        self.hub.emit(
            TradePrint(
                symbol=self.symbol,
                ts=fill.ts,
                price=fill.price,
                qty=fill.qty,
                aggressor=fill.aggressor,
                phase=self.hub.uncross_phase if fill.aggressor is None else self.engine.phase,
                base=self.tape.base,
                best_ask=asks[0].price if asks else 0,
                best_bid=bids[0].price if bids else 0,
                ask1_qty=asks[0].qty if asks else 0,
                bid1_qty=bids[0].qty if bids else 0,
                total_ask_qty=sum(lv.qty for lv in asks),
                total_bid_qty=sum(lv.qty for lv in bids),
                prev_volume=self.info.prev_volume,
                day=stats,
            )
        )

    def _levels(self) -> tuple[tuple[Level, ...], tuple[Level, ...]]:
        bids, asks = self.engine.book(self.symbol).depth(LEVELS)
        return _pad(tuple(Level(lv.price, lv.qty) for lv in asks)), _pad(
            tuple(Level(lv.price, lv.qty) for lv in bids)
        )

    def _expected(self) -> tuple[int, int]:
        if self.engine.phase not in AUCTION_PHASES:
            return 0, 0
        result = self.engine.expected_uncross(self.symbol)
        return (result.price, result.qty) if result is not None else (0, 0)

    def flush(self) -> None:
        """Emit one BookUpdate if the book changed since the last one."""
        if not self._dirty:
            return
        self._dirty = False
        asks, bids = self._levels()
        exp_price, exp_qty = self._expected()
        self.hub.emit(
            BookUpdate(
                symbol=self.symbol,
                ts=self._ts,
                phase=self.engine.phase,
                asks=asks,
                bids=bids,
                total_ask_qty=sum(lv.qty for lv in asks),
                total_bid_qty=sum(lv.qty for lv in bids),
                expected_price=exp_price,
                expected_qty=exp_qty,
                base=self.tape.base,
                cum_volume=self.tape.stats.cum_volume,
            )
        )

    def snapshot(self, now: datetime) -> QuoteSnapshot:
        asks, bids = self._levels()
        limits = self.engine.limits(self.symbol)
        s = self.tape.stats
        exp_price, exp_qty = self._expected()
        return QuoteSnapshot(
            symbol=self.symbol,
            ts=now,
            phase=self.engine.phase,
            base=self.tape.base,
            upper=limits.upper,
            lower=limits.lower,
            tick=tick_size(s.last, self.info.kind),
            last=s.last,
            open=s.open,
            high=s.high,
            low=s.low,
            cum_volume=s.cum_volume,
            cum_value=s.cum_value,
            best_ask=asks[0].price,
            best_bid=bids[0].price,
            asks=asks,
            bids=bids,
            total_ask_qty=sum(lv.qty for lv in asks),
            total_bid_qty=sum(lv.qty for lv in bids),
            expected_price=exp_price,
            expected_qty=exp_qty,
            day=s,
        )
