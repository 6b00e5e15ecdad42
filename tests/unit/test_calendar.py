"""KrxCalendar: 2025/2026 holidays, overrides, late opens, T+2, phases and the supported range."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from kistrade.domain.calendar import KrxCalendar, default_calendar
from kistrade.domain.errors import InvalidInputError
from kistrade.domain.sessions import Phase, SessionKind
from kistrade.domain.types import KST

# Every weekday KRX is closed, from the KRX lists as reported in the press (see krx_overrides.py).
HOLIDAYS_2025 = [
    date(2025, 1, 1), date(2025, 1, 27), date(2025, 1, 28), date(2025, 1, 29), date(2025, 1, 30),
    date(2025, 3, 3), date(2025, 5, 1), date(2025, 5, 5), date(2025, 5, 6), date(2025, 6, 3),
    date(2025, 6, 6), date(2025, 8, 15), date(2025, 10, 3), date(2025, 10, 6), date(2025, 10, 7),
    date(2025, 10, 8), date(2025, 10, 9), date(2025, 12, 25), date(2025, 12, 31),
]  # fmt: skip
HOLIDAYS_2026 = [
    date(2026, 1, 1), date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18), date(2026, 3, 2),
    date(2026, 5, 1), date(2026, 5, 5), date(2026, 5, 25), date(2026, 6, 3), date(2026, 7, 17),
    date(2026, 8, 17), date(2026, 9, 24), date(2026, 9, 25), date(2026, 10, 5), date(2026, 10, 9),
    date(2026, 12, 25), date(2026, 12, 31),
]  # fmt: skip


@pytest.fixture(scope="module")
def cal() -> KrxCalendar:
    return default_calendar()


def at(d: date, hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm, ss), KST)


def weekdays(year: int) -> int:
    day, n = date(year, 1, 1), 0
    while day.year == year:
        n += day.weekday() < 5
        day += timedelta(days=1)
    return n


@pytest.mark.parametrize(("year", "expected"), [(2025, HOLIDAYS_2025), (2026, HOLIDAYS_2026)])
def test_every_holiday_of_the_year(cal: KrxCalendar, year: int, expected: list[date]) -> None:
    got = cal.holidays(year)
    assert [d for d, _ in got] == expected
    assert all(name for _, name in got)
    assert not any(cal.is_session(d) for d in expected)
    assert cal.trading_days(year) == weekdays(year) - len(expected)


def test_holiday_names(cal: KrxCalendar) -> None:
    names = dict(cal.holidays(2026))
    assert names[date(2026, 6, 3)] == "전국동시지방선거"
    assert names[date(2026, 7, 17)] == "제헌절"
    assert names[date(2026, 9, 25)] == "추석"
    assert dict(cal.holidays(2025))[date(2025, 6, 3)] == "대통령 선거"
    # A year outside the committed name table falls back to XKRX's names, in Korean.
    assert dict(cal.holidays(2019))[date(2019, 9, 13)] == "추석"


def test_override_days_xkrx_misses(cal: KrxCalendar) -> None:
    assert not cal.is_session(date(2026, 6, 3))
    assert not cal.is_session(date(2026, 7, 17))
    assert cal.is_session(date(2026, 6, 2))
    assert cal.is_session(date(2026, 6, 4))


def test_weekends_and_normal_days(cal: KrxCalendar) -> None:
    assert not cal.is_session(date(2026, 11, 21))  # Saturday
    assert not cal.is_session(date(2026, 11, 22))  # Sunday
    assert cal.is_session(date(2026, 11, 24))
    assert cal.sessions(date(2026, 11, 20), date(2026, 11, 24)) == [
        date(2026, 11, 20),
        date(2026, 11, 23),
        date(2026, 11, 24),
    ]
    with pytest.raises(InvalidInputError, match="after end"):
        cal.sessions(date(2026, 2, 1), date(2026, 1, 1))


def test_next_previous_add(cal: KrxCalendar) -> None:
    assert cal.next_session(date(2026, 2, 13)) == date(2026, 2, 19)  # over 설날
    assert cal.previous_session(date(2026, 2, 19)) == date(2026, 2, 13)
    assert cal.next_session(date(2026, 2, 14)) == date(2026, 2, 19)  # from a Saturday
    assert cal.add_sessions(date(2026, 2, 13), 3) == date(2026, 2, 23)
    assert cal.add_sessions(date(2026, 2, 23), -3) == date(2026, 2, 13)
    assert cal.add_sessions(date(2026, 2, 13), 0) == date(2026, 2, 13)
    with pytest.raises(InvalidInputError, match="not a KRX session"):
        cal.add_sessions(date(2026, 2, 14), 0)


def test_settlement_t_plus_2(cal: KrxCalendar) -> None:
    assert cal.settlement_date(date(2026, 11, 24)) == date(2026, 11, 26)  # plain week
    assert cal.settlement_date(date(2026, 11, 19)) == date(2026, 11, 23)  # over a weekend
    assert cal.settlement_date(date(2026, 6, 2)) == date(2026, 6, 5)  # over the 6/3 election
    assert cal.settlement_date(date(2026, 9, 22)) == date(2026, 9, 28)  # over 추석 + weekend
    assert cal.settlement_date(date(2024, 12, 27)) == date(2025, 1, 2)  # over 12-31 and 01-01


def test_regular_session_times(cal: KrxCalendar) -> None:
    st = cal.session_times(date(2026, 11, 24))
    assert st.kind is SessionKind.REGULAR
    assert st.pre_open_start == at(st.day, 8, 30)
    assert st.pre_hours_close_end == at(st.day, 8, 40)
    assert st.open == at(st.day, 9, 0)
    assert st.closing_auction_start == at(st.day, 15, 20)
    assert st.close == at(st.day, 15, 30)
    assert st.post_close_start == at(st.day, 15, 40)
    assert st.single_price_start == at(st.day, 16, 0)
    assert st.after_hours_end == at(st.day, 18, 0)
    assert not st.is_late_open
    with pytest.raises(InvalidInputError, match="not a KRX session"):
        cal.session_times(date(2026, 6, 3))


@pytest.mark.parametrize("day", [date(2025, 1, 2), date(2026, 1, 2), date(2024, 1, 2)])
def test_year_opening_opens_at_ten(cal: KrxCalendar, day: date) -> None:
    st = cal.session_times(day)
    assert st.kind is SessionKind.YEAR_OPENING
    assert (st.pre_open_start, st.open) == (at(day, 9, 30), at(day, 10, 0))
    assert (st.closing_auction_start, st.close, st.after_hours_end) == (
        at(day, 15, 20),
        at(day, 15, 30),
        at(day, 18, 0),
    )


@pytest.mark.parametrize(
    "day",
    [date(2021, 11, 18), date(2022, 11, 17), date(2023, 11, 16), date(2024, 11, 14), date(2025, 11, 13),
     date(2026, 11, 19)],
)  # fmt: skip
def test_csat_days_shift_by_an_hour(cal: KrxCalendar, day: date) -> None:
    st = cal.session_times(day)
    assert st.kind is SessionKind.CSAT
    assert st.is_late_open
    assert (st.pre_open_start, st.open) == (at(day, 9, 30), at(day, 10, 0))
    assert (st.closing_auction_start, st.close) == (at(day, 16, 20), at(day, 16, 30))
    assert (st.post_close_start, st.single_price_start) == (at(day, 16, 40), at(day, 17, 0))
    assert st.after_hours_end == at(day, 18, 0)


def test_late_open_day_phases(cal: KrxCalendar) -> None:
    d = date(2026, 11, 19)
    assert cal.phase_at(at(d, 9, 0)) is Phase.CLOSED
    assert cal.phase_at(at(d, 9, 29, 59)) is Phase.CLOSED
    assert cal.phase_at(at(d, 9, 30)) is Phase.PRE_OPEN_AUCTION
    assert cal.phase_at(at(d, 9, 59, 59)) is Phase.PRE_OPEN_AUCTION
    assert cal.phase_at(at(d, 10, 0)) is Phase.CONTINUOUS
    assert cal.phase_at(at(d, 15, 25)) is Phase.CONTINUOUS
    assert cal.phase_at(at(d, 16, 20)) is Phase.CLOSING_AUCTION
    assert cal.phase_at(at(d, 16, 30)) is Phase.AFTER_HOURS
    assert cal.phase_at(at(d, 18, 0)) is Phase.CLOSED


def test_phase_boundaries_on_a_regular_day(cal: KrxCalendar) -> None:
    d = date(2026, 11, 24)
    assert cal.phase_at(at(d, 8, 29, 59)) is Phase.CLOSED
    assert cal.phase_at(at(d, 8, 30)) is Phase.PRE_OPEN_AUCTION
    assert cal.phase_at(at(d, 8, 59, 59)) is Phase.PRE_OPEN_AUCTION
    assert cal.phase_at(at(d, 9, 0, 0)) is Phase.CONTINUOUS
    assert cal.phase_at(at(d, 15, 19, 59)) is Phase.CONTINUOUS
    assert cal.phase_at(at(d, 15, 20, 0)) is Phase.CLOSING_AUCTION
    assert cal.phase_at(at(d, 15, 29, 59)) is Phase.CLOSING_AUCTION
    assert cal.phase_at(at(d, 15, 30)) is Phase.AFTER_HOURS
    assert cal.phase_at(at(d, 17, 59, 59)) is Phase.AFTER_HOURS
    assert cal.phase_at(at(d, 18, 0)) is Phase.CLOSED
    # The same instant given in UTC is converted to KST first (00:00 UTC == 09:00 KST).
    assert cal.phase_at(datetime(2026, 11, 24, 0, 0, tzinfo=UTC)) is Phase.CONTINUOUS
    assert cal.phase_at(at(date(2026, 6, 3), 10, 0)) is Phase.CLOSED  # holiday
    with pytest.raises(InvalidInputError, match="naive"):
        cal.phase_at(datetime(2026, 11, 24, 10, 0))


def test_extra_holidays_can_be_added() -> None:
    cal = KrxCalendar(extra_holidays={date(2026, 12, 24): "임시공휴일"})
    assert not cal.is_session(date(2026, 12, 24))
    assert (date(2026, 12, 24), "임시공휴일") in cal.holidays(2026)
    assert cal.settlement_date(date(2026, 12, 23)) == date(2026, 12, 29)  # 24, 25 closed, weekend
    assert default_calendar().is_session(date(2026, 12, 24))


def test_old_and_out_of_range_dates_do_not_crash(cal: KrxCalendar) -> None:
    # 1990s Saturday sessions are not modelled: a Saturday is simply not a session.
    assert not cal.is_session(date(1995, 3, 4))
    assert cal.settlement_date(date(1995, 3, 4)) == date(1995, 3, 7)
    assert cal.session_times(date(1995, 3, 3)).open == at(date(1995, 3, 3), 9, 30)
    assert cal.phase_at(at(date(1995, 3, 3), 11, 0)) is Phase.CONTINUOUS
    # Before XKRX's first session and after the supported end: plain weekdays, regular hours.
    assert not cal.covers(date(1950, 1, 2))
    assert cal.is_session(date(1950, 1, 2))
    assert cal.next_session(date(1950, 1, 6)) == date(1950, 1, 9)
    assert cal.sessions(date(1955, 12, 29), date(1956, 1, 3))[:2] == [date(1955, 12, 29), date(1955, 12, 30)]
    assert cal.session_times(date(2060, 3, 3)).open == at(date(2060, 3, 3), 9, 0)
    assert cal.add_sessions(date(2049, 12, 30), 3) > date(2049, 12, 31)
    with pytest.raises(InvalidInputError, match="outside the supported"):
        cal.holidays(2060)


def test_special_sessions_of_2026(cal: KrxCalendar) -> None:
    specials = cal.special_sessions(2026)
    assert [(s.day, s.kind) for s in specials] == [
        (date(2026, 1, 2), SessionKind.YEAR_OPENING),
        (date(2026, 11, 19), SessionKind.CSAT),
    ]
