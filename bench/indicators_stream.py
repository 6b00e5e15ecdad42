"""Streaming indicators vs TA-Lib batch on the same 1,000,000 values, in the same run.

    uv run --frozen python bench/indicators_stream.py [--values 1000000] [--period 14] [--repeat 3]

For RSI, SMA and EMA: updates/s of our O(1) streaming class (one ``update(x)`` call per value,
the way the strategies use it) next to ``talib.<FN>`` over the whole array (values/s), the ratio,
and the largest difference between the two outputs (the streaming contract is <= 1e-9).
Best of ``--repeat`` runs for each.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import talib

from kistrade.indicators import EmaStream, RsiStream, SmaStream


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    best = float("inf")
    result: object = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def stream_run(
    cls: type[RsiStream | SmaStream | EmaStream], period: int, xs: list[float]
) -> Callable[[], list[float | None]]:
    def run() -> list[float | None]:
        update = cls(period).update
        return [update(x) for x in xs]

    return run


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--values", type=int, default=1_000_000)
    ap.add_argument("--period", type=int, default=14)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    rng = np.random.default_rng(20261124)
    arr = np.cumsum(rng.normal(0.0, 1.0, args.values)) + 10_000.0  # a random walk of prices
    xs = arr.tolist()
    n = args.values
    print(f"{n:,} values, period {args.period}, best of {args.repeat}")
    print(f"{'indicator':<10}{'stream upd/s':>16}{'talib batch/s':>16}{'batch/stream':>14}{'max |diff|':>12}")
    for name, cls, fn in (
        ("RSI", RsiStream, talib.RSI),
        ("SMA", SmaStream, talib.SMA),
        ("EMA", EmaStream, talib.EMA),
    ):
        t_stream, streamed = best_of(args.repeat, stream_run(cls, args.period, xs))
        t_batch, batch = best_of(args.repeat, lambda fn=fn: fn(arr, timeperiod=args.period))
        assert isinstance(streamed, list) and isinstance(batch, np.ndarray)
        s = np.array([np.nan if v is None else v for v in streamed])
        ok = ~np.isnan(batch)
        assert np.array_equal(ok, ~np.isnan(s)), f"{name}: warm-up lengths differ"
        diff = float(np.max(np.abs(s[ok] - batch[ok])))
        print(
            f"{name:<10}{n / t_stream:>16,.0f}{n / t_batch:>16,.0f}{t_stream / t_batch:>14,.0f}x{diff:>11.1e}"
        )
    print("streaming pays one Python call per value; it exists for live bars, not for sweeps.")


if __name__ == "__main__":
    main()
