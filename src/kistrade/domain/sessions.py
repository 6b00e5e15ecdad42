"""One KRX trading day's schedule (KOSPI/KOSDAQ/KONEX stocks) and the phase at a given instant.

A regular day (shared/kis-protocol.md §8.1), all KST:

    08:30-09:00  opening call auction (장 시작 동시호가); 08:30-08:40 also 장전 시간외 종가
    09:00-15:20  continuous trading (정규장)
    15:20-15:30  closing call auction (장 마감 동시호가)
    15:30-18:00  after hours: 15:40-16:00 장후 시간외 종가 (orders from 15:30), 16:00-18:00 시간외 단일가

Every phase is derived from the day's open and close: the pre-open starts 30 minutes before the
open, the closing auction 10 minutes before the close, the after-hours windows 10 and 30 minutes
after it, and after hours end at 18:00. On the first trading day of a year the open (and the
pre-open) is an hour late and the close unchanged; on CSAT (수능) days open and close are both an
hour late (10:00/16:30) and after hours still end at 18:00, as KRX announces every year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import KST

REGULAR_OPEN = time(9, 0)
REGULAR_CLOSE = time(15, 30)
AFTER_HOURS_END = time(18, 0)

PRE_OPEN_LEAD = timedelta(minutes=30)
PRE_HOURS_CLOSE_LENGTH = timedelta(minutes=10)
CLOSING_AUCTION_LENGTH = timedelta(minutes=10)
POST_CLOSE_DELAY = timedelta(minutes=10)
SINGLE_PRICE_DELAY = timedelta(minutes=30)


class Phase(StrEnum):
    """Where the KRX stock market is at an instant."""

    CLOSED = "closed"
    PRE_OPEN_AUCTION = "pre_open_auction"
    CONTINUOUS = "continuous"
    CLOSING_AUCTION = "closing_auction"
    AFTER_HOURS = "after_hours"


class SessionKind(StrEnum):
    REGULAR = "regular"
    YEAR_OPENING = "year_opening"  # first trading day of the year: opens an hour late
    CSAT = "csat"  # 수능: every phase an hour late
    SPECIAL = "special"  # any other non-standard hours (historical)


@dataclass(frozen=True, slots=True)
class SessionTimes:
    """The schedule of one trading day; every field a tz-aware KST datetime on ``day``."""

    day: date
    kind: SessionKind
    pre_open_start: datetime
    pre_hours_close_end: datetime
    open: datetime
    closing_auction_start: datetime
    close: datetime
    post_close_start: datetime
    post_close_end: datetime
    single_price_start: datetime
    after_hours_end: datetime

    @property
    def is_late_open(self) -> bool:
        """The year-opening day or a CSAT day: the open is an hour later than the era's usual."""
        return self.kind in (SessionKind.YEAR_OPENING, SessionKind.CSAT)

    def phase_at(self, dt: datetime) -> Phase:
        """The phase at ``dt`` (tz-aware). Instants on another day are CLOSED."""
        local = to_kst(dt)
        if local.date() != self.day or local < self.pre_open_start:
            return Phase.CLOSED
        if local < self.open:
            return Phase.PRE_OPEN_AUCTION
        if local < self.closing_auction_start:
            return Phase.CONTINUOUS
        if local < self.close:
            return Phase.CLOSING_AUCTION
        if local < self.after_hours_end:
            return Phase.AFTER_HOURS
        return Phase.CLOSED


def to_kst(dt: datetime) -> datetime:
    """``dt`` in KST; a naive datetime is refused (its zone would be a guess)."""
    if dt.tzinfo is KST:
        return dt
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise InvalidInputError(f"datetime {dt.isoformat()} is naive: pass a tz-aware datetime (KST)")
    return dt.astimezone(KST)


def build_session_times(
    day: date, open_time: time, close_time: time, kind: SessionKind = SessionKind.REGULAR
) -> SessionTimes:
    """Derive every phase boundary of ``day`` from its open and close (see the module docstring)."""
    open_dt = datetime.combine(day, open_time, KST)
    close_dt = datetime.combine(day, close_time, KST)
    if close_dt <= open_dt:
        raise InvalidInputError(f"session {day}: close {close_time} is not after open {open_time}")
    pre_open = open_dt - PRE_OPEN_LEAD
    single_price = close_dt + SINGLE_PRICE_DELAY
    after_end = max(datetime.combine(day, AFTER_HOURS_END, KST), single_price)
    return SessionTimes(
        day=day,
        kind=kind,
        pre_open_start=pre_open,
        pre_hours_close_end=pre_open + PRE_HOURS_CLOSE_LENGTH,
        open=open_dt,
        closing_auction_start=close_dt - CLOSING_AUCTION_LENGTH,
        close=close_dt,
        post_close_start=close_dt + POST_CLOSE_DELAY,
        post_close_end=single_price,
        single_price_start=single_price,
        after_hours_end=after_end,
    )
