"""Backtest vs simulator (issue 7's last figure): the same strategy on the same recorded data.

The synthetic simulator (x120) is recorded into a store file; that store is replayed through the
simulator with the live trader running RSI(3) 45/55; the tick-mode backtester runs the same
strategy, cash and risk limits on the same recorded events. Every trade of either path must be
matched exactly or explained by latency (``kistrade.app.compare_live``); the table is printed.

    uv run --frozen pytest -q -s tests/e2e/test_backtest_vs_sim.py
    uv run --frozen python bench/backtest_vs_sim.py        # the same, as a report
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from kistrade.app.backtest_vs_sim import Scenario, feed_lag, run_comparison
from kistrade.app.compare_live import format_table, summary


async def test_backtest_and_simulator_trade_alike_on_replayed_data(tmp_path: Path) -> None:
    scn = Scenario(symbols=("005930",), minutes=20, speed=120.0)
    c = await run_comparison(scn, tmp_path)
    print()
    print(feed_lag(c.live.arrivals).line())
    print(format_table(c.pairs))
    for d in c.bar_diffs:
        print(" ", d.line())
    rec = c.recording
    assert rec.reason == "until" and rec.progress.trades > 100 and rec.progress.books > 20
    assert c.live.replayed > 0 and c.live.skipped == 0, "every recorded event replays"
    assert len(c.backtest) >= 2 and len(c.live.trades) >= 2, "both paths trade"
    counts = summary(c.pairs)
    assert counts["backtest"] == len(c.backtest) and counts["live"] == len(c.live.trades)
    unexplained = [p for p in c.pairs if p.verdict == "unexplained"]
    assert not unexplained, "\n" + format_table(unexplained)
    assert counts["exact"] + counts["latency"] == len(c.pairs)
    for p in c.pairs:
        if p.backtest is None or p.live is None:
            continue
        # paired = decided on the same bar: the fills are seconds apart (bar closed by the clock
        # vs by the next recorded print, plus the live order's round trip), never a bar or more
        assert p.lag_s is not None and abs(p.lag_s) < 30, p
        assert p.live.filled_at - p.live.decided_at < timedelta(seconds=10), p.live
    # every live bar that differs from the recorded one is accounted for by prints that reached
    # the trader late (or before it subscribed) and by its own prints on the replayed tape
    for d in c.bar_diffs:
        assert d.late is not None and d.late >= 0, d.line()
        assert d.undelivered is not None and d.undelivered >= 0, d.line()
        assert d.missing == d.late + d.undelivered, d.line()
        assert d.missing > 0 or d.own > 0, d.line()
