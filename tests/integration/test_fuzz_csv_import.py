"""CSV import, fuzzed at the byte level and through the store: any file imports whole or fails
with ``InvalidInputError`` naming the file (and, for a row, the line), and a failed import leaves
the store exactly as it was: the row count of every table and every daily bar unchanged.

tests/unit/test_store_csv_parse.py and tests/integration/test_store_csv.py fuzz plain-format text;
this file adds bytes (not UTF-8, a BOM, NUL, ``\\r`` line ends, oversized fields), krx-daily rows
with several symbols, the ``data import`` command path, and a write that fails half-way (a
trigger aborts one row of a valid file: the rows before it must be rolled back too).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from kistrade.domain.errors import InvalidInputError
from kistrade.store.commands import data_import
from kistrade.store.csv_import import KRX_COLUMNS, PLAIN_COLUMNS, import_daily_csv
from kistrade.store.db import Database

SEED = [  # bars already in the store before every import
    ("005930", "2000-01-03", 100, 110, 90, 105, 7, None),
    ("000660", "2000-01-03", 50, 60, 40, 55, 3, 1000),
]
INSERT = (
    "INSERT INTO daily_chart (symbol, date, open, high, low, close, volume, value) VALUES (?,?,?,?,?,?,?,?)"
)

_cell = st.one_of(
    st.integers(-5, 10**6).map(str),
    st.sampled_from(["20240102", "2024-01-03", "20241301", "2024-02-30", "", " 7", "9" * 19, "1e3"]),
    st.sampled_from(["005930", "000660", "Q500001", "5930", "D", "d", "W", "삼성전자", '"a,b"', '""']),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=5),
)


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[str, str | None]:
    """A krx-daily or plain file and the symbol given with it: mostly valid (several symbols in
    krx-daily), sometimes one cell broken or a row too wide; or any text at all."""
    if draw(st.integers(0, 5)) == 0:
        return draw(st.text(max_size=200)), draw(st.sampled_from([None, "005930"]))
    krx = draw(st.booleans())
    symbol = draw(st.sampled_from([None, None, "005930"])) if krx else "000660"
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        day = draw(st.dates(date(1990, 1, 1), date(2030, 12, 31)))
        o, lo = draw(st.integers(1, 10**6)), draw(st.integers(1, 10**6))
        lo = min(lo, o)
        c = draw(st.integers(lo, lo + 500))
        h = max(o, c) + draw(st.integers(0, 50))
        ohlcv = [str(o), str(h), str(lo), str(c), str(draw(st.integers(0, 10**9)))]
        if krx:
            code = symbol or draw(st.sampled_from(["005930", "000660", "035420"]))
            rows.append([day.strftime("%Y%m%d"), *ohlcv, "X", code, "name", "D"])
        else:
            rows.append([day.isoformat() if draw(st.booleans()) else day.strftime("%Y%m%d"), *ohlcv])
    if rows and draw(st.booleans()):
        row = draw(st.sampled_from(rows))
        at = draw(st.integers(0, len(row)))
        cell = draw(_cell)
        if at < len(row):
            row[at] = cell
        else:
            row.append(cell)
    header = KRX_COLUMNS if krx else PLAIN_COLUMNS
    return "\n".join([",".join(header), *(",".join(r) for r in rows)]), symbol


def _bytes(text: str, newline: str, bom: bool, junk: bytes, at: int) -> bytes:
    data = text.replace("\n", newline).encode("utf-8")
    if junk:
        at %= len(data) + 1
        data = data[:at] + junk + data[at:]
    return (b"\xef\xbb\xbf" if bom else b"") + data


async def _snapshot(db: Database) -> dict[str, Any]:
    tables = [r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")]
    counts = {t: (await db.fetchall(f'SELECT COUNT(*) FROM "{t}"'))[0][0] for t in tables}
    bars = await db.fetchall("SELECT * FROM daily_chart ORDER BY symbol, date")
    return {"counts": counts, "daily_chart": [tuple(b) for b in bars]}


async def _seeded(path: Path | str) -> Database:
    db = await Database.open(path)
    async with db.transaction() as conn:
        await conn.executemany(INSERT, SEED)
    return db


@settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    csv_files(),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.booleans(),
    st.sampled_from(
        [b"", b"", b"", b"", b"", b"", b"\xff", b"\xc3", b"\x00", b"\xed\xa0\x80", b'"', b"x" * 140_000]
    ),
    st.integers(0, 10_000),
)
@example(("date,open,high,low,close,volume\n2024-01-02,1,1,1,1,1\n", "005930"), "\n", False, b"\xff", 40)
def test_any_bytes_import_whole_or_leave_the_store_unchanged(
    tmp_path: Path, file: tuple[str, str | None], newline: str, bom: bool, junk: bytes, at: int
) -> None:
    text, symbol = file

    async def run() -> None:
        path = tmp_path / "fuzz.csv"
        path.write_bytes(_bytes(text, newline, bom, junk, at))
        db = await _seeded(":memory:")
        try:
            before = await _snapshot(db)
            try:
                result = await import_daily_csv(db, path, symbol=symbol)
            except InvalidInputError as exc:
                event("refused")
                message = str(exc)
                assert message.startswith(f"{path}: "), message
                assert "\n" not in message
                if ", field '" in message:
                    assert re.search(r": line \d+, field '\w+': ", message), message
                assert await _snapshot(db) == before  # nothing written, nothing changed
                return
            event("imported")
            after = await _snapshot(db)
            assert result.rows >= after["counts"]["daily_chart"] - before["counts"]["daily_chart"] >= 0
            others = {t: n for t, n in after["counts"].items() if t != "daily_chart"}
            assert others == {t: n for t, n in before["counts"].items() if t != "daily_chart"}
        finally:
            await db.close()

    asyncio.run(run())


def _valid_krx(days: int) -> str:
    rows = [f"202401{d:02d},100,110,90,105,{d},X,005930,name,D" for d in range(1, days + 1)]
    return "\n".join([",".join(KRX_COLUMNS), *rows]) + "\n"


async def test_a_write_failing_half_way_rolls_back_every_row(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text(_valid_krx(20), encoding="utf-8")
    db = await _seeded(tmp_path / "t.db")
    try:
        await db.write(
            "CREATE TRIGGER fail_midway BEFORE INSERT ON daily_chart WHEN NEW.date = '2024-01-12' "
            "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )
        before = await _snapshot(db)
        with pytest.raises(sqlite3.IntegrityError, match="injected failure"):
            await import_daily_csv(db, path)
        assert await _snapshot(db) == before  # the 11 rows before the failing one are gone too
        await db.write("DROP TRIGGER fail_midway")
        result = await import_daily_csv(db, path)
        assert result.rows == 20
        assert (await _snapshot(db))["counts"]["daily_chart"] == before["counts"]["daily_chart"] + 20
    finally:
        await db.close()


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"date,open,high,low,close,volume\n2024-01-02,1,1,1,1,1\n\xff\n", "line 3: not UTF-8"),
        (b"\xef\xbb\xbf" + _valid_krx(2).encode().replace(b"105,2", b"105,-2"), "line 3, field 'volume'"),
        (
            _valid_krx(3).encode().replace(b"0103", b"0102"),
            "line 4, field 'date': 2024-01-02 for 005930 already given on line 3",
        ),
        (_valid_krx(2).encode() + b'"' + b"x" * 140_000 + b"\n", "not valid CSV"),
        (_valid_krx(2).encode() + b"20240103,1,1,1,1,1,X,005930,n\x00,D\n", None),  # NUL inside a name
    ],
)
async def test_the_data_import_command_names_the_problem_and_writes_nothing(
    tmp_path: Path, data: bytes, fragment: str | None
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    db_path = tmp_path / "cmd.db"
    db = await _seeded(db_path)
    before = await _snapshot(db)
    await db.close()
    if fragment is None:
        result = await data_import(db_path, path)  # a NUL in a free-text column is just text
        assert result.rows == 3
        return
    with pytest.raises(InvalidInputError, match=re.escape(fragment)) as exc:
        await data_import(db_path, path)
    assert str(exc.value).startswith(str(path))
    db = await Database.open(db_path)
    try:
        assert await _snapshot(db) == before
    finally:
        await db.close()
