"""Bars per second of the ``rsi`` backtest on synthetic minute bars, next to backtesting.py and
vectorbt on the same bars in the same run, with the trade counts of each.

    uv run --frozen python bench/backtest_bars.py [--bars 1000000] [--repeat 1] [--skip-event]
        [--skip-per-bar]

Rows: the event-driven runner (live kernel, risk gate, router, exchange auction fills) twice:
as run by default (runs of bars where nothing can happen taken in bulk by
``Kernel.on_quiet_bars``; every bar with an order, a day roll, a risk rule or a signal goes
through the per-bar path) and with ``skip_quiet=False`` (every bar through ``Kernel.on_bar``;
both are proven equal in tests); the numpy sweep kernel (kistrade.backtest.fast_rsi, proven equal
trade for trade to the runner), then backtesting.py and vectorbt (skipped with a line if not
installed: ``uv sync --group bench``). The event-driven timings include building the series
from the arrays. Costs: commission 0.0140527 % a side, no sell tax, 10,000,000 won, all-in at
the next open.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from decimal import Decimal

import numpy as np

from kistrade.backtest.config import BacktestConfig
from kistrade.backtest.data import minute_columns
from kistrade.backtest.fast_rsi import run_rsi_fast
from kistrade.backtest.metrics import round_trips
from kistrade.backtest.runner import run_bars
from kistrade.domain.types import KST, Symbol
from kistrade.strategy import create_strategy

COMMISSION = Decimal("0.000140527")
CASH = 10_000_000


def synthetic(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    closes = np.maximum(1_000, (60_000 * np.exp(np.cumsum(rng.normal(0, 0.002, n)))).astype(np.int64))
    opens = np.maximum(1_000, (closes * np.exp(rng.normal(0, 0.0005, n))).astype(np.int64))
    highs = np.maximum(opens, closes)
    lows = np.minimum(opens, closes)
    return opens, highs, lows, closes


def timed(label: str, n: int, fn: object, base: float | None) -> float:
    assert callable(fn)
    t0 = time.perf_counter()
    trades = fn()
    dt = time.perf_counter() - t0
    rate = n / dt
    ratio = f"{rate / base:6.2f}x backtesting.py" if base else ""
    print(f"{label:<36} {rate:>12,.0f} bars/s  {dt:8.2f} s  trades {trades:>6}  {ratio}")
    return rate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bars", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=1, help="runs of each kistrade event-driven row")
    ap.add_argument("--skip-event", action="store_true", help="no event-driven rows")
    ap.add_argument("--skip-per-bar", action="store_true", help="no every-bar event-driven row (slow)")
    args = ap.parse_args()
    n = args.bars
    opens, highs, lows, closes = synthetic(n)
    print(f"{n:,} synthetic minute bars, rsi(14) 30/70, all-in at the next open, commission {COMMISSION}")
    results: dict[str, float] = {}

    def bt_py() -> int:
        import pandas as pd
        import talib
        from backtesting import Backtest, Strategy

        df = pd.DataFrame(
            {"Open": opens, "High": highs, "Low": lows, "Close": closes, "Volume": np.full(n, 1e9)},
            index=pd.date_range("2020-01-01", periods=n, freq="min"),
        ).astype(float)

        class Rsi(Strategy):  # type: ignore[misc]
            def init(self) -> None:
                self.rsi = self.I(talib.RSI, self.data.Close, 14)

            def next(self) -> None:
                v = self.rsi[-1]
                if not self.position and v < 30:
                    self.buy()
                elif self.position and v > 70:
                    self.position.close()

        stats = Backtest(df, Rsi, cash=CASH, commission=float(COMMISSION)).run()
        return int(stats["# Trades"])

    base: float | None = None
    try:
        import backtesting  # noqa: F401

        base = results["backtesting.py"] = timed("backtesting.py 0.6", n, bt_py, None)
    except ImportError:
        print("backtesting.py: skipped (not installed; uv sync --group bench)")

    def event(skip_quiet: bool) -> int:
        volumes = np.full(n, 10**9, dtype=np.int64)
        start = datetime(2020, 1, 2, 9, 0, tzinfo=KST)
        series = minute_columns(
            Symbol("005930"), start, opens=opens, highs=highs, lows=lows, closes=closes, volumes=volumes
        )
        cfg = BacktestConfig(cash=CASH, commission_rate=COMMISSION, sell_tax_rate=Decimal(0))
        result = run_bars(create_strategy("rsi"), series, cfg, skip_quiet=skip_quiet)
        return len(round_trips(result.record.fills))

    if not args.skip_event:
        for _ in range(args.repeat):
            timed("kistrade event-driven (full path)", n, lambda: event(True), base)
        if not args.skip_per_bar:
            for _ in range(args.repeat):
                timed("kistrade event-driven, every bar", n, lambda: event(False), base)
    timed(
        "kistrade numpy sweep kernel",
        n,
        lambda: sum(
            1 for t in run_rsi_fast(opens, closes, cash=CASH, commission=COMMISSION).trades if t.exit_bar
        ),
        base,
    )

    def vbt(upto: int = n) -> int:
        import pandas as pd
        import talib
        import vectorbt as vbt_mod

        rsi = talib.RSI(closes[:upto].astype(float), 14)
        with np.errstate(invalid="ignore"):
            entries = pd.Series(rsi < 30).shift(1, fill_value=False).to_numpy()
            exits = pd.Series(rsi > 70).shift(1, fill_value=False).to_numpy()
        pf = vbt_mod.Portfolio.from_signals(
            close=closes[:upto].astype(float),
            entries=entries,
            exits=exits,
            price=opens[:upto].astype(float),
            size=np.inf,
            init_cash=CASH,
            fees=float(COMMISSION),
            size_granularity=1,
        )
        return int(pf.trades.closed.count())

    try:
        import vectorbt  # noqa: F401

        vbt(2_000)  # numba compiles on the first call: keep that out of the timing
        timed("vectorbt 1.x (from_signals, warm)", n, vbt, base)
    except ImportError:
        print("vectorbt: skipped (not installed; uv sync --group bench)")


if __name__ == "__main__":
    main()
