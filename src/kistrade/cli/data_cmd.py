"""``kistrade data import|fetch|ls|export``: market data in and out of the SQLite store.

The database is ``--db`` or ``storage.db_file`` from the settings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from kistrade.cli.config_cmd import CONFIG_OPTION, ENV_FILE_OPTION
from kistrade.cli.dates import parse_day
from kistrade.cli.kis_cmds import MODE_OPTION, SIM_URL_OPTION

if TYPE_CHECKING:
    from kistrade.app.kis_factory import KisTarget
    from kistrade.app.market_data import FetchResult
    from kistrade.store.export import ParquetFile

T = TypeVar("T")
DB_OPTION = typer.Option(None, "--db", help="SQLite file (default: storage.db_file from the settings).")
console = Console()
data_app = typer.Typer(help="Import, fetch, list and export market data.", no_args_is_help=True)


def _db_path(db: Path | None, config: Path | None, env_file: Path | None) -> Path:
    if db is not None:
        return db
    from kistrade.app.settings import load_settings

    return load_settings(config, env_file).storage.db_file


def _run_coro(coro: Coroutine[Any, Any, T]) -> T:
    from kistrade.domain.errors import KistradeError

    try:
        return asyncio.run(coro)
    except KistradeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _guard(action: Any) -> Any:
    """Turn configuration errors raised before the event loop (settings) into a clean exit."""
    from kistrade.domain.errors import KistradeError

    try:
        return action()
    except KistradeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


@data_app.command("import")
def data_import(
    path: Path = typer.Argument(..., help="CSV: the krx-daily format or date,open,high,low,close,volume"),
    symbol: str | None = typer.Option(None, "--symbol", help="Symbol when the file has no code column."),
    db: Path | None = DB_OPTION,
    config: Path | None = CONFIG_OPTION,
    env_file: Path | None = ENV_FILE_OPTION,
) -> None:
    """Import daily bars from a CSV file (validated whole, written atomically)."""
    from kistrade.store.commands import data_import as run_import

    target = _guard(lambda: _db_path(db, config, env_file))
    result = _run_coro(run_import(target, path, symbol=symbol))
    syms = ", ".join(result.symbols)
    console.print(
        f"imported {result.rows:,} daily bars ({result.format}) for {syms}: {result.first} .. {result.last} "
        f"into {target}",
        highlight=False,
    )


@data_app.command("fetch")
def data_fetch(
    symbol: str = typer.Argument(..., help="6-digit KRX code, e.g. 005930"),
    start: str = typer.Option(..., "--from", help="First date (YYYY-MM-DD)."),
    end: str | None = typer.Option(None, "--to", help="Last date (default: today on the target's clock)."),
    db: Path | None = DB_OPTION,
    mode: str | None = MODE_OPTION,
    sim_url: str | None = SIM_URL_OPTION,
    config: Path | None = CONFIG_OPTION,
    env_file: Path | None = ENV_FILE_OPTION,
) -> None:
    """Fetch daily bars from KIS or the simulator; only sessions not stored yet are requested."""
    from kistrade.app.market_data import fetch_daily
    from kistrade.cli.kis_cmds import run_target

    first = parse_day(start, "--from")
    last = parse_day(end, "--to")
    assert first is not None
    target_db = _guard(lambda: _db_path(db, config, env_file))

    async def act(target: KisTarget) -> FetchResult:
        return await fetch_daily(target.config, target.clock, target_db, symbol, start=first, end=last)

    result = run_target(config, env_file, mode, sim_url, act)
    s = result.stats
    bars = result.bars
    span = f"{bars[0].start.date()} .. {bars[-1].start.date()}" if bars else "no bars"
    console.print(
        f"{result.symbol}: {len(bars):,} daily bars ({span}); {s.requests} broker request(s); "
        f"sessions from cache {s.hits:,}, fetched {s.misses:,} (hit rate {s.hit_rate:.0%}); db {target_db}",
        highlight=False,
    )


@data_app.command("ls")
def data_ls(
    db: Path | None = DB_OPTION,
    config: Path | None = CONFIG_OPTION,
    env_file: Path | None = ENV_FILE_OPTION,
) -> None:
    """Per table and symbol: rows and the first/last date or time stored."""
    from kistrade.store.commands import data_ls as run_ls

    target = _guard(lambda: _db_path(db, config, env_file))
    rows = _run_coro(run_ls(target))
    if not rows:
        console.print(f"{target}: no market data stored", highlight=False)
        return
    table = Table(title=str(target))
    for col in ("table", "symbol", "rows", "first", "last"):
        table.add_column(col, justify="right" if col == "rows" else "left")
    for r in rows:
        table.add_row(r.table, r.symbol, f"{r.rows:,}", r.first.isoformat(), r.last.isoformat())
    console.print(table)


@data_app.command("export")
def data_export(
    out: Path = typer.Option(Path("export"), "--out", help="Output directory."),
    parquet: bool = typer.Option(
        False,
        "--parquet",
        help="Parquet of every market table (daily and minute bars, ticks, order books) "
        "instead of CSV daily bars.",
    ),
    symbols: str | None = typer.Option(None, "--symbols", help="Comma-separated codes (default: all)."),
    start: str | None = typer.Option(None, "--from", help="First date (YYYY-MM-DD)."),
    end: str | None = typer.Option(None, "--to", help="Last date (YYYY-MM-DD)."),
    db: Path | None = DB_OPTION,
    config: Path | None = CONFIG_OPTION,
    env_file: Path | None = ENV_FILE_OPTION,
) -> None:
    """Export market data for analysis tools: CSV daily bars, one file per symbol (re-importable),
    or with --parquet one typed parquet file per table (written atomically)."""
    target = _guard(lambda: _db_path(db, config, env_file))
    chosen = [s.strip() for s in symbols.split(",") if s.strip()] if symbols else None
    first, last = parse_day(start, "--from"), parse_day(end, "--to")
    if parquet:
        written = _run_coro(_export_parquet(target, out, chosen, first, last))
        for p in written:
            console.print(f"{p.table}: {p.rows:,} rows -> {p.path}", highlight=False)
        if not written:
            console.print(f"{target}: no market data to export", highlight=False)
        return
    from kistrade.store.commands import data_export as run_export

    files = _run_coro(run_export(target, out, symbols=chosen, start=first, end=last, fmt="csv"))
    for f in files:
        console.print(f"{f.symbol}: {f.rows:,} rows -> {f.path}", highlight=False)
    if not files:
        console.print(f"{target}: no daily bars to export", highlight=False)


async def _export_parquet(
    db_path: Path, out: Path, symbols: list[str] | None, start: date | None, end: date | None
) -> list[ParquetFile]:
    from kistrade.domain.types import parse_symbol
    from kistrade.store.db import Database
    from kistrade.store.export import export_parquet

    chosen = None if symbols is None else [parse_symbol(s) for s in symbols]
    db = await Database.open(db_path)
    try:
        return await export_parquet(db, out, symbols=chosen, start=start, end=end)
    finally:
        await db.close()


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")


__all__ = ["data_app", "register"]
