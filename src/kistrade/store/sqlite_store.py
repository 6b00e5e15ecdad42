"""``SqliteStore``: the SQLite implementation of the Store port (see ``kistrade.store.port``)."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from kistrade.ports import Clock
from kistrade.store.db import MEMORY, Database
from kistrade.store.market_repo import MarketRepo
from kistrade.store.ops_repo import OpsRepo
from kistrade.store.trading_repo import TradingRepo


class SqliteStore(MarketRepo, TradingRepo, OpsRepo):
    """All repositories over one migrated SQLite database. ``await SqliteStore.open(path)``;
    ``path`` may be ``":memory:"``. Use as ``async with`` or call ``close()``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    async def open(
        cls, path: str | Path = MEMORY, *, clock: Clock | None = None, migrate_to: int | None = None
    ) -> SqliteStore:
        return cls(await Database.open(path, clock=clock, migrate_to=migrate_to))

    async def close(self) -> None:
        await self.db.close()

    async def __aenter__(self) -> SqliteStore:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def schema_version(self) -> int:
        row = await self.db.fetchone("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        return 0 if row is None else int(row[0])
