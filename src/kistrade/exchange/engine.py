"""KRX matching engine for many symbols: sessions, validation, continuous matching, call auctions.

Pure: no I/O, no clock; every call takes the timestamp ``ts`` it happens at. API::

    eng = MatchingEngine()
    eng.list_symbol(Symbol("005930"), base_price=72_000)      # once per day, before trading
    eng.set_phase(Phase.PRE_OPEN_AUCTION, ts)                 # collect orders, no matching
    eng.submit(owner, symbol, Side.BUY, qty, price_or_None, ts=ts, order_id=None) -> list[Event]
    eng.cancel(order_id, ts, qty=None) -> list[Event]         # qty=None: all remaining
    eng.revise(order_id, ts, price, qty=None, new_order_id=None) -> list[Event]
    eng.set_phase(Phase.CONTINUOUS, ts)  -> opening uncross (AuctionUncross + Fill events)
    eng.set_phase(Phase.CLOSING_AUCTION, ts); eng.set_phase(Phase.AFTER_HOURS, ts) -> closing uncross,
        then every resting order expires (Cancelled, reason EXPIRED)
    eng.stats(symbol) / eng.depth(symbol) / eng.expected_uncross(symbol) / eng.limits(symbol)

Rules: limit prices must be on the tick grid and within the day's ±30% limits of the base
price. Market orders (price ``None``) walk the book in continuous trading up to the daily limit
and the unfilled rest is cancelled at once (IOC-like, ``CancelReason.MARKET_REMAINDER``); in an
auction they rest ahead of limit orders and whatever the uncross leaves of them is cancelled the
same way. Leaving an auction phase (to any phase) runs its uncross; entering AFTER_HOURS or CLOSED
expires all resting orders (day orders).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import msgspec

from kistrade.domain.errors import InvalidInputError, StateError
from kistrade.domain.limits import PriceLimits
from kistrade.domain.sessions import Phase
from kistrade.domain.types import Instrument, InstrumentKind, Market, Side, Symbol
from kistrade.exchange.auction import UncrossResult, uncross
from kistrade.exchange.book import DEPTH_LEVELS, BookOrder, OrderBook
from kistrade.exchange.events import (
    AUCTION_PHASES,
    ORDER_PHASES,
    Accepted,
    AuctionUncross,
    Cancelled,
    CancelReason,
    Event,
    Fill,
    Rejected,
    RejectReason,
    Replaced,
)
from kistrade.exchange.listing import Listing
from kistrade.exchange.quotes import Depth, SymbolStats, with_trade


class MatchingEngine:
    def __init__(self) -> None:
        self._listings: dict[Symbol, Listing] = {}
        self._where: dict[str, Symbol] = {}  # resting order id -> symbol
        self._phase = Phase.CLOSED
        self._seq = 0
        self._auto = 0

    # --- set-up and queries --------------------------------------------------------------

    def list_symbol(
        self,
        symbol: Symbol,
        base_price: int,
        *,
        market: Market = Market.KOSPI,
        kind: InstrumentKind = InstrumentKind.STOCK,
        name: str = "",
        on: date | None = None,
    ) -> None:
        """List ``symbol`` for the day with its base price (previous close); resets its stats.

        ``on``: the trading day, which picks the tick table and limit width of that era (None:
        today's rules); a backtest of old data passes it.
        """
        old = self._listings.get(symbol)
        if old is not None:
            if len(old.book):
                raise StateError(f"cannot re-list {symbol}: {len(old.book)} orders are still resting")
            inst = old.instrument
            if inst.market is market and inst.kind is kind and inst.name == (name or symbol):
                if old.on != on:
                    old.on = on  # the same instrument, a new day or reference: keep its empty book
                old.rebase(base_price)
                return
        instrument = Instrument(symbol=symbol, name=name or symbol, market=market, kind=kind)
        self._listings[symbol] = Listing(instrument, base_price, on)

    @property
    def phase(self) -> Phase:
        return self._phase

    def symbols(self) -> list[Symbol]:
        return list(self._listings)

    def instrument(self, symbol: Symbol) -> Instrument:
        return self.listing(symbol).instrument

    def limits(self, symbol: Symbol) -> PriceLimits:
        return self.listing(symbol).stats.limits

    def stats(self, symbol: Symbol) -> SymbolStats:
        return self.listing(symbol).stats

    def depth(self, symbol: Symbol, levels: int = DEPTH_LEVELS) -> Depth:
        bids, asks = self.listing(symbol).book.depth(levels)
        return Depth(symbol=symbol, bids=bids, asks=asks)

    def book(self, symbol: Symbol) -> OrderBook:
        """The live book (read it; change it only through the engine)."""
        return self.listing(symbol).book

    def order(self, order_id: str) -> BookOrder | None:
        """A resting order, or ``None`` once it is filled, cancelled or expired."""
        symbol = self._where.get(order_id)
        return None if symbol is None else self._listings[symbol].book.get(order_id)

    def expected_uncross(self, symbol: Symbol) -> UncrossResult | None:
        """The price and volume an auction would execute at if it ended now."""
        listing = self.listing(symbol)
        book = listing.book
        return uncross(
            book.levels(Side.BUY),
            book.levels(Side.SELL),
            book.market_qty(Side.BUY),
            book.market_qty(Side.SELL),
            self._reference(listing),
        )

    def validate(
        self, symbol: Symbol, qty: int, price: int | None, *, need_open: bool = True
    ) -> tuple[RejectReason, str] | None:
        """Why an order would be refused on entry, or ``None`` if it is acceptable."""
        listing = self._listings.get(symbol)
        if listing is None:
            return RejectReason.UNKNOWN_SYMBOL, f"symbol {symbol} is not listed"
        if need_open and self._phase not in ORDER_PHASES:
            return RejectReason.MARKET_CLOSED, f"the market is not taking orders (phase {self._phase})"
        if qty <= 0:
            return RejectReason.INVALID_QTY, f"quantity {qty} must be positive"
        return None if price is None else listing.price_problem(price)

    def next_order_id(self) -> str:
        self._auto += 1
        return "E" + str(self._auto).zfill(9)  # f"E{n:09d}", cheaper

    # --- orders --------------------------------------------------------------------------

    def submit(
        self,
        owner: str,
        symbol: Symbol,
        side: Side,
        qty: int,
        price: int | None,
        *,
        ts: datetime,
        order_id: str | None = None,
    ) -> list[Event]:
        """Enter a new order: ``price`` is the limit, or ``None`` for a market order."""
        problem = self.validate(symbol, qty, price)
        if problem is None and order_id is not None and order_id in self._where:
            problem = RejectReason.DUPLICATE_ORDER_ID, f"order id {order_id} is already resting"
        if problem is not None:
            reason, message = problem
            return [Rejected(reason, message, owner, ts, symbol, order_id)]
        oid = order_id if order_id is not None else self.next_order_id()
        order = BookOrder(oid, owner, symbol, side, price, qty, qty, self._next_seq(), ts)
        events: list[Event] = [Accepted(oid, owner, symbol, side, qty, price, ts)]
        self._enter(order, ts, events)
        return events

    def cross_market(
        self, owner: str, symbol: Symbol, side: Side, qty: int, *, ts: datetime, order_id: str, crowd: str
    ) -> list[Event]:
        """The call auction of an empty book that receives a market order of ``owner`` and an
        equal market order of ``crowd`` on the other side, uncrossed at once: what ``submit``
        in an auction phase, the crowd's ``submit`` and ``set_phase`` out of it produce for that
        book (both Accepted, one Fill at the reference price, the AuctionUncross; the same order
        ids and sequence numbers), without resting either order. The phase is left unchanged;
        the order must be valid (``validate``) and the book empty, else StateError."""
        listing = self.listing(symbol)
        if qty <= 0 or len(listing.book) or order_id in self._where:
            problem = self.validate(symbol, qty, None, need_open=False)
            raise StateError(
                f"cannot cross {qty} {symbol} for {order_id}: {problem or 'the book is not empty'}"
            )
        crowd_id = self.next_order_id()
        self._seq += 2
        price = self._reference(listing)
        listing.stats = with_trade(listing.stats, price, qty, ts)
        if side is Side.BUY:
            crowd_side = Side.SELL
            fill = Fill(symbol, price, qty, ts, order_id, owner, 0, crowd_id, crowd, 0, None)
        else:
            crowd_side = Side.BUY
            fill = Fill(symbol, price, qty, ts, crowd_id, crowd, 0, order_id, owner, 0, None)
        return [
            Accepted(order_id, owner, symbol, side, qty, None, ts),
            Accepted(crowd_id, crowd, symbol, crowd_side, qty, None, ts),
            fill,
            AuctionUncross(symbol, Phase.PRE_OPEN_AUCTION, price, qty, ts),
        ]

    def cancel(self, order_id: str, ts: datetime, qty: int | None = None) -> list[Event]:
        """Cancel ``qty`` of an order's remaining quantity (all of it when ``qty`` is None)."""
        order = self.order(order_id)
        if order is None:
            return [
                Rejected(RejectReason.UNKNOWN_ORDER, f"order {order_id} is not open", "", ts, None, order_id)
            ]
        if qty is not None and not 0 < qty <= order.remaining:
            reason = RejectReason.INVALID_QTY if qty <= 0 else RejectReason.QTY_ABOVE_REMAINING
            msg = f"cannot cancel {qty} of order {order_id} (remaining {order.remaining})"
            return [Rejected(reason, msg, order.owner, ts, order.symbol, order_id)]
        take = order.remaining if qty is None else qty
        return [self._cancel(order, take, CancelReason.REQUESTED, ts)]

    def revise(
        self,
        order_id: str,
        ts: datetime,
        price: int | None,
        qty: int | None = None,
        new_order_id: str | None = None,
    ) -> list[Event]:
        """Move ``qty`` (default: all remaining) of an order to a new order at ``price``.

        The new order (id ``new_order_id`` or a generated one) has fresh time priority and is
        matched at once in continuous trading. Filled quantity cannot be revised.
        """
        order = self.order(order_id)
        if order is None:
            return [
                Rejected(RejectReason.UNKNOWN_ORDER, f"order {order_id} is not open", "", ts, None, order_id)
            ]
        move = order.remaining if qty is None else qty
        problem = self.validate(order.symbol, move, price)
        if problem is None and move > order.remaining:
            problem = (
                RejectReason.QTY_ABOVE_REMAINING,
                f"cannot revise {move} of order {order_id} (remaining {order.remaining})",
            )
        if problem is None and new_order_id is not None and new_order_id in self._where:
            problem = RejectReason.DUPLICATE_ORDER_ID, f"order id {new_order_id} is already resting"
        if problem is not None:
            reason, message = problem
            return [Rejected(reason, message, order.owner, ts, order.symbol, order_id)]
        book = self._listings[order.symbol].book
        new_id = new_order_id if new_order_id is not None else self.next_order_id()
        if move == order.remaining:
            book.remove(order_id)
            del self._where[order_id]
            old_remaining = 0
        else:
            book.reduce(order_id, move)
            old_remaining = order.remaining
        new = replace(
            order,
            order_id=new_id,
            price=price,
            qty=move,
            remaining=move,
            seq=self._next_seq(),
            ts=ts,
            active=True,
        )
        events: list[Event] = [
            Replaced(order_id, new_id, order.owner, order.symbol, order.side, price, move, old_remaining, ts)
        ]
        self._enter(new, ts, events)
        return events

    # --- sessions ------------------------------------------------------------------------

    def set_phase(self, phase: Phase, ts: datetime) -> list[Event]:
        """Switch the session phase, running the auction uncross and expiries this implies."""
        events: list[Event] = []
        if self._phase in AUCTION_PHASES and phase is not self._phase:
            for listing in self._listings.values():
                self._run_auction(listing, self._phase, ts, events)
        if phase in (Phase.AFTER_HOURS, Phase.CLOSED):
            for listing in self._listings.values():
                for order in list(listing.book.in_priority(Side.BUY)) + list(
                    listing.book.in_priority(Side.SELL)
                ):
                    events.append(self._cancel(order, order.remaining, CancelReason.EXPIRED, ts))
                if listing.stats.close is None and listing.stats.last is not None:
                    listing.stats = msgspec.structs.replace(listing.stats, close=listing.stats.last)
        self._phase = phase
        return events

    # --- internals -----------------------------------------------------------------------

    def listing(self, symbol: Symbol) -> Listing:
        """The symbol's listing (instrument, day, book, stats); InvalidInputError if not listed."""
        listing = self._listings.get(symbol)
        if listing is None:
            raise InvalidInputError(f"symbol {symbol} is not listed on the exchange")
        return listing

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _reference(self, listing: Listing) -> int:
        return listing.stats.last if listing.stats.last is not None else listing.stats.base

    def _enter(self, order: BookOrder, ts: datetime, events: list[Event]) -> None:
        """Match a new order (continuous) and rest what is left, or cancel a market remainder."""
        listing = self._listings[order.symbol]
        book = listing.book
        if self._phase is Phase.CONTINUOUS:
            limits = listing.stats.limits
            if order.price is not None:
                worst = order.price
            else:
                worst = limits.upper if order.side is Side.BUY else limits.lower
            for maker, price, qty in book.match(order, worst):
                if maker.remaining == 0:
                    self._where.pop(maker.order_id, None)
                events.append(
                    self._fill(listing, order, maker, price=price, qty=qty, ts=ts, aggressor=order.side)
                )
            if order.remaining == 0:
                return
            if order.price is None:
                events.append(
                    self._cancelled_event(order, order.remaining, CancelReason.MARKET_REMAINDER, ts)
                )
                order.remaining = 0
                return
        book.add(order)
        self._where[order.order_id] = order.symbol

    def _fill(
        self,
        listing: Listing,
        a: BookOrder,
        b: BookOrder,
        *,
        price: int,
        qty: int,
        ts: datetime,
        aggressor: Side | None,
    ) -> Fill:
        buy, sell = (a, b) if a.side is Side.BUY else (b, a)
        listing.stats = with_trade(listing.stats, price, qty, ts)
        return Fill(
            symbol=listing.instrument.symbol,
            price=price,
            qty=qty,
            ts=ts,
            buy_id=buy.order_id,
            buy_owner=buy.owner,
            buy_remaining=buy.remaining,
            sell_id=sell.order_id,
            sell_owner=sell.owner,
            sell_remaining=sell.remaining,
            aggressor=aggressor,
        )

    def _cancel(self, order: BookOrder, qty: int, reason: CancelReason, ts: datetime) -> Cancelled:
        book = self._listings[order.symbol].book
        if qty == order.remaining:
            book.remove(order.order_id)
            del self._where[order.order_id]
            event = self._cancelled_event(order, qty, reason, ts)
            order.remaining = 0
            return event
        book.reduce(order.order_id, qty)
        return Cancelled(
            order.order_id, order.owner, order.symbol, order.side, qty, order.remaining, reason, ts
        )

    @staticmethod
    def _cancelled_event(order: BookOrder, qty: int, reason: CancelReason, ts: datetime) -> Cancelled:
        return Cancelled(order.order_id, order.owner, order.symbol, order.side, qty, 0, reason, ts)

    def _run_auction(self, listing: Listing, phase: Phase, ts: datetime, events: list[Event]) -> None:
        book = listing.book
        result = self.expected_uncross(listing.instrument.symbol)
        if result is not None:
            price = result.price
            buys = [o for o in book.in_priority(Side.BUY) if o.price is None or o.price >= price]
            sells = [o for o in book.in_priority(Side.SELL) if o.price is None or o.price <= price]
            left = result.qty
            bi = si = 0
            while left > 0:
                buy, sell = buys[bi], sells[si]
                qty = min(left, buy.remaining, sell.remaining)
                book.execute(buy, qty)
                book.execute(sell, qty)
                left -= qty
                events.append(self._fill(listing, buy, sell, price=price, qty=qty, ts=ts, aggressor=None))
                if buy.remaining == 0:
                    self._where.pop(buy.order_id, None)
                    bi += 1
                if sell.remaining == 0:
                    self._where.pop(sell.order_id, None)
                    si += 1
            events.append(AuctionUncross(listing.instrument.symbol, phase, price, result.qty, ts))
            if phase is Phase.CLOSING_AUCTION:
                listing.stats = msgspec.structs.replace(listing.stats, close=price)
        for side in (Side.BUY, Side.SELL):
            for order in book.market_orders(side):
                events.append(self._cancel(order, order.remaining, CancelReason.MARKET_REMAINDER, ts))
