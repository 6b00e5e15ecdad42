"""``kistrade backtest`` and ``kistrade optimize``: the event-driven backtester from the command line.

    kistrade backtest --strategy rsi --data ../shared/data/krx-daily/005930.csv --json
    kistrade backtest --compare rsi,rsi_orderbook --data 005930 --db kistrade.db --out report/
    kistrade optimize --strategy rsi --data FILE --grid rsi_period=7,14,21 --grid oversold=20,25,30 --out opt/

``--data`` is a CSV file (shared/data/krx-daily format or plain date,open,high,low,close,volume)
or a symbol whose daily bars are in the store (``--db`` or storage.db_file from the settings).
The progress bar and, with ``--json``, the summary table go to stderr; ``--json`` prints exactly
one JSON object on stdout.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from kistrade.cli.dates import parse_day
from kistrade.domain.errors import KistradeError

err = Console(stderr=True)
out = Console()


def _rate(text: str | None, option: str) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise typer.BadParameter(
            f"{option} {text!r} is not a number (a fraction: 0.00015 = 0.015%)"
        ) from None
    if not value.is_finite() or value < 0 or value >= 1:
        raise typer.BadParameter(f"{option} {text!r} must be a fraction in [0, 1)")
    return value


def load_series(data: str, db: Path | None, start: date | None, end: date | None) -> Any:
    from kistrade.backtest.data import BarSeries, load_csv
    from kistrade.domain.errors import InvalidInputError
    from kistrade.domain.types import parse_symbol

    path = Path(data)
    if path.suffix.lower() == ".csv" or path.is_file():
        return load_csv(path).between(start, end)
    symbol = parse_symbol(data)
    if db is None:
        from kistrade.app.settings import load_settings

        db = load_settings(None, None).storage.db_file
    if not db.is_file():
        raise InvalidInputError(f"--data {data!r} is not a file and the store {db} does not exist")

    async def fetch() -> Any:
        from kistrade.backtest.data import daily_bar
        from kistrade.store.sqlite_store import SqliteStore

        async with await SqliteStore.open(db) as store:
            bars = await store.get_daily_bars(symbol, start, end)
        return [daily_bar(b) for b in bars]

    bars = asyncio.run(fetch())
    if not bars:
        raise InvalidInputError(f"no daily bars of {symbol} in the store {db} for the chosen range")
    return BarSeries(symbol, bars, daily=True)


def load_ticks(data: str, db: Path | None, start: date | None, end: date | None) -> Any:
    """Recorded trades and books of symbol ``data`` from the store, in time order (a list)."""
    from datetime import datetime, time, timedelta

    from kistrade.domain.errors import InvalidInputError
    from kistrade.domain.types import KST, parse_symbol

    symbol = parse_symbol(data)
    if start is None or end is None:
        raise InvalidInputError("--mode ticks needs --from and --to")
    if db is None:
        from kistrade.app.settings import load_settings

        db = load_settings(None, None).storage.db_file
    if not db.is_file():
        raise InvalidInputError(f"the store {db} does not exist")
    lo = datetime.combine(start, time(0), tzinfo=KST)
    hi = datetime.combine(end, time(0), tzinfo=KST) + timedelta(days=1)

    async def fetch() -> list[Any]:
        from kistrade.store.sqlite_store import SqliteStore

        async with await SqliteStore.open(db) as store:
            return [e async for e in store.replay(lo, hi, [symbol])]

    events = asyncio.run(fetch())
    if not events:
        raise InvalidInputError(f"no recorded trades or books of {symbol} in {db} from {start} to {end}")
    return symbol, events


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )


def _run_one(name: str, settings: list[str], series: Any, cfg: Any, progress: Progress) -> tuple[Any, Any]:
    from kistrade.backtest.params import build_params
    from kistrade.backtest.runner import metrics_of, run_bars
    from kistrade.backtest.tick import run_ticks
    from kistrade.strategy import create_strategy

    strategy = create_strategy(name, build_params(name, settings))
    if isinstance(series, tuple):  # tick mode: (symbol, events)
        symbol, events = series
        task = progress.add_task(f"{name} (ticks)", total=len(events))
        result = run_ticks(
            strategy,
            events,
            symbol,
            cfg,
            total=len(events),
            progress=lambda done, _t: progress.update(task, completed=done),
        )
        return result, metrics_of(result)
    task = progress.add_task(name, total=len(series.bars))
    result = run_bars(strategy, series, cfg, progress=lambda done, _t: progress.update(task, completed=done))
    return result, metrics_of(result)


def _summary(named: list[tuple[str, Any]]) -> Table:
    from kistrade.backtest.compare import table

    t = Table("metric", *[n for n, _ in named], title="Backtest summary")
    for row in table(named):
        t.add_row(*row)
    return t


def _payload(name: str, result: Any, metrics: Any, params: list[str]) -> dict[str, Any]:
    d: dict[str, Any] = dict(metrics.to_json())
    d.update(
        strategy=name,
        symbol=str(result.series.symbol),
        params=params,
        start=result.record.times[0].isoformat(),
        end=result.record.times[-1].isoformat(),
        commission=str(result.config.commission_rate),
        sell_tax="dated KRX default"
        if result.config.sell_tax_rate is None
        else str(result.config.sell_tax_rate),
        slippage_ticks=result.config.slippage_ticks,
        denials=len(result.record.denials),
        rejections=len(result.record.rejections),
        unfilled_at_end=result.record.unfilled_at_end,
    )
    return d


def register(app: typer.Typer) -> None:
    @app.command("backtest")
    def backtest(
        strategy: str = typer.Option("rsi", "--strategy", help="rsi or rsi_orderbook."),
        data: str = typer.Option(..., "--data", help="CSV file, or a symbol with daily bars in the store."),
        start: str | None = typer.Option(None, "--from", help="First date (YYYY-MM-DD)."),
        end: str | None = typer.Option(None, "--to", help="Last date (YYYY-MM-DD)."),
        cash: int = typer.Option(10_000_000, "--cash", help="Starting cash in won."),
        commission: str | None = typer.Option(None, "--commission", help="Commission fraction per fill."),
        sell_tax: str | None = typer.Option(
            None, "--sell-tax", help="Sell tax fraction (default: dated KRX)."
        ),
        slippage: int = typer.Option(0, "--slippage-ticks", help="Ticks against every fill."),
        horizon: int = typer.Option(5, "--signal-horizon", help="Bars ahead for signal_accuracy."),
        settings: list[str] = typer.Option([], "--set", help="Strategy parameter key=value (repeatable)."),
        compare: str | None = typer.Option(None, "--compare", help="Two strategies, e.g. rsi,rsi_orderbook."),
        as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout."),
        out_dir: Path | None = typer.Option(
            None, "--out", help="Write report.html, PNGs, metrics.json here."
        ),
        db: Path | None = typer.Option(None, "--db", help="SQLite store (symbol data)."),
        png: bool = typer.Option(True, "--png/--no-png", help="PNG images next to the HTML report."),
        mode: str = typer.Option(
            "bars", "--mode", help="bars (CSV/daily bars) or ticks (recorded in the store)."
        ),
    ) -> None:
        """Backtest a strategy on bars with the live kernel, risk gate and the exchange engine."""
        from kistrade.backtest.config import BacktestConfig

        try:
            if mode not in ("bars", "ticks"):
                raise typer.BadParameter(f"--mode {mode!r} must be bars or ticks")
            load = load_ticks if mode == "ticks" else load_series
            series = load(data, db, parse_day(start, "--from"), parse_day(end, "--to"))
            kw: dict[str, Any] = {"cash": cash, "slippage_ticks": slippage, "signal_horizon": horizon}
            rate = _rate(commission, "--commission")
            if rate is not None:
                kw["commission_rate"] = rate
            kw["sell_tax_rate"] = _rate(sell_tax, "--sell-tax")
            cfg = BacktestConfig(**kw)
            names = [n.strip() for n in compare.split(",")] if compare else [strategy]
            if compare and len(names) != 2:
                raise typer.BadParameter(f"--compare {compare!r} needs two strategies: a,b")
            runs: list[tuple[str, Any, Any]] = []
            with _progress() as progress:
                for name in names:
                    result, metrics = _run_one(name, settings, series, cfg, progress)
                    runs.append((name, result, metrics))
            reports = []
            if out_dir is not None:
                from kistrade.backtest.report import write_report

                for name, result, metrics in runs:
                    target = out_dir / name if len(runs) > 1 else out_dir
                    reports.append(str(write_report(result, metrics, target, pngs=png)))
        except KistradeError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        named = [(n, m) for n, _, m in runs]
        verdict = None
        if len(runs) == 2:
            from kistrade.backtest.compare import verdict as say

            verdict = say(names[0], runs[0][2], names[1], runs[1][2])
        if as_json:
            err.print(_summary(named))
            payloads = [_payload(n, r, m, settings) for n, r, m in runs]
            obj: dict[str, Any] = (
                payloads[0] if len(payloads) == 1 else {"compare": payloads, "difference": verdict}
            )
            if reports:
                obj["reports"] = reports
            typer.echo(json.dumps(obj, default=str))
        else:
            out.print(_summary(named))
            if verdict:
                out.print(verdict, highlight=False)
            for r in reports:
                out.print(f"report: {r}", highlight=False)

    @app.command("optimize")
    def optimize_cmd(
        strategy: str = typer.Option("rsi", "--strategy", help="rsi or rsi_orderbook."),
        data: str = typer.Option(..., "--data", help="CSV file, or a symbol with daily bars in the store."),
        start: str | None = typer.Option(None, "--from"),
        end: str | None = typer.Option(None, "--to"),
        grid: list[str] = typer.Option(..., "--grid", help="key=v1,v2 or key=start:stop:step (repeatable)."),
        splits: int = typer.Option(1, "--walk-forward", help="Walk-forward test windows (1: whole range)."),
        rank_by: str = typer.Option("total_return", "--rank-by"),
        executor: str = typer.Option("process", "--executor", help="process (default), serial or ray."),
        workers: int | None = typer.Option(None, "--workers"),
        cash: int = typer.Option(10_000_000, "--cash"),
        commission: str | None = typer.Option(None, "--commission"),
        sell_tax: str | None = typer.Option(None, "--sell-tax"),
        out_dir: Path = typer.Option(Path("optimize-out"), "--out"),
        db: Path | None = typer.Option(None, "--db"),
        top: int = typer.Option(10, "--top", help="Rows to print."),
    ) -> None:
        """Run a parameter grid (optionally walk-forward), rank and save optimize.csv/json."""
        from kistrade.backtest.config import BacktestConfig
        from kistrade.backtest.params import build_params
        from kistrade.backtest.sweep import Job, optimize, parse_grid, points, rank, save, windows

        try:
            series = load_series(data, db, parse_day(start, "--from"), parse_day(end, "--to"))
            kw: dict[str, Any] = {"cash": cash, "sell_tax_rate": _rate(sell_tax, "--sell-tax")}
            rate = _rate(commission, "--commission")
            if rate is not None:
                kw["commission_rate"] = rate
            cfg = BacktestConfig(**kw)
            wins = windows(len(series.bars), splits)
            jobs = []
            for p in points(parse_grid(grid)):
                build_params(strategy, p)  # fail fast on a bad key or value
                jobs.append(Job(strategy, p, series, cfg, wins))
            with _progress() as progress:
                task = progress.add_task(f"{len(jobs)} runs", total=len(jobs))
                rows = optimize(
                    jobs,
                    executor=executor,
                    workers=workers,
                    progress=lambda done, _t: progress.update(task, completed=done),
                )
            ranked = rank(rows, rank_by)
            paths = save(ranked, out_dir)
        except KistradeError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        t = Table(*ranked[0].keys(), title=f"Top {top} by {rank_by}") if ranked else Table()
        for row in ranked[:top]:
            t.add_row(*[f"{v:.4f}" if isinstance(v, float) else str(v) for v in row.values()])
        out.print(t)
        out.print(f"saved {paths[0]} and {paths[1]}", highlight=False)
