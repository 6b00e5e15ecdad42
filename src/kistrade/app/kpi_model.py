"""The values of the KPI report (``kistrade.app.kpi``): the rows it reads, the figures it gives."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from kistrade.domain.calendar import KrxCalendar
from kistrade.domain.types import Fill
from kistrade.store.records import AccountSnapshot, ApiCall, SignalRecord


class Status(StrEnum):
    MET = "met"
    NOT_MET = "not met"
    NO_DATA = "no data"


@dataclass(frozen=True, slots=True)
class Kpi:
    key: str
    name: str
    value: str  # the figure as shown ("-" without data)
    target: str
    status: Status
    note: str  # the definition and what it was computed from
    figure: float | None = None  # the number judged against the target (None: no data)


@dataclass(frozen=True, slots=True)
class TrLatency:
    tr_id: str
    label: str  # the endpoint's name when the TR id is known, else ""
    calls: int
    mean_ms: float
    p95_ms: float
    max_ms: float
    status: Status


@dataclass(frozen=True, slots=True)
class Heartbeat:
    ts: datetime
    interval_s: float
    up: bool
    run: str = ""


@dataclass(frozen=True, slots=True)
class CacheSample:
    ts: datetime
    run: str
    hits: int
    misses: int


@dataclass(frozen=True, slots=True)
class DataCheckRow:
    ts: datetime
    symbol: str
    compared: int
    mismatched: int
    only_rest: int
    only_ticks: int


class MarketHours(Protocol):
    def session(self, day: date) -> tuple[datetime, datetime] | None:
        """The regular session [open, close) of ``day``; None when the market is closed."""
        ...

    def sessions(self, start: date, end: date) -> list[date]:
        """Session dates from ``start`` to ``end``, both inclusive."""
        ...


class KrxMarketHours:
    """Regular KRX hours from the calendar (09:00-15:30 in this era, later opens included)."""

    def __init__(self, calendar: KrxCalendar) -> None:
        self._calendar = calendar

    def session(self, day: date) -> tuple[datetime, datetime] | None:
        if not self._calendar.is_session(day):
            return None
        times = self._calendar.session_times(day)
        return times.open, times.close

    def sessions(self, start: date, end: date) -> list[date]:
        return self._calendar.sessions(start, end) if start <= end else []


@dataclass(frozen=True, slots=True)
class KpiInputs:
    """Rows for one report. ``start``/``end``: the asked window [start, end) (None: all data);
    ``now`` bounds an open window (time after it is not counted as down)."""

    now: datetime
    start: datetime | None = None
    end: datetime | None = None
    api_calls: list[ApiCall] = field(default_factory=list)  # in the window
    heartbeats: list[Heartbeat] = field(default_factory=list)  # in the window (and a little before)
    cache: list[CacheSample] = field(default_factory=list)  # every sample before the window's end
    data_checks: list[DataCheckRow] = field(default_factory=list)  # in the window
    snapshots: list[AccountSnapshot] = field(default_factory=list)  # in the window
    fills: list[Fill] = field(default_factory=list)  # every fill before the window's end
    signals: list[SignalRecord] = field(default_factory=list)  # every signal before the window's end


@dataclass(frozen=True, slots=True)
class KpiReport:
    start: datetime | None
    end: datetime | None
    span: tuple[datetime, datetime] | None  # the time the figures cover (None: nothing recorded)
    kpis: list[Kpi]
    latency: list[TrLatency]

    def kpi(self, key: str) -> Kpi:
        for k in self.kpis:
            if k.key == key:
                return k
        raise KeyError(f"no KPI {key!r}; known: {', '.join(k.key for k in self.kpis)}")


def judge(ok: bool) -> Status:
    return Status.MET if ok else Status.NOT_MET


def no_data(key: str, name: str, target: str, note: str) -> Kpi:
    return Kpi(key, name, "-", target, Status.NO_DATA, note)


def pct(x: float, digits: int = 2) -> str:
    return f"{100 * x:.{digits}f}%"


def activity_span(inputs: KpiInputs) -> tuple[datetime, datetime] | None:
    """What the figures cover: the asked window, else from the first to the last thing the bot
    recorded (heartbeat, API call, account snapshot); never past ``max(now, last record)``."""
    times = [h.ts for h in inputs.heartbeats] + [c.ts for c in inputs.api_calls]
    times += [s.ts for s in inputs.snapshots]
    if inputs.start is not None:
        times = [t for t in times if t >= inputs.start]
    if not times and (inputs.start is None or inputs.end is None):
        return None
    lo = inputs.start if inputs.start is not None else min(times)
    hi = inputs.end if inputs.end is not None else max(times)
    hi = min(hi, max([inputs.now, *times]))
    return (lo, hi) if hi > lo else None


__all__ = [
    "CacheSample",
    "DataCheckRow",
    "Heartbeat",
    "Kpi",
    "KpiInputs",
    "KpiReport",
    "KrxMarketHours",
    "MarketHours",
    "Status",
    "TrLatency",
    "activity_span",
    "judge",
    "no_data",
    "pct",
]
