"""Export market data for analysis tools: CSV daily bars (the plain, re-importable format) and
parquet of every market table (``kistrade data export [--parquet]``).

Parquet columns are typed: prices, quantities and won amounts ``int64``; dates ``date32``;
timestamps ``timestamp[us, tz=Asia/Seoul]`` holding exactly the stored microseconds; a trade's
aggressor ``int8`` (1 buy, -1 sell, null unknown); an order book's levels ``list<struct<price, qty>>``
per side, best first. Every file is written to a temporary name in the target directory and
renamed into place only when all files of the export are complete: an error leaves no
half-written file behind (and no new file at all).
"""

from __future__ import annotations

import asyncio
import csv
import importlib.util
import os
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kistrade.domain.errors import ConfigError
from kistrade.domain.types import Symbol
from kistrade.store.codec import day_start, to_day, to_us, unpack_levels
from kistrade.store.csv_import import PLAIN_VALUE_COLUMNS
from kistrade.store.db import Database

if TYPE_CHECKING:
    import pyarrow as pa

_SELECT = (
    "SELECT date, open, high, low, close, volume, value FROM daily_chart "
    "WHERE symbol = ? AND date >= ? AND date <= ? ORDER BY date"
)
_FETCH = 50_000  # rows per read and per parquet row group


async def _daily_rows(
    db: Database, symbol: Symbol, start: date | None, end: date | None
) -> list[tuple[object, ...]]:
    return await db.fetchall(_SELECT, (symbol, to_day(start or date.min), to_day(end or date.max)))


async def export_daily_csv(
    db: Database, symbol: Symbol, path: Path, *, start: date | None = None, end: date | None = None
) -> int:
    """Write ``date,open,high,low,close,volume,value`` (date YYYY-MM-DD); returns the row count."""
    rows = await _daily_rows(db, symbol, start, end)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(PLAIN_VALUE_COLUMNS)
        out.writerows(["" if v is None else v for v in row] for row in rows)
    return len(rows)


def require_pyarrow() -> None:
    if importlib.util.find_spec("pyarrow") is None:
        raise ConfigError(
            "parquet export needs the package 'pyarrow', which is not installed "
            "(reinstall kistrade with its dependencies; CSV export works without it)"
        )


# -- parquet ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ParquetTable:
    """How one store table becomes one parquet file: the query and the column types."""

    table: str
    file: str
    where_time: str  # the column the --from/--to dates filter
    columns: tuple[tuple[str, str], ...]  # (name, kind) in file order; kind picks the arrow type
    select: str  # SELECT ... FROM table (WHERE and ORDER BY added)
    order: str


PARQUET_TABLES: tuple[ParquetTable, ...] = (
    ParquetTable(
        "daily_chart",
        "daily_bars.parquet",
        "date",
        (
            ("symbol", "str"),
            ("date", "date"),
            ("open", "int"),
            ("high", "int"),
            ("low", "int"),
            ("close", "int"),
            ("volume", "int"),
            ("value", "int"),
        ),
        "SELECT symbol, date, open, high, low, close, volume, value FROM daily_chart",
        "symbol, date",
    ),
    ParquetTable(
        "minute_chart",
        "minute_bars.parquet",
        "ts",
        (
            ("symbol", "str"),
            ("ts", "ts"),
            ("source", "str"),
            ("open", "int"),
            ("high", "int"),
            ("low", "int"),
            ("close", "int"),
            ("volume", "int"),
        ),
        "SELECT symbol, ts, source, open, high, low, close, volume FROM minute_chart",
        "symbol, ts, source",
    ),
    ParquetTable(
        "ticks",
        "ticks.parquet",
        "ts",
        (
            ("symbol", "str"),
            ("ts", "ts"),
            ("price", "int"),
            ("qty", "int"),
            ("aggressor", "int8"),
            ("cum_volume", "int"),
        ),
        "SELECT symbol, ts, price, qty, aggressor, cum_volume FROM ticks",
        "rowid",  # arrival order: ticks have no time index (see migration 0001)
    ),
    ParquetTable(
        "orderbooks",
        "orderbooks.parquet",
        "ts",
        (
            ("symbol", "str"),
            ("ts", "ts"),
            ("best_ask", "int"),
            ("best_bid", "int"),
            ("total_ask_qty", "int"),
            ("total_bid_qty", "int"),
            ("asks", "levels"),
            ("bids", "levels"),
        ),
        "SELECT symbol, ts, best_ask, best_bid, total_ask_qty, total_bid_qty, levels FROM orderbooks",
        "rowid",
    ),
)


@dataclass(frozen=True, slots=True)
class ParquetFile:
    table: str
    path: Path
    rows: int


