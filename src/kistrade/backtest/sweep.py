"""``kistrade optimize``: a parameter grid over the event-driven runner, optionally on
walk-forward splits, on a local process pool (or Ray when installed), ranked and saved.

Walk-forward: the bars are cut into ``splits`` consecutive equal test windows; each grid point
is scored on each window (the strategy warms up on the bars before the window, with no trading),
and the rank uses the mean of the chosen metric over the windows.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kistrade.backtest.config import BacktestConfig
from kistrade.backtest.data import BarSeries
from kistrade.backtest.params import build_params
from kistrade.backtest.runner import metrics_of, run_bars
from kistrade.domain.errors import ConfigError, InvalidInputError
from kistrade.strategy import create_strategy

RANK_KEYS = ("total_return", "sharpe", "cagr", "final_equity", "max_drawdown", "win_rate")


def parse_grid(items: list[str]) -> dict[str, list[str]]:
    """``key=v1,v2,...`` (or ``key=start:stop:step`` for ints) -> values per key."""
    grid: dict[str, list[str]] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep:
            raise InvalidInputError(f"--grid {item!r} is not key=v1,v2")
        if raw.count(":") == 2:
            a, b, c = (int(x) for x in raw.split(":"))
            grid[key.strip()] = [str(v) for v in range(a, b + 1, c)]
        else:
            grid[key.strip()] = [v.strip() for v in raw.split(",") if v.strip()]
    return grid


def points(grid: dict[str, list[str]]) -> Iterator[dict[str, str]]:
    keys = list(grid)
    for combo in itertools.product(*(grid[k] for k in keys)):
        yield dict(zip(keys, combo, strict=True))


@dataclass(frozen=True, slots=True)
class Job:
    strategy: str
    params: dict[str, str]
    series: BarSeries
    config: BacktestConfig
    windows: tuple[tuple[int, int], ...]


def windows(n: int, splits: int) -> tuple[tuple[int, int], ...]:
    if splits <= 1:
        return ((0, n),)
    size = n // (splits + 1)  # the first slice is warm-up only
    if size < 2:
        raise InvalidInputError(f"{n} bars are too few for {splits} walk-forward splits")
    return tuple((size * (k + 1), size * (k + 2) if k < splits - 1 else n) for k in range(splits))


def run_job(job: Job) -> dict[str, Any]:
    scores: list[dict[str, Any]] = []
    for lo, hi in job.windows:
        strategy = create_strategy(job.strategy, build_params(job.strategy, job.params))
        strategy.warm_up(job.series.bars[:lo])
        part = BarSeries(job.series.symbol, job.series.bars[lo:hi], job.series.daily)
        m = metrics_of(run_bars(strategy, part, job.config)).to_json()
        m.pop("trades")
        scores.append(m)
    row: dict[str, Any] = dict(job.params)
    for key in (*RANK_KEYS, "trade_count"):
        vals = [s[key] for s in scores if s[key] is not None]
        row[key] = sum(vals) / len(vals) if vals else None
    row["windows"] = len(scores)
    return row


def optimize(
    jobs: list[Job],
    *,
    executor: str = "process",
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if executor == "ray":
        try:
            import ray  # type: ignore[import-not-found]
        except ImportError:
            raise ConfigError(
                "--executor ray needs the optional 'ray' package (uv pip install ray)"
            ) from None
        remote = ray.remote(run_job)
        rows = list(ray.get([remote.remote(j) for j in jobs]))
    elif executor == "process":
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for i, row in enumerate(pool.map(run_job, jobs), start=1):
                rows.append(row)
                if progress is not None:
                    progress(i, len(jobs))
    elif executor == "serial":
        for i, job in enumerate(jobs, start=1):
            rows.append(run_job(job))
            if progress is not None:
                progress(i, len(jobs))
    else:
        raise InvalidInputError(f"unknown executor {executor!r} (process, serial, ray)")
    return rows


def rank(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    if key not in RANK_KEYS:
        raise InvalidInputError(f"cannot rank by {key!r} (choose from {', '.join(RANK_KEYS)})")
    return sorted(rows, key=lambda r: (r[key] is None, -(r[key] or 0.0)))


def save(rows: list[dict[str, Any]], out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    jpath, cpath = out / "optimize.json", out / "optimize.csv"
    jpath.write_text(json.dumps(rows, indent=2, default=str), encoding="utf-8")
    with cpath.open("w", newline="", encoding="utf-8") as fh:
        if rows:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    return jpath, cpath
