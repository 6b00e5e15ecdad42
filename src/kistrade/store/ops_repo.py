"""Operations repositories: broker API calls and the event log."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from kistrade.domain.errors import InvalidInputError
from kistrade.store.codec import from_us, to_us
from kistrade.store.db import Database
from kistrade.store.records import ApiCall, EventRecord

_FAR_PAST = -(2**62)
_FAR_FUTURE = 2**62


class OpsRepo:
    db: Database

    async def record_api_calls(self, calls: Iterable[ApiCall]) -> int:
        rows = [(to_us(c.ts), c.name, float(c.latency_ms), c.code, int(c.ok)) for c in calls]
        return await self.db.write_many(
            "INSERT INTO api_calls (ts, name, latency_ms, code, ok) VALUES (?, ?, ?, ?, ?)", rows
        )

    async def list_api_calls(
        self, name: str | None = None, start: datetime | None = None, end: datetime | None = None
    ) -> list[ApiCall]:
        """API calls with start <= ts < end (optionally one name), oldest first."""
        lo = _FAR_PAST if start is None else to_us(start)
        hi = _FAR_FUTURE if end is None else to_us(end)
        rows = await self.db.fetchall(
            "SELECT ts, name, latency_ms, code, ok FROM api_calls WHERE ts >= ? AND ts < ? "
            "AND (? IS NULL OR name = ?) ORDER BY ts, id",
            (lo, hi, name, name),
        )
        return [ApiCall(from_us(r[0]), r[1], r[2], r[3], bool(r[4])) for r in rows]

    async def add_event(self, event: EventRecord) -> None:
        try:
            detail = json.dumps(event.detail, ensure_ascii=False, sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"event {event.kind!r}: detail is not JSON-serialisable ({exc})") from exc
        await self.db.write(
            "INSERT INTO events (ts, kind, detail) VALUES (?, ?, ?)", (to_us(event.ts), event.kind, detail)
        )

    async def list_events(
        self, kind: str | None = None, start: datetime | None = None, end: datetime | None = None
    ) -> list[EventRecord]:
        lo = _FAR_PAST if start is None else to_us(start)
        hi = _FAR_FUTURE if end is None else to_us(end)
        rows = await self.db.fetchall(
            "SELECT ts, kind, detail FROM events WHERE ts >= ? AND ts < ? AND (? IS NULL OR kind = ?) "
            "ORDER BY ts, id",
            (lo, hi, kind, kind),
        )
        return [EventRecord(from_us(r[0]), r[1], json.loads(r[2])) for r in rows]
