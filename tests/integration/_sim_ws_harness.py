"""A WS simulator on a free loopback port with an injected approval-key validator (no REST side).

The client side of these tests is a raw aiohttp WebSocket: nothing of kistrade's own client.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any

import aiohttp
from aiohttp import web

from kistrade.domain.types import Symbol
from kistrade.kis.simulator.market import MarketHub
from kistrade.kis.simulator.sessionclock import SessionClock, WeekdayCalendar
from kistrade.kis.simulator.ws import make_ws_app

APPROVAL_A = "a2585daf-8c09-4587-9fce-8ab893a1b2c3"
APPROVAL_A2 = "b7c9e8d1-0000-4587-9fce-8ab893a1b2c3"  # a second key for the same app key
APPROVAL_B = "c1111111-2222-3333-4444-555555555555"
HTS_A, HTS_B = "simhtsa", "simhtsb"
ACCOUNT_A, ACCOUNT_B = "1234567801", "8765432101"
SYMBOLS = (Symbol("005930"), Symbol("000660"), Symbol("069500"))


class FakeAuth:
    """Approval key -> app key, app key -> HTS id (the AuthRegistry surface ws.py uses)."""

    def __init__(self) -> None:
        self.keys = {APPROVAL_A: "APPKEY-A", APPROVAL_A2: "APPKEY-A", APPROVAL_B: "APPKEY-B"}
        self.hts = {"APPKEY-A": HTS_A, "APPKEY-B": HTS_B}

    def is_valid_approval_key(self, key: str) -> str | None:
        return self.keys.get(key)

    def hts_id_for(self, app_key: str) -> str | None:
        return self.hts.get(app_key)

    def credentials_for(self, app_key: str) -> Any:
        """Legacy requests carry appkey + appsecret instead of an approval key."""
        return SimpleNamespace(app_secret=f"secret-of-{app_key}") if app_key in self.hts else None


@dataclass
class Faults:
    latency_ms: int = 0
    pingpong_stopped: bool = False
    listeners: list[Any] = field(default_factory=list)

    def add_drop_listener(self, listener: Any) -> None:
        self.listeners.append(listener)

    def remove_drop_listener(self, listener: Any) -> None:
        self.listeners.remove(listener)

    def drop_ws_sessions(self) -> None:
        for listener in list(self.listeners):
            listener()


@dataclass(frozen=True)
class WsConfig:
    env: str = "real"
    pingpong_interval: float = 30.0
    notice_fields: int = 26
    multi_record_bursts: bool = True


@dataclass
class Harness:
    hub: MarketHub
    url: str
    faults: Faults
    session: aiohttp.ClientSession


@asynccontextmanager
async def ws_harness(config: WsConfig | None = None, *, pump: bool = False) -> AsyncIterator[Harness]:
    clock = SessionClock.create(day=date(2026, 11, 24), calendar=WeekdayCalendar())
    hub = MarketHub(list(SYMBOLS), clock, seed=7)
    hub.open_account(ACCOUNT_A, HTS_A, 100_000_000, name="김한투")
    hub.open_account(ACCOUNT_B, HTS_B, 100_000_000)
    faults = Faults()
    app = make_ws_app(hub, FakeAuth(), config or WsConfig(), faults)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    if pump:
        await hub.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield Harness(hub, f"ws://127.0.0.1:{port}", faults, session)
    finally:
        await hub.stop()
        await runner.cleanup()


def sub_msg(tr_id: str, tr_key: str, approval: str = APPROVAL_A, tr_type: str = "1") -> str:
    return json.dumps(
        {
            "header": {
                "approval_key": approval,
                "custtype": "P",
                "tr_type": tr_type,
                "content-type": "utf-8",
            },
            "body": {"input": {"tr_id": tr_id, "tr_key": tr_key}},
        }
    )


async def next_text(ws: aiohttp.ClientWebSocketResponse, wait: float = 5.0) -> str:
    """The next text frame, skipping PINGPONGs."""
    while True:
        msg = await asyncio.wait_for(ws.receive(), wait)
        if msg.type is not aiohttp.WSMsgType.TEXT:
            raise AssertionError(f"expected a text frame, got {msg.type}")
        if '"PINGPONG"' in msg.data:
            continue
        return str(msg.data)


async def next_control(ws: aiohttp.ClientWebSocketResponse, wait: float = 5.0) -> dict[str, Any]:
    """The next JSON control frame (data frames in between are skipped)."""
    while True:
        text = await next_text(ws, wait)
        if text.startswith("{"):
            return dict(json.loads(text))


async def subscribe(
    ws: aiohttp.ClientWebSocketResponse, tr_id: str, tr_key: str, **kw: str
) -> dict[str, Any]:
    await ws.send_str(sub_msg(tr_id, tr_key, **kw))
    return await next_control(ws)


async def data_frames(
    ws: aiohttp.ClientWebSocketResponse, tr_id: str, want: int, wait: float = 5.0
) -> list[str]:
    """Collect ``want`` data frames of ``tr_id`` (other frames are skipped)."""
    out: list[str] = []
    while len(out) < want:
        text = await next_text(ws, wait)
        if text[:1] in "01" and text.split("|", 2)[1] == tr_id:
            out.append(text)
    return out
