"""Operations KPIs on hand-computed rows: API latency by TR, uptime in market hours, data error
rate, rate-limit share, cache hit rate, API error rate; and each one's no-data case."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kistrade.app.kpi_model import CacheSample, DataCheckRow, Heartbeat, KrxMarketHours, Status
from kistrade.app.kpi_ops import (
    api_latency,
    cache_hit_rate,
    data_error_rate,
    error_rate,
    p95,
    rate_limit_share,
    uptime,
)
from kistrade.domain.calendar import default_calendar
from kistrade.domain.types import KST
from kistrade.store.records import ApiCall

DAY = date(2026, 11, 24)  # a Tuesday session, 09:00-15:30 KST
HOURS = KrxMarketHours(default_calendar())
PRICE_TR = "FHKST01010100"


def at(hh: int, mm: int, ss: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hh, mm, ss), KST)


def call(name: str, ms: float, code: str = "MCA00000", ok: bool = True) -> ApiCall:
    return ApiCall(at(10, 0), name, ms, code, ok)


def beats(start: datetime, end: datetime, every: float = 10.0, up: bool = True) -> list[Heartbeat]:
    out, t = [], start
    while t <= end:
        out.append(Heartbeat(t, every, up, "r1"))
        t += timedelta(seconds=every)
    return out


# --- API latency ----------------------------------------------------------------------------


def test_latency_by_tr_mean_and_nearest_rank_p95() -> None:
    calls = [call(PRICE_TR, 100.0 * i) for i in range(1, 21)] + [call("TTTC0012U", 10), call("TTTC0012U", 20)]
    kpi, rows = api_latency(calls)
    by = {r.tr_id: r for r in rows}
    price = by[PRICE_TR]
    assert (price.calls, price.mean_ms, price.p95_ms, price.max_ms) == (20, 1050.0, 1900.0, 2000.0)
    assert price.label == "inquire_price" and price.status is Status.NOT_MET
    assert (by["TTTC0012U"].mean_ms, by["TTTC0012U"].p95_ms, by["TTTC0012U"].status) == (
        15.0,
        20.0,
        Status.MET,
    )
    assert kpi.status is Status.NOT_MET and kpi.figure == 1900.0  # every TR must be under 500 ms
    assert "22 calls over 2 TRs" in kpi.note


def test_latency_met_when_every_tr_is_fast() -> None:
    kpi, rows = api_latency([call(PRICE_TR, 120), call(PRICE_TR, 480), call("UNKNOWN0", 499)])
    assert kpi.status is Status.MET and kpi.figure == 499
    assert [r.label for r in rows] == ["inquire_price", ""]


def test_latency_without_calls_is_no_data() -> None:
    kpi, rows = api_latency([])
    assert kpi.status is Status.NO_DATA and kpi.figure is None and rows == []


@given(st.lists(st.floats(0, 1e5, allow_nan=False), min_size=1, max_size=300))
def test_p95_is_the_nearest_rank(values: list[float]) -> None:
    q = p95(values)
    assert q in values
    assert sum(v <= q for v in values) >= 0.95 * len(values)
    assert sum(v < q for v in values) < 0.95 * len(values)


# --- uptime ---------------------------------------------------------------------------------


def test_uptime_full_when_heartbeats_are_regular() -> None:
    kpi = uptime(beats(at(10, 0), at(11, 0)), None, None, at(12, 0), HOURS)
    assert kpi.status is Status.MET and kpi.figure == 1.0


def test_uptime_counts_a_silent_gap_and_a_feed_down_beat_as_down() -> None:
    hb = [h for h in beats(at(10, 0), at(11, 0)) if not at(10, 20) < h.ts < at(10, 30)]
    hb = [Heartbeat(h.ts, h.interval_s, h.ts != at(10, 40), h.run) for h in hb]
    kpi = uptime(hb, None, None, at(12, 0), HOURS)
    assert kpi.figure == pytest.approx((3600 - 600 - 20) / 3600)
    assert kpi.status is Status.NOT_MET


def test_uptime_over_an_asked_window_counts_market_hours_only_up_to_now() -> None:
    hb = beats(at(10, 0), at(11, 0))
    whole_day = uptime(hb, at(0, 0), at(0, 0, day=DAY + timedelta(days=1)), at(20, 0), HOURS)
    assert whole_day.figure == pytest.approx(3600 / (6.5 * 3600))
    until_noon = uptime(hb, at(0, 0), at(0, 0, day=DAY + timedelta(days=1)), at(12, 0), HOURS)
    assert until_noon.figure == pytest.approx(3600 / (3 * 3600))


def test_uptime_counts_only_market_hours() -> None:
    kpi = uptime(beats(at(8, 40), at(9, 10)), None, None, at(12, 0), HOURS)
    assert kpi.figure == 1.0 and "market time 10.0 min" in kpi.note
    evening = uptime(beats(at(16, 0), at(17, 0)), None, None, at(18, 0), HOURS)
    assert evening.status is Status.NO_DATA


@given(st.lists(st.integers(1, 10_000_000), min_size=1, max_size=400))
def test_uptime_of_a_bot_always_up_is_exactly_one(gaps_us: list[int]) -> None:
    """Heartbeats at uneven microsecond gaps (as a loaded loop sends them): the pieces never add
    up to more than the market time they cover (it was 1.0000000000000002 with float seconds)."""
    t, hb = at(10, 0), []
    for gap in [0, *gaps_us]:
        t += timedelta(microseconds=gap)
        hb.append(Heartbeat(t, 10.0, True, "r1"))
    kpi = uptime(hb, None, None, at(15, 0), HOURS)
    assert kpi.figure == 1.0 and kpi.status is Status.MET


def test_uptime_without_heartbeats_is_no_data() -> None:
    assert uptime([], None, None, at(12, 0), HOURS).status is Status.NO_DATA
    outside = uptime(
        beats(at(10, 0), at(11, 0)), at(0, 0, day=DAY + timedelta(days=1)), None, at(12, 0), HOURS
    )
    assert outside.status is Status.NO_DATA


# --- data errors ----------------------------------------------------------------------------


def test_data_error_rate_counts_differing_and_missed_minutes() -> None:
    checks = [
        DataCheckRow(at(10, 0), "005930", 100, 0, 0, 0),
        DataCheckRow(at(10, 10), "000660", 900, 1, 1, 5),
    ]
    kpi = data_error_rate(checks)
    assert kpi.figure == pytest.approx(2 / 1001) and kpi.status is Status.NOT_MET
    assert "only in the tick bars, not counted: 5" in kpi.note
    good = data_error_rate([DataCheckRow(at(10, 0), "005930", 2000, 1, 0, 0)])
    assert good.figure == pytest.approx(0.0005) and good.status is Status.MET


def test_data_error_rate_without_compared_minutes_is_no_data() -> None:
    assert data_error_rate([]).status is Status.NO_DATA
    assert data_error_rate([DataCheckRow(at(10, 0), "005930", 0, 0, 0, 3)]).status is Status.NO_DATA


# --- rate limit and errors ------------------------------------------------------------------


def test_rate_limit_share_and_error_rate_are_separate() -> None:
    calls = [call(PRICE_TR, 5) for _ in range(195)]
    calls += [call(PRICE_TR, 5, "EGW00201", False)]
    calls += [call(PRICE_TR, 5, "network", False), call(PRICE_TR, 5, "HTTP500", False)]
    calls += [call(PRICE_TR, 5, "EGW00123", False), call(PRICE_TR, 5, "APBK0919", False)]
    rl = rate_limit_share(calls)
    assert rl.figure == pytest.approx(1 / 200) and rl.status is Status.MET
    err = error_rate(calls)
    assert err.figure == pytest.approx(4 / 200) and err.status is Status.NOT_MET
    assert "network x1" in err.note
    worse = rate_limit_share(calls + [call(PRICE_TR, 5, "EGW00201", False)] * 2)
    assert worse.figure == pytest.approx(3 / 202) and worse.status is Status.NOT_MET


def test_rate_limit_and_errors_without_calls_are_no_data() -> None:
    assert rate_limit_share([]).status is Status.NO_DATA
    assert error_rate([]).status is Status.NO_DATA


# --- cache ----------------------------------------------------------------------------------


def test_cache_hit_rate_sums_cumulative_counters_per_run() -> None:
    samples = [
        CacheSample(at(9, 30), "a", 10, 5),
        CacheSample(at(10, 30), "a", 40, 10),
        CacheSample(at(11, 30), "b", 5, 0),
    ]
    everything = cache_hit_rate(samples, None)
    assert everything.figure == pytest.approx(45 / 55) and everything.status is Status.MET
    since_ten = cache_hit_rate(samples, at(10, 0))  # run a's counters before 10:00 are subtracted
    assert since_ten.figure == pytest.approx(35 / 40)
    poor = cache_hit_rate([CacheSample(at(10, 0), "a", 7, 3)], None)
    assert poor.figure == pytest.approx(0.7) and poor.status is Status.NOT_MET


def test_cache_without_lookups_is_no_data() -> None:
    assert cache_hit_rate([], None).status is Status.NO_DATA
    assert cache_hit_rate([CacheSample(at(10, 0), "a", 0, 0)], None).status is Status.NO_DATA
    assert math.isclose(cache_hit_rate([CacheSample(at(10, 0), "a", 1, 0)], None).figure or 0, 1.0)
