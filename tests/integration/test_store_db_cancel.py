"""A write cancelled while its BEGIN is on the way to the connection's thread leaves no open
transaction behind (the next writes used to fail: "cannot start a transaction within a
transaction", which made the crash test's restarted bot exit at its stop)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from kistrade.store.db import Database


@pytest.mark.parametrize("where", ["memory", "file"])
async def test_cancelled_write_leaves_no_transaction_open(tmp_path: Path, where: str) -> None:
    db = await Database.open(":memory:" if where == "memory" else tmp_path / "t.db")
    try:
        await db.write("CREATE TABLE t (x INTEGER)")
        for k in range(20):  # cancel at the first await of the write: BEGIN is queued or running
            task = asyncio.create_task(db.write("INSERT INTO t VALUES (?)", (k,)))
            await asyncio.sleep(0)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await db.write("INSERT INTO t VALUES (?)", (100 + k,)) == 1
        rows = await db.fetchall("SELECT x FROM t ORDER BY x")
        assert [r[0] for r in rows] == list(range(100, 120))  # the cancelled ones rolled back
        assert not db.conn.in_transaction
    finally:
        await db.close()
