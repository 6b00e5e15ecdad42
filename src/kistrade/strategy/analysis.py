"""Pure order-book and trade-flow metrics, and their scores (used by rsi_orderbook and the dashboard).

- spread rate: ``(ask1 - bid1) / mid``, ``mid = (ask1 + bid1) / 2`` (``pct`` = rate * 100);
- volume imbalance over the first ``levels`` levels: ``(bid - ask) / (bid + ask)`` in [-1, 1],
  optionally depth-weighted (level i, counting from 0 at the touch, weighs ``1 / (i + 1)``);
- trade-flow pressure over a rolling time window: ``(buy - sell) / (buy + sell)`` in [-1, 1] of
  aggressor volume (``Trade.aggressor``; prints without an aggressor are counted apart, not guessed).

Levels with a non-positive price or quantity (KIS pads missing levels with zeros) are skipped.
A metric that cannot be computed is ``None``, never a made-up number.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import BookLevel, OrderBook, Side, Trade


@dataclass(frozen=True, slots=True)
class Spread:
    bid: int
    ask: int
    mid: float
    rate: float

    @property
    def pct(self) -> float:
        return self.rate * 100.0


@dataclass(frozen=True, slots=True)
class Imbalance:
    bid_qty: float
    ask_qty: float
    levels: int
    weighted: bool

    @property
    def value(self) -> float:
        """(bid - ask) / (bid + ask), in [-1, 1]."""
        return (self.bid_qty - self.ask_qty) / (self.bid_qty + self.ask_qty)

    @property
    def ratio(self) -> float:
        """bid / ask volume (``inf`` when the ask side is empty)."""
        return self.bid_qty / self.ask_qty if self.ask_qty > 0 else float("inf")


@dataclass(frozen=True, slots=True)
class FlowStats:
    buy_qty: int
    sell_qty: int
    unknown_qty: int
    trades: int
    window_s: float

    @property
    def value(self) -> float:
        """(buy - sell) / (buy + sell), in [-1, 1]; 0.0 when no aggressor volume was seen."""
        total = self.buy_qty + self.sell_qty
        return (self.buy_qty - self.sell_qty) / total if total else 0.0


def spread(book: OrderBook) -> Spread | None:
    """The touch spread; ``None`` when a side is empty or the book is crossed (ask < bid)."""
    bid, ask = book.best_bid, book.best_ask
    if bid is None or ask is None or ask < bid:
        return None
    mid = (ask + bid) / 2.0
    return Spread(bid=bid, ask=ask, mid=mid, rate=(ask - bid) / mid)


def _side_qty(levels: tuple[BookLevel, ...], depth: int, weighted: bool) -> float:
    total = 0.0
    for i, level in enumerate(levels[:depth]):
        if level.price > 0 and level.qty > 0:
            total += level.qty / (i + 1) if weighted else level.qty
    return total


def imbalance(book: OrderBook, levels: int = 10, *, weighted: bool = False) -> Imbalance | None:
    """Bid vs ask resting volume over the first ``levels`` levels; ``None`` when both are empty."""
    if isinstance(levels, bool) or not isinstance(levels, int) or not 1 <= levels <= 10:
        raise InvalidInputError(f"imbalance levels must be an int in [1, 10], got {levels!r}")
    bid_qty = _side_qty(book.bids, levels, weighted)
    ask_qty = _side_qty(book.asks, levels, weighted)
    if bid_qty + ask_qty <= 0:
        return None
    return Imbalance(bid_qty=bid_qty, ask_qty=ask_qty, levels=levels, weighted=weighted)


class TradeFlowWindow:
    """Aggressor volume over the trailing ``window_s`` seconds: trades with ``now - window_s < ts <= now``.

    Trades are expected in time order (as a feed delivers them). O(1) amortised per trade.
    """

    __slots__ = ("_buy", "_sell", "_trades", "_unknown", "_window", "window_s")

    def __init__(self, window_s: float) -> None:
        if isinstance(window_s, bool) or not isinstance(window_s, int | float) or not window_s > 0:
            raise InvalidInputError(f"trade-flow window must be > 0 seconds, got {window_s!r}")
        self.window_s = float(window_s)
        self._window = timedelta(seconds=window_s)
        self._trades: deque[tuple[datetime, int, Side | None]] = deque()
        self._buy = 0
        self._sell = 0
        self._unknown = 0

    def add(self, trade: Trade) -> None:
        if trade.qty <= 0:
            raise InvalidInputError(f"trade quantity must be positive, got {trade.qty} ({trade.symbol})")
        self._trades.append((trade.ts, trade.qty, trade.aggressor))
        self._count(trade.qty, trade.aggressor, 1)

    def _count(self, qty: int, side: Side | None, sign: int) -> None:
        if side is Side.BUY:
            self._buy += sign * qty
        elif side is Side.SELL:
            self._sell += sign * qty
        else:
            self._unknown += sign * qty

    def stats(self, now: datetime) -> FlowStats:
        cutoff = now - self._window
        trades = self._trades
        while trades and trades[0][0] <= cutoff:
            _, qty, side = trades.popleft()
            self._count(qty, side, -1)
        return FlowStats(
            buy_qty=self._buy,
            sell_qty=self._sell,
            unknown_qty=self._unknown,
            trades=len(trades),
            window_s=self.window_s,
        )


def clip01(x: float) -> float:
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


def spread_score(s: Spread, max_spread_pct: float) -> float:
    """1 at a zero spread, falling linearly to 0 at ``max_spread_pct`` and beyond."""
    return clip01(1.0 - s.pct / max_spread_pct)


def lean_score(value: float) -> float:
    """A [-1, 1] lean (imbalance, flow) mapped onto [0, 1]: -1 -> 0, 0 -> 0.5, +1 -> 1."""
    return clip01((value + 1.0) / 2.0)


def fmt_spread(s: Spread | None) -> str:
    return "spread n/a (one side empty)" if s is None else f"spread {s.pct:.2f}%"


def fmt_imbalance(imb: Imbalance | None) -> str:
    if imb is None:
        return "bid/ask volume n/a (empty book)"
    ratio = "inf" if imb.ask_qty <= 0 else f"{imb.ratio:.2f}"
    return f"bid/ask volume {ratio} (imbalance {imb.value:+.2f})"


def fmt_flow(flow: FlowStats) -> str:
    window = f"{flow.window_s:g}s"
    if flow.buy_qty + flow.sell_qty == 0:
        return f"trade flow +0.00 (no aggressor volume in {window})"
    return f"trade flow {flow.value:+.2f} (buy {flow.buy_qty:,} / sell {flow.sell_qty:,} in {window})"