def _arrow_type(kind: str) -> pa.DataType:
    import pyarrow as pa

    level = pa.struct([("price", pa.int64()), ("qty", pa.int64())])
    types: dict[str, pa.DataType] = {
        "str": pa.string(),
        "int": pa.int64(),
        "int8": pa.int8(),
        "date": pa.date32(),
        "ts": pa.timestamp("us", tz="Asia/Seoul"),
        "levels": pa.list_(level),
    }
    return types[kind]


def arrow_schema(spec: ParquetTable) -> pa.Schema:
    import pyarrow as pa

    return pa.schema([(name, _arrow_type(kind)) for name, kind in spec.columns])


def _columns(spec: ParquetTable, rows: Sequence[tuple[Any, ...]]) -> list[list[Any]]:
    """Store rows -> python column lists the arrow types take as they are (ints stay exact)."""
    if spec.table == "orderbooks":
        cols = [list(c) for c in zip(*(r[:6] for r in rows), strict=True)]
        sides = [unpack_levels(r[6]) for r in rows]
        for k in (0, 1):  # asks, bids
            cols.append([[{"price": lv.price, "qty": lv.qty} for lv in side[k]] for side in sides])
        return cols
    cols = [list(c) for c in zip(*rows, strict=True)]
    if spec.table == "daily_chart":
        cols[1] = [date.fromisoformat(d) for d in cols[1]]
    return cols


def _where(
    spec: ParquetTable, symbols: Sequence[Symbol] | None, start: date | None, end: date | None
) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if symbols is not None:
        clauses.append(f"symbol IN ({', '.join('?' * len(symbols))})")
        params.extend(symbols)
    if spec.where_time == "date":
        lo: object = to_day(start) if start else None
        hi: object = to_day(end) if end else None
        ops = (">=", "<=")
    else:  # timestamps: [start 00:00 KST, the day after end 00:00 KST)
        lo = to_us(day_start(start)) if start else None
        hi = to_us(day_start(end + timedelta(days=1))) if end else None
        ops = (">=", "<")
    for bound, op in zip((lo, hi), ops, strict=True):
        if bound is not None:
            clauses.append(f"{spec.where_time} {op} ?")
            params.append(bound)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


async def _batches(db: Database, sql: str, params: Sequence[object]) -> AsyncIterator[list[tuple[Any, ...]]]:
    async with db.conn.execute(sql, params) as cur:
        while rows := await cur.fetchmany(_FETCH):
            yield [tuple(r) for r in rows]


async def _write_table(db: Database, spec: ParquetTable, tmp: Path, where: str, params: list[object]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(spec)
    types = [schema.field(i).type for i in range(len(schema))]
    count = 0
    with pq.ParquetWriter(tmp, schema) as out:
        sql = f"{spec.select}{where} ORDER BY {spec.order}"
        async for rows in _batches(db, sql, params):
            cols = _columns(spec, rows)
            arrays = [pa.array(c, type=t) for c, t in zip(cols, types, strict=True)]
            await asyncio.to_thread(out.write_table, pa.Table.from_arrays(arrays, schema=schema))
            count += len(rows)
        if count == 0:
            out.write_table(schema.empty_table())
    return count


async def export_parquet(
    db: Database,
    out_dir: Path,
    *,
    symbols: Sequence[Symbol] | None = None,
    start: date | None = None,
    end: date | None = None,
    tables: Sequence[ParquetTable] = PARQUET_TABLES,
) -> list[ParquetFile]:
    """One parquet file per market table with rows (``daily_bars``, ``minute_bars``, ``ticks``,
    ``orderbooks``; a ``symbol`` column in each), filtered by symbols and by dates (inclusive, KST).

    All files are written under temporary names first and renamed only when every one is
    complete; on any error the temporary files are removed and no target file is touched.
    """
    require_pyarrow()
    await asyncio.to_thread(out_dir.mkdir, parents=True, exist_ok=True)
    done: list[tuple[ParquetFile, Path]] = []
    try:
        for spec in tables:
            where, params = _where(spec, symbols, start, end)
            target = out_dir / spec.file
            tmp = out_dir / f".{spec.file}.{os.getpid()}.tmp"
            done.append((ParquetFile(spec.table, target, 0), tmp))
            rows = await _write_table(db, spec, tmp, where, params)
            done[-1] = (ParquetFile(spec.table, target, rows), tmp)
    except BaseException:
        for _, tmp in done:
            tmp.unlink(missing_ok=True)
        raise
    kept: list[ParquetFile] = []
    for file, tmp in done:
        if file.rows:
            os.replace(tmp, file.path)
            kept.append(file)
        else:
            tmp.unlink()
    return kept


async def export_daily_parquet(
    db: Database, symbol: Symbol, path: Path, *, start: date | None = None, end: date | None = None
) -> int:
    """Daily bars of one symbol to ``path`` (the ``daily_bars`` columns), written atomically."""
    spec = PARQUET_TABLES[0]
    where, params = _where(spec, [symbol], start, end)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        rows = await _write_table(db, spec, tmp, where, params)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    return rows
