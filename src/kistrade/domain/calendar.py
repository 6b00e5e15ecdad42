"""The KRX trading calendar: sessions, holidays, T+2 settlement, the day's schedule and phase.

Built on exchange-calendars' XKRX plus the committed overrides in ``kistrade.domain.krx_overrides``
for what XKRX 4.13 misses (the 2026 local election and 제헌절 closures, CSAT late opens since 2021).
XKRX is read from the committed snapshot ``kistrade.domain.krx_xkrx_snapshot`` (regenerate it with
``uv run python tools/gen_xkrx_snapshot.py``; tests/unit/test_calendar_snapshot.py checks it still
equals exchange-calendars), because building the XKRX calendar costs 3-18 s per process.
``KrxCalendar.from_exchange_calendars()`` builds from live exchange-calendars instead, with the
same overrides. Public API speaks ``datetime.date``; pandas stays inside ``live_xkrx_data``.

Supported range: XKRX's first session (1956-01-02) to ``SUPPORTED_END`` (2049-12-31). Inside it
the calendar is XKRX + overrides; note XKRX models no Saturday sessions, so the half-day Saturday
sessions KRX held until 1998-12-05 are not sessions here, and pre-2000 lunch breaks are ignored.
Outside the range nothing raises: every weekday is a session with the regular 09:00-15:30
schedule, and ``covers(d)`` says whether an answer is backed by holiday data. Only
``holidays(year)`` and ``special_sessions(year)`` refuse years outside the range.
"""

from __future__ import annotations

import functools
import warnings
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Self

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.krx_overrides import (
    CSAT_DAYS,
    EXTRA_HOLIDAYS,
    FIXED_HOLIDAY_NAMES,
    HOLIDAY_NAMES,
    XKRX_NAME_WORDS,
)
from kistrade.domain.sessions import (
    REGULAR_CLOSE,
    REGULAR_OPEN,
    Phase,
    SessionKind,
    SessionTimes,
    build_session_times,
    to_kst,
)

SUPPORTED_END = date(2049, 12, 31)
SETTLEMENT_LAG = 2  # T+2 sessions
_ONE_DAY = timedelta(days=1)
_ONE_HOUR = timedelta(hours=1)


Era = tuple[tuple[date | None, time], ...]  # (first day of the era, None for the first; time)


@dataclass(frozen=True, slots=True)
class XkrxData:
    """What kistrade takes from exchange-calendars' XKRX for ``first_session``..``last_day``.

    Every weekday in the range is a session except ``holidays``; XKRX has no weekend sessions. A
    session's hours are its era's regular ``open_times``/``close_times`` except ``special_hours``.
    """

    first_session: date
    last_day: date
    open_times: Era  # XKRX ``open_times``: regular open by era (KST)
    close_times: Era  # XKRX ``close_times``
    holidays: dict[date, str]  # weekday non-sessions -> XKRX's English name ("" when unnamed)
    special_hours: dict[date, tuple[time, time]]  # sessions whose (open, close) is not the era's

    def sessions(self) -> tuple[date, ...]:
        first, last = self.first_session.toordinal(), self.last_day.toordinal()
        # date.fromordinal(n).weekday() == (n + 6) % 7: keep Monday (0) to Friday (4)
        days = (date.fromordinal(n) for n in range(first, last + 1) if (n + 6) % 7 < 5)
        return tuple(d for d in days if d not in self.holidays)

    def regular_hours(self, d: date) -> tuple[time, time]:
        """The era's regular (open, close) on ``d``."""
        return _era_time(self.open_times, d), _era_time(self.close_times, d)

    def hours(self, d: date) -> tuple[time, time]:
        """(open, close) in KST of session ``d`` as XKRX has it."""
        return self.special_hours.get(d) or self.regular_hours(d)


def _era_time(table: Era, d: date) -> time:
    current = table[0][1]
    for start, t in table:
        if start is None or start <= d:
            current = t
    return current


