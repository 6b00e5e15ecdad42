"""Client-side request rate limiter: one per app key and environment, shared by the whole process.

Window: ``SLIDING`` (default) grants at most ``rate`` calls in ANY interval of ``window`` seconds,
which is also safe against a server that counts per fixed 1-second bucket. ``FIXED`` counts per
bucket ``floor((t - origin) / window)`` and only matches a fixed-window server whose boundaries are
aligned with ``origin``; use it only when they are.

The caller marks each call ``done`` when its answer arrives: the slot then counts from that
moment, an upper bound of when the server counted it, so network latency can never squeeze more
than ``rate`` calls into one server window (sliding or fixed).
``margin`` widens the window a little more for clock granularity.

Waiting requests are served by priority (ORDER, then ACCOUNT, then MARKET_DATA), FIFO within one
priority. On EGW00201 the caller calls ``penalize(attempt)``: every request waits an exponential
backoff with jitter before the next grant.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import IntEnum, StrEnum


class Priority(IntEnum):
    ORDER = 0
    ACCOUNT = 1
    MARKET_DATA = 2


class WindowKind(StrEnum):
    SLIDING = "sliding"
    FIXED = "fixed"


@dataclass(frozen=True, slots=True)
class RateLimiterStats:
    rate: int
    window: float
    calls: int
    waits: int
    total_wait_seconds: float
    violations: int
    remaining: int


class Permit:
    """One granted call: ``t`` is when its window slot started (grant, then answer time)."""

    __slots__ = ("t", "waited")

    def __init__(self, t: float) -> None:
        self.t = t
        self.waited = 0.0


class _Waiter:
    __slots__ = ("event", "key")

    def __init__(self, key: tuple[int, int]) -> None:
        self.key = key
        self.event = asyncio.Event()

    def __lt__(self, other: _Waiter) -> bool:
        return self.key < other.key


class RateLimiter:
    def __init__(
        self,
        rate: int,
        *,
        window: float = 1.0,
        kind: WindowKind | str = WindowKind.SLIDING,
        margin: float = 0.01,
        origin: float = 0.0,
        backoff_base: float = 0.1,
        backoff_cap: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if rate < 1:
            raise ValueError(f"rate limit must be at least 1 call per window, got {rate}")
        if window <= 0:
            raise ValueError(f"rate window must be positive, got {window}")
        self.rate = rate
        self.window = window
        self.kind = WindowKind(kind)
        self.margin = margin
        self.origin = origin
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._now = monotonic
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._grants: list[Permit] = []
        self._bucket = -1
        self._bucket_count = 0
        self._blocked_until = 0.0
        self._heap: list[_Waiter] = []
        self._seq = itertools.count()
        self.calls = 0
        self.waits = 0
        self.total_wait_seconds = 0.0
        self.violations = 0

    # ---- window arithmetic ----------------------------------------------------------------
    def _span(self) -> float:
        return self.window + self.margin

    def _prune(self, now: float) -> None:
        span = self._span()
        cutoff = now - span
        if self._grants and min(p.t for p in self._grants) <= cutoff:
            self._grants = [p for p in self._grants if p.t > cutoff]

    def _delay(self, now: float) -> float:
        """Seconds until a call may be granted (0 when it may go now)."""
        blocked = max(0.0, self._blocked_until - now)
        if self.kind is WindowKind.SLIDING:
            self._prune(now)
            if len(self._grants) < self.rate:
                return blocked
            return max(blocked, min(p.t for p in self._grants) + self._span() - now)
        bucket = int((now - self.origin) // self.window)
        if bucket != self._bucket or self._bucket_count < self.rate:
            return blocked
        next_start = self.origin + (bucket + 1) * self.window + self.margin
        return max(blocked, next_start - now)

    def _take(self, now: float) -> Permit:
        self.calls += 1
        permit = Permit(now)
        if self.kind is WindowKind.SLIDING:
            self._grants.append(permit)
            return permit
        bucket = int((now - self.origin) // self.window)
        if bucket != self._bucket:
            self._bucket, self._bucket_count = bucket, 0
        self._bucket_count += 1
        return permit

    # ---- public API -----------------------------------------------------------------------
    def get_remaining_calls(self) -> int:
        """Calls that could be granted right now without waiting."""
        now = self._now()
        if self._blocked_until > now:
            return 0
        if self.kind is WindowKind.SLIDING:
            self._prune(now)
            return self.rate - len(self._grants)
        bucket = int((now - self.origin) // self.window)
        return self.rate if bucket != self._bucket else max(0, self.rate - self._bucket_count)

    def done(self, permit: Permit) -> None:
        """The call answered: its slot is counted from now (an upper bound of when the server saw
        it), so a later call sent one window after cannot land in the same server window whatever
        the network latency. Calls never marked done count from their grant time."""
        permit.t = max(permit.t, self._now())

    async def acquire(self, priority: Priority = Priority.MARKET_DATA) -> Permit:
        """Wait for a slot; the permit's ``waited`` is the seconds waited. Pass it to ``done``."""
        start = self._now()
        if not self._heap and self._delay(start) <= 0:
            return self._take(start)
        waiter = _Waiter((int(priority), next(self._seq)))
        heapq.heappush(self._heap, waiter)
        try:
            while True:
                if self._heap[0] is waiter:
                    now = self._now()
                    delay = self._delay(now)
                    if delay <= 0:
                        heapq.heappop(self._heap)
                        permit = self._take(now)
                        permit.waited = now - start
                        self.waits += 1
                        self.total_wait_seconds += permit.waited
                        return permit
                    await self._sleep(delay)
                else:
                    waiter.event.clear()
                    await waiter.event.wait()
        except BaseException:
            if waiter in self._heap:
                self._heap.remove(waiter)
                heapq.heapify(self._heap)
            raise
        finally:
            if self._heap:
                self._heap[0].event.set()

    def backoff_delay(self, attempt: int) -> float:
        """Exponential backoff with full-range jitter in [50%, 100%] of the step."""
        step = min(self.backoff_cap, self.backoff_base * float(1 << min(max(0, attempt), 30)))
        return step * (0.5 + 0.5 * self._rng.random())

    def penalize(self, attempt: int = 0) -> float:
        """The server said EGW00201: count it and hold every grant for a backoff delay."""
        self.violations += 1
        delay = self.backoff_delay(attempt)
        self._blocked_until = max(self._blocked_until, self._now() + delay)
        return delay

    def stats(self) -> RateLimiterStats:
        return RateLimiterStats(
            rate=self.rate,
            window=self.window,
            calls=self.calls,
            waits=self.waits,
            total_wait_seconds=self.total_wait_seconds,
            violations=self.violations,
            remaining=self.get_remaining_calls(),
        )


_SHARED: dict[str, RateLimiter] = {}


def shared_limiter(key: str, factory: Callable[[], RateLimiter]) -> RateLimiter:
    """The process-wide limiter for ``key`` (env + key id): created once, then shared."""
    limiter = _SHARED.get(key)
    if limiter is None:
        limiter = _SHARED[key] = factory()
    return limiter
