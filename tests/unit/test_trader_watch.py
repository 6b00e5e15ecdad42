"""The trader's watchdog: failures escalate REDUCING -> HALTED, a quiet spell restores only its own
REDUCING, and a stale feed in the continuous session is reconnected (not outside it)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from kistrade.app.trader_watch import SOURCE, TraderWatch, WatchConfig
from kistrade.domain.errors import ConfigError
from kistrade.domain.types import KST
from kistrade.engine.events import TradingState

DAY = date(2026, 11, 25)


class FakeTrader:
    def __init__(self, now: datetime) -> None:
        self.t = now
        self.fails = 0
        self.st = (TradingState.ACTIVE, "")
        self.connected = True
        self.last_tick: datetime | None = None
        self.events: list[tuple[str, dict[str, object]]] = []

    def now(self) -> datetime:
        return self.t

    def failure_total(self) -> int:
        return self.fails

    def state(self) -> tuple[TradingState, str]:
        return self.st

    async def set_state(self, state: TradingState, *, reason: str, source: str) -> None:
        self.st = (state, source)

    def feed_connected(self) -> bool:
        return self.connected

    def last_tick_at(self) -> datetime | None:
        return self.last_tick

    async def record(self, kind: str, **detail: object) -> None:
        self.events.append((kind, detail))


class Reconnects:
    def __init__(self) -> None:
        self.reasons: list[str] = []

    async def __call__(self, reason: str) -> bool:
        self.reasons.append(reason)
        return True


def make(at: time, **cfg: float) -> tuple[FakeTrader, Reconnects, TraderWatch]:
    tr = FakeTrader(datetime.combine(DAY, at, KST))
    rc = Reconnects()
    return tr, rc, TraderWatch(tr, rc, WatchConfig(**cfg))  # type: ignore[arg-type]


async def test_failures_reduce_then_halt() -> None:
    tr, _, w = make(time(10), reduce_after=3, halt_after=6, window_s=300)
    tr.fails = 2
    await w.check()
    assert tr.st[0] is TradingState.ACTIVE
    tr.fails = 3
    await w.check()
    assert tr.st == (TradingState.REDUCING, SOURCE)
    tr.t += timedelta(seconds=60)
    tr.fails = 6
    await w.check()
    assert tr.st == (TradingState.HALTED, SOURCE)
    assert [k for k, _ in tr.events] == ["watchdog.state", "watchdog.state"]


async def test_failures_outside_the_window_do_not_count() -> None:
    tr, _, w = make(time(10), reduce_after=3, halt_after=6, window_s=60)
    for _ in range(5):  # one failure every 61 s: never 3 within a minute
        tr.fails += 1
        await w.check()
        tr.t += timedelta(seconds=61)
    assert tr.st[0] is TradingState.ACTIVE


async def test_quiet_restores_only_the_watchdogs_own_reducing() -> None:
    tr, _, w = make(time(10), reduce_after=2, halt_after=10, window_s=60, quiet_s=120)
    tr.fails = 2
    await w.check()
    assert tr.st == (TradingState.REDUCING, SOURCE)
    tr.t += timedelta(seconds=100)
    await w.check()
    assert tr.st[0] is TradingState.REDUCING  # not quiet long enough
    tr.t += timedelta(seconds=30)
    await w.check()
    assert tr.st == (TradingState.ACTIVE, SOURCE)
    tr.st = (TradingState.REDUCING, "telegram:42")  # a human paused: the watchdog leaves it
    tr.t += timedelta(hours=1)
    await w.check()
    assert tr.st == (TradingState.REDUCING, "telegram:42")


async def test_halted_is_never_lifted_by_the_watchdog() -> None:
    tr, _, w = make(time(10), reduce_after=1, halt_after=2, quiet_s=10)
    tr.fails = 2
    await w.check()
    tr.t += timedelta(hours=2)
    await w.check()
    assert tr.st[0] is TradingState.HALTED


async def test_a_new_day_does_not_count_yesterdays_failures() -> None:
    tr, _, w = make(time(10), reduce_after=3, halt_after=5)
    tr.fails = 1
    await w.check()
    tr.fails = 0  # the new day's engine counts from zero
    w.reset()
    tr.fails = 1
    await w.check()
    assert tr.st[0] is TradingState.ACTIVE and len(w.failures) == 2  # 1 + 1, not 1 + (1 - 0) twice


async def test_stale_feed_in_session_reconnects_once_per_stale_spell() -> None:
    tr, rc, w = make(time(10), stale_after_s=60)
    tr.last_tick = tr.t
    tr.t += timedelta(seconds=59)
    await w.check()
    assert rc.reasons == []
    tr.t += timedelta(seconds=2)
    await w.check()
    assert len(rc.reasons) == 1 and "no trade for 61s" in rc.reasons[0]
    tr.t += timedelta(seconds=30)
    await w.check()
    assert len(rc.reasons) == 1  # the staleness clock restarted at the reconnect
    assert w.stale_reconnects == 1 and tr.events[-1][0] == "watchdog.stale_feed"


@pytest.mark.parametrize(
    ("at", "expected"),
    [(time(8, 55), 0), (time(12), 1), (time(15, 25), 0)],  # pre-open, continuous, closing auction
)
async def test_stale_checks_only_in_the_continuous_session(at: time, expected: int) -> None:
    tr, rc, w = make(at, stale_after_s=60)
    tr.t += timedelta(seconds=200)
    await w.check()
    assert len(rc.reasons) == expected


async def test_a_disconnected_feed_is_left_to_the_client() -> None:
    tr, rc, w = make(time(10), stale_after_s=60)
    tr.connected = False
    tr.t += timedelta(seconds=600)
    await w.check()
    assert rc.reasons == []


def test_bad_settings_are_named() -> None:
    with pytest.raises(ConfigError, match="reduce_after"):
        WatchConfig(reduce_after=5, halt_after=3)
    with pytest.raises(ConfigError, match="stale_after_s"):
        WatchConfig(stale_after_s=0)