@functools.cache
def snapshot_xkrx_data() -> XkrxData:
    """XKRX from the committed snapshot (milliseconds; no exchange-calendars, no pandas)."""
    from kistrade.domain import krx_xkrx_snapshot as snap

    def eras(rows: tuple[tuple[str | None, str], ...]) -> Era:
        return tuple((None if s is None else date.fromisoformat(s), time.fromisoformat(t)) for s, t in rows)

    special: dict[date, tuple[time, time]] = {}
    for hours, days in snap.SPECIAL_HOURS.items():
        open_s, close_s = hours.split("-")
        pair = (time.fromisoformat(open_s), time.fromisoformat(close_s))
        special.update((date.fromisoformat(d), pair) for d in days.split())
    holidays = {date.fromisoformat(d): name for name, days in snap.HOLIDAYS.items() for d in days.split()}
    return XkrxData(
        first_session=date.fromisoformat(snap.FIRST_SESSION),
        last_day=date.fromisoformat(snap.LAST_DAY),
        open_times=eras(snap.OPEN_TIMES),
        close_times=eras(snap.CLOSE_TIMES),
        holidays=dict(sorted(holidays.items())),
        special_hours=dict(sorted(special.items())),
    )


def _xkrx_holiday_names(cal: Any, last_day: date) -> dict[date, str]:
    """XKRX's English holiday names up to ``last_day``. Where two holidays share a day, the name
    is the one XKRX's query for that one year lists last (pandas sorts the rules' dates with an
    unstable sort, so a longer query may order the pair differently): what kistrade always showed.
    """

    def query(start: Any, end: str) -> list[tuple[date, str]]:
        with warnings.catch_warnings():  # (a new HolidayCalendar, so no cached order, each time)
            warnings.simplefilter("ignore", DeprecationWarning)
            series = cal.regular_holidays.holidays(start, end, return_name=True)
        return [(ts.date(), str(name)) for ts, name in series.items()]

    pairs = query(cal.first_session, last_day.isoformat())
    named = dict(pairs)
    for year in sorted(_repeated_years(pairs)):
        named.update(query(f"{year}-01-01", f"{year}-12-31"))
    return named


def _repeated_years(pairs: list[tuple[date, str]]) -> set[int]:
    seen: set[date] = set()
    years: set[int] = set()
    for d, _ in pairs:
        if d in seen:
            years.add(d.year)
        seen.add(d)
    return years


@functools.cache
def live_xkrx_data(last_day: date = SUPPORTED_END) -> XkrxData:
    """XKRX built by exchange-calendars now (3 s idle, up to ~18 s under load)."""
    from exchange_calendars.exchange_calendar_xkrx import XKRXExchangeCalendar

    with warnings.catch_warnings():  # pandas deprecation noise from inside exchange-calendars
        warnings.simplefilter("ignore", DeprecationWarning)
        cal = XKRXExchangeCalendar(
            start=XKRXExchangeCalendar.bound_min(), end=XKRXExchangeCalendar.bound_max()
        )
    names = _xkrx_holiday_names(cal, last_day)
    opens = cal.opens.dt.tz_convert("Asia/Seoul")
    closes = cal.closes.dt.tz_convert("Asia/Seoul")
    hours = {
        d: (time(oh, om), time(ch, cm))
        for d, oh, om, ch, cm in zip(
            cal.sessions.date,
            opens.dt.hour.to_numpy(),
            opens.dt.minute.to_numpy(),
            closes.dt.hour.to_numpy(),
            closes.dt.minute.to_numpy(),
            strict=True,
        )
        if d <= last_day
    }
    weekend = sorted(d for d in hours if d.weekday() >= 5)
    if weekend:  # the snapshot's "weekdays minus holidays" form cannot hold them
        raise ValueError(f"XKRX has weekend sessions (first {weekend[0]}): the snapshot format needs one")
    first = min(hours)
    day, holidays = first, {}
    while day <= last_day:
        if day.weekday() < 5 and day not in hours:
            holidays[day] = names.get(day, "")
        day += _ONE_DAY

    def era(table: tuple[tuple[Any, time], ...]) -> Era:
        return tuple((None if start is None else start.date(), t) for start, t in table)

    opens_by_era, closes_by_era = era(cal.open_times), era(cal.close_times)
    special = {
        d: oc for d, oc in hours.items() if oc != (_era_time(opens_by_era, d), _era_time(closes_by_era, d))
    }
    return XkrxData(first, last_day, opens_by_era, closes_by_era, holidays, special)


