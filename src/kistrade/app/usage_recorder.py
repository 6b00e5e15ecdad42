"""The usage recorder: what the KPI report (``kistrade kpi``) is computed from, written by the bot.

* Every REST exchange (``KisRestClient.observers``): its TR id, latency, code and outcome, one
  ``api_calls`` row each. ``on_call`` is the hot path: it appends to a list and returns; a
  background task writes the queued rows in one transaction every ``flush_s`` wall seconds (or
  at once when ``batch_size`` are queued). Bounded: beyond ``max_pending`` rows new ones are
  dropped and counted, so recording can never stall trading.
* A heartbeat every ``heartbeat_s`` clock seconds (event ``usage.heartbeat``: run id, interval,
  whether the bot is up, i.e. its trading day is open and the feed connected): uptime.
* An account snapshot (cash, equity, P&L, fees) every ``account_every_s`` clock seconds and at
  close: return, worst daily loss.
* Cache hit/miss counters (event ``usage.cache``, cumulative per run) with each heartbeat, when a
  cache is given.
* The data check every ``data_check_every_s`` clock seconds, when a :class:`TickBarCheck` is
  given: tick-built minute bars against the broker's REST minute bars (event ``data_check``,
  written by ``MarketDataManager.data_check``). What is sampled: ``kistrade.app.usage_sources``.

Events go through the same background writer as the calls (never awaited by the caller), except
the data check, which runs in its own task (it asks the broker for minute bars).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

from loguru import logger

from kistrade.app.usage_sources import TickBarCheck, UsageSources
from kistrade.clock import AffineClock
from kistrade.domain.errors import InvalidInputError, StateError
from kistrade.kis.client.rest import CallObservation
from kistrade.ports import Clock
from kistrade.store.port import Store
from kistrade.store.records import AccountSnapshot, ApiCall, EventRecord

HEARTBEAT_KIND = "usage.heartbeat"
CACHE_KIND = "usage.cache"
DATA_CHECK_KIND = "data_check"  # written by MarketDataManager.data_check
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class UsageConfig:
    flush_s: float = 1.0  # wall seconds between writes of the queued rows
    batch_size: int = 2_000  # queued rows that trigger a write at once
    max_pending: int = 100_000  # queued rows beyond which new ones are dropped
    heartbeat_s: float = 10.0  # clock seconds
    account_every_s: float = 60.0  # clock seconds
    data_check_every_s: float = 600.0  # clock seconds; the REST chart gives 30 minutes a call

    @classmethod
    def for_clock(cls, clock: Clock) -> UsageConfig:
        """Heartbeats at least one wall second apart on an accelerated clock (x120: every 120
        clock seconds), so a loop stall of a few hundred wall milliseconds is not read as a
        stop of minutes; at x1 every 10 seconds."""
        speed = clock.speed if isinstance(clock, AffineClock) else 1.0
        return cls(heartbeat_s=max(10.0, speed))

    def __post_init__(self) -> None:
        if min(self.flush_s, self.heartbeat_s, self.account_every_s) <= 0 or self.data_check_every_s < 0:
            raise InvalidInputError(
                f"usage recorder: flush_s ({self.flush_s}), heartbeat_s ({self.heartbeat_s}) and "
                f"account_every_s ({self.account_every_s}) must be > 0, data_check_every_s "
                f"({self.data_check_every_s}) >= 0"
            )
        if self.batch_size < 1 or self.max_pending < 1:
            raise InvalidInputError(
                f"usage recorder: batch_size ({self.batch_size}) and max_pending "
                f"({self.max_pending}) must be >= 1"
            )


@dataclass(frozen=True, slots=True)
class UsageStats:
    calls_recorded: int
    events_recorded: int
    dropped: int
    failed: int
    queued: int


class UsageRecorder:
    """``async with UsageRecorder(store, clock) as usage: client.rest.observers.append(usage.on_call)``;
    ``usage.watch(sources)`` once the bot runs starts the heartbeat, account and data-check tasks."""

    def __init__(
        self, store: Store, clock: Clock, config: UsageConfig | None = None, *, run_id: str | None = None
    ) -> None:
        self._store = store
        self._clock = clock
        self.config = config or UsageConfig()
        self.run_id = run_id or secrets.token_hex(4)
        self._calls: list[ApiCall] = []
        self._events: list[EventRecord] = []
        self._snapshots: list[AccountSnapshot] = []
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._sources: UsageSources | None = None
        self._closing = False
        self._calls_recorded = 0
        self._events_recorded = 0
        self._dropped = 0
        self._failed = 0

    # -- hot path -----------------------------------------------------------------------------
    def on_call(self, call: CallObservation) -> None:
        """A ``KisRestClient`` observer: queue one ``api_calls`` row. Never waits."""
        if not self._admit():
            return
        self._calls.append(ApiCall(self._clock.now(), call.tr_id, 1000.0 * call.seconds, call.code, call.ok))
        self._nudge()

    def record_event(self, kind: str, detail: dict[str, Any]) -> None:
        """Queue one event (stamped now). Never waits."""
        if self._admit():
            self._events.append(EventRecord(self._clock.now(), kind, detail))
            self._nudge()

    def _admit(self) -> bool:
        if self._closing or self._queued() >= self.config.max_pending:
            self._dropped += 1
            return False
        return True

    def _queued(self) -> int:
        return len(self._calls) + len(self._events) + len(self._snapshots)

    def _nudge(self) -> None:
        if self._queued() >= self.config.batch_size:
            self._wake.set()

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> UsageRecorder:
        if self._writer is not None:
            raise StateError("UsageRecorder already started")
        self._writer = asyncio.create_task(self._write_loop(), name="usage.writer")
        return self

    def watch(self, sources: UsageSources) -> None:
        """Start sampling ``sources``: heartbeats, account snapshots, cache counters, data checks."""
        if self._writer is None or self._closing:
            raise StateError("UsageRecorder.watch: start the recorder first (and do not close it)")
        if self._sources is not None:
            raise StateError("UsageRecorder.watch: already watching")
        self._sources = sources
        self._tasks.append(asyncio.create_task(self._heartbeat_loop(sources), name="usage.heartbeat"))
        if sources.data_check is not None and self.config.data_check_every_s > 0:
            self._tasks.append(
                asyncio.create_task(self._data_check_loop(sources.data_check), name="usage.data_check")
            )

    async def pause(self) -> None:
        """Stop sampling (heartbeats, snapshots, data checks); API calls are still recorded. Call
        it before stopping the bot, so its shutdown is not sampled as downtime."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def close(self) -> UsageStats:
        """Stop sampling, take a last account snapshot, write everything queued, stop."""
        if self._closing:
            return self.stats()
        await self.pause()
        if self._sources is not None:
            self._sample_account(self._sources)
            self._sample_cache(self._sources)
        self._closing = True
        self._wake.set()
        if self._writer is not None:
            await self._writer
        else:
            await self._flush()
        return self.stats()

    async def __aenter__(self) -> UsageRecorder:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def stats(self) -> UsageStats:
        return UsageStats(
            self._calls_recorded,
            self._events_recorded,
            self._dropped,
            self._failed,
            self._queued(),
        )

    # -- sampling -----------------------------------------------------------------------------
    async def _heartbeat_loop(self, sources: UsageSources) -> None:
        cfg = self.config
        since_account = cfg.account_every_s  # a snapshot with the first heartbeat
        while True:
            up = _safe(sources.up, False)
            self.record_event(
                HEARTBEAT_KIND, {"run": self.run_id, "interval_s": cfg.heartbeat_s, "up": bool(up)}
            )
            if sources.data_check is not None:
                sources.data_check.observe(bool(up))
            self._sample_cache(sources)
            if up and since_account >= cfg.account_every_s:
                self._sample_account(sources)
                since_account = 0.0
            await self._clock.sleep(cfg.heartbeat_s)
            since_account += cfg.heartbeat_s

    def _sample_account(self, sources: UsageSources) -> None:
        account = sources.account
        if account is None:
            return
        now = self._clock.now()
        snap = _safe(lambda: account(now), None)
        if snap is not None:
            self._queue_snapshot(snap)

    def _sample_cache(self, sources: UsageSources) -> None:
        if sources.cache is None:
            return
        counts = _safe(sources.cache, None)
        if counts is not None:
            self.record_event(CACHE_KIND, {"run": self.run_id, "hits": counts[0], "misses": counts[1]})

    def _queue_snapshot(self, snap: AccountSnapshot) -> None:
        if self._admit():
            self._snapshots.append(snap)
            self._nudge()

    async def _data_check_loop(self, check: TickBarCheck) -> None:
        while True:
            await self._clock.sleep(self.config.data_check_every_s)
            try:
                await check.run()
            except Exception as exc:  # a failed check is a missing figure, not a reason to stop
                logger.warning("data check failed: {}", exc)

    # -- writing ------------------------------------------------------------------------------
    async def _write_loop(self) -> None:
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.config.flush_s):
                    await self._wake.wait()
            self._wake.clear()
            await self._flush()
        await self._flush()

    async def _flush(self) -> None:
        calls, self._calls = self._calls, []
        events, self._events = self._events, []
        snapshots, self._snapshots = self._snapshots, []
        if calls:
            try:
                await self._store.record_api_calls(calls)
                self._calls_recorded += len(calls)
            except Exception as exc:
                self._failed += len(calls)
                logger.error("usage recorder: {} API call rows not written: {}", len(calls), exc)
        for ev in events:
            try:
                await self._store.add_event(ev)
                self._events_recorded += 1
            except Exception as exc:
                self._failed += 1
                logger.error("usage recorder: event {} not written: {}", ev.kind, exc)
        for snap in snapshots:
            try:
                await self._store.add_account_snapshot(snap)
                self._events_recorded += 1
            except Exception as exc:
                self._failed += 1
                logger.error("usage recorder: account snapshot not written: {}", exc)


def _safe(fn: Callable[[], T], default: T) -> T:
    try:
        return fn()
    except Exception as exc:  # a sampler must not kill the heartbeat
        logger.warning("usage recorder: sampling failed: {}", exc)
        return default


__all__ = [
    "CACHE_KIND",
    "DATA_CHECK_KIND",
    "HEARTBEAT_KIND",
    "UsageConfig",
    "UsageRecorder",
    "UsageStats",
]
