"""Read what the KPI report needs from the store the bot writes, and build the report."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from loguru import logger

from kistrade.app.kpi import build_report
from kistrade.app.kpi_model import CacheSample, DataCheckRow, Heartbeat, KpiInputs, KpiReport, KrxMarketHours
from kistrade.app.usage_recorder import CACHE_KIND, DATA_CHECK_KIND, HEARTBEAT_KIND
from kistrade.domain.calendar import default_calendar
from kistrade.domain.errors import ConfigError, InvalidInputError
from kistrade.domain.types import KST
from kistrade.store.port import Store
from kistrade.store.records import EventRecord
from kistrade.store.sqlite_store import SqliteStore

HEARTBEAT_LOOKBACK = timedelta(hours=1)  # a heartbeat just before the window pairs with the first inside


def window(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """[first 00:00 KST, the day after last 00:00 KST); None where not given."""
    if first is not None and last is not None and last < first:
        raise InvalidInputError(f"kpi: --to {last} is before --from {first}")
    start = None if first is None else datetime.combine(first, time(), KST)
    end = None if last is None else datetime.combine(last + timedelta(days=1), time(), KST)
    return start, end


def _parsed(events: list[EventRecord], parse: Any) -> list[Any]:
    out = []
    for ev in events:
        try:
            out.append(parse(ev))
        except (KeyError, TypeError, ValueError) as exc:
            logger.warning("kpi: {} event at {} ignored ({}: {})", ev.kind, ev.ts, type(exc).__name__, exc)
    return out


def _heartbeat(ev: EventRecord) -> Heartbeat:
    d = ev.detail
    return Heartbeat(ev.ts, float(d["interval_s"]), bool(d["up"]), str(d.get("run", "")))


def _cache(ev: EventRecord) -> CacheSample:
    d = ev.detail
    return CacheSample(ev.ts, str(d.get("run", "")), int(d["hits"]), int(d["misses"]))


def _check(ev: EventRecord) -> DataCheckRow:
    d = ev.detail
    return DataCheckRow(
        ev.ts,
        str(d["symbol"]),
        int(d["compared"]),
        int(d["mismatched"]),
        int(d["only_rest"]),
        int(d["only_ticks"]),
    )


async def load_inputs(store: Store, start: datetime | None, end: datetime | None, now: datetime) -> KpiInputs:
    """The rows of the window [start, end) (None: unbounded) and the history the figures need."""
    beats_from = None if start is None else start - HEARTBEAT_LOOKBACK
    fills = await store.list_fills()
    return KpiInputs(
        now=now,
        start=start,
        end=end,
        api_calls=await store.list_api_calls(start=start, end=end),
        heartbeats=_parsed(await store.list_events(HEARTBEAT_KIND, beats_from, end), _heartbeat),
        cache=_parsed(await store.list_events(CACHE_KIND, None, end), _cache),
        data_checks=_parsed(await store.list_events(DATA_CHECK_KIND, start, end), _check),
        snapshots=await store.list_account_snapshots(start, end),
        fills=[f for f in fills if end is None or f.ts < end],
        signals=await store.list_signals(end=end),
    )


async def kpi_report(db: Path, first: date | None, last: date | None, now: datetime) -> KpiReport:
    """The report over the store at ``db`` (which must exist: a KPI report never creates one)."""
    start, end = window(first, last)
    if not await asyncio.to_thread(db.is_file):
        raise ConfigError(f"kpi: no store at {db} (pass --db, the file `kistrade run` writes)")
    async with await SqliteStore.open(db) as store:
        inputs = await load_inputs(store, start, end, now)
    return build_report(inputs, KrxMarketHours(default_calendar()))


__all__ = ["kpi_report", "load_inputs", "window"]
