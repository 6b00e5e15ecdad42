"""Schema migrations: a fresh file and an old one (each earlier version) both end at the latest."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from kistrade.clock import ManualClock
from kistrade.domain.errors import ConfigError
from kistrade.domain.types import KST
from kistrade.store.db import Database
from kistrade.store.migrate import available_migrations, latest_version
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
    assert "events" not in tables(path)  # events arrive in the last migration
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
