"""``export_parquet``: every market table read back with pyarrow equals the store's contents, typed
(int64 won, date32, tz-aware KST timestamps), filtered by symbol and date, and written atomically."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from kistrade.clock import ManualClock
from kistrade.domain.types import KST, Bar, BookLevel, OrderBook, Side, Symbol, Trade
from kistrade.store import export
from kistrade.store.export import PARQUET_TABLES, arrow_schema, export_daily_parquet, export_parquet
from kistrade.store.records import BarSource
from kistrade.store.sqlite_store import SqliteStore

SAMSUNG = Symbol("005930")
HYNIX = Symbol("000660")
DAY1 = datetime(2026, 1, 5, 9, 0, tzinfo=KST)
DAY2 = datetime(2026, 1, 6, 9, 0, tzinfo=KST)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    s = await SqliteStore.open(tmp_path / "market.db", clock=ManualClock(DAY1))
    for sym, base in ((SAMSUNG, 70_000), (HYNIX, 180_000)):
        daily = [
            Bar(sym, day.replace(hour=0), base, base + 900, base - 800, base + 100, 12_345)
            for day in (DAY1, DAY2)
        ]
        await s.upsert_daily_bars(daily, values=[9_876_543_210_123, None])
        minutes = [
            Bar(sym, DAY1 + timedelta(minutes=i), base + i, base + i + 50, base - 50, base, 10 + i)
            for i in range(3)
        ]
        await s.upsert_minute_bars(minutes, BarSource.TICKS)
        await s.upsert_minute_bars(minutes[:1], BarSource.REST)
        trades = [
            Trade(sym, day + timedelta(microseconds=123_457 * i), base + 100 * (i % 3), 1 + i, side, 7 * i)
            for day in (DAY1, DAY2)
            for i, side in enumerate((Side.BUY, Side.SELL, None) * 30)
        ]
        trades.append(
            Trade(sym, DAY1.astimezone(UTC) + timedelta(seconds=1), base, 3, Side.BUY, 1)
        )  # a UTC time
        await s.append_trades(trades)
        books = [
            OrderBook(
                sym,
                day + timedelta(milliseconds=i),
                tuple(BookLevel(base + 100 * (k + 1), 10 + k + i) for k in range(10)),
                tuple(BookLevel(base - 100 * k, 20 + k) for k in range(10 if i % 4 else 0)),  # empty bid side
            )
            for day in (DAY1, DAY2)
            for i in range(70)
        ]
        await s.append_books(books)
    yield s
    await s.close()


def rows(path: Path) -> list[dict[str, Any]]:
    table = pq.read_table(path)
    return table.to_pylist()  # type: ignore[no-any-return]


async def test_every_table_round_trips_exactly_with_its_types(store: SqliteStore, tmp_path: Path) -> None:
    files = await export_parquet(store.db, tmp_path / "pq")
    assert [f.table for f in files] == ["daily_chart", "minute_chart", "ticks", "orderbooks"]
    for spec, f in zip(PARQUET_TABLES, files, strict=True):
        assert pq.read_schema(f.path).equals(arrow_schema(spec)), spec.table
        assert pq.read_metadata(f.path).num_rows == f.rows
    schema = pq.read_schema(files[2].path)
    assert schema.field("ts").type == pa.timestamp("us", tz="Asia/Seoul")
    assert schema.field("price").type == pa.int64() and schema.field("aggressor").type == pa.int8()

    daily = rows(files[0].path)
    expected_daily = []
    for sym in (HYNIX, SAMSUNG):
        values = await store.get_daily_values(sym)
        for bar in await store.get_daily_bars(sym):
            d = bar.start.date()
            o, h, lo, c, v = bar.open, bar.high, bar.low, bar.close, bar.volume
            row = {"symbol": sym, "date": d, "open": o, "high": h, "low": lo, "close": c, "volume": v}
            expected_daily.append(row | {"value": values[d]})
    assert daily == expected_daily
    assert daily[0]["value"] == 9_876_543_210_123 and daily[1]["value"] is None  # exact, nullable

    minute = rows(files[1].path)
    got_minutes = {(r["symbol"], r["ts"], r["source"]): r for r in minute}
    assert len(got_minutes) == len(minute) == 8
    for sym in (SAMSUNG, HYNIX):
        for source in BarSource:
            for bar in await store.get_minute_bars(sym, DAY1, DAY2, source):
                r = got_minutes[(sym, bar.start, source.value)]
                assert (r["open"], r["high"], r["low"], r["close"], r["volume"]) == (
                    bar.open, bar.high, bar.low, bar.close, bar.volume,
                )  # fmt: skip

    sides = {1: Side.BUY, -1: Side.SELL, None: None}
    ticks = rows(files[2].path)
    assert all(r["ts"].tzinfo is not None and r["ts"].utcoffset() == timedelta(hours=9) for r in ticks)
    for sym in (SAMSUNG, HYNIX):
        stored = [t async for t in store.iter_trades(sym, DAY1, DAY2 + timedelta(days=1))]
        exported = [
            Trade(sym, r["ts"], r["price"], r["qty"], sides[r["aggressor"]], r["cum_volume"])
            for r in ticks
            if r["symbol"] == sym
        ]
        assert sorted(exported, key=lambda t: (t.ts, t.cum_volume)) == sorted(
            stored, key=lambda t: (t.ts, t.cum_volume)
        )
        assert len(stored) == 181

    books = rows(files[3].path)
    for sym in (SAMSUNG, HYNIX):
        stored_books = [b async for b in store.iter_books(sym, DAY1, DAY2 + timedelta(days=1))]
        exported_books = [
            OrderBook(
                sym,
                r["ts"],
                tuple(BookLevel(lv["price"], lv["qty"]) for lv in r["asks"]),
                tuple(BookLevel(lv["price"], lv["qty"]) for lv in r["bids"]),
            )
            for r in books
            if r["symbol"] == sym
        ]
        assert exported_books == stored_books
        for r, b in zip((r for r in books if r["symbol"] == sym), stored_books, strict=True):
            assert (r["best_ask"], r["best_bid"]) == (b.best_ask, b.best_bid)
            assert r["total_bid_qty"] == sum(lv.qty for lv in b.bids)


async def test_symbols_and_dates_filter(store: SqliteStore, tmp_path: Path) -> None:
    files = await export_parquet(
        store.db, tmp_path / "pq", symbols=[HYNIX], start=DAY2.date(), end=DAY2.date()
    )
    by_table = {f.table: rows(f.path) for f in files}
    assert set(by_table) == {"daily_chart", "ticks", "orderbooks"}  # no minute bars on day 2: no file
    for table_rows in by_table.values():
        assert {r["symbol"] for r in table_rows} == {HYNIX}
    assert [r["date"] for r in by_table["daily_chart"]] == [date(2026, 1, 6)]
    assert len(by_table["ticks"]) == 90 and len(by_table["orderbooks"]) == 70
    assert all(r["ts"].date() == date(2026, 1, 6) for r in by_table["ticks"])


async def test_a_failed_export_leaves_no_file_and_keeps_the_old_ones(
    store: SqliteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "pq"
    first = await export_parquet(store.db, out)
    before = {f.path: f.path.read_bytes() for f in first}
    await store.append_trades([Trade(SAMSUNG, DAY2 + timedelta(hours=1), 1, 1)])

    real = export._columns

    def failing(spec: export.ParquetTable, batch: list[tuple[object, ...]]) -> list[list[object]]:
        if spec.table == "orderbooks":  # the last table: the others are already written (as temp files)
            raise OSError("disk full")
        return real(spec, batch)

    monkeypatch.setattr(export, "_columns", failing)
    with pytest.raises(OSError, match="disk full"):
        await export_parquet(store.db, out)
    assert {p: p.read_bytes() for p in out.iterdir()} == before  # nothing half-written, nothing replaced


async def test_daily_parquet_of_one_symbol_is_atomic_and_typed(store: SqliteStore, tmp_path: Path) -> None:
    path = tmp_path / "one" / f"{SAMSUNG}.parquet"
    assert await export_daily_parquet(store.db, SAMSUNG, path, start=DAY2.date()) == 1
    assert rows(path) == [
        {"symbol": SAMSUNG, "date": date(2026, 1, 6), "open": 70_000, "high": 70_900, "low": 69_200,
         "close": 70_100, "volume": 12_345, "value": None},
    ]  # fmt: skip
    assert [p.name for p in path.parent.iterdir()] == [path.name]
