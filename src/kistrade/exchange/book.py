"""One symbol's limit order book with price-time priority.

Price levels are FIFO queues (``deque``) in dicts keyed by price, with a sorted list of prices
per side (``bisect``); orders are indexed by id. Cancels are lazy (the order is marked inactive
and skipped when it reaches the front of its queue), so no event scans all orders.

Market orders only rest during a call auction; they sit in a separate queue per side ahead of
every limit order (KRX gives market orders priority in the auction). They are not part of the
depth snapshot.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from kistrade.domain.errors import InvalidInputError, StateError
from kistrade.domain.types import BookLevel, Side, Symbol

DEPTH_LEVELS = 10


@dataclass(slots=True, eq=False)
class BookOrder:
    order_id: str
    owner: str
    symbol: Symbol
    side: Side
    price: int | None
    """Limit price; ``None`` for a market order."""
    qty: int
    remaining: int
    seq: int
    """Time priority: lower is earlier."""
    ts: datetime
    active: bool = True

    @property
    def is_market(self) -> bool:
        return self.price is None

    @property
    def filled(self) -> int:
        return self.qty - self.remaining


class _Queue:
    """FIFO of orders with lazy deletion; ``qty``/``count`` cover active orders only."""

    __slots__ = ("count", "orders", "qty")

    def __init__(self) -> None:
        self.orders: deque[BookOrder] = deque()
        self.qty = 0
        self.count = 0

    def front(self) -> BookOrder | None:
        while self.orders and not self.orders[0].active:
            self.orders.popleft()
        return self.orders[0] if self.orders else None

    def active(self) -> Iterator[BookOrder]:
        return (o for o in self.orders if o.active)


class OrderBook:
    def __init__(self, symbol: Symbol) -> None:
        self.symbol = symbol
        self._levels: dict[Side, dict[int, _Queue]] = {Side.BUY: {}, Side.SELL: {}}
        self._prices: dict[Side, list[int]] = {Side.BUY: [], Side.SELL: []}  # ascending
        self._market: dict[Side, _Queue] = {Side.BUY: _Queue(), Side.SELL: _Queue()}
        self._orders: dict[str, BookOrder] = {}

    # --- queries -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._orders)

    def __contains__(self, order_id: object) -> bool:
        return order_id in self._orders

    def get(self, order_id: str) -> BookOrder | None:
        return self._orders.get(order_id)

    def orders(self) -> list[BookOrder]:
        return list(self._orders.values())

    def best_bid(self) -> int | None:
        prices = self._prices[Side.BUY]
        return prices[-1] if prices else None

    def best_ask(self) -> int | None:
        prices = self._prices[Side.SELL]
        return prices[0] if prices else None

    def best(self, side: Side) -> int | None:
        return self.best_bid() if side is Side.BUY else self.best_ask()

    def level_prices(self, side: Side) -> list[int]:
        """Prices of ``side`` best first."""
        prices = self._prices[side]
        return prices[::-1] if side is Side.BUY else list(prices)

    def levels(self, side: Side, n: int | None = None) -> tuple[BookLevel, ...]:
        """Aggregated quantity per price, best first (``n`` levels, or all)."""
        prices = self.level_prices(side)
        if n is not None:
            prices = prices[:n]
        book = self._levels[side]
        return tuple(BookLevel(price=p, qty=book[p].qty) for p in prices)

    def depth(self, n: int = DEPTH_LEVELS) -> tuple[tuple[BookLevel, ...], tuple[BookLevel, ...]]:
        """``(bids, asks)``, each best first, up to ``n`` levels."""
        return self.levels(Side.BUY, n), self.levels(Side.SELL, n)

    def market_qty(self, side: Side) -> int:
        return self._market[side].qty

    def market_orders(self, side: Side) -> list[BookOrder]:
        """Active market orders of ``side`` in time priority (they rest only in a call auction)."""
        return list(self._market[side].active())

    def in_priority(self, side: Side) -> Iterator[BookOrder]:
        """Active orders of ``side`` in execution priority: market orders, then price, then time."""
        yield from self._market[side].active()
        book = self._levels[side]
        for price in self.level_prices(side):
            yield from book[price].active()

    # --- mutations -----------------------------------------------------------------------

    def add(self, order: BookOrder) -> None:
        if order.order_id in self._orders:
            raise StateError(f"order {order.order_id} is already in the {self.symbol} book")
        if order.remaining <= 0:
            raise InvalidInputError(f"order {order.order_id} has nothing left to rest")
        queue = self._queue_for(order, create=True)
        queue.orders.append(order)
        queue.qty += order.remaining
        queue.count += 1
        order.active = True
        self._orders[order.order_id] = order

    def remove(self, order_id: str) -> BookOrder:
        """Take an order out of the book (cancel); its ``remaining`` is left unchanged."""
        order = self._require(order_id)
        queue = self._queue_for(order)
        queue.qty -= order.remaining
        queue.count -= 1
        order.active = False
        del self._orders[order_id]
        if queue.count == 0:
            self._drop_level(order)
        return order

    def reduce(self, order_id: str, qty: int) -> BookOrder:
        """Take ``qty`` off an order's remaining quantity, keeping its priority; removes it at 0."""
        order = self._require(order_id)
        if not 0 < qty <= order.remaining:
            raise InvalidInputError(f"cannot reduce order {order_id} by {qty} (remaining {order.remaining})")
        self._consume(order, qty)
        return order

    def reprice(self, order_id: str, price: int, seq: int, ts: datetime) -> BookOrder:
        """Move an order to a new price; it goes to the back of the new level (loses priority).

        The book holds a fresh ``BookOrder`` afterwards (the old object stays inactive, so a
        stale queue entry can never regain its old place).
        """
        old = self.remove(order_id)
        order = replace(old, price=price, seq=seq, ts=ts, active=True)
        self.add(order)
        return order

    def match(self, taker: BookOrder, worst: int) -> list[tuple[BookOrder, int, int]]:
        """Fill ``taker`` against the opposite side at prices no worse than ``worst``.

        Returns ``(maker, price, qty)`` per execution, at the maker's price; makers that are done
        leave the book. ``taker.remaining`` is reduced; the taker itself is not added.
        """
        side = taker.side.opposite
        fills: list[tuple[BookOrder, int, int]] = []
        while taker.remaining > 0:
            price = self.best(side)
            if price is None or (price > worst if taker.side is Side.BUY else price < worst):
                break
            queue = self._levels[side][price]
            maker = queue.front()
            if maker is None:  # pragma: no cover - a level with count 0 is always dropped
                raise StateError(f"empty level {price} in the {self.symbol} book")
            qty = min(taker.remaining, maker.remaining)
            taker.remaining -= qty
            self._consume(maker, qty)
            fills.append((maker, price, qty))
        return fills

    def execute(self, order: BookOrder, qty: int) -> None:
        """Fill ``qty`` of a resting order (auction allocation); it leaves the book when done."""
        self._require(order.order_id)
        if not 0 < qty <= order.remaining:
            raise InvalidInputError(
                f"cannot fill {qty} of order {order.order_id} (remaining {order.remaining})"
            )
        self._consume(order, qty)

    # --- internals -----------------------------------------------------------------------

    def _require(self, order_id: str) -> BookOrder:
        order = self._orders.get(order_id)
        if order is None:
            raise StateError(f"order {order_id} is not in the {self.symbol} book")
        return order

    def _queue_for(self, order: BookOrder, *, create: bool = False) -> _Queue:
        if order.price is None:
            return self._market[order.side]
        book = self._levels[order.side]
        queue = book.get(order.price)
        if queue is None:
            if not create:
                raise StateError(f"no level {order.price} for order {order.order_id}")
            queue = book[order.price] = _Queue()
            insort(self._prices[order.side], order.price)
        return queue

    def _consume(self, order: BookOrder, qty: int) -> None:
        queue = self._queue_for(order)
        order.remaining -= qty
        queue.qty -= qty
        if order.remaining == 0:
            queue.count -= 1
            order.active = False
            del self._orders[order.order_id]
            if queue.count == 0:
                self._drop_level(order)

    def _drop_level(self, order: BookOrder) -> None:
        if order.price is None:
            self._market[order.side] = _Queue()
            return
        del self._levels[order.side][order.price]
        prices = self._prices[order.side]
        del prices[bisect_left(prices, order.price)]
