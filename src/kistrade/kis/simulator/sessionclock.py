"""The simulator's session clock: simulated KST time as an affine map of wall time.

sim = origin + speed x (wall - wall_origin) (``kistrade.clock.AffineMap``), published as-is on
``GET /sim/clock`` so the bot builds the same map. Modes:

- ``sim`` (default): ``origin`` is simulated 09:00 KST (or ``start="HH:MM"``) of the current
  trading day at launch (the next one on a holiday), so the continuous session is open at once.
- ``real``: the real KRX clock (origin = wall now, speed 1) and calendar.

The phase of the regular KRX session at a sim time comes from the calendar's session times:
08:30 opening call auction (uncross at the open, 09:00), continuous until 15:20, closing call
auction until 15:30 (uncross), after-hours until 18:00, closed otherwise and on holidays.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Literal, Protocol

from kistrade.clock import AffineMap, wall_epoch
from kistrade.domain.errors import ConfigError
from kistrade.domain.sessions import REGULAR_CLOSE, REGULAR_OPEN, Phase, SessionTimes, build_session_times
from kistrade.domain.types import KST

__all__ = ["Phase", "SessionClock", "TradingCalendar", "WeekdayCalendar", "parse_hhmm"]

ClockMode = Literal["sim", "real"]


class TradingCalendar(Protocol):
    """What the clock needs of ``kistrade.domain.calendar.KrxCalendar``."""

    def is_session(self, d: date) -> bool: ...

    def session_times(self, d: date) -> SessionTimes: ...


class WeekdayCalendar:
    """Mon-Fri sessions with regular hours (a fast stand-in for tests and out-of-range years)."""

    def is_session(self, d: date) -> bool:
        return d.weekday() < 5

    def session_times(self, d: date) -> SessionTimes:
        return build_session_times(d, REGULAR_OPEN, REGULAR_CLOSE)


def default_trading_calendar() -> TradingCalendar:
    from kistrade.domain.calendar import default_calendar

    return default_calendar()


def parse_hhmm(text: str) -> time:
    try:
        hh, mm = text.strip().split(":")
        return time(int(hh), int(mm))
    except ValueError as exc:
        raise ConfigError(f"simulated start {text!r} is not HH:MM (e.g. 09:00)") from exc


def next_trading_day(day: date, calendar: TradingCalendar, *, include: bool = True) -> date:
    probe = day if include else day + timedelta(days=1)
    for _ in range(400):
        if calendar.is_session(probe):
            return probe
        probe += timedelta(days=1)
    raise ConfigError(f"no trading day within 400 days after {day}")


def previous_trading_day(day: date, calendar: TradingCalendar) -> date:
    probe = day - timedelta(days=1)
    for _ in range(400):
        if calendar.is_session(probe):
            return probe
        probe -= timedelta(days=1)
    raise ConfigError(f"no trading day within 400 days before {day}")


class SessionClock:
    """A ``ports.Clock`` over an affine map, plus the KRX phase of the simulated day."""

    def __init__(
        self,
        mapping: AffineMap,
        calendar: TradingCalendar | None = None,
        *,
        mode: ClockMode = "sim",
        wall: Callable[[], float] = wall_epoch,
    ) -> None:
        if mapping.speed <= 0:
            raise ConfigError(f"clock speed {mapping.speed} must be positive")
        self.mapping = mapping
        self.calendar: TradingCalendar = calendar if calendar is not None else default_trading_calendar()
        self.mode: ClockMode = mode
        self._wall = wall
        self._times: dict[date, SessionTimes] = {}

    @classmethod
    def create(
        cls,
        *,
        mode: ClockMode = "sim",
        start: str | None = None,
        speed: float = 1.0,
        day: date | None = None,
        calendar: TradingCalendar | None = None,
        wall: Callable[[], float] = wall_epoch,
    ) -> SessionClock:
        """Build the clock at launch. ``day`` forces the simulated trading date (replay)."""
        cal: TradingCalendar = calendar if calendar is not None else default_trading_calendar()
        now_wall = wall()
        if mode == "real":
            if start is not None or speed != 1.0:
                raise ConfigError("--clock real follows the KRX clock: --start and --speed do not apply")
            origin = datetime.fromtimestamp(now_wall, KST)
            return cls(AffineMap(origin, now_wall, 1.0), cal, mode="real", wall=wall)
        if speed <= 0:
            raise ConfigError(f"--speed {speed} must be positive")
        today = day or datetime.fromtimestamp(now_wall, KST).date()
        trading_day = next_trading_day(today, cal)
        if start is None:
            origin = cal.session_times(trading_day).open
        else:
            origin = datetime.combine(trading_day, parse_hhmm(start), KST)
        return cls(AffineMap(origin, now_wall, speed), cal, mode="sim", wall=wall)

    # ports.Clock ------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.mapping.to_sim(self._wall()).astimezone(KST)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.mapping.speed)

    # session ----------------------------------------------------------------------------
    @property
    def speed(self) -> float:
        return self.mapping.speed

    def times(self, day: date) -> SessionTimes:
        st = self._times.get(day)
        if st is None:
            st = self._times[day] = self.calendar.session_times(day)
        return st

    def phase_at(self, when: datetime) -> Phase:
        day = when.astimezone(KST).date()
        if not self.calendar.is_session(day):
            return Phase.CLOSED
        return self.times(day).phase_at(when)

    def phase(self) -> Phase:
        return self.phase_at(self.now())

    def trading_date_at(self, when: datetime) -> date:
        """The session a time belongs to: its own date on a trading day, else the next one."""
        return next_trading_day(when.astimezone(KST).date(), self.calendar)

    def trading_date(self) -> date:
        return self.trading_date_at(self.now())

    def previous_trading_day(self, day: date) -> date:
        return previous_trading_day(day, self.calendar)

    def is_trading_day(self, day: date) -> bool:
        return self.calendar.is_session(day)

    def next_boundary(self, after: datetime) -> datetime:
        """The first phase boundary strictly after ``after`` (within the next 400 days)."""
        day = after.astimezone(KST).date()
        for _ in range(400):
            if self.calendar.is_session(day):
                st = self.times(day)
                for t in (st.pre_open_start, st.open, st.closing_auction_start, st.close, st.after_hours_end):
                    if t > after:
                        return t
            day += timedelta(days=1)
        raise ConfigError(f"no session boundary within 400 days after {after}")

    def as_dict(self) -> dict[str, object]:
        """``GET /sim/clock``: the affine map plus now, phase, mode and the trading date."""
        now = self.now()
        out = self.mapping.as_dict()
        out.update(
            now=now.isoformat(),
            phase=self.phase_at(now).value,
            mode=self.mode,
            trading_date=self.trading_date_at(now).isoformat(),
        )
        return out
