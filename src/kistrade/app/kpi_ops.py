"""Operations KPIs: API latency by TR, uptime in market hours, data error rate, rate-limit
violations, cache hit rate and API error rate. Pure functions of store rows."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from kistrade.app.kpi_model import (
    CacheSample,
    DataCheckRow,
    Heartbeat,
    Kpi,
    MarketHours,
    Status,
    TrLatency,
    judge,
    no_data,
    pct,
)
from kistrade.domain.types import KST
from kistrade.kis.protocol.codes import ErrorClass, classify
from kistrade.kis.protocol.endpoints import lookup_tr
from kistrade.store.records import ApiCall

LATENCY_TARGET_MS = 500.0
UPTIME_TARGET = 0.99
DATA_ERROR_TARGET = 0.001
RATE_LIMIT_TARGET = 0.01
CACHE_TARGET = 0.80
ERROR_TARGET = 0.01
HEARTBEAT_SLACK = 2.0  # consecutive heartbeats further apart than this many intervals: down between


def is_rate_limited(code: str) -> bool:
    """The broker's "too many requests" answers (the client's classification)."""
    return classify(code) is ErrorClass.RATE_LIMIT


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile: the smallest value with at least 95% of the values <= it."""
    if not values:
        raise ValueError("p95 of no values")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _label(tr: str) -> str:
    match = lookup_tr(tr)
    return "" if match is None else match.endpoint.name


def api_latency(calls: list[ApiCall]) -> tuple[Kpi, list[TrLatency]]:
    name, target = "API response time", f"p95 < {LATENCY_TARGET_MS:.0f} ms for every TR"
    if not calls:
        return no_data("api_latency", name, target, "no API call recorded"), []
    by_tr: dict[str, list[float]] = {}
    for c in calls:
        by_tr.setdefault(c.name, []).append(c.latency_ms)
    rows = []
    for tr, ms in sorted(by_tr.items()):
        q = p95(ms)
        rows.append(
            TrLatency(tr, _label(tr), len(ms), sum(ms) / len(ms), q, max(ms), judge(q < LATENCY_TARGET_MS))
        )
    every = [c.latency_ms for c in calls]
    worst = max(rows, key=lambda r: r.p95_ms)
    kpi = Kpi(
        "api_latency",
        name,
        f"mean {sum(every) / len(every):.0f} ms, p95 {p95(every):.0f} ms",
        target,
        judge(all(r.status is Status.MET for r in rows)),
        f"round trip of each HTTP exchange (retries included), by TR below; {len(calls)} calls over "
        f"{len(rows)} TRs; slowest p95: {worst.tr_id} {worst.p95_ms:.0f} ms (p95 = nearest rank)",
        worst.p95_ms,
    )
    return kpi, rows


_US = timedelta(microseconds=1)


def _sessions_overlap(a: datetime, b: datetime, hours: MarketHours) -> int:
    """Microseconds of [a, b) inside regular sessions (an int: disjoint pieces never add up to more
    than their whole, as float seconds can by an ulp)."""
    if b <= a:
        return 0
    total = 0
    day, last = a.astimezone(KST).date(), b.astimezone(KST).date()
    while day <= last:
        session = hours.session(day)
        if session is not None:
            lo, hi = max(a, session[0]), min(b, session[1])
            if hi > lo:
                total += (hi - lo) // _US
        day += timedelta(days=1)
    return total


def uptime(
    heartbeats: list[Heartbeat],
    start: datetime | None,
    end: datetime | None,
    now: datetime,
    hours: MarketHours,
) -> Kpi:
    """Over the window [start, end) (never past ``max(now, last heartbeat)``), or without one
    from the first to the last heartbeat."""
    name, target = "Uptime in market hours", f"> {pct(UPTIME_TARGET, 0)}"
    beats = sorted(heartbeats, key=lambda h: h.ts)
    inside = [h for h in beats if (start is None or h.ts >= start) and (end is None or h.ts < end)]
    if not inside:
        return no_data("uptime", name, target, "no heartbeat recorded in the window")
    lo = start if start is not None else inside[0].ts
    hi = min(end if end is not None else inside[-1].ts, max(now, inside[-1].ts))
    market = _sessions_overlap(lo, hi, hours)
    if market <= 0:
        return no_data(
            "uptime", name, target, f"the span {lo:%Y-%m-%d %H:%M} - {hi:%H:%M} holds no market hours"
        )
    up = 0
    for a, b in itertools.pairwise(beats):
        gap = (b.ts - a.ts).total_seconds()
        if a.up and b.up and gap <= HEARTBEAT_SLACK * max(a.interval_s, b.interval_s):
            up += _sessions_overlap(max(a.ts, lo), min(b.ts, hi), hours)
    share = up / market
    return Kpi(
        "uptime",
        name,
        pct(share),
        target,
        judge(share > UPTIME_TARGET),
        f"regular-session time from {lo:%Y-%m-%d %H:%M:%S} to {hi:%Y-%m-%d %H:%M:%S} covered by "
        f"consecutive heartbeats that found the bot up (trading day open, feed connected), at most "
        f"{HEARTBEAT_SLACK:g} intervals apart; {len(inside)} heartbeats, market time "
        f"{market / 60e6:.1f} min, down {(market - up) / 60e6:.1f} min",
        share,
    )


