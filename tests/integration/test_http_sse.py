"""/events: the stream sends every topic on connect, then what changed, and heartbeats."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from _http_fake import fill, running

from kistrade.engine.events import TradingState

WAIT_S = 5.0


async def sse(response: aiohttp.ClientResponse) -> AsyncIterator[tuple[str, str]]:
    """(event, data) pairs; comment lines come out as ("comment", text)."""
    event, data = "message", []
    async for raw in response.content:
        line = raw.decode().rstrip("\n")
        if line.startswith(":"):
            yield "comment", line[1:].strip()
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif not line and data:
            yield event, "\n".join(data)
            event, data = "message", []


async def next_event(stream: AsyncIterator[tuple[str, str]], want: str, check: Any = None) -> Any:
    async def find() -> Any:
        async for event, data in stream:
            if event == want:
                body = json.loads(data) if event != "comment" else data
                if check is None or check(body):
                    return body
        raise AssertionError(f"stream ended before a {want!r} event")

    return await asyncio.wait_for(find(), WAIT_S)


async def test_stream_sends_snapshots_then_state_change() -> None:
    async with running() as r, aiohttp.ClientSession() as session, session.get(r.url + "/events") as resp:
        assert resp.headers["Content-Type"] == "text/event-stream"
        stream = sse(resp)
        first = await next_event(stream, "status")
        assert first["state"] == "ACTIVE" and first["mode"] == "sim"
        await r.service.set_state(TradingState.REDUCING, reason="manual", source="cli")
        changed = await next_event(stream, "status", lambda s: s["state"] != "ACTIVE")
        assert changed["state"] == "REDUCING" and changed["state_source"] == "cli"


async def test_stream_sends_a_new_fill() -> None:
    async with running() as r, aiohttp.ClientSession() as session, session.get(r.url + "/events") as resp:
        stream = sse(resp)
        initial = await next_event(stream, "fills")
        assert [f["client_order_id"] for f in initial] == ["c0000"]
        r.service.add_fill(fill(5, side="SELL", qty=3, price=72_000))
        fills = await next_event(stream, "fills", lambda body: len(body) == 2)
        assert fills[0]["client_order_id"] == "c0005" and fills[0]["price"] == 72_000


async def test_stream_sends_equity_points_and_heartbeats() -> None:
    async with (
        running(heartbeat_s=0.05) as r,
        aiohttp.ClientSession() as session,
        session.get(r.url + "/events") as resp,
    ):
        stream = sse(resp)
        equity = await next_event(stream, "equity")
        assert equity["reset"] is True and equity["points"][0]["ts"] == "2026-11-24T10:00:00+09:00"
        assert await next_event(stream, "comment") == "heartbeat"
        r.service.add_fill(fill(6, side="BUY", qty=1, price=70_000))
        r.service.position_list.clear()
        more = await next_event(stream, "equity")
        assert more["reset"] is False and more["points"][-1]["equity"] == r.service.cash


async def test_control_endpoint_pushes_without_waiting_for_the_poll() -> None:
    async with (
        running(poll_ms=60_000) as r,
        aiohttp.ClientSession() as session,
        session.get(r.url + "/events") as resp,
    ):
        stream = sse(resp)
        await next_event(stream, "status")
        async with session.post(r.url + "/api/v1/control/pause") as post:
            assert post.status == 200
        changed = await next_event(stream, "status", lambda s: s["state"] == "REDUCING")
        assert changed["state_source"] == "dashboard"
