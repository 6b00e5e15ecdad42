"""The live terminal board of ``kistrade watch``: last trade and best bid/ask per symbol, recent notices."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from rich.console import Group
from rich.table import Table
from rich.text import Text

from kistrade.domain.broker_events import ExecutionNotice, StreamGap
from kistrade.domain.types import OrderBook, Side, Trade


@dataclass(slots=True)
class _Row:
    price: int = 0
    qty: int = 0
    side: str = ""
    volume: int = 0
    time: str = ""
    bid: int = 0
    bid_qty: int = 0
    ask: int = 0
    ask_qty: int = 0
    trades: int = 0


class WatchBoard:
    def __init__(self, label: str) -> None:
        self.label = label
        self.rows: dict[str, _Row] = {}
        self.notes: deque[str] = deque(maxlen=8)
        self.events = 0

    def apply(self, event: object) -> None:
        self.events += 1
        if isinstance(event, Trade):
            row = self.rows.setdefault(event.symbol, _Row())
            row.price, row.qty, row.volume = event.price, event.qty, event.cum_volume
            row.side = (
                {Side.BUY: "buy", Side.SELL: "sell"}.get(event.aggressor, "") if event.aggressor else ""
            )
            row.time = event.ts.strftime("%H:%M:%S")
            row.trades += 1
        elif isinstance(event, OrderBook):
            row = self.rows.setdefault(event.symbol, _Row())
            if event.bids:
                row.bid, row.bid_qty = event.bids[0].price, event.bids[0].qty
            if event.asks:
                row.ask, row.ask_qty = event.asks[0].price, event.asks[0].qty
        elif isinstance(event, ExecutionNotice):
            what = "FILL" if event.is_fill else ("REJECTED" if event.rejected else event.kind.value)
            self.notes.append(
                f"{event.ts:%H:%M:%S} {what} {event.side.value} {event.symbol} {event.qty}@{event.price:,} "
                f"order {event.broker_order_id}"
            )
        elif isinstance(event, StreamGap):
            self.notes.append(f"stream gap {event.duration:.1f}s ({event.reason}); resubscribed")

    def render(self) -> Group:
        t = Table(title=f"{self.label}  ·  {self.events} events", expand=False)
        for col in ("symbol", "time", "last", "qty", "side", "volume", "bid", "bid qty", "ask", "ask qty"):
            t.add_column(col, justify="left" if col in ("symbol", "side", "time") else "right")
        for sym, r in sorted(self.rows.items()):
            t.add_row(
                sym, r.time, f"{r.price:,}", f"{r.qty:,}", r.side, f"{r.volume:,}",
                f"{r.bid:,}", f"{r.bid_qty:,}", f"{r.ask:,}", f"{r.ask_qty:,}",
            )  # fmt: skip
        return Group(t, *(Text(n) for n in self.notes))
