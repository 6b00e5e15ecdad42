"""Trading KPIs: annualised return, worst daily loss, cost to profit, trades per week and signal
accuracy, from account snapshots, fills and signals. Round trips are the backtest's
(``kistrade.backtest.metrics.round_trips``: flat to flat, long only), taken per symbol."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime

from kistrade.app.kpi_model import Kpi, MarketHours, Status, judge, no_data, pct
from kistrade.backtest.metrics import RoundTrip, compute, round_trips
from kistrade.domain.types import KST, Fill, Side
from kistrade.engine.events import FillApplied
from kistrade.store.records import AccountSnapshot, SignalRecord

RETURN_TARGET = 0.05
DAILY_LOSS_TARGET = -0.03
COST_TARGET = 0.30
TRADES_PER_WEEK = (2.0, 5.0)
ACCURACY_TARGET = 0.60


def _in(ts: datetime, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or ts >= start) and (end is None or ts < end)


def trips_by_symbol(fills: Iterable[Fill]) -> dict[str, list[RoundTrip]]:
    """Closed round trips per symbol, oldest first. Sells of shares no recorded buy bought (a
    holding from before the bot) are left out, so they cannot pair with later buys."""
    per: dict[str, list[FillApplied]] = {}
    held: dict[str, int] = {}
    for f in sorted(fills, key=lambda f: f.ts):
        have = held.get(f.symbol, 0)
        qty = f.qty if f.side is Side.BUY else min(f.qty, have)
        if qty <= 0:
            continue
        held[f.symbol] = have + (qty if f.side is Side.BUY else -qty)
        per.setdefault(f.symbol, []).append(
            FillApplied(f.ts, f.client_order_id, "", f.symbol, f.side, qty, f.price, f.commission, f.tax, 0)
        )
    return {sym: round_trips(fs) for sym, fs in per.items()}


def annual_return(snapshots: list[AccountSnapshot]) -> Kpi:
    name, target = "Return (annualised)", f">= {pct(RETURN_TARGET, 0)} a year"
    snaps = sorted(snapshots, key=lambda s: s.ts)
    if len(snaps) < 2 or snaps[0].equity <= 0:
        return no_data("return", name, target, f"{len(snaps)} account snapshots: two are needed")
    first, last = snaps[0], snaps[-1]
    days = (last.ts - first.ts).total_seconds() / 86_400
    plain = last.equity / first.equity - 1
    if days < 1:
        return no_data(
            "return",
            name,
            target,
            f"the snapshots span {24 * days:.1f} h, under a day: not annualised (return over it "
            f"{pct(plain, 3)}, equity {first.equity:,} -> {last.equity:,} won)",
        )
    m = compute(
        start_cash=first.equity,
        times=[s.ts for s in snaps],
        closes=[],
        equity=[s.equity for s in snaps],
        fills=[],
        signals=[],
        horizon=1,
    )
    cagr = m.cagr if last.equity > 0 else -1.0
    return Kpi(
        "return",
        name,
        pct(cagr),
        target,
        judge(cagr >= RETURN_TARGET),
        f"(last equity / first) ** (365.25 / days) - 1 over {days:.1f} days of account snapshots "
        f"(equity = cash + positions at last prices): {first.equity:,} -> {last.equity:,} won, "
        f"{pct(plain, 3)} in all",
        cagr,
    )


def worst_daily_loss(snapshots: list[AccountSnapshot]) -> Kpi:
    name, target = "Worst daily loss", f"within {pct(DAILY_LOSS_TARGET, 0)}"
    by_day: dict[date, list[AccountSnapshot]] = {}
    for s in sorted(snapshots, key=lambda s: s.ts):
        by_day.setdefault(s.ts.astimezone(KST).date(), []).append(s)
    results: list[tuple[date, float, float]] = []  # day, close return, lowest point
    prev_close: int | None = None
    for day, snaps in sorted(by_day.items()):
        ref = prev_close if prev_close is not None else snaps[0].equity
        single = prev_close is None and len(snaps) < 2  # one point, nothing to compare it with
        prev_close = snaps[-1].equity
        if ref <= 0 or single:
            continue
        results.append((day, snaps[-1].equity / ref - 1, min(s.equity for s in snaps) / ref - 1))
    if not results:
        return no_data("daily_loss", name, target, f"{len(snapshots)} account snapshots: a day needs two")
    day, worst, _ = min(results, key=lambda r: r[1])
    trough = min(r[2] for r in results)
    return Kpi(
        "daily_loss",
        name,
        pct(worst),
        target,
        judge(worst >= DAILY_LOSS_TARGET),
        f"per KST day: last equity / (the previous day's last, else the day's first) - 1; worst "
        f"{day.isoformat()} of {len(results)} days; lowest intraday point {pct(trough)}",
        worst,
    )


def cost_to_profit(fills: list[Fill], start: datetime | None, end: datetime | None) -> Kpi:
    name, target = "Cost to profit", f"< {pct(COST_TARGET, 0)}"
    trips = [t for ts in trips_by_symbol(fills).values() for t in ts if _in(t.exit_time, start, end)]
    costs = sum(f.commission + f.tax for f in fills if _in(f.ts, start, end))
    if not trips:
        return no_data("cost_to_profit", name, target, f"no round trip closed (costs paid {costs:,} won)")
    gross = sum(t.gross for t in trips if t.gross > 0)
    if gross <= 0:
        return Kpi(
            "cost_to_profit",
            name,
            "no profit",
            target,
            Status.NOT_MET,
            f"none of {len(trips)} round trips made a gross profit; costs paid {costs:,} won",
            math.inf,
        )
    ratio = costs / gross
    return Kpi(
        "cost_to_profit",
        name,
        pct(ratio, 1),
        target,
        judge(ratio < COST_TARGET),
        f"commission + tax of every fill / gross (pre-cost) profit of the round trips that made one "
        f"(the backtest's definition): {costs:,} / {gross:,} won, {len(trips)} round trips",
        ratio,
    )


def trades_per_week(fills: list[Fill], span: tuple[datetime, datetime] | None, hours: MarketHours) -> Kpi:
    lo_t, hi_t = TRADES_PER_WEEK
    name, target = "Trades per week", f"{lo_t:g}-{hi_t:g}"
    if span is None:
        return no_data("trades_per_week", name, target, "nothing recorded")
    lo, hi = span
    sessions = hours.sessions(lo.astimezone(KST).date(), hi.astimezone(KST).date())
    if not sessions:
        return no_data("trades_per_week", name, target, "the span holds no KRX session")
    trips = [t for ts in trips_by_symbol(fills).values() for t in ts if lo <= t.exit_time <= hi]
    rate = len(trips) / (len(sessions) / 5)
    return Kpi(
        "trades_per_week",
        name,
        f"{rate:.1f}",
        target,
        judge(lo_t <= rate <= hi_t),
        f"round trips closed (flat to flat, per symbol) / (KRX sessions in the span / 5): "
        f"{len(trips)} over {len(sessions)} sessions (a partly covered session counts whole)",
        rate,
    )


def signal_accuracy(
    signals: list[SignalRecord], fills: list[Fill], start: datetime | None, end: datetime | None
) -> Kpi:
    name, target = "Signal accuracy", f"> {pct(ACCURACY_TARGET, 0)}"
    buys: dict[str, list[datetime]] = {}
    for s in signals:
        if s.side is Side.BUY:
            buys.setdefault(s.symbol, []).append(s.ts)
    judged = won = 0
    for sym, trips in trips_by_symbol(fills).items():
        prev_exit: datetime | None = None
        for t in trips:
            opened = any(
                (prev_exit is None or ts > prev_exit) and ts <= t.entry_time for ts in buys.get(sym, ())
            )
            prev_exit = t.exit_time
            if opened and _in(t.exit_time, start, end):
                judged += 1
                won += t.pnl > 0
    if not judged:
        return no_data(
            "signal_accuracy",
            name,
            target,
            "no entry signal's position has closed yet (accuracy = share of entry signals whose "
            "position closed with a profit after costs)",
        )
    acc = won / judged
    return Kpi(
        "signal_accuracy",
        name,
        pct(acc, 1),
        target,
        judge(acc > ACCURACY_TARGET),
        f"entry (buy) signals that opened a position since closed, judged by that round trip: "
        f"{won} of {judged} made money after costs (signals not acted on and positions still "
        f"open are not judged)",
        acc,
    )


__all__ = [
    "annual_return",
    "cost_to_profit",
    "signal_accuracy",
    "trades_per_week",
    "trips_by_symbol",
    "worst_daily_loss",
]
