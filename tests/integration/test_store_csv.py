"""CSV import (real krx-daily file, generated plain file, bad files), export, and the data commands."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kistrade.clock import ManualClock
from kistrade.domain.errors import ConfigError, InvalidInputError
from kistrade.domain.types import KST, Bar, Symbol, Trade
from kistrade.store.commands import data_export, data_import, data_ls
from kistrade.store.csv_import import CsvFormat, import_daily_csv
from kistrade.store.export import export_daily_parquet
from kistrade.store.sqlite_store import SqliteStore

ROOT = Path(__file__).resolve().parents[2]
KRX_FILE = ROOT.parent / "shared" / "data" / "krx-daily" / "005930.csv"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=KST)
SAMSUNG = Symbol("005930")


@pytest.fixture(params=["file", "memory"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqliteStore]:
    path = tmp_path / "csv.db" if request.param == "file" else ":memory:"
    s = await SqliteStore.open(path, clock=ManualClock(T0))
    yield s
    await s.close()


async def daily_count(store: SqliteStore) -> int:
    row = await store.db.fetchone("SELECT COUNT(*) FROM daily_chart")
    assert row is not None
    return int(row[0])


@pytest.mark.skipif(not KRX_FILE.exists(), reason=f"shared data not present: {KRX_FILE}")
async def test_real_krx_daily_file_imports_every_row_exactly(store: SqliteStore) -> None:
    with KRX_FILE.open(encoding="utf-8") as fh:
        expected = list(csv.DictReader(fh))
    result = await import_daily_csv(store.db, KRX_FILE)
    assert result.format is CsvFormat.KRX_DAILY
    assert result.rows == len(expected) == await daily_count(store)
    assert result.symbols == (SAMSUNG,)
    first, last = expected[0], expected[-1]
    assert result.first == date(int(first["date"][:4]), int(first["date"][4:6]), int(first["date"][6:]))
    assert result.last == date(int(last["date"][:4]), int(last["date"][4:6]), int(last["date"][6:]))
    bars = await store.get_daily_bars(SAMSUNG, result.last, result.last)
    assert bars == [
        Bar(
            SAMSUNG,
            datetime(result.last.year, result.last.month, result.last.day, tzinfo=KST),
            *(int(last[k]) for k in ("open", "high", "low", "close", "volume")),
        )
    ]
    again = await import_daily_csv(store.db, KRX_FILE)  # re-import is idempotent
    assert again.rows == result.rows == await daily_count(store)


async def test_generated_plain_csv_imports_with_the_given_symbol(store: SqliteStore, tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    day0 = date(2024, 3, 4)
    rows = [
        (day0 + timedelta(days=i), 1000 + i, 1100 + 2 * i, 900 + i, 1050 + i, 10_000 * i) for i in range(40)
    ]
    text = "date,open,high,low,close,volume\n" + "".join(
        f"{d.isoformat() if i % 2 else d.strftime('%Y%m%d')},{o},{h},{lo},{c},{v}\n"
        for i, (d, o, h, lo, c, v) in enumerate(rows)
    )
    path.write_text(text, encoding="utf-8")
    result = await import_daily_csv(store.db, path, symbol="000660")
    assert (result.rows, result.first, result.last, result.symbols) == (
        40,
        rows[0][0],
        rows[-1][0],
        ("000660",),
    )
    got = await store.get_daily_bars(Symbol("000660"))
    assert [(b.start.date(), b.open, b.high, b.low, b.close, b.volume) for b in got] == rows


async def test_a_bad_row_names_file_line_field_and_writes_nothing(store: SqliteStore, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    good = "".join(f"2024-01-{d:02d},100,110,90,105,1\n" for d in range(1, 20))
    path.write_text("date,open,high,low,close,volume\n" + good + "2024-01-20,100,110,90,10S,1\n" + good)
    with pytest.raises(InvalidInputError, match=rf"{path}: line 21, field 'close': expected a whole number"):
        await import_daily_csv(store.db, path, symbol="005930")
    assert await daily_count(store) == 0


async def test_not_utf8_is_named(store: SqliteStore, tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"date,open,high,low,close,volume\n2024-01-02,1,1,1,1,1\n\xff\xfe,1\n")
    with pytest.raises(InvalidInputError, match=r"latin\.csv: line 3: not UTF-8"):
        await import_daily_csv(store.db, path, symbol="005930")


_csv_cell = st.one_of(
    st.integers(-5, 300).map(str),
    st.sampled_from(["2024-01-02", "20240103", "2024-13-01", "", " 7", "x", "005930", "D"]),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=5),
)
_csv_line = st.lists(_csv_cell, min_size=5, max_size=7).map(",".join)
_csv_text = st.one_of(
    st.text(max_size=300),
    st.lists(_csv_line, max_size=8).map(lambda lines: "date,open,high,low,close,volume\n" + "\n".join(lines)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_csv_text)
def test_any_text_imports_cleanly_or_fails_clearly_never_partially(tmp_path: Path, text: str) -> None:
    async def run() -> None:
        path = tmp_path / "fuzz.csv"
        path.write_text(text, encoding="utf-8", newline="")
        async with await SqliteStore.open(":memory:", clock=ManualClock(T0)) as store:
            seed = Bar(SAMSUNG, datetime(2000, 1, 3, tzinfo=KST), 1, 1, 1, 1, 1)
            await store.upsert_daily_bars([seed])
            try:
                result = await import_daily_csv(store.db, path, symbol="005930")
            except InvalidInputError as exc:
                assert str(exc).startswith(f"{path}: ")
                assert await store.get_daily_bars(SAMSUNG) == [seed]  # nothing written
                return
            got = await store.get_daily_bars(SAMSUNG)
            assert len(got) == result.rows + (
                0 if any(b.start.date() == date(2000, 1, 3) for b in got[1:]) else 1
            )

    asyncio.run(run())


async def test_commands_import_ls_export_round_trip(tmp_path: Path) -> None:
    db_path = tmp_path / "data.db"
    src = tmp_path / "in.csv"
    src.write_text(
        "date,open,high,low,close,volume\n2024-01-02,100,110,90,105,1000\n2024-01-03,105,106,104,104,7\n"
    )
    result = await data_import(db_path, src, symbol="035420")
    assert result.rows == 2
    async with await SqliteStore.open(db_path) as store:
        await store.append_trades(
            [Trade(SAMSUNG, T0, 70_000, 3), Trade(SAMSUNG, T0 + timedelta(seconds=5), 70_100, 1)]
        )
    listing = await data_ls(db_path)
    assert [(s.table, s.symbol, s.rows, s.first, s.last) for s in listing] == [
        ("daily_chart", "035420", 2, date(2024, 1, 2), date(2024, 1, 3)),
        ("ticks", "005930", 2, T0, T0 + timedelta(seconds=5)),
    ]
    out = tmp_path / "out"
    exported = await data_export(db_path, out)
    assert [(e.symbol, e.path.name, e.rows) for e in exported] == [("035420", "035420.csv", 2)]
    assert exported[0].path.read_text().splitlines() == [
        "date,open,high,low,close,volume,value",
        "2024-01-02,100,110,90,105,1000,",
        "2024-01-03,105,106,104,104,7,",
    ]
    # the exported file is importable as-is (plain format with a value column)
    again = await data_import(tmp_path / "other.db", exported[0].path, symbol="035420")
    assert (again.rows, again.first, again.last) == (2, date(2024, 1, 2), date(2024, 1, 3))


async def test_parquet_export_names_the_missing_package(tmp_path: Path) -> None:
    try:  # pyarrow is optional: without it the error must name it; with it the export must work
        import pyarrow  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigError, match="'pyarrow'"):
            await data_export(tmp_path / "p.db", tmp_path / "out", fmt="parquet")
        async with await SqliteStore.open(":memory:") as store:
            with pytest.raises(ConfigError, match="'pyarrow', which is not installed"):
                await export_daily_parquet(store.db, SAMSUNG, tmp_path / "x.parquet")
        assert not (tmp_path / "out").exists() and not (tmp_path / "p.db").exists()
    else:
        db_path = tmp_path / "p.db"
        src = tmp_path / "in.csv"
        src.write_text("date,open,high,low,close,volume,value\n2024-01-02,100,110,90,105,1000,5\n")
        await data_import(db_path, src, symbol="005930")
        files = await data_export(db_path, tmp_path / "out", fmt="parquet")
        assert [f.rows for f in files] == [1]
