"""Backtest vs simulator on the same recorded data: the comparison table of issue 7.

    uv run --frozen python bench/backtest_vs_sim.py [--symbols 005930,000660] [--minutes 20]
        [--speed 120] [--seed 7] [--keep DIR]

Records the synthetic simulator (accelerated) into a store file, replays that store through the
simulator with the live trader running RSI(3) 45/55, runs the tick-mode backtester on the same
recorded events with the same strategy, cash and risk limits, and prints the trades of both paths
lined up by (symbol, side, order sequence), each exact or explained by latency (or unexplained),
and the live bars that late prints changed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path

from loguru import logger

from kistrade.app.backtest_vs_sim import Comparison, Scenario, feed_lag, run_comparison
from kistrade.app.compare_live import format_table


def report(c: Comparison) -> str:
    rec, live = c.recording.progress, c.live
    lines = [
        f"recorded: {rec.trades:,} prints, {rec.books:,} books; replay simulator placed "
        f"{live.replayed:,}, skipped {live.skipped:,}; live trader dropped {live.late_prints} late prints",
        feed_lag(live.arrivals).line(),
        format_table(c.pairs),
        f"live bars differing from the recorded prints' bars: {len(c.bar_diffs)}",
        *(f"  {d.line()}" for d in c.bar_diffs),
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--symbols", default="005930")
    ap.add_argument("--minutes", type=int, default=20)
    ap.add_argument("--speed", type=float, default=120.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", type=Path, default=None, help="work directory to keep (default: a temp dir)")
    args = ap.parse_args(argv)
    logger.remove()
    logger.add(sys.stderr, level="WARNING")
    logging.getLogger("aiohttp").setLevel(logging.WARNING)
    scn = Scenario(
        symbols=tuple(s.strip() for s in args.symbols.split(",") if s.strip()),
        minutes=args.minutes,
        speed=args.speed,
        seed=args.seed,
    )
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        result = asyncio.run(run_comparison(scn, work))
    print(report(result))
    print(f"({time.monotonic() - t0:.1f} s wall, x{scn.speed:g}, {scn.minutes} simulated minutes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
