"""The trading-day scheduler: on the Clock and the KRX calendar, when to warm up, trade, stop new
entries and close the day.

One trading day (regular hours; late-open days such as the year's first session and 수능 shift
with the calendar's session times)::

    08:50  warm-up     token, approval key, balance baseline, charts, indicators, subscriptions
    09:00  open        continuous trading (the risk gate allows entries only in this phase)
    15:20  closing     the closing call auction: no new entries (announced; the gate enforces it)
    15:30  close
    15:35  end of day  final reconciliation, the daily report and its notification, unsubscribe

Weekends and holidays sleep to the next session's warm-up. Sleeping is done in slices of at most
``ScheduleConfig.max_sleep_s`` clock seconds, so a stop request or a clock adjustment is noticed.
A process started during a session warms up at once and trades the rest of the day; one started
after the end of day sleeps to the next session.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from loguru import logger

from kistrade.domain.calendar import KrxCalendar, default_calendar
from kistrade.domain.errors import ConfigError
from kistrade.domain.sessions import to_kst
from kistrade.ports import Clock


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    warm_up_lead: timedelta = timedelta(minutes=10)  # before the open
    end_of_day_delay: timedelta = timedelta(minutes=5)  # after the close
    max_sleep_s: float = 60.0  # clock seconds per sleep slice

    def __post_init__(self) -> None:
        if self.warm_up_lead < timedelta(0) or self.warm_up_lead > timedelta(hours=3):
            raise ConfigError(f"schedule warm_up_lead {self.warm_up_lead} must be between 0 and 3 hours")
        if self.end_of_day_delay < timedelta(0) or self.end_of_day_delay > timedelta(hours=3):
            raise ConfigError(
                f"schedule end_of_day_delay {self.end_of_day_delay} must be between 0 and 3 hours"
            )
        if self.max_sleep_s <= 0:
            raise ConfigError(f"schedule max_sleep_s {self.max_sleep_s} must be > 0")


@dataclass(frozen=True, slots=True)
class DayPlan:
    """The instants of one trading day (tz-aware KST)."""

    day: date
    warm_up: datetime
    open: datetime
    closing_auction: datetime
    close: datetime
    end_of_day: datetime

    def describe(self) -> str:
        return (
            f"{self.day} warm-up {self.warm_up:%H:%M}, open {self.open:%H:%M}, closing auction "
            f"{self.closing_auction:%H:%M}, close {self.close:%H:%M}, end of day {self.end_of_day:%H:%M}"
        )


def plan_day(calendar: KrxCalendar, day: date, config: ScheduleConfig | None = None) -> DayPlan:
    cfg = config or ScheduleConfig()
    t = calendar.session_times(day)
    return DayPlan(
        day=day,
        warm_up=t.open - cfg.warm_up_lead,
        open=t.open,
        closing_auction=t.closing_auction_start,
        close=t.close,
        end_of_day=t.close + cfg.end_of_day_delay,
    )


def next_plan(calendar: KrxCalendar, now: datetime, config: ScheduleConfig | None = None) -> DayPlan:
    """The trading day to work on at ``now``: today's until its end of day, else the next session."""
    today = to_kst(now).date()
    if calendar.is_session(today):
        plan = plan_day(calendar, today, config)
        if now < plan.end_of_day:
            return plan
    return plan_day(calendar, calendar.next_session(today), config)


class DayHooks(Protocol):
    """What the scheduler drives (the trading runtime implements it)."""

    async def open_day(self, plan: DayPlan) -> None:
        """Warm up and start trading ``plan.day`` (called at the warm-up instant or later)."""
        ...

    async def closing_auction(self, plan: DayPlan) -> None:
        """The closing auction began: no new entries from here."""
        ...

    async def end_day(self, plan: DayPlan) -> None:
        """Reconcile, report and stop trading ``plan.day``."""
        ...

    async def idle(self, plan: DayPlan) -> None:
        """Nothing to do until ``plan.warm_up`` (announce the sleep)."""
        ...


class DayScheduler:
    """Runs :class:`DayHooks` through trading days until ``stop`` is set or ``days`` are done."""

    def __init__(
        self,
        clock: Clock,
        hooks: DayHooks,
        *,
        calendar: KrxCalendar | None = None,
        config: ScheduleConfig | None = None,
        stop: asyncio.Event | None = None,
    ) -> None:
        self.clock = clock
        self.hooks = hooks
        self.calendar = calendar or default_calendar()
        self.config = config or ScheduleConfig()
        self.stop = stop or asyncio.Event()
        self.current: DayPlan | None = None
        self.trading = False
        self.days_done: list[date] = []

    async def sleep_until(self, when: datetime) -> bool:
        """Sleep on the clock until ``when``; False when stopped first."""
        while not self.stop.is_set():
            left = (when - self.clock.now()).total_seconds()
            if left <= 0:
                return True
            await _first(self.clock.sleep(min(left, self.config.max_sleep_s)), self.stop.wait())
        return False

    async def run(self, *, days: int = 0) -> list[date]:
        """Trade day after day (``days`` > 0: return after that many ended days). A stop while
        trading returns at once: the day is left to the runtime's shutdown (which reconciles
        without leaving an order half-sent); the next start recovers it."""
        while not self.stop.is_set():
            plan = next_plan(self.calendar, self.clock.now(), self.config)
            self.current = plan
            if self.clock.now() < plan.warm_up:
                await self.hooks.idle(plan)
                if not await self.sleep_until(plan.warm_up):
                    break
            logger.info("trading day {}", plan.describe())
            await self.hooks.open_day(plan)
            self.trading = True
            if not await self.sleep_until(plan.closing_auction):
                break
            await self.hooks.closing_auction(plan)
            if not await self.sleep_until(plan.end_of_day):
                break
            self.trading = False
            await self.hooks.end_day(plan)
            self.days_done.append(plan.day)
            if days and len(self.days_done) >= days:
                break
        return self.days_done


async def _first(*aws: Awaitable[object]) -> None:
    """Wait for the first of ``aws`` to finish; cancel the rest."""
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t


__all__ = ["DayHooks", "DayPlan", "DayScheduler", "ScheduleConfig", "next_plan", "plan_day"]
