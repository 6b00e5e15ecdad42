"""What the CLI's ``data`` commands call (the lead wires typer): explicit parameters in, data out.

Each function opens the database at ``db_path`` (created and migrated if needed) and closes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import Symbol, parse_symbol
from kistrade.store.codec import from_day, from_us
from kistrade.store.csv_import import ImportResult, import_daily_csv
from kistrade.store.db import Database
from kistrade.store.export import export_daily_csv, export_daily_parquet, require_pyarrow

ExportFormat = Literal["csv", "parquet"]


@dataclass(frozen=True, slots=True)
class TableSummary:
    """Rows of one symbol in one table and the range they cover (dates for daily, times otherwise)."""

    table: str
    symbol: Symbol
    rows: int
    first: date | datetime
    last: date | datetime


@dataclass(frozen=True, slots=True)
class ExportedFile:
    symbol: Symbol
    path: Path
    rows: int


# table -> its time column; daily_chart's is a TEXT date, the others are microsecond timestamps
_TABLES: dict[str, str] = {
    "daily_chart": "date",
    "minute_chart": "ts",
    "ticks": "ts",
    "orderbooks": "ts",
}
_SUMMARY_SQL = {
    table: f"SELECT symbol, COUNT(*), MIN({col}), MAX({col}) FROM {table} GROUP BY symbol ORDER BY symbol"  # noqa: S608
    for table, col in _TABLES.items()
}


async def data_import(db_path: Path | str, csv_path: Path, *, symbol: str | None = None) -> ImportResult:
    """``kistrade data import PATH.csv [--symbol]``: validate the whole file, then write it atomically."""
    db = await Database.open(db_path)
    try:
        return await import_daily_csv(db, csv_path, symbol=symbol)
    finally:
        await db.close()


async def data_ls(db_path: Path | str) -> list[TableSummary]:
    """``kistrade data ls``: per table and symbol, the row count and the first and last date or time."""
    db = await Database.open(db_path)
    try:
        summaries: list[TableSummary] = []
        for table, col in _TABLES.items():
            for symbol, rows, first, last in await db.fetchall(_SUMMARY_SQL[table]):
                if col == "date":
                    summaries.append(
                        TableSummary(table, Symbol(symbol), rows, from_day(first), from_day(last))
                    )
                else:
                    summaries.append(TableSummary(table, Symbol(symbol), rows, from_us(first), from_us(last)))
        return summaries
    finally:
        await db.close()


async def data_export(
    db_path: Path | str,
    out_dir: Path,
    *,
    symbols: list[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    fmt: ExportFormat = "csv",
) -> list[ExportedFile]:
    """``kistrade data export [--parquet]``: daily bars, one file per symbol (``<symbol>.csv`` or
    ``.parquet``) in ``out_dir``; all symbols with daily bars if ``symbols`` is None."""
    if fmt not in ("csv", "parquet"):
        raise InvalidInputError(f"export format {fmt!r} is not one of 'csv', 'parquet'")
    if fmt == "parquet":
        require_pyarrow()  # fail before touching anything
    db = await Database.open(db_path)
    try:
        if symbols is None:
            chosen = [
                Symbol(r[0]) for r in await db.fetchall("SELECT DISTINCT symbol FROM daily_chart ORDER BY 1")
            ]
        else:
            chosen = [parse_symbol(s) for s in symbols]
        exported: list[ExportedFile] = []
        for symbol in chosen:
            path = out_dir / f"{symbol}.{fmt}"
            if fmt == "csv":
                rows = await export_daily_csv(db, symbol, path, start=start, end=end)
            else:
                rows = await export_daily_parquet(db, symbol, path, start=start, end=end)
            exported.append(ExportedFile(symbol, path, rows))
        return exported
    finally:
        await db.close()
