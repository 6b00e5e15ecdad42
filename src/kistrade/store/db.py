"""One SQLite database (aiosqlite, WAL): open with PRAGMAs, migrate, serialise write transactions.

All statements of a ``Database`` run in aiosqlite's single worker thread, so the event loop never
waits on disk. The connection is in autocommit mode; every write goes through ``transaction()``
(or ``write()``), which holds an asyncio lock so two writers on the shared connection never mix
their statements into one transaction.

WAL checkpoints (copying committed pages from the WAL into the database file) run on a second
connection, in its own thread, after commits: a ``PASSIVE`` checkpoint never blocks the writer, so
a heavy writer (the recorder) does not stop to checkpoint every ~4 MB as SQLite's automatic
checkpoint would make it. The writer's own automatic checkpoint stays on, at a higher threshold,
as a safety net should the background one fall behind.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
from loguru import logger

from kistrade.clock import WallClock
from kistrade.ports import Clock
from kistrade.store.migrate import migrate

MEMORY = ":memory:"

# synchronous=NORMAL is durable across application crashes under WAL (only an OS crash or power
# loss can drop the last commits); busy_timeout lets a dashboard reader and the bot share the file.
_PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA cache_size = -65536",
)
# pages of WAL (4 KiB each) after which the writer checkpoints by itself; the background
# checkpointer normally keeps the WAL far below this
_SAFETY_AUTOCHECKPOINT = "PRAGMA wal_autocheckpoint = 16384"


class _Checkpointer:
    """PASSIVE WAL checkpoints on a connection of its own, started by ``poke()`` after commits.

    Pokes that arrive while a checkpoint runs collapse into one more run. A failed checkpoint is
    logged and retried at the next poke (SQLite's automatic checkpoint remains as a safety net).
    """

    def __init__(self, conn: Any, path: str) -> None:
        self._conn = conn
        self._path = path
        self._wake = asyncio.Event()
        self.idle = asyncio.Event()
        self.idle.set()
        self._task = asyncio.create_task(self._run(), name="store.checkpointer")
        self.runs = 0

    def poke(self) -> None:
        self.idle.clear()
        self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                async with self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)") as cur:
                    await cur.fetchone()
                self.runs += 1
            except Exception as exc:  # keep going: the writer's automatic checkpoint still works
                logger.warning("store.checkpointer: checkpoint of {} failed: {}", self._path, exc)
            if not self._wake.is_set():
                self.idle.set()

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await self._conn.close()


class Database:
    """An open, migrated SQLite database. Create with ``await Database.open(path)``."""

    def __init__(self, conn: Any, path: str, checkpointer: _Checkpointer | None = None) -> None:
        self._conn = conn
        self.path = path
        self._lock = asyncio.Lock()
        self._closed = False
        self._checkpointer = checkpointer

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        clock: Clock | None = None,
        migrate_to: int | None = None,
    ) -> Database:
        """Open (creating if needed) and migrate to the latest schema (or ``migrate_to``, for tests)."""
        target = str(path)
        if target != MEMORY:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(target, isolation_level=None)
        try:
            if target != MEMORY:
                async with conn.execute("PRAGMA journal_mode = WAL") as cur:
                    row = await cur.fetchone()
                mode = "?" if row is None else str(row[0]).lower()
                if mode != "wal":
                    raise OSError(f"SQLite refused WAL mode for {target} (journal_mode={mode})")
            for pragma in _PRAGMAS:
                await conn.execute(pragma)
            now = (clock or WallClock()).now()
            await migrate(conn, now=now, target=migrate_to)
            checkpointer = None
            if target != MEMORY:
                await conn.execute(_SAFETY_AUTOCHECKPOINT)
                checkpointer = _Checkpointer(await aiosqlite.connect(target, isolation_level=None), target)
        except BaseException:
            await conn.close()
            raise
        return cls(conn, target, checkpointer)

    @property
    def conn(self) -> Any:
        """The aiosqlite connection (for reads; writes go through ``transaction``)."""
        return self._conn

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def checkpoints(self) -> int:
        """Background WAL checkpoints run so far (0 for ``:memory:``)."""
        return 0 if self._checkpointer is None else self._checkpointer.runs

    async def checkpoints_settled(self) -> None:
        """Wait until the background checkpointer has caught up with every commit so far."""
        if self._checkpointer is not None:
            await self._checkpointer.idle.wait()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK`` on any exception), one writer at a time."""
        async with self._lock:
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                yield self._conn
            except BaseException:
                # also when cancelled while BEGIN was on its way: the connection's thread still
                # runs it, so the rollback (queued after it) must run too, or the transaction
                # stays open and every later BEGIN fails; a no-op when no transaction began
                await asyncio.shield(self._conn.rollback())
                raise
            await self._conn.commit()
        if self._checkpointer is not None:
            self._checkpointer.poke()

    async def write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One write statement in its own transaction; returns the rows changed."""
        async with self.transaction() as conn:
            cur = await conn.execute(sql, params)
            count = int(cur.rowcount)
            await cur.close()
        return count

    async def write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """``executemany`` in one transaction; returns the rows changed."""
        async with self.transaction() as conn:
            cur = await conn.executemany(sql, rows)
            count = int(cur.rowcount)
            await cur.close()
        return count

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        async with self._conn.execute(sql, params) as cur:
            rows = await cur.fetchall()
        return [tuple(r) for r in rows]

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        async with self._conn.execute(sql, params) as cur:
            row = await cur.fetchone()
        return None if row is None else tuple(row)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._checkpointer is not None:
            await self._checkpointer.close()
        async with self._lock:
            if self.path != MEMORY:
                await self._conn.execute("PRAGMA optimize")
            await self._conn.close()
