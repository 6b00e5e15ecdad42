"""Core domain values: symbols, sides, trades, order books, bars, fills, positions.

Prices and cash are ``int`` won, quantities ``int`` shares; timestamps are timezone-aware.

The market-data values (Trade, BookLevel, OrderBook, Bar) and Fill are frozen ``msgspec.Struct``s:
built per tick on the feed's hot path (a Fill per execution), where a Struct is ~5x cheaper to
construct than a frozen slots dataclass (bench/client_frames.py). They behave alike
(keyword/positional construction, ``==``, ``hash``, ``repr``, pickling); use
``msgspec.structs.replace`` instead of ``dataclasses.replace``.
``gc=False``: they hold only scalars and tuples of other such values, so never a cycle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import NewType
from zoneinfo import ZoneInfo

import msgspec

from kistrade.domain.errors import InvalidInputError

KST = ZoneInfo("Asia/Seoul")

Symbol = NewType("Symbol", str)

_SYMBOL_RE = re.compile(r"^(?:\d{6}|Q\d{6}|\d{5}[A-Z0-9]|[0-9A-Z]{6})$")


def parse_symbol(raw: str) -> Symbol:
    """Validate a KRX short code (``005930``; ETN ``Q500001``) and return it as a Symbol."""
    code = raw.strip().upper()
    if not _SYMBOL_RE.match(code):
        raise InvalidInputError(
            f"symbol {raw!r} is not a KRX short code "
            "(6 characters like '005930', or 'Q' + 6 digits for an ETN)"
        )
    return Symbol(code)


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(StrEnum):
    LIMIT = "limit"
    MARKET = "market"


class Market(StrEnum):
    KOSPI = "KOSPI"
    KOSDAQ = "KOSDAQ"
    KONEX = "KONEX"


class InstrumentKind(StrEnum):
    STOCK = "stock"
    ETF = "etf"
    ETN = "etn"


@dataclass(frozen=True, slots=True)
class Instrument:
    symbol: Symbol
    name: str
    market: Market = Market.KOSPI
    kind: InstrumentKind = InstrumentKind.STOCK


class Trade(msgspec.Struct, frozen=True, gc=False):
    """One print on the tape."""

    symbol: Symbol
    ts: datetime
    price: int
    qty: int
    aggressor: Side | None = None
    cum_volume: int = 0


class BookLevel(msgspec.Struct, frozen=True, gc=False):
    price: int
    qty: int


class OrderBook(msgspec.Struct, frozen=True, gc=False):
    """Up to 10 levels a side: ``asks[0]`` is the best (lowest) ask, ``bids[0]`` the best (highest) bid."""

    symbol: Symbol
    ts: datetime
    asks: tuple[BookLevel, ...]
    bids: tuple[BookLevel, ...]

    @property
    def best_ask(self) -> int | None:
        return self.asks[0].price if self.asks and self.asks[0].price > 0 else None

    @property
    def best_bid(self) -> int | None:
        return self.bids[0].price if self.bids and self.bids[0].price > 0 else None


class Bar(msgspec.Struct, frozen=True, gc=False):
    """OHLCV over [start, start + interval)."""

    symbol: Symbol
    start: datetime
    open: int
    high: int
    low: int
    close: int
    volume: int


class Fill(msgspec.Struct, frozen=True, gc=False):
    """One execution of (part of) an order, with its costs in won. A frozen Struct like the
    market data: the kernel makes one for every fill it hands to the strategies."""

    client_order_id: str
    broker_order_id: str
    symbol: Symbol
    side: Side
    qty: int
    price: int
    ts: datetime
    commission: int = 0
    tax: int = 0


@dataclass(frozen=True, slots=True)
class Position:
    symbol: Symbol
    qty: int
    avg_price: Decimal

    @property
    def cost_basis(self) -> Decimal:
        return self.avg_price * self.qty
