"""Import daily bars from CSV: the shared/data/krx-daily format and a plain OHLCV format.

- krx-daily: ``date,open,high,low,close,volume,ticker,code,name,interval`` (date ``YYYYMMDD``,
  code a 6-character string with leading zeros, interval ``D``); the symbol comes from ``code``.
- plain: ``date,open,high,low,close,volume[,value]`` (date ``YYYY-MM-DD`` or ``YYYYMMDD``); the
  symbol is given by the caller.

The whole file is validated before anything is written, then written in one transaction: a bad
file writes nothing. Every error names the file, the line and the field.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import Symbol, parse_symbol
from kistrade.store.codec import to_day
from kistrade.store.db import Database
from kistrade.store.market_repo import UPSERT_DAILY

KRX_COLUMNS = ("date", "open", "high", "low", "close", "volume", "ticker", "code", "name", "interval")
PLAIN_COLUMNS = ("date", "open", "high", "low", "close", "volume")
PLAIN_VALUE_COLUMNS = (*PLAIN_COLUMNS, "value")

_INT_RE = re.compile(r"[0-9]{1,18}")
_DATE_COMPACT_RE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_DATE_ISO_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


class CsvFormat(StrEnum):
    KRX_DAILY = "krx-daily"
    PLAIN = "plain"


@dataclass(frozen=True, slots=True)
class DailyRow:
    symbol: Symbol
    day: date
    open: int
    high: int
    low: int
    close: int
    volume: int
    value: int | None = None


@dataclass(frozen=True, slots=True)
class ImportResult:
    path: str
    format: CsvFormat
    rows: int
    symbols: tuple[Symbol, ...]
    first: date | None
    last: date | None


class _Line:
    """Field access for one CSV record that names file, line and field in every error."""

    def __init__(self, source: str, line: int, columns: Sequence[str], values: Sequence[str]) -> None:
        self.source, self.line = source, line
        self.fields = dict(zip(columns, (v.strip() for v in values), strict=True))

    def fail(self, field: str, problem: str) -> InvalidInputError:
        shown = self.fields.get(field, "")
        shown = shown if len(shown) <= 40 else shown[:40] + "..."
        return InvalidInputError(
            f"{self.source}: line {self.line}, field '{field}': {problem} (got {shown!r})"
        )

    def integer(self, field: str, *, minimum: int) -> int:
        text = self.fields[field]
        if not _INT_RE.fullmatch(text):
            raise self.fail(field, "expected a whole number of at most 18 digits")
        number = int(text)
        if number < minimum:
            raise self.fail(field, f"must be >= {minimum}")
        return number

    def day(self, field: str = "date") -> date:
        text = self.fields[field]
        match = _DATE_COMPACT_RE.fullmatch(text) or _DATE_ISO_RE.fullmatch(text)
        if match is None:
            raise self.fail(field, "expected a date YYYYMMDD or YYYY-MM-DD")
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError as exc:
            raise self.fail(field, f"not a calendar date ({exc})") from exc


def _detect(source: str, header: list[str]) -> tuple[CsvFormat, tuple[str, ...]]:
    names = tuple(h.strip().lower() for h in header)
    if names == KRX_COLUMNS:
        return CsvFormat.KRX_DAILY, names
    if names in (PLAIN_COLUMNS, PLAIN_VALUE_COLUMNS):
        return CsvFormat.PLAIN, names
    shown = ",".join(names)[:120]
    raise InvalidInputError(
        f"{source}: line 1: unknown header {shown!r}; expected {','.join(KRX_COLUMNS)!r} (krx-daily) "
        f"or {','.join(PLAIN_COLUMNS)!r} with an optional ',value' (plain)"
    )


def _row(rec: _Line, fmt: CsvFormat, symbol: Symbol | None) -> DailyRow:
    if fmt is CsvFormat.KRX_DAILY:
        try:
            code = parse_symbol(rec.fields["code"])
        except InvalidInputError as exc:
            raise rec.fail("code", "not a KRX short code") from exc
        if symbol is not None and code != symbol:
            raise rec.fail("code", f"differs from the symbol given ({symbol})")
        if rec.fields["interval"].upper() != "D":
            raise rec.fail("interval", "only daily bars ('D') can be imported")
        row_symbol = code
    else:
        assert symbol is not None
        row_symbol = symbol
    day = rec.day()
    o, h, lo, c = (rec.integer(f, minimum=1) for f in ("open", "high", "low", "close"))
    volume = rec.integer("volume", minimum=0)
    value = None
    if rec.fields.get("value"):
        value = rec.integer("value", minimum=0)
    if h < max(o, c, lo):
        raise rec.fail("high", f"below open/low/close ({o}/{lo}/{c})")
    if lo > min(o, c):
        raise rec.fail("low", f"above open/close ({o}/{c})")
    return DailyRow(row_symbol, day, o, h, lo, c, volume, value)


def parse_daily_csv_text(
    text: str, *, source: str, symbol: str | None = None
) -> tuple[CsvFormat, list[DailyRow]]:
    """Parse and validate a whole CSV; raise InvalidInputError naming ``source``, the line and the field."""
    given = parse_symbol(symbol) if symbol is not None else None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[DailyRow] = []
    seen: dict[tuple[Symbol, date], int] = {}
    fmt: CsvFormat | None = None
    columns: tuple[str, ...] = ()
    try:
        for record in reader:
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            if fmt is None:
                fmt, columns = _detect(source, record)
                if fmt is CsvFormat.PLAIN and given is None:
                    raise InvalidInputError(
                        f"{source}: a plain date,open,high,low,close,volume CSV names no symbol; give one "
                        "(data import PATH --symbol 005930)"
                    )
                continue
            if len(record) != len(columns):
                raise InvalidInputError(
                    f"{source}: line {reader.line_num}: expected {len(columns)} fields "
                    f"({','.join(columns)}), got {len(record)}"
                )
            row = _row(_Line(source, reader.line_num, columns, record), fmt, given)
            key = (row.symbol, row.day)
            if key in seen:
                raise InvalidInputError(
                    f"{source}: line {reader.line_num}, field 'date': {row.day} for {row.symbol} "
                    f"already given on line {seen[key]}"
                )
            seen[key] = reader.line_num
            rows.append(row)
    except csv.Error as exc:
        raise InvalidInputError(f"{source}: line {reader.line_num}: not valid CSV ({exc})") from exc
    if fmt is None:
        raise InvalidInputError(f"{source}: empty file (no header line)")
    return fmt, rows


def read_daily_csv(path: Path, *, symbol: str | None = None) -> tuple[CsvFormat, list[DailyRow]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidInputError(f"{path}: line {line}: not UTF-8 text (byte offset {exc.start})") from exc
    return parse_daily_csv_text(text, source=str(path), symbol=symbol)


async def write_daily_rows(db: Database, rows: Sequence[DailyRow]) -> int:
    """Upsert validated rows in ONE transaction (all or nothing)."""
    params = [(r.symbol, to_day(r.day), r.open, r.high, r.low, r.close, r.volume, r.value) for r in rows]
    async with db.transaction() as conn:
        await conn.executemany(UPSERT_DAILY, params)
    return len(params)


async def import_daily_csv(db: Database, path: Path, *, symbol: str | None = None) -> ImportResult:
    """Validate the whole file, then write it in one transaction. A bad file writes nothing."""
    fmt, rows = read_daily_csv(path, symbol=symbol)
    await write_daily_rows(db, rows)
    days = [r.day for r in rows]
    return ImportResult(
        path=str(path),
        format=fmt,
        rows=len(rows),
        symbols=tuple(sorted({r.symbol for r in rows})),
        first=min(days) if days else None,
        last=max(days) if days else None,
    )
