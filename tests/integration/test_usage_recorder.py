"""The usage recorder on a real SQLite store: every REST exchange of a real client (a tiny KIS on
loopback, rate-limit answer included) becomes an api_calls row; heartbeats, account snapshots and
cache counters are sampled on the clock; the hot path never waits and is bounded."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from kistrade.app.kpi_load import load_inputs
from kistrade.app.kpi_model import Status
from kistrade.app.kpi_ops import rate_limit_share
from kistrade.app.usage_recorder import (
    CACHE_KIND,
    HEARTBEAT_KIND,
    UsageConfig,
    UsageRecorder,
)
from kistrade.app.usage_sources import UsageSources
from kistrade.clock import AffineClock, ManualClock
from kistrade.domain.errors import RejectedError
from kistrade.domain.types import KST
from kistrade.kis.client.auth import KISAuthManager
from kistrade.kis.client.env import KisCredentials, KisEndpoints
from kistrade.kis.client.quotes import KisQuotes
from kistrade.kis.client.ratelimit import RateLimiter
from kistrade.kis.client.rest import CallObservation, KisRestClient
from kistrade.store.records import AccountSnapshot
from kistrade.store.sqlite_store import SqliteStore

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=KST)
PRICE = {"output": {"stck_prpr": "71900", "stck_oprc": "72100", "stck_sdpr": "72000", "aspr_unit": "100"}}


@pytest.fixture
async def kis_url() -> AsyncIterator[tuple[list[dict[str, Any]], str]]:
    """inquire-price answers the scripted bodies in turn (HTTP 500 for a gateway code)."""
    script: list[dict[str, Any]] = []

    async def token(request: web.Request) -> web.Response:
        return web.json_response(
            {"access_token": "T1", "access_token_token_expired": "2099-01-01 00:00:00", "expires_in": 86400}
        )

    async def price(request: web.Request) -> web.Response:
        body = script.pop(0)
        return web.json_response(body, status=500 if body["msg_cd"].startswith("EGW") else 200)

    app = web.Application()
    app.router.add_post("/oauth2/tokenP", token)
    app.router.add_get("/uapi/domestic-stock/v1/quotations/inquire-price", price)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield script, f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def wait_until(cond: Callable[[], bool], within: float = 10.0) -> None:
    for _ in range(int(within / 0.01)):
        if cond():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"condition not met within {within} s")


def rest_client(url: str, tmp: Path) -> KisRestClient:
    creds = KisCredentials.of("real", "PS" + "a" * 34, "s" * 180)
    eps = KisEndpoints.for_env("real", url, "ws://127.0.0.1:1")
    auth = KISAuthManager(creds, eps, tmp)
    limiter = RateLimiter(1000, backoff_base=0.001, backoff_cap=0.01)

    async def no_sleep(_: float) -> None:
        await asyncio.sleep(0)

    return KisRestClient(eps, auth, limiter, timeout=5.0, sleep=no_sleep, rng=random.Random(0))


async def test_every_rest_exchange_becomes_an_api_call_row(
    kis_url: tuple[list[dict[str, Any]], str], tmp_path: Path
) -> None:
    script, url = kis_url
    ok = {**PRICE, "rt_cd": "0", "msg_cd": "MCA00000", "msg1": "ok"}
    script += [
        {"rt_cd": "1", "msg_cd": "EGW00201", "msg1": "too many"},
        ok,
        {"rt_cd": "1", "msg_cd": "APBK0919", "msg1": "refused"},
    ]
    clock = ManualClock(NOW)
    async with await SqliteStore.open(tmp_path / "u.db") as store:
        async with (
            UsageRecorder(store, clock, UsageConfig(flush_s=0.05)) as usage,
            rest_client(url, tmp_path) as rest,
        ):
            rest.observers.append(usage.on_call)
            quotes = KisQuotes(rest, clock)
            assert (await quotes.quote("005930")).price == 71900  # a rate-limit answer, then the quote
            with pytest.raises(RejectedError):
                await quotes.quote("005930")
        assert usage.stats().calls_recorded == 3 and usage.stats().dropped == 0
        calls = await store.list_api_calls()
    assert [(c.name, c.code, c.ok) for c in calls] == [
        ("FHKST01010100", "EGW00201", False),
        ("FHKST01010100", "MCA00000", True),
        ("FHKST01010100", "APBK0919", False),
    ]
    assert all(0 < c.latency_ms < 5_000 and c.ts == NOW for c in calls)
    share = rate_limit_share(calls)
    assert share.figure == pytest.approx(1 / 3) and share.status is Status.NOT_MET


async def test_an_observer_that_raises_does_not_break_the_call(
    kis_url: tuple[list[dict[str, Any]], str], tmp_path: Path
) -> None:
    script, url = kis_url
    script.append({**PRICE, "rt_cd": "0", "msg_cd": "MCA00000", "msg1": "ok"})
    seen: list[CallObservation] = []

    def broken(_: CallObservation) -> None:
        raise RuntimeError("observer bug")

    async with rest_client(url, tmp_path) as rest:
        rest.observers += [broken, seen.append]
        assert (await KisQuotes(rest, ManualClock(NOW)).quote("005930")).price == 71900
    assert [(o.name, o.tr_id, o.ok) for o in seen] == [("inquire_price", "FHKST01010100", True)]


async def test_heartbeats_snapshots_and_cache_counters_on_the_clock(tmp_path: Path) -> None:
    clock = AffineClock.starting_at(NOW, speed=600.0)  # 10 clock seconds = 1/60 wall second
    state = {"up": True, "hits": 0}

    def account(now: datetime) -> AccountSnapshot:
        return AccountSnapshot(now, 1_000, 1_500, 500)

    def cache() -> tuple[int, int]:
        state["hits"] += 1
        return state["hits"], 1

    cfg = UsageConfig(flush_s=0.02, heartbeat_s=10.0, account_every_s=30.0)
    async with await SqliteStore.open(tmp_path / "u.db", clock=clock) as store:
        async with UsageRecorder(store, clock, cfg, run_id="run1") as usage:
            usage.watch(UsageSources(up=lambda: state["up"], account=account, cache=cache))
            await wait_until(lambda: usage.stats().events_recorded >= 20)  # at most 3 rows a beat
            await usage.pause()
        beats = await store.list_events(HEARTBEAT_KIND)
        caches = await store.list_events(CACHE_KIND)
        snaps = await store.list_account_snapshots()
        inputs = await load_inputs(store, None, None, clock.now())
    assert len(beats) >= 6 and all(b.detail == {"run": "run1", "interval_s": 10.0, "up": True} for b in beats)
    gaps = [(b.ts - a.ts).total_seconds() for a, b in itertools.pairwise(beats)]
    assert min(gaps) >= 9.5  # 10 clock seconds (an event loop timer may fire a hair early)
    # one snapshot per 30 clock seconds of heartbeats (the first with the first beat), one at close
    assert len(snaps) == (len(beats) - 1) // 3 + 1 + 1 and snaps[0].equity == 1_500
    assert [c.detail["hits"] for c in caches] == list(range(1, len(caches) + 1))
    assert len(inputs.heartbeats) == len(beats) and inputs.cache[-1].hits == len(caches)


async def test_the_hot_path_is_bounded_and_closed_recorders_drop(tmp_path: Path) -> None:
    clock = ManualClock(NOW)
    obs = CallObservation("inquire_price", "FHKST01010100", 0.01, "MCA00000", True)
    async with await SqliteStore.open(":memory:") as store:
        usage = UsageRecorder(store, clock, UsageConfig(max_pending=5, flush_s=60.0, batch_size=1_000))
        await usage.start()
        for _ in range(8):
            usage.on_call(obs)  # no await: nothing is written until the writer runs
        assert usage.stats().queued == 5 and usage.stats().dropped == 3
        stats = await usage.close()
        assert stats.calls_recorded == 5 and stats.queued == 0
        usage.on_call(obs)
        assert usage.stats().dropped == 4
        assert len(await store.list_api_calls()) == 5


def test_heartbeats_are_a_wall_second_apart_on_a_fast_clock() -> None:
    assert UsageConfig.for_clock(ManualClock(NOW)).heartbeat_s == 10.0
    assert UsageConfig.for_clock(AffineClock.starting_at(NOW, speed=120.0)).heartbeat_s == 120.0
    assert UsageConfig.for_clock(AffineClock.starting_at(NOW, speed=2.0)).heartbeat_s == 10.0
