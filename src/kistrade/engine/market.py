"""What the engine knows about the market right now, per symbol: last price, base price (for the
daily limits), last order book, recent bar volumes, the instrument (for the tick table).

The kernel feeds it from the event stream; the I/O layer (or the backtester) sets the base price
(previous close) and the instrument at start-up. Bounded memory: ``volume_window`` bars a symbol.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from kistrade.domain.limits import PriceLimits, price_limits
from kistrade.domain.types import Bar, Instrument, InstrumentKind, Market, OrderBook, Side, Symbol, Trade


@dataclass(slots=True)
class SymbolMarket:
    symbol: Symbol
    kind: InstrumentKind = InstrumentKind.STOCK
    market: Market = Market.KOSPI
    base_price: int | None = None
    last_price: int | None = None
    book: OrderBook | None = None
    volumes: deque[int] = field(default_factory=deque)


class MarketState:
    def __init__(self, volume_window: int = 20) -> None:
        if volume_window <= 0:
            raise ValueError(f"volume_window {volume_window} must be positive")
        self.volume_window = volume_window
        self._symbols: dict[Symbol, SymbolMarket] = {}

    def get(self, symbol: Symbol) -> SymbolMarket:
        m = self._symbols.get(symbol)
        if m is None:
            m = self._symbols[symbol] = SymbolMarket(symbol, volumes=deque(maxlen=self.volume_window))
        return m

    def set_instrument(self, instrument: Instrument) -> None:
        m = self.get(instrument.symbol)
        m.kind, m.market = instrument.kind, instrument.market

    def set_base_price(self, symbol: Symbol, base: int) -> None:
        """The day's base price (기준가, usually the previous close): the daily limits come from it."""
        self.get(symbol).base_price = base

    def on_trade(self, trade: Trade) -> None:
        self.get(trade.symbol).last_price = trade.price

    def on_bar(self, bar: Bar) -> None:
        m = self.get(bar.symbol)
        m.last_price = bar.close
        m.volumes.append(bar.volume)

    def on_quiet_bars(self, symbol: Symbol, last_close: int, volumes: Iterable[int]) -> None:
        """``on_bar`` for several bars at once: the last close and the bars' volumes (the last
        ``volume_window`` of them are enough)."""
        m = self.get(symbol)
        m.last_price = last_close
        m.volumes.extend(volumes)

    def on_orderbook(self, book: OrderBook) -> None:
        self.get(book.symbol).book = book

    def last_price(self, symbol: Symbol) -> int | None:
        return self.get(symbol).last_price

    def recent_volume(self, symbol: Symbol) -> int | None:
        """Sum of the last ``volume_window`` bar volumes; None before the first bar."""
        vols = self.get(symbol).volumes
        return sum(vols) if vols else None

    def limits(self, symbol: Symbol) -> PriceLimits | None:
        m = self.get(symbol)
        if m.base_price is None:
            return None
        return price_limits(m.base_price, m.kind, market=m.market)

    def touch(self, symbol: Symbol, side: Side) -> int | None:
        """The price a marketable order of ``side`` meets: best ask for a buy, best bid for a sell."""
        book = self.get(symbol).book
        if book is None:
            return None
        return book.best_ask if side is Side.BUY else book.best_bid

    def depth(self, symbol: Symbol, side: Side, limit_price: int | None) -> int | None:
        """Visible quantity a ``side`` order could take at ``limit_price`` or better (None: no book)."""
        book = self.get(symbol).book
        if book is None:
            return None
        levels = book.asks if side is Side.BUY else book.bids
        total = 0
        for lv in levels:
            if lv.price <= 0:
                continue
            if limit_price is not None and (
                (side is Side.BUY and lv.price > limit_price)
                or (side is Side.SELL and lv.price < limit_price)
            ):
                continue
            total += lv.qty
        return total