def data_error_rate(checks: list[DataCheckRow]) -> Kpi:
    name, target = "Data error rate", f"< {pct(DATA_ERROR_TARGET, 1)}"
    compared = sum(c.compared for c in checks)
    mismatched = sum(c.mismatched for c in checks)
    missed = sum(c.only_rest for c in checks)
    checked = compared + missed
    if checked == 0:
        return no_data("data_error", name, target, f"no data check compared a minute ({len(checks)} checks)")
    rate = (mismatched + missed) / checked
    symbols = len({c.symbol for c in checks})
    return Kpi(
        "data_error",
        name,
        pct(rate, 3),
        target,
        judge(rate < DATA_ERROR_TARGET),
        f"minute bars built from the trade stream vs the broker's REST minute chart: {mismatched} "
        f"minutes with different OHLCV + {missed} minutes the stream missed, of {checked} minutes "
        f"checked ({len(checks)} checks, {symbols} symbols; minutes only in the tick bars, not "
        f"counted: {sum(c.only_ticks for c in checks)})",
        rate,
    )


def _share(calls: list[ApiCall], chosen: Callable[[ApiCall], bool]) -> tuple[int, float]:
    n = sum(1 for c in calls if chosen(c))
    return n, n / len(calls)


def rate_limit_share(calls: list[ApiCall]) -> Kpi:
    name, target = "Rate-limit violations", f"< {pct(RATE_LIMIT_TARGET, 0)} of calls"
    if not calls:
        return no_data("rate_limit", name, target, "no API call recorded")
    n, share = _share(calls, lambda c: not c.ok and is_rate_limited(c.code))
    return Kpi(
        "rate_limit",
        name,
        pct(share, 3),
        target,
        judge(share < RATE_LIMIT_TARGET),
        f"calls the broker refused as over its request rate (the client's rate-limit answers): "
        f"{n} of {len(calls)}",
        share,
    )


def error_rate(calls: list[ApiCall]) -> Kpi:
    name, target = "API error rate", f"< {pct(ERROR_TARGET, 0)} of calls"
    if not calls:
        return no_data("error_rate", name, target, "no API call recorded")
    n, share = _share(calls, lambda c: not c.ok and not is_rate_limited(c.code))
    codes: dict[str, int] = {}
    for c in calls:
        if not c.ok and not is_rate_limited(c.code):
            codes[c.code] = codes.get(c.code, 0) + 1
    top = ", ".join(f"{code or '?'} x{k}" for code, k in sorted(codes.items(), key=lambda kv: -kv[1])[:4])
    return Kpi(
        "error_rate",
        name,
        pct(share, 3),
        target,
        judge(share < ERROR_TARGET),
        f"calls answered with an error or lost to the network (rate-limit answers have their own "
        f"row): {n} of {len(calls)}" + (f"; {top}" if top else ""),
        share,
    )


def _last_per_run(samples: Iterable[CacheSample]) -> dict[str, CacheSample]:
    out: dict[str, CacheSample] = {}
    for s in sorted(samples, key=lambda s: s.ts):
        out[s.run] = s
    return out


def cache_hit_rate(samples: list[CacheSample], start: datetime | None) -> Kpi:
    name, target = "Cache hit rate", f"> {pct(CACHE_TARGET, 0)}"
    before = _last_per_run(s for s in samples if start is not None and s.ts < start)
    inside = _last_per_run(s for s in samples if start is None or s.ts >= start)
    hits = misses = 0
    for run, last in inside.items():
        base = before.get(run)
        hits += last.hits - (base.hits if base else 0)
        misses += last.misses - (base.misses if base else 0)
    total = hits + misses
    if total <= 0:
        return no_data(
            "cache_hit",
            name,
            target,
            "no cache lookups recorded: the bot's cache counters (usage.cache) come from a market-data "
            "cache wired into the run",
        )
    rate = hits / total
    return Kpi(
        "cache_hit",
        name,
        pct(rate, 1),
        target,
        judge(rate > CACHE_TARGET),
        f"market-data requests served from the store: {hits} of {total} lookups over {len(inside)} runs",
        rate,
    )


__all__ = [
    "api_latency",
    "cache_hit_rate",
    "data_error_rate",
    "error_rate",
    "is_rate_limited",
    "p95",
    "rate_limit_share",
    "uptime",
]
