"""Value types of the simulated market (see market.py for the hub that produces them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.sessions import Phase
from kistrade.domain.types import InstrumentKind, Market, OrderType, Side, Symbol
from kistrade.exchange.events import RejectReason

__all__ = [
    "BookUpdate",
    "DayStats",
    "InstrumentInfo",
    "Level",
    "Listener",
    "MarketBar",
    "MarketEvent",
    "NoticeKind",
    "OrderNotice",
    "OrderResult",
    "Phase",
    "QuoteSnapshot",
    "RejectReason",
    "TradePrint",
]

EMPTY_LEVEL_PRICE = 0


def normalize_account(account_no: str) -> str:
    """``"12345678-01"`` or ``"1234567801"`` -> ``"1234567801"``; anything else is refused."""
    acct = account_no.replace("-", "").strip()
    if len(acct) != 10 or not acct.isdigit():
        raise InvalidInputError(f"account {account_no!r} is not CANO(8) + ACNT_PRDT_CD(2) digits")
    return acct


@dataclass(frozen=True, slots=True)
class InstrumentInfo:
    symbol: Symbol
    name: str  # Korean name, e.g. "삼성전자"
    market: Market
    kind: InstrumentKind
    base_price: int  # today's 기준가 (previous close)
    prev_volume: int  # previous session's volume
    listed_shares: int


@dataclass(frozen=True, slots=True)
class Level:
    price: int  # 0 for an empty level
    qty: int


@dataclass(frozen=True, slots=True)
class DayStats:
    """Running statistics of today's session for one symbol (what H0STCNT0 / inquire-price show)."""

    open: int  # 0 before the first print
    high: int
    low: int
    last: int  # last print, or the base price before the first print
    open_ts: datetime | None
    high_ts: datetime | None
    low_ts: datetime | None
    cum_volume: int
    cum_value: int  # won
    buy_count: int  # prints whose aggressor bought (매수체결건수)
    sell_count: int
    buy_volume: int  # 총매수수량 (aggressor-buy volume)
    sell_volume: int


@dataclass(frozen=True, slots=True)
class QuoteSnapshot:
    symbol: Symbol
    ts: datetime
    phase: Phase
    base: int  # 기준가 = previous close
    upper: int  # 상한가
    lower: int  # 하한가
    tick: int  # tick of the last price
    last: int
    open: int
    high: int
    low: int
    cum_volume: int
    cum_value: int
    best_ask: int  # 0 when the side is empty
    best_bid: int
    asks: tuple[Level, ...]  # exactly 10, asks[0] best (lowest); empty levels are Level(0, 0)
    bids: tuple[Level, ...]  # exactly 10, bids[0] best (highest)
    total_ask_qty: int
    total_bid_qty: int
    expected_price: int  # indicative auction price during PRE_OPEN / CLOSING_AUCTION, else 0
    expected_qty: int
    day: DayStats


@dataclass(frozen=True, slots=True)
class MarketBar:
    """OHLCV over [start, start + 1 minute or 1 day); ``value`` in won traded within the bar,
    ``cum_volume``/``cum_value`` cumulative for the day at the bar's end (minute bars; equal to
    volume/value for daily bars)."""

    symbol: Symbol
    start: datetime  # minute bars: HH:MM:00 KST; daily bars: 00:00 KST of the session date
    open: int
    high: int
    low: int
    close: int
    volume: int
    value: int
    cum_volume: int
    cum_value: int

    @property
    def day(self) -> date:
        return self.start.date()


@dataclass(frozen=True, slots=True)
class TradePrint:
    """One execution on the tape (continuous trade or auction uncross)."""

    symbol: Symbol
    ts: datetime
    price: int
    qty: int
    aggressor: Side | None  # None for an auction uncross
    phase: Phase
    base: int
    best_ask: int
    best_bid: int
    ask1_qty: int
    bid1_qty: int
    total_ask_qty: int
    total_bid_qty: int
    prev_volume: int
    day: DayStats  # stats AFTER this print

    @property
    def cum_volume(self) -> int:
        return self.day.cum_volume

    @property
    def cum_value(self) -> int:
        return self.day.cum_value


@dataclass(frozen=True, slots=True)
class BookUpdate:
    symbol: Symbol
    ts: datetime
    phase: Phase
    asks: tuple[Level, ...]  # exactly 10
    bids: tuple[Level, ...]  # exactly 10
    total_ask_qty: int
    total_bid_qty: int
    expected_price: int  # auction indicative price, else 0
    expected_qty: int
    base: int
    cum_volume: int


class NoticeKind(StrEnum):
    ACCEPTED = "accepted"  # 접수
    REJECTED = "rejected"  # 거부
    FILL = "fill"  # 체결
    REVISED = "revised"  # 정정 확인
    CANCELLED = "cancelled"  # 취소 확인


@dataclass(frozen=True, slots=True)
class OrderNotice:
    """An account event for the execution-notice stream (H0STCNI0/H0STCNI9)."""

    account_no: str  # 10 digits
    hts_id: str
    kind: NoticeKind
    odno: str  # this order's number (for revise/cancel: the new order number)
    orig_odno: str  # original order number for revise/cancel, else ""
    org_no: str
    symbol: Symbol
    name: str
    side: Side
    order_type: OrderType
    order_qty: int
    order_price: int  # 0 for market orders
    fill_qty: int  # FILL: this execution's qty, else 0
    fill_price: int  # FILL: this execution's price, else 0
    ts: datetime
    reason: str = ""  # REJECTED: the reason; CANCELLED: "requested" | "expired" | "market_remainder"
    account_name: str = ""


MarketEvent = TradePrint | BookUpdate | OrderNotice
Listener = Callable[[MarketEvent], None]


@dataclass(frozen=True, slots=True)
class OrderResult:
    accepted: bool
    odno: str = ""
    org_no: str = ""
    ord_time: str = ""  # HHMMSS (simulated KST)
    reason: RejectReason | None = None
    message: str = ""  # English detail naming the bad thing
