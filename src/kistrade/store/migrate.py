"""Apply the numbered SQL migrations in ``kistrade/store/migrations`` in order, one transaction each."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from kistrade.domain.errors import ConfigError

_NAME_RE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

_SCHEMA_VERSION_DDL = """
CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    """Every migration shipped with this kistrade, by version; numbers must run 1, 2, 3, ... without gaps."""
    found: list[Migration] = []
    for entry in resources.files("kistrade.store.migrations").iterdir():
        match = _NAME_RE.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise ConfigError(
                f"store migrations are not numbered 1..n: expected {expected:04d}, "
                f"found {migration.version:04d}"
            )
    return found


def latest_version() -> int:
    migrations = available_migrations()
    return migrations[-1].version if migrations else 0


async def current_version(conn: Any) -> int:
    """The schema version of an open database (0 for a fresh one)."""
    await conn.execute(_SCHEMA_VERSION_DDL)
    async with conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version") as cur:
        row = await cur.fetchone()
    return int(row[0])


async def migrate(conn: Any, *, now: datetime, target: int | None = None) -> list[int]:
    """Bring ``conn`` (an aiosqlite connection in autocommit mode) to ``target`` (default: latest).

    Returns the versions applied. A database newer than this code is refused (ConfigError).
    """
    migrations = available_migrations()
    newest = migrations[-1].version if migrations else 0
    goal = newest if target is None else target
    if not 0 <= goal <= newest:
        raise ConfigError(f"store migration target {goal} is outside 0..{newest}")
    version = await current_version(conn)
    if version > newest:
        raise ConfigError(
            f"the database is at schema version {version}, newer than this kistrade knows ({newest}); "
            "upgrade kistrade or use another database file"
        )
    applied: list[int] = []
    pending = [m for m in migrations if version < m.version <= goal]
    if not pending:
        return applied
    # SQLite's documented ALTER procedure: foreign keys off outside the transaction (a migration may
    # rebuild a parent table), PRAGMA foreign_key_check before COMMIT, then the old setting back.
    async with conn.execute("PRAGMA foreign_keys") as cur:
        row = await cur.fetchone()
    fk_was_on = row is not None and int(row[0]) == 1
    await conn.execute("PRAGMA foreign_keys = OFF")
    try:
        for migration in pending:
            await _apply(conn, migration, now)
            applied.append(migration.version)
    finally:
        if fk_was_on:
            await conn.execute("PRAGMA foreign_keys = ON")
    return applied


async def _apply(conn: Any, migration: Migration, now: datetime) -> None:
    """One migration and its schema_version row in one transaction, committed only if no foreign
    key is left dangling."""
    label = f"{migration.version:04d}_{migration.name}.sql"
    script = (
        "BEGIN IMMEDIATE;\n"
        f"{migration.sql}\n;\n"
        "INSERT INTO schema_version (version, name, applied_at) "
        f"VALUES ({migration.version}, '{migration.name}', '{now.isoformat()}');\n"
    )
    try:
        await conn.executescript(script)
        async with conn.execute("PRAGMA foreign_key_check") as cur:
            dangling = await cur.fetchall()
        if dangling:
            tables = sorted({str(r[0]) for r in dangling})
            raise ConfigError(
                f"store migration {label} left {len(dangling)} row(s) with a dangling foreign key "
                f"in table(s) {', '.join(tables)}"
            )
        await conn.execute("COMMIT")
    except Exception as exc:
        if conn.in_transaction:
            await conn.rollback()
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"store migration {label} failed: {exc}") from exc
