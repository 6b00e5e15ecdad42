"""RateLimiter on a fake monotonic clock: window bound, priorities, penalty, counters."""

from __future__ import annotations

import asyncio
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.kis.client.ratelimit import Priority, RateLimiter, WindowKind


class FakeTime:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        target = self.t + max(seconds, 0.0)
        await asyncio.sleep(0)
        self.t = max(self.t, target)


def limiter(rate: int, clock: FakeTime, **kw: object) -> RateLimiter:
    return RateLimiter(rate, monotonic=clock, sleep=clock.sleep, rng=random.Random(1), **kw)  # type: ignore[arg-type]


def max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


async def _burst(lim: RateLimiter, clock: FakeTime, n: int) -> list[float]:
    granted: list[float] = []

    async def one(p: Priority) -> None:
        await lim.acquire(p)
        granted.append(clock())

    await asyncio.gather(*(one(Priority(i % 3)) for i in range(n)))
    return granted


@settings(max_examples=30, deadline=None)
@given(rate=st.integers(1, 25), n=st.integers(1, 120), kind=st.sampled_from(list(WindowKind)))
def test_never_more_than_rate_in_any_window(rate: int, n: int, kind: WindowKind) -> None:
    clock = FakeTime()
    lim = limiter(rate, clock, kind=kind, margin=0.0)
    granted = asyncio.run(_burst(lim, clock, n))
    assert len(granted) == n
    assert max_in_window(granted, 1.0) <= rate
    assert lim.calls == n
    # throughput: the burst finishes in about n / rate seconds, not much slower
    assert granted[-1] - granted[0] <= (n - 1) // rate + 1e-9


async def test_priorities_order_before_account_before_market_data() -> None:
    clock = FakeTime()
    lim = limiter(1, clock, margin=0.0)
    await lim.acquire(Priority.MARKET_DATA)  # uses the window: everybody else waits
    order: list[str] = []

    async def one(name: str, p: Priority) -> None:
        await lim.acquire(p)
        order.append(name)

    tasks = [
        asyncio.create_task(one("md1", Priority.MARKET_DATA)),
        asyncio.create_task(one("acct", Priority.ACCOUNT)),
        asyncio.create_task(one("md2", Priority.MARKET_DATA)),
        asyncio.create_task(one("order", Priority.ORDER)),
    ]
    await asyncio.gather(*tasks)
    assert order == ["order", "acct", "md1", "md2"]
    stats = lim.stats()
    assert stats.calls == 5 and stats.waits == 4 and stats.total_wait_seconds > 0


async def test_remaining_calls_and_penalty() -> None:
    clock = FakeTime()
    lim = limiter(3, clock, margin=0.0, backoff_base=0.5)
    assert lim.get_remaining_calls() == 3
    await lim.acquire()
    assert lim.get_remaining_calls() == 2
    delay = lim.penalize(0)
    assert 0.25 <= delay <= 0.5
    assert lim.get_remaining_calls() == 0 and lim.violations == 1
    before = clock()
    await lim.acquire()
    assert clock() - before >= delay - 1e-9
    clock.t += 5
    assert lim.get_remaining_calls() == 3


def test_backoff_grows_and_is_capped() -> None:
    lim = RateLimiter(5, backoff_base=0.1, backoff_cap=2.0, rng=random.Random(3))
    delays = [lim.backoff_delay(a) for a in range(10)]
    assert all(0.05 <= d <= 2.0 for d in delays)
    assert delays[6] > delays[0]


async def test_cancelled_waiter_does_not_block_queue() -> None:
    clock = FakeTime()
    lim = limiter(1, clock, margin=0.0)
    await lim.acquire()
    waiting = asyncio.create_task(lim.acquire(Priority.ORDER))
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    await asyncio.wait_for(lim.acquire(), 1.0)
    assert lim.calls == 2


async def test_done_counts_the_slot_from_the_answer() -> None:
    clock = FakeTime()
    lim = limiter(2, clock, margin=0.0)
    a = await lim.acquire()
    await lim.acquire()
    clock.t += 0.3  # the first answer arrives 300 ms after it was sent
    lim.done(a)
    clock.t += 0.8  # 1.1 s after the grants, 0.8 s after the answer
    assert lim.get_remaining_calls() == 1
    start = clock()
    p = await lim.acquire()
    p2 = await lim.acquire()
    assert p.waited == 0.0 and p2.waited == pytest.approx(0.2)
    assert clock() - start == pytest.approx(0.2)
