"""The trading-day scheduler on a ManualClock and the KRX calendar: warm-up before the open, the
closing auction, end of day after the close, weekends and holidays slept through, late opens."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta

import pytest

from kistrade.app.scheduler import DayPlan, DayScheduler, ScheduleConfig, next_plan, plan_day
from kistrade.clock import ManualClock
from kistrade.domain.calendar import default_calendar
from kistrade.domain.errors import ConfigError
from kistrade.domain.types import KST

CAL = default_calendar()


def at(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm), KST)


def test_a_regular_day() -> None:
    p = plan_day(CAL, date(2026, 11, 25))
    assert (p.warm_up, p.open, p.closing_auction, p.close, p.end_of_day) == (
        at(p.day, 8, 50),
        at(p.day, 9),
        at(p.day, 15, 20),
        at(p.day, 15, 30),
        at(p.day, 15, 35),
    )


def test_the_years_first_session_opens_an_hour_late_and_warm_up_follows() -> None:
    p = plan_day(CAL, date(2027, 1, 4))
    assert p.open == at(p.day, 10) and p.warm_up == at(p.day, 9, 50)


@pytest.mark.parametrize(
    ("now", "day"),
    [
        (at(date(2026, 11, 25), 7), date(2026, 11, 25)),  # before warm-up: today
        (at(date(2026, 11, 25), 11), date(2026, 11, 25)),  # in session: today
        (at(date(2026, 11, 25), 15, 34), date(2026, 11, 25)),  # before the end of day: today
        (at(date(2026, 11, 25), 15, 35), date(2026, 11, 26)),  # after it: the next session
        (at(date(2026, 11, 27), 16), date(2026, 11, 30)),  # Friday evening: Monday
        (at(date(2026, 11, 28), 10), date(2026, 11, 30)),  # Saturday: Monday
        (at(date(2026, 12, 24), 20), date(2026, 12, 28)),  # Christmas and a weekend
        (at(date(2026, 12, 30), 16), date(2027, 1, 4)),  # 연말 휴장일 and New Year
    ],
)
def test_next_plan(now: datetime, day: date) -> None:
    assert next_plan(CAL, now).day == day


def test_bad_schedule_settings_are_named() -> None:
    with pytest.raises(ConfigError, match="warm_up_lead"):
        ScheduleConfig(warm_up_lead=timedelta(hours=-1))
    with pytest.raises(ConfigError, match="max_sleep_s"):
        ScheduleConfig(max_sleep_s=0)


class Hooks:
    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.calls: list[tuple[str, date, datetime]] = []

    async def _log(self, what: str, plan: DayPlan) -> None:
        self.calls.append((what, plan.day, self.clock.now()))

    async def open_day(self, plan: DayPlan) -> None:
        await self._log("open", plan)

    async def closing_auction(self, plan: DayPlan) -> None:
        await self._log("closing", plan)

    async def end_day(self, plan: DayPlan) -> None:
        await self._log("end", plan)

    async def idle(self, plan: DayPlan) -> None:
        await self._log("idle", plan)


async def test_friday_evening_to_two_trading_days() -> None:
    clock = ManualClock(at(date(2026, 11, 27), 18))  # Friday after the close
    hooks = Hooks(clock)
    done = await DayScheduler(clock, hooks, calendar=CAL).run(days=2)
    mon, tue = date(2026, 11, 30), date(2026, 12, 1)
    assert done == [mon, tue]
    assert hooks.calls == [
        ("idle", mon, at(date(2026, 11, 27), 18)),
        ("open", mon, at(mon, 8, 50)),
        ("closing", mon, at(mon, 15, 20)),
        ("end", mon, at(mon, 15, 35)),
        ("idle", tue, at(mon, 15, 35)),
        ("open", tue, at(tue, 8, 50)),
        ("closing", tue, at(tue, 15, 20)),
        ("end", tue, at(tue, 15, 35)),
    ]


async def test_started_mid_session_opens_at_once() -> None:
    d = date(2026, 11, 25)
    clock = ManualClock(at(d, 13, 7))
    hooks = Hooks(clock)
    await DayScheduler(clock, hooks, calendar=CAL).run(days=1)
    assert [(w, t) for w, _, t in hooks.calls] == [
        ("open", at(d, 13, 7)),
        ("closing", at(d, 15, 20)),
        ("end", at(d, 15, 35)),
    ]


async def test_started_in_the_closing_auction_still_ends_the_day() -> None:
    d = date(2026, 11, 25)
    clock = ManualClock(at(d, 15, 25))
    hooks = Hooks(clock)
    await DayScheduler(clock, hooks, calendar=CAL).run(days=1)
    assert [w for w, _, _ in hooks.calls] == ["open", "closing", "end"]


async def test_a_stop_while_trading_returns_without_ending_the_day() -> None:
    d = date(2026, 11, 25)
    clock = ManualClock(at(d, 10))
    hooks = Hooks(clock)
    stop = asyncio.Event()
    sched = DayScheduler(clock, hooks, calendar=CAL, stop=stop)

    class Stopper(Hooks):
        async def open_day(self, plan: DayPlan) -> None:
            await super().open_day(plan)
            stop.set()

    sched.hooks = Stopper(clock)
    assert await sched.run() == []
    assert [w for w, _, _ in sched.hooks.calls] == ["open"]  # type: ignore[attr-defined]
    assert sched.trading and clock.now() == at(d, 10)


async def test_sleep_is_sliced_so_a_stop_is_seen() -> None:
    d = date(2026, 11, 28)  # Saturday
    stop = asyncio.Event()

    class StopAt13(ManualClock):
        async def sleep(self, seconds: float) -> None:
            await super().sleep(seconds)
            if self.now() >= at(d, 13):
                stop.set()

    clock = StopAt13(at(d, 12))
    sched = DayScheduler(clock, Hooks(clock), calendar=CAL, stop=stop, config=ScheduleConfig(max_sleep_s=60))
    assert await sched.run() == []
    assert clock.now() == at(d, 13)  # one 60 s slice at a time: stopped at the first slice past 13:00
