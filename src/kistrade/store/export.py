"""Export daily bars: CSV always (the plain format, re-importable), parquet when pyarrow is installed."""

from __future__ import annotations

import csv
import importlib.util
from datetime import date
from pathlib import Path

from kistrade.domain.errors import ConfigError
from kistrade.domain.types import Symbol
from kistrade.store.codec import to_day
from kistrade.store.csv_import import PLAIN_VALUE_COLUMNS
from kistrade.store.db import Database

_SELECT = (
    "SELECT date, open, high, low, close, volume, value FROM daily_chart "
    "WHERE symbol = ? AND date >= ? AND date <= ? ORDER BY date"
)


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
            "parquet export needs the optional package 'pyarrow', which is not installed "
            "(add it to the project to enable --parquet; CSV export works without it)"
        )


async def export_daily_parquet(
    db: Database, symbol: Symbol, path: Path, *, start: date | None = None, end: date | None = None
) -> int:
    """Write the same columns as ``export_daily_csv`` (plus ``symbol``) to parquet, via pandas + pyarrow."""
    require_pyarrow()
    import pandas as pd

    rows = await _daily_rows(db, symbol, start, end)
    frame = pd.DataFrame(rows, columns=list(PLAIN_VALUE_COLUMNS))
    frame.insert(0, "symbol", str(symbol))
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    frame["value"] = frame["value"].astype("Int64")
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)
    return len(rows)
