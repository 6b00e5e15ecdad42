"""Line up the trades of two runs of one strategy (backtest vs simulator) and classify each pair.

A trade is one order that filled (``TradeRow``: symbol, side, filled quantity, volume-weighted
price, decision time, first fill time). Trades are matched by (symbol, side, order sequence):
the n-th filled BUY of 005930 in one run meets the n-th filled BUY of 005930 in the other.

Each pair is ``exact`` (same quantity, same price), ``latency`` or ``unexplained``. ``latency``:

* decided on the same bar (the same minute) but filled at a different instant, so at another
  book: the live kernel closes a bar on its clock tick and its market order then makes a round
  trip to the venue, the backtest closes the bar on the next recorded print and fills at once;
  the lag is the live first fill less the backtest's;
* in one run only, when the live bars the decision rests
  on differ from the recorded ones (``bar_differences``): prints that reached the trader after
  its clock had closed their minute were dropped as late, so a live bar's close differs and the
  indicator crossed its band one bar earlier or later. Only bars whose close differs, within
  ``lookback`` minutes before the decision, count;
* in one run only, when the two runs' holdings of the symbol already differ at its decision
  (a knock-on: the strategy's rule depends on the position, and the first divergence had to be
  explained by the rule above).

Anything else is ``unexplained`` (a bug in one of the paths).

    rows = compare_trades(trades_of(bt_orders), trades_of(live_orders))
    print(format_table(rows))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from kistrade.domain.orders import Order
from kistrade.domain.types import Bar, Side, Symbol

Verdict = Literal["exact", "latency", "unexplained"]


@dataclass(frozen=True, slots=True)
class TradeRow:
    symbol: Symbol
    side: Side
    qty: int
    value: int  # sum of price x qty over the fills
    decided_at: datetime  # the order's creation (the bar close that decided it)
    filled_at: datetime  # the first fill

    @property
    def price(self) -> float:
        return self.value / self.qty


@dataclass(frozen=True, slots=True)
class Pairing:
    symbol: Symbol
    side: Side
    seq: int  # 1-based order sequence within (symbol, side)
    backtest: TradeRow | None
    live: TradeRow | None
    verdict: Verdict
    why: str

    @property
    def lag_s(self) -> float | None:
        """Live first fill less backtest first fill, in seconds (None when one side is missing)."""
        if self.backtest is None or self.live is None:
            return None
        return (self.live.filled_at - self.backtest.filled_at).total_seconds()


def trades_of(orders: Iterable[Order]) -> list[TradeRow]:
    """Filled (or partly filled) orders as trades, ordered by their first fill."""
    rows = [
        TradeRow(o.symbol, o.side, o.filled_qty, o.filled_value, o.created_at, min(f.ts for f in o.fills))
        for o in orders
        if o.filled_qty > 0 and o.fills
    ]
    return sorted(rows, key=lambda r: (r.filled_at, r.decided_at))


def _minute(ts: datetime) -> datetime:
    return ts.replace(second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class BarDiff:
    """A minute whose live bar differs from the bar of the recorded prints.

    ``own``: shares the live account traded in that minute (its own prints are on the replayed
    tape, the recording's are not); ``missing``: recorded shares the live bar lacks once its own
    prints are taken out (prints that reached the trader after its clock closed the minute, or
    before it subscribed)."""

    symbol: Symbol
    start: datetime
    recorded: Bar | None
    live: Bar | None
    own: int = 0
    received: int | None = None  # shares the trader's feed delivered for that minute (own included)

    @property
    def late(self) -> int | None:
        """Shares delivered after the live kernel had closed the minute (dropped as late)."""
        if self.received is None:
            return None
        return self.received - (self.live.volume if self.live is not None else 0)

    @property
    def undelivered(self) -> int | None:
        """Recorded shares the feed never delivered (before the subscription, or lost)."""
        if self.received is None:
            return None
        return (self.recorded.volume if self.recorded is not None else 0) + self.own - self.received

    @property
    def close_differs(self) -> bool:
        """The close (all a close-based indicator sees) differs, or the bar is in one run only."""
        return self.recorded is None or self.live is None or self.recorded.close != self.live.close

    @property
    def missing(self) -> int:
        rec = self.recorded.volume if self.recorded is not None else 0
        got = self.live.volume if self.live is not None else 0
        return rec - (got - self.own)

    def line(self) -> str:
        def show(b: Bar | None) -> str:
            return "-" if b is None else f"close {b.close:,} vol {b.volume:,}"

        split = "" if self.received is None else f" = {self.late:,} late + {self.undelivered:,} undelivered"
        return (
            f"{self.symbol} {self.start:%H:%M} recorded {show(self.recorded)} / live {show(self.live)}: "
            f"{self.missing:,} recorded shares missed{split}; {self.own:,} own shares printed"
        )


def bar_differences(
    recorded: Sequence[Bar],
    live: Sequence[Bar],
    live_trades: Sequence[TradeRow] = (),
    received: Mapping[datetime, int] | None = None,
) -> list[BarDiff]:
    """Minutes (within the live bars' span) where the live bar's close or volume differs.
    ``received``: shares the live feed delivered per minute (splits the missed shares)."""
    if not live:
        return []
    first, last = live[0].start, live[-1].start
    rec = {b.start: b for b in recorded if first <= b.start <= last}
    got = {b.start: b for b in live}
    own: dict[tuple[Symbol, datetime], int] = {}
    for t in live_trades:  # a market order fills within its minute (its fills share filled_at's)
        key = (t.symbol, _minute(t.filled_at))
        own[key] = own.get(key, 0) + t.qty
    out: list[BarDiff] = []
    for start in sorted(set(rec) | set(got)):
        r, g = rec.get(start), got.get(start)
        if r is None or g is None or (r.close, r.volume) != (g.close, g.volume):
            sym = r.symbol if r is not None else live[0].symbol
            got_qty = None if received is None else received.get(start, 0)
            out.append(BarDiff(sym, start, r, g, own.get((sym, start), 0), got_qty))
    return out


def _explaining(
    diffs: Sequence[BarDiff], symbol: Symbol, decided: Sequence[datetime], lookback: int
) -> list[BarDiff]:
    lo = min(_minute(d) for d in decided) - timedelta(minutes=lookback)
    hi = max(_minute(d) for d in decided)
    return [d for d in diffs if d.symbol == symbol and lo <= d.start < hi and d.close_differs]


def _held(rows: Sequence[TradeRow], symbol: Symbol, before: datetime) -> int:
    return sum(r.qty * r.side.sign for r in rows if r.symbol == symbol and r.filled_at < before)


def _same_bar(bt: TradeRow, live: TradeRow) -> tuple[Verdict, str]:
    if (bt.qty, bt.value) == (live.qty, live.value):
        return "exact", ""
    parts = []
    if bt.value * live.qty != live.value * bt.qty:
        parts.append(f"price {bt.price:,.1f} -> {live.price:,.1f}")
    if bt.qty != live.qty:
        parts.append(f"qty {bt.qty} -> {live.qty}")
    lag = (live.filled_at - bt.filled_at).total_seconds()
    round_trip = (live.filled_at - live.decided_at).total_seconds()
    return "latency", (
        f"same bar, live filled {lag:+.2f}s vs backtest (order round trip {round_trip:.2f}s): "
        + ", ".join(parts)
    )


def _one_sided(
    row: TradeRow,
    in_backtest: bool,
    *,
    backtest: Sequence[TradeRow],
    live: Sequence[TradeRow],
    diffs: Sequence[BarDiff],
    lookback: int,
) -> tuple[Verdict, str]:
    what = "backtest only" if in_backtest else "live only"
    why = _explaining(diffs, row.symbol, [row.decided_at], lookback)
    if why:
        shown = ", ".join(
            f"{d.start:%H:%M} ({d.late if d.late is not None else d.missing:,} late)" for d in why
        )
        return "latency", f"{what}; live close differs at {shown}"
    held_bt = _held(backtest, row.symbol, row.decided_at)
    held_live = _held(live, row.symbol, row.decided_at)
    if held_bt != held_live:
        return "latency", f"{what}; knock-on: holdings already differ (backtest {held_bt}, live {held_live})"
    return "unexplained", what


def _align(a: Sequence[TradeRow], b: Sequence[TradeRow]) -> list[tuple[int | None, int | None]]:
    """Longest common subsequence on (side, decision minute): pairs and one-sided trades, in order."""

    def key(r: TradeRow) -> tuple[Side, datetime]:
        return r.side, _minute(r.decided_at)

    n, m = len(a), len(b)
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            same = key(a[i]) == key(b[j])
            best[i][j] = best[i + 1][j + 1] + 1 if same else max(best[i + 1][j], best[i][j + 1])
    out: list[tuple[int | None, int | None]] = []
    i = j = 0
    while i < n and j < m:
        if key(a[i]) == key(b[j]):
            out.append((i, j))
            i, j = i + 1, j + 1
        elif best[i + 1][j] >= best[i][j + 1]:
            out.append((i, None))
            i += 1
        else:
            out.append((None, j))
            j += 1
    return out + [(k, None) for k in range(i, n)] + [(None, k) for k in range(j, m)]


def compare_trades(
    backtest: Sequence[TradeRow],
    live: Sequence[TradeRow],
    bar_diffs: Sequence[BarDiff] = (),
    *,
    lookback: int = 10,
) -> list[Pairing]:
    """Line up both runs' trades per symbol (same side decided on the same bar, in order) and
    classify every pair and every one-sided trade; ``seq`` is the order's sequence number within
    (symbol, side) of the backtest (of the live run for a live-only trade)."""
    out: list[Pairing] = []
    for sym in sorted({r.symbol for r in (*backtest, *live)}):
        a = [r for r in backtest if r.symbol == sym]
        b = [r for r in live if r.symbol == sym]
        for i, j in _align(a, b):
            bt = a[i] if i is not None else None
            lv = b[j] if j is not None else None
            if bt is not None and lv is not None:
                verdict, why = _same_bar(bt, lv)
            elif bt is not None:
                verdict, why = _one_sided(
                    bt, True, backtest=backtest, live=live, diffs=bar_diffs, lookback=lookback
                )
            elif lv is not None:
                verdict, why = _one_sided(
                    lv, False, backtest=backtest, live=live, diffs=bar_diffs, lookback=lookback
                )
            else:  # pragma: no cover - _align never yields (None, None)
                continue
            ref = bt if bt is not None else lv
            assert ref is not None
            rows = a if bt is not None else b
            seq = sum(1 for r in rows[: rows.index(ref) + 1] if r.side is ref.side)
            out.append(Pairing(sym, ref.side, seq, bt, lv, verdict, why))
    return sorted(out, key=lambda p: min(r.filled_at for r in (p.backtest, p.live) if r is not None))


def summary(rows: Sequence[Pairing]) -> dict[str, int]:
    counts = {"backtest": 0, "live": 0, "exact": 0, "latency": 0, "unexplained": 0}
    for p in rows:
        counts["backtest"] += p.backtest is not None
        counts["live"] += p.live is not None
        counts[p.verdict] += 1
    return counts


def _cell(r: TradeRow | None) -> str:
    if r is None:
        return "-"
    return f"{r.decided_at:%H:%M:%S} {r.filled_at:%H:%M:%S.%f}"[:-3] + f" {r.qty}@{r.price:,.1f}"


def format_table(rows: Sequence[Pairing]) -> str:
    head = f"{'symbol':<7} {'side':<4} {'#':>3}  {'backtest (decided filled qty@px)':<40} "
    head += f"{'simulator (decided filled qty@px)':<40} {'lag s':>7}  verdict"
    lines = [head, "-" * len(head)]
    for p in rows:
        lag = "" if p.lag_s is None else f"{p.lag_s:+.2f}"
        lines.append(
            f"{p.symbol:<7} {p.side.value:<4} {p.seq:>3}  {_cell(p.backtest):<40} {_cell(p.live):<40} "
            f"{lag:>7}  {p.verdict}{' (' + p.why + ')' if p.why else ''}"
        )
    c = summary(rows)
    lines.append(
        f"trades: backtest {c['backtest']}, simulator {c['live']}; pairs exact {c['exact']}, "
        f"latency {c['latency']}, unexplained {c['unexplained']}"
    )
    return "\n".join(lines)


__all__ = [
    "BarDiff",
    "Pairing",
    "TradeRow",
    "Verdict",
    "bar_differences",
    "compare_trades",
    "format_table",
    "summary",
    "trades_of",
]
