"""Spacing of outgoing messages on the event loop's monotonic clock (not the trading Clock: an
accelerated simulated day must not speed up Telegram's rate limits)."""

from __future__ import annotations

import asyncio


class Pacer:
    """Lets callers through at least ``interval`` seconds apart, in arrival order.

    ``defer(seconds)`` pushes the next slot out (a 429 ``retry_after``)."""

    def __init__(self, interval: float) -> None:
        if interval < 0:
            raise ValueError(f"pacing interval must be >= 0, got {interval}")
        self._interval = interval
        self._next = 0.0
        self._lock = asyncio.Lock()

    @property
    def interval(self) -> float:
        return self._interval

    async def wait(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            delay = self._next - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            self._next = loop.time() + self._interval

    def defer(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._next = max(self._next, loop.time() + seconds)
