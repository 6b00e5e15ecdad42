"""The committed XKRX snapshot equals what exchange-calendars builds now (the one slow test).

When this fails after an exchange-calendars upgrade, regenerate the snapshot:
``uv run python tools/gen_xkrx_snapshot.py`` (then review the diff of krx_xkrx_snapshot.py).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import exchange_calendars
import pytest

from kistrade.domain import krx_xkrx_snapshot
from kistrade.domain.calendar import (
    SUPPORTED_END,
    KrxCalendar,
    XkrxData,
    default_calendar,
    live_xkrx_data,
    snapshot_xkrx_data,
)

REGENERATE = "regenerate it: uv run python tools/gen_xkrx_snapshot.py"


@pytest.fixture(scope="module")
def live() -> XkrxData:
    return live_xkrx_data()  # builds XKRX: seconds (cached: from_exchange_calendars reuses it)


def _differences(snap: dict[date, object], live: dict[date, object], limit: int = 10) -> list[str]:
    keys = sorted(snap.keys() | live.keys())
    diffs = [
        f"{d}: snapshot {snap.get(d)!r}, XKRX {live.get(d)!r}" for d in keys if snap.get(d) != live.get(d)
    ]
    return diffs[:limit]


def test_snapshot_equals_exchange_calendars(live: XkrxData) -> None:
    snap = snapshot_xkrx_data()
    assert (snap.first_session, snap.last_day) == (live.first_session, live.last_day), REGENERATE
    assert snap.open_times == live.open_times, REGENERATE
    assert snap.close_times == live.close_times, REGENERATE
    assert not _differences(dict(snap.holidays), dict(live.holidays)), REGENERATE
    assert not _differences(dict(snap.special_hours), dict(live.special_hours)), REGENERATE
    assert snap == live
    assert snap.last_day == SUPPORTED_END


def test_snapshot_names_the_installed_version() -> None:
    assert exchange_calendars.__version__ == krx_xkrx_snapshot.EXCHANGE_CALENDARS_VERSION, REGENERATE


def test_snapshot_and_live_calendars_answer_alike(live: XkrxData) -> None:
    extra = {date(2030, 3, 4): "임시공휴일"}
    csat = {date(2030, 11, 14): "2031학년도 수능"}
    fast = KrxCalendar(extra, csat)
    slow = KrxCalendar(extra, csat, xkrx=live)
    assert fast.sessions(fast.first_supported, fast.last_supported) == slow.sessions(
        slow.first_supported, slow.last_supported
    )
    for year in range(fast.first_supported.year, fast.last_supported.year + 1):
        assert fast.holidays(year) == slow.holidays(year), year
        assert fast.special_sessions(year) == slow.special_sessions(year), year
    assert dict(fast.holidays(2030))[date(2030, 3, 4)] == "임시공휴일"
    assert not fast.is_session(date(2030, 3, 4))


def test_from_exchange_calendars_keeps_the_overrides(live: XkrxData) -> None:
    cal = KrxCalendar.from_exchange_calendars(extra_holidays={date(2026, 12, 24): "임시공휴일"})
    assert not cal.is_session(date(2026, 6, 3))  # committed override XKRX 4.13 lacks
    assert not cal.is_session(date(2026, 12, 24))  # the one passed in
    assert (
        cal.session_times(date(2026, 11, 19)).open
        == default_calendar().session_times(date(2026, 11, 19)).open
    )
    assert cal.settlement_date(date(2026, 12, 23)) == date(2026, 12, 29)


def test_default_calendar_loads_neither_exchange_calendars_nor_pandas() -> None:
    code = (
        "import sys\n"
        "from datetime import date\n"
        "from kistrade.domain.calendar import default_calendar\n"
        "cal = default_calendar()\n"
        "print(cal.settlement_date(date(2026, 6, 2)), cal.holidays(2019)[0][1])\n"
        "print(sorted(m for m in ('exchange_calendars', 'pandas', 'numpy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.splitlines() == ["2026-06-05 신정", "[]"]
