"""The trader's watchdog: a stale feed is reconnected, repeated failures change the risk state.

Every ``interval_s`` clock seconds while the trading day is open:

* **Stale feed.** In the continuous session, no trade for ``stale_after_s`` (the feed says it is
  connected but nothing arrives: a half-open socket, a server that stopped sending) drops the
  WebSocket; the client reconnects, resubscribes and reports the gap, and the trader reconciles.
* **Repeated failures.** Failures are order sends whose outcome is unknown, errors in the trading
  path, failed reconciliations and failed warm-ups. ``reduce_after`` of them within ``window_s``
  switch trading to REDUCING (exits and stops only); ``halt_after`` switch it to HALTED (a human
  resumes: /resume, the dashboard or the CLI). A REDUCING set here goes back to ACTIVE after
  ``quiet_s`` without a failure; a state set by anyone else is never touched. The state change is
  what the notifier reports (HALTED as urgent).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from loguru import logger

from kistrade.domain.calendar import KrxCalendar, default_calendar
from kistrade.domain.errors import ConfigError
from kistrade.domain.sessions import Phase
from kistrade.engine.events import TradingState

SOURCE = "watchdog:failures"


@dataclass(frozen=True, slots=True)
class WatchConfig:
    interval_s: float = 5.0
    stale_after_s: float = 60.0
    window_s: float = 300.0
    reduce_after: int = 5
    halt_after: int = 15
    quiet_s: float = 600.0

    def __post_init__(self) -> None:
        for name in ("interval_s", "stale_after_s", "window_s", "quiet_s"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"watchdog {name} {getattr(self, name)} must be > 0")
        if not 1 <= self.reduce_after <= self.halt_after:
            raise ConfigError(
                f"watchdog reduce_after {self.reduce_after} must be >= 1 and <= halt_after {self.halt_after}"
            )


class WatchedTrader(Protocol):
    """What the watchdog reads and does (a view over the Trader; tests use a fake)."""

    def now(self) -> datetime: ...
    def failure_total(self) -> int: ...
    def state(self) -> tuple[TradingState, str]: ...
    async def set_state(self, state: TradingState, *, reason: str, source: str) -> None: ...
    def feed_connected(self) -> bool: ...
    def last_tick_at(self) -> datetime | None: ...
    async def record(self, kind: str, **detail: object) -> None: ...


class TraderWatch:
    def __init__(
        self,
        trader: WatchedTrader,
        reconnect: Callable[[str], Awaitable[bool]],
        config: WatchConfig | None = None,
        calendar: KrxCalendar | None = None,
    ) -> None:
        self.trader = trader
        self.reconnect = reconnect
        self.config = config or WatchConfig()
        self.calendar = calendar or default_calendar()
        self.failures: deque[datetime] = deque()
        self.stale_reconnects = 0
        self._last_failure: datetime | None = None
        self._seen = trader.failure_total()
        self._feed_since = trader.now()

    def reset(self) -> None:
        """A new trading day (new counters)."""
        self._seen = self.trader.failure_total()
        self._feed_since = self.trader.now()

    async def check(self) -> None:
        now = self.trader.now()
        await self._failures(now)
        await self._feed(now)

    async def _failures(self, now: datetime) -> None:
        cfg = self.config
        total = self.trader.failure_total()
        if total > self._seen:
            self.failures.extend([now] * (total - self._seen))
            self._last_failure = now
        self._seen = total
        window = timedelta(seconds=cfg.window_s)
        while self.failures and now - self.failures[0] > window:
            self.failures.popleft()
        n = len(self.failures)
        state, source = self.trader.state()
        why = f"{n} failures in {cfg.window_s:g}s"
        if n >= cfg.halt_after and state is not TradingState.HALTED:
            await self._switch(TradingState.HALTED, f"{why} (halt at {cfg.halt_after}); resume by hand")
        elif n >= cfg.reduce_after and state is TradingState.ACTIVE:
            await self._switch(TradingState.REDUCING, f"{why} (reduce at {cfg.reduce_after})")
        elif state is TradingState.REDUCING and source == SOURCE and not self._recent(now, cfg.quiet_s):
            await self._switch(TradingState.ACTIVE, f"no failure for {cfg.quiet_s:g}s")

    def _recent(self, now: datetime, seconds: float) -> bool:
        last = self._last_failure
        return last is not None and now - last <= timedelta(seconds=seconds)

    async def _switch(self, state: TradingState, reason: str) -> None:
        logger.warning("watchdog: trading -> {}: {}", state.value, reason)
        await self.trader.set_state(state, reason=reason, source=SOURCE)
        await self.trader.record("watchdog.state", state=state.value, reason=reason)

    async def _feed(self, now: datetime) -> None:
        if self.calendar.phase_at(now) is not Phase.CONTINUOUS or not self.trader.feed_connected():
            self._feed_since = now  # the clock of staleness starts when trading is expected
            return
        last = max(self.trader.last_tick_at() or self._feed_since, self._feed_since)
        quiet = (now - last).total_seconds()
        if quiet <= self.config.stale_after_s:
            return
        reason = f"no trade for {quiet:.0f}s in the continuous session"
        if await self.reconnect(reason):
            self.stale_reconnects += 1
            logger.warning("watchdog: stale feed ({}): reconnecting", reason)
            await self.trader.record("watchdog.stale_feed", quiet_s=round(quiet, 1))
        self._feed_since = now


__all__ = ["SOURCE", "TraderWatch", "WatchConfig", "WatchedTrader"]
