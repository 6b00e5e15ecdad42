"""Schema migrations: a fresh file and an old one (each earlier version) both end at the latest."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest

from kistrade.clock import ManualClock
from kistrade.domain.errors import ConfigError
from kistrade.domain.types import KST, OrderType, Side, Symbol
from kistrade.store.db import Database
from kistrade.store.migrate import available_migrations, latest_version
from kistrade.store.records import OrderRecord
from kistrade.store.sqlite_store import SqliteStore

CLOCK = ManualClock(datetime(2026, 1, 5, 8, 0, tzinfo=KST))
EXPECTED_TABLES = {
    "schema_version", "stocks", "daily_chart", "minute_chart", "ticks", "orderbooks",
    "record_segments", "record_spans",
    "orders", "fills", "positions", "signals", "account_snapshots", "risk_state", "api_calls", "events",
}  # fmt: skip


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_migrations_are_numbered_from_one_without_gaps() -> None:
    versions = [m.version for m in available_migrations()]
    assert versions == list(range(1, len(versions) + 1))
    assert latest_version() == versions[-1] >= 2


async def test_fresh_file_reaches_latest_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    store = await SqliteStore.open(path, clock=CLOCK)
    try:
        assert await store.schema_version() == latest_version()
        assert await store.db.fetchone("PRAGMA journal_mode") == ("wal",)
        assert await store.db.fetchone("PRAGMA foreign_keys") == (1,)
        assert await store.db.fetchone("PRAGMA synchronous") == (1,)  # NORMAL
        rows = await store.db.fetchall("SELECT version, applied_at FROM schema_version ORDER BY version")
        assert rows == [(v, CLOCK.now().isoformat()) for v in range(1, latest_version() + 1)]
    finally:
        await store.close()
    assert tables(path) >= EXPECTED_TABLES


@pytest.mark.parametrize("old_version", range(1, latest_version()))
async def test_old_file_is_brought_to_latest_keeping_its_data(tmp_path: Path, old_version: int) -> None:
    path = tmp_path / "old.db"
    db = await Database.open(path, clock=CLOCK, migrate_to=old_version)
    await db.write("INSERT INTO stocks VALUES ('005930', '삼성전자', 'KOSPI', 'stock')")
    await db.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone() == (old_version,)

    store = await SqliteStore.open(path, clock=CLOCK)
    try:
        assert await store.schema_version() == latest_version()
        assert [s.name for s in await store.list_stocks()] == ["삼성전자"]
    finally:
        await store.close()
    assert tables(path) >= EXPECTED_TABLES


async def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "again.db"
    for _ in range(2):
        store = await SqliteStore.open(path, clock=CLOCK)
        await store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone() == (latest_version(),)


async def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    store = await SqliteStore.open(path, clock=CLOCK)
    await store.db.write("INSERT INTO schema_version VALUES (999, 'future', 'x')")
    await store.close()
    with pytest.raises(ConfigError, match="schema version 999, newer than this kistrade knows"):
        await SqliteStore.open(path, clock=CLOCK)


async def test_memory_database_migrates_too() -> None:
    store = await SqliteStore.open(":memory:", clock=CLOCK)
    try:
        assert await store.schema_version() == latest_version()
    finally:
        await store.close()


# A version-3 database as the trader wrote it: the same ODNO could not appear twice, fills carried
# the date in their exec id. Times are microseconds (UTC); 2026-01-05 23:30 UTC is 01-06 in KST.
_V3_US = {
    "mon": 1_767_571_200_000_000,  # 2026-01-05 00:00 UTC = 09:00 KST
    "late": 1_767_655_800_000_000,  # 2026-01-05 23:30 UTC = 2026-01-06 08:30 KST
}
_V3_ORDERS = [
    ("20260105-1", "0000000001", "00950", "005930", "buy", "limit", 10, 70_000, "filled", 10,
     _V3_US["mon"], _V3_US["mon"] + 5, "purpose=entry"),
    ("20260105-2", None, None, "000660", "sell", "market", 3, None, "rejected", 0,
     _V3_US["mon"] + 7, _V3_US["mon"] + 8, ""),
    ("20260106-1", "0000000002", "00950", "005930", "sell", "limit", 10, 71_000, "accepted", 4,
     _V3_US["late"], _V3_US["late"] + 1, "purpose=exit"),
]  # fmt: skip
_V3_FILLS = [
    (7, "20260105-1", "0000000001", "20260105/4", "005930", "buy", 4, 70_000, _V3_US["mon"] + 1, 42, 0),
    (9, "20260105-1", "0000000001", "20260105/10", "005930", "buy", 6, 69_900, _V3_US["mon"] + 2, 63, 0),
    (12, "20260106-1", "0000000002", "20260106/4", "005930", "sell", 4, 71_000, _V3_US["late"] + 1, 42, 5),
]  # fmt: skip


def _order_rows(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
    return conn.execute(
        "SELECT client_order_id, broker_order_id, broker_org_no, symbol, side, order_type, qty, price, "
        "state, filled_qty, created_at, updated_at, reason FROM orders ORDER BY client_order_id"
    ).fetchall()


def _fill_rows(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
    return conn.execute(
        "SELECT id, client_order_id, broker_order_id, exec_id, symbol, side, qty, price, ts, commission, "
        "tax FROM fills ORDER BY id"
    ).fetchall()


async def test_version_3_orders_and_fills_migrate_to_4_keeping_every_row(tmp_path: Path) -> None:
    path = tmp_path / "v3.db"
    db = await Database.open(path, clock=CLOCK, migrate_to=3)
    try:
        await db.write_many("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", _V3_ORDERS)
        await db.write_many("INSERT INTO fills VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", _V3_FILLS)
    finally:
        await db.close()

    store = await SqliteStore.open(path, clock=CLOCK)
    try:
        assert await store.schema_version() == latest_version()
        assert await store.db.fetchone("PRAGMA foreign_keys") == (1,)  # back on after the rebuild
        assert await store.db.fetchall("PRAGMA foreign_key_check") == []
        dates = await store.db.fetchall("SELECT client_order_id, trade_date FROM orders ORDER BY 1")
        assert dates == [
            ("20260105-1", "2026-01-05"),
            ("20260105-2", "2026-01-05"),
            ("20260106-1", "2026-01-06"),
        ]
        fill_dates = await store.db.fetchall("SELECT id, trade_date FROM fills ORDER BY id")
        assert fill_dates == [(7, "2026-01-05"), (9, "2026-01-05"), (12, "2026-01-06")]
        # the repositories read the migrated rows, and the per-day keys now accept a reused ODNO
        old = await store.get_order_by_broker_id("0000000001")
        assert old is not None and old.trade_date == date(2026, 1, 5) and old.filled_qty == 10
        assert [f.qty for f in await store.list_fills("20260105-1")] == [4, 6]
        reused = OrderRecord(
            "20260107-1", Symbol("005930"), Side.BUY, OrderType.LIMIT, 1, 70_000, "accepted",
            datetime(2026, 1, 7, 9, 0, tzinfo=KST), datetime(2026, 1, 7, 9, 0, tzinfo=KST),
            broker_order_id="0000000001",
        )  # fmt: skip
        await store.save_order(reused)
        assert await store.get_order_by_broker_id("0000000001") == reused
        assert await store.get_order_by_broker_id("0000000001", date(2026, 1, 5)) == old
    finally:
        await store.close()
    with sqlite3.connect(path) as conn:
        assert [r for r in _order_rows(conn) if r[0] != "20260107-1"] == [tuple(o) for o in _V3_ORDERS]
        assert _fill_rows(conn) == [tuple(f) for f in _V3_FILLS]
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone() == (latest_version(),)
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"orders_state", "orders_broker_order", "fills_client_order"} <= indexes
        fk = conn.execute("PRAGMA foreign_key_list(fills)").fetchall()
        assert [(r[2], r[3], r[4]) for r in fk] == [("orders", "client_order_id", "client_order_id")]


async def test_fresh_file_has_the_per_day_broker_order_keys(tmp_path: Path) -> None:
    path = tmp_path / "fresh4.db"
    store = await SqliteStore.open(path, clock=CLOCK)
    await store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone() == (latest_version(),)
        uniques = {
            table: sorted(
                tuple(c[2] for c in conn.execute(f"PRAGMA index_info('{idx[1]}')"))
                for idx in conn.execute(f"PRAGMA index_list('{table}')")
                if idx[2] == 1 and idx[3] == "u"
            )
            for table in ("orders", "fills")
        }
    assert uniques == {
        "orders": [("trade_date", "broker_order_id")],
        "fills": [("trade_date", "broker_order_id", "exec_id")],
    }


async def test_a_migration_leaving_a_dangling_foreign_key_is_rolled_back(tmp_path: Path) -> None:
    path = tmp_path / "orphan.db"
    db = await Database.open(path, clock=CLOCK, migrate_to=3)
    try:  # an orphan fill, as only a writer without foreign keys could leave
        await db.conn.execute("PRAGMA foreign_keys = OFF")
        await db.write_many("INSERT INTO fills VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", _V3_FILLS[:1])
    finally:
        await db.close()
    with pytest.raises(
        ConfigError, match=r"0004_trade_date\.sql left 1 row.* dangling foreign key in table.* fills"
    ):
        await SqliteStore.open(path, clock=CLOCK)
    with sqlite3.connect(path) as conn:  # untouched: still version 3, old schema, the row kept
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone() == (3,)
        assert _fill_rows(conn) == [tuple(_V3_FILLS[0])]
        assert "trade_date" not in {r[1] for r in conn.execute("PRAGMA table_info(fills)")}
