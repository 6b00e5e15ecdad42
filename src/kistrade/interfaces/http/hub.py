"""One poller per app: reads the service every ``poll_ms``, keeps the latest JSON of each topic
with a version number, records the equity curve, and wakes the SSE streams when something changed.

Every SSE client shares the same poll, so N open dashboards cost one set of service calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from loguru import logger

from kistrade.app.views import TradingService
from kistrade.interfaces.http.protocols import UsageSnapshot, UsageView
from kistrade.interfaces.http.serialize import dumps, to_jsonable

TOPICS = ("status", "positions", "orders", "fills", "signals", "pnl", "usage")
LIST_LIMIT = 100
RATE_WINDOW_S = 1.0
EQUITY_EVERY = timedelta(seconds=60)
"""An unchanged equity is recorded at most this often (by the service's clock)."""


@dataclass(frozen=True, slots=True)
class EquityPoint:
    ts: datetime
    equity: int
    day_pnl: int


class LiveHub:
    def __init__(
        self,
        service: TradingService,
        *,
        usage: UsageView | None = None,
        poll_ms: int = 500,
        max_points: int = 5000,
        rate_window_s: float = RATE_WINDOW_S,
    ) -> None:
        if poll_ms <= 0:
            raise ValueError(f"poll_ms must be positive, got {poll_ms}")
        self._service = service
        self._usage = usage
        self.poll_s = poll_ms / 1000
        self._texts: dict[str, str] = {}
        self._versions: dict[str, int] = dict.fromkeys(TOPICS, 0)
        self._equity: deque[EquityPoint] = deque(maxlen=max_points)
        self._equity_seq = 0  # points ever appended (a client's cursor into the curve)
        self._changed = asyncio.Event()
        self._stop = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._rate_mark: tuple[float, int] | None = None  # (monotonic s, requests_total)
        self.requests_per_s: float | None = None
        self._rate_window_s = rate_window_s
        self.closed = False
        self.last_error: str | None = None

    # --- polling ---------------------------------------------------------------------------

    async def refresh(self) -> None:
        """Poll the service once and publish what changed."""
        async with self._lock:
            try:
                fresh = await self._read()
            except Exception as exc:  # the service failing must not kill the dashboard
                message = f"{type(exc).__name__}: {exc}"
                if message != self.last_error:
                    logger.warning("dashboard poll failed: {}", message)
                self.last_error = message
                return
            self.last_error = None
            changed = False
            for topic, text in fresh.items():
                if self._texts.get(topic) != text:
                    self._texts[topic] = text
                    self._versions[topic] += 1
                    changed = True
            if changed:
                self._wake()

    async def _read(self) -> dict[str, str]:
        s = self._service
        status = await s.status()
        jobs: dict[str, Callable[[], Awaitable[object]]] = {
            "positions": s.positions,
            "orders": lambda: s.orders(limit=LIST_LIMIT),
            "fills": lambda: s.fills(limit=LIST_LIMIT),
            "signals": lambda: s.signals(limit=LIST_LIMIT),
            "pnl": s.pnl,
        }
        out = {"status": dumps(status)}
        for topic, job in jobs.items():
            out[topic] = dumps(await job())
        if self._usage is not None:
            snap = self._usage.usage()
            self._measure_rate(snap.requests_total)
            out["usage"] = dumps(usage_json(snap, self.requests_per_s))
        last = self._equity[-1] if self._equity else None
        point = EquityPoint(status.now, status.equity, status.day_pnl)
        if (
            last is None
            or (last.equity, last.day_pnl) != (point.equity, point.day_pnl)
            or point.ts - last.ts >= EQUITY_EVERY
        ):
            self._equity.append(point)
            self._equity_seq += 1
        return out

    def _measure_rate(self, requests_total: int) -> None:
        """Requests per second over the last >= 1 s of polls (None until measured)."""
        now = time.monotonic()
        if self._rate_mark is None:
            self._rate_mark = (now, requests_total)
            return
        since, before = self._rate_mark
        if now - since >= self._rate_window_s and now > since:
            self.requests_per_s = round(max(0, requests_total - before) / (now - since), 1)
            self._rate_mark = (now, requests_total)

    async def run(self) -> None:
        while not self.closed:
            await self.refresh()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.poll_s)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="dashboard-poller")

    async def stop(self) -> None:
        self.closed = True
        self._stop.set()
        self._wake()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    # --- reading -----------------------------------------------------------------------------

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def changed_event(self) -> asyncio.Event:
        """Set at the next change (grab it BEFORE reading :meth:`diff`, then wait on it)."""
        return self._changed

    def diff(self, seen: dict[str, int]) -> dict[str, str]:
        """The topics newer than ``seen`` (updated in place) as JSON text."""
        out: dict[str, str] = {}
        for topic, version in self._versions.items():
            if version and seen.get(topic, 0) != version and topic in self._texts:
                out[topic] = self._texts[topic]
                seen[topic] = version
        return out

    def equity_since(self, cursor: int) -> tuple[list[EquityPoint], int]:
        """Points appended after ``cursor`` (all that are still kept) and the new cursor."""
        missing = self._equity_seq - cursor
        if missing <= 0:
            return [], self._equity_seq
        points = list(self._equity)[-missing:] if missing < len(self._equity) else list(self._equity)
        return points, self._equity_seq

    def equity(self) -> list[EquityPoint]:
        return list(self._equity)


def usage_json(snap: UsageSnapshot, requests_per_s: float | None) -> dict[str, object]:
    data = to_jsonable(snap)
    assert isinstance(data, dict)
    data["cache_hit_rate"] = snap.cache_hit_rate
    data["requests_per_s"] = requests_per_s
    return data