def _as_date(d: date) -> date:
    if isinstance(d, datetime):
        return to_kst(d).date()
    return d


class KrxCalendar:
    """KRX sessions for KOSPI/KOSDAQ/KONEX stocks (see the module docstring for the range)."""

    def __init__(
        self,
        extra_holidays: Mapping[date, str] | None = None,
        csat_days: Mapping[date, str] | None = None,
        *,
        xkrx: XkrxData | None = None,
    ) -> None:
        """``extra_holidays``/``csat_days`` add to the committed overrides (e.g. a newly announced
        temporary holiday) without a release. ``xkrx`` defaults to the committed snapshot."""
        data = xkrx if xkrx is not None else snapshot_xkrx_data()
        self._data = data
        self._extra: dict[date, str] = {**EXTRA_HOLIDAYS, **(extra_holidays or {})}
        self._csat: dict[date, str] = {**CSAT_DAYS, **(csat_days or {})}
        self._sessions: list[date] = [d for d in data.sessions() if d not in self._extra]
        self._session_set = frozenset(self._sessions)
        self.first_supported: date = data.first_session
        self.last_supported: date = data.last_day

    @classmethod
    def from_exchange_calendars(
        cls,
        extra_holidays: Mapping[date, str] | None = None,
        csat_days: Mapping[date, str] | None = None,
    ) -> Self:
        """The same calendar, with XKRX built by exchange-calendars now instead of read from the
        snapshot (seconds, not milliseconds; the overrides apply the same way)."""
        return cls(extra_holidays, csat_days, xkrx=live_xkrx_data())

    # -- range -------------------------------------------------------------------------------

    def covers(self, d: date) -> bool:
        """True when ``d`` lies in the range backed by holiday data."""
        return self.first_supported <= _as_date(d) <= self.last_supported

    def _check_year(self, year: int) -> None:
        if not self.first_supported.year <= year <= self.last_supported.year:
            raise InvalidInputError(
                f"year {year} is outside the supported KRX calendar range "
                f"{self.first_supported.year}-{self.last_supported.year}"
            )

    # -- sessions ----------------------------------------------------------------------------

    def is_session(self, d: date) -> bool:
        d = _as_date(d)
        if self.covers(d):
            return d in self._session_set
        return d.weekday() < 5 and d not in self._extra

    def sessions(self, start: date, end: date) -> list[date]:
        """Every session from ``start`` to ``end``, both inclusive."""
        start, end = _as_date(start), _as_date(end)
        if start > end:
            raise InvalidInputError(f"sessions: start {start} is after end {end}")
        if self.covers(start) and self.covers(end):
            return self._sessions[bisect_left(self._sessions, start) : bisect_right(self._sessions, end)]
        out: list[date] = []
        day = start
        while day <= end:
            if self.is_session(day):
                out.append(day)
            day += _ONE_DAY
        return out

    def next_session(self, d: date) -> date:
        """The first session strictly after ``d``."""
        return self.add_sessions(d, 1)

    def previous_session(self, d: date) -> date:
        """The last session strictly before ``d``."""
        return self.add_sessions(d, -1)

    def add_sessions(self, d: date, n: int) -> date:
        """The ``n``-th session after ``d`` (before it when ``n < 0``); ``n == 0`` needs a session."""
        d = _as_date(d)
        if n == 0:
            if not self.is_session(d):
                raise InvalidInputError(f"add_sessions({d}, 0): {d} is not a KRX session")
            return d
        if self.covers(d):
            i = bisect_right(self._sessions, d) + n - 1 if n > 0 else bisect_left(self._sessions, d) + n
            if 0 <= i < len(self._sessions):
                return self._sessions[i]
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        day = d
        for _ in range(abs(n)):
            day += step
            while not self.is_session(day):
                day += step
        return day

    def settlement_date(self, trade_date: date) -> date:
        """T+2: the second session after ``trade_date`` (also for a non-session trade date, e.g.
        a 1990s Saturday XKRX does not model)."""
        return self.add_sessions(trade_date, SETTLEMENT_LAG)

    def trading_days(self, year: int) -> int:
        self._check_year(year)
        return len(self.sessions(date(year, 1, 1), date(year, 12, 31)))

    # -- holidays ----------------------------------------------------------------------------

    def holidays(self, year: int) -> list[tuple[date, str]]:
        """Weekday closures of ``year`` with a (Korean) name where known."""
        self._check_year(year)
        closed: list[date] = []
        day = date(year, 1, 1)
        while day.year == year:
            if day.weekday() < 5 and not self.is_session(day):
                closed.append(day)
            day += _ONE_DAY
        return [(d, self._name(d)) for d in closed]

    def _name(self, d: date) -> str:
        if d in self._extra:
            return self._extra[d]
        if d in HOLIDAY_NAMES:
            return HOLIDAY_NAMES[d]
        english = self._data.holidays.get(d)
        if english:
            for word, korean in XKRX_NAME_WORDS:
                if word in english:
                    fixed = [md for md, name in FIXED_HOLIDAY_NAMES.items() if name == korean]
                    if fixed and (d.month, d.day) not in fixed:
                        return f"{korean} 대체휴일"
                    return f"{korean} 연휴" if "day)" in english else korean
        fixed_name = FIXED_HOLIDAY_NAMES.get((d.month, d.day))
        if fixed_name is not None:
            return fixed_name
        if d.month == 12 and d.day >= 28:
            return "연말 휴장일"
        return "휴장일"

    # -- the day's schedule ------------------------------------------------------------------

    def _first_session_of_year(self, d: date) -> bool:
        return self.is_session(d) and self.previous_session(d).year < d.year

    def session_times(self, d: date) -> SessionTimes:
        """The schedule of session ``d`` (late opens applied)."""
        d = _as_date(d)
        if not self.is_session(d):
            raise InvalidInputError(f"{d} is not a KRX session (weekend or holiday)")
        if not self.covers(d):
            return build_session_times(d, REGULAR_OPEN, REGULAR_CLOSE)
        open_t, close_t = self._data.hours(d)
        std_open, std_close = self._data.regular_hours(d)
        if d in self._csat:
            late = datetime.combine(d, std_open) + _ONE_HOUR
            return build_session_times(
                d, late.time(), (datetime.combine(d, std_close) + _ONE_HOUR).time(), SessionKind.CSAT
            )
        if self._first_session_of_year(d) and close_t == std_close:
            late_open = (datetime.combine(d, std_open) + _ONE_HOUR).time()
            return build_session_times(d, late_open, close_t, SessionKind.YEAR_OPENING)
        if (open_t, close_t) == (std_open, std_close):
            return build_session_times(d, open_t, close_t)
        if open_t > std_open and close_t > std_close:
            return build_session_times(d, open_t, close_t, SessionKind.CSAT)
        return build_session_times(d, open_t, close_t, SessionKind.SPECIAL)

    def special_sessions(self, year: int) -> list[SessionTimes]:
        """The sessions of ``year`` with non-regular hours (year opening, CSAT, ...)."""
        self._check_year(year)
        days = self.sessions(date(year, 1, 1), date(year, 12, 31))
        out = [self.session_times(d) for d in days]
        return [st for st in out if st.kind is not SessionKind.REGULAR]

    def phase_at(self, dt: datetime) -> Phase:
        """The market phase at ``dt`` (tz-aware; converted to KST)."""
        local = to_kst(dt)
        if not self.is_session(local.date()):
            return Phase.CLOSED
        return self.session_times(local.date()).phase_at(local)


@functools.cache
def default_calendar() -> KrxCalendar:
    """A shared calendar: the committed XKRX snapshot and overrides (built once, in milliseconds)."""
    return KrxCalendar()


__all__ = [
    "SUPPORTED_END",
    "KrxCalendar",
    "Phase",
    "SessionKind",
    "SessionTimes",
    "XkrxData",
    "default_calendar",
    "live_xkrx_data",
    "snapshot_xkrx_data",
]
