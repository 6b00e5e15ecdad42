"""The simulator's session clock: an affine map of wall time onto the KRX session."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kistrade.clock import AffineMap
from kistrade.domain.errors import ConfigError
from kistrade.domain.sessions import Phase
from kistrade.domain.types import KST
from kistrade.kis.simulator.sessionclock import SessionClock, WeekdayCalendar

WALL0 = 1_800_000_000.0


def at(d: date, h: int, m: int, s: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, h, m, s, tzinfo=KST)


def make(**kw: object) -> tuple[SessionClock, list[float]]:
    wall = [WALL0]
    clock = SessionClock.create(calendar=WeekdayCalendar(), wall=lambda: wall[0], **kw)  # type: ignore[arg-type]
    return clock, wall


def test_default_start_is_0900_of_the_day_and_follows_wall_time_at_speed() -> None:
    clock, wall = make(day=date(2026, 11, 24), speed=60.0)
    assert clock.now() == at(date(2026, 11, 24), 9, 0)
    assert clock.phase() is Phase.CONTINUOUS
    wall[0] += 10  # 10 wall seconds = 10 sim minutes
    assert clock.now() == at(date(2026, 11, 24), 9, 10)
    info = clock.as_dict()
    assert AffineMap.from_dict(info).to_sim(wall[0]) == clock.now()
    assert (info["speed"], info["phase"], info["mode"]) == (60.0, "continuous", "sim")


def test_weekend_launch_moves_to_the_next_session_and_start_picks_the_time() -> None:
    clock, _ = make(day=date(2026, 11, 28), start="15:25")  # a Saturday
    assert clock.now() == at(date(2026, 11, 30), 15, 25)
    assert clock.phase() is Phase.CLOSING_AUCTION
    with pytest.raises(ConfigError, match="HH:MM"):
        make(start="9h")


@pytest.mark.parametrize(
    ("hm", "phase"),
    [
        ((8, 0), Phase.CLOSED),
        ((8, 30), Phase.PRE_OPEN_AUCTION),
        ((9, 0), Phase.CONTINUOUS),
        ((15, 20), Phase.CLOSING_AUCTION),
        ((15, 30), Phase.AFTER_HOURS),
        ((18, 0), Phase.CLOSED),
    ],
)
def test_phases_of_a_regular_day(hm: tuple[int, int], phase: Phase) -> None:
    clock, _ = make(day=date(2026, 11, 24))
    assert clock.phase_at(at(date(2026, 11, 24), *hm)) is phase
    assert clock.phase_at(at(date(2026, 11, 29), *hm)) is Phase.CLOSED  # Sunday


def test_boundaries_walk_into_the_next_session() -> None:
    clock, _ = make(day=date(2026, 11, 27))  # a Friday
    fri = date(2026, 11, 27)
    assert clock.next_boundary(at(fri, 9, 0)) == at(fri, 15, 20)
    assert clock.next_boundary(at(fri, 15, 30)) == at(fri, 18, 0)
    assert clock.next_boundary(at(fri, 18, 0)) == at(date(2026, 11, 30), 8, 30)
    assert clock.trading_date_at(at(date(2026, 11, 28), 12, 0)) == date(2026, 11, 30)


def test_real_mode_refuses_speed_and_start() -> None:
    clock, _ = make(mode="real")
    assert clock.now() == datetime.fromtimestamp(WALL0, KST) and clock.speed == 1.0
    with pytest.raises(ConfigError, match="--speed"):
        make(mode="real", speed=10.0)
    with pytest.raises(ConfigError, match="positive"):
        make(speed=0.0)


def test_krx_calendar_holidays_and_the_late_first_session() -> None:
    from kistrade.domain.calendar import default_calendar

    wall = [WALL0]
    clock = SessionClock.create(day=date(2026, 1, 1), calendar=default_calendar(), wall=lambda: wall[0])
    assert clock.now() == at(
        date(2026, 1, 2), 10, 0
    )  # New Year's Day closed; the first session opens at 10:00
    assert clock.phase_at(at(date(2026, 1, 2), 9, 30)) is Phase.PRE_OPEN_AUCTION
