# ruff: noqa: E501
"""KisWebSocket against a tiny aiohttp KIS WebSocket server on loopback (the transport seam)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from kistrade.clock import WallClock
from kistrade.domain.types import Trade
from kistrade.kis.client.auth import KISAuthManager
from kistrade.kis.client.env import KisCredentials, KisEndpoints
from kistrade.kis.client.models import ExecutionNotice, StreamGap, SubscriptionLimitError
from kistrade.kis.client.websocket import KisWebSocket, WsEvent
from kistrade.kis.protocol.crypto import AesCipher
from kistrade.kis.protocol.realtime import build_ack

TRADE = "005930^093354^71900^5^-100^-0.14^72023.83^72100^72400^71700^71900^71800^1^3052507^219853241700^5105^6937^1832^84.90^1366314^1159996^1^0.39^20.28^090020^5^-200^090820^5^-500^092619^2^200^20230612^20^N^65945^216924^1118750^2199206^0.05^2424142^125.92^0^^72100"
NOTICE = "myhtsid^1234567801^0000012345^^02^0^00^0^005930^0000000010^000071900^093512^0^2^2^00950^000000010^홍길동^^1^N^^^^삼성전자^000071900"
KEY, IV = "abcdefghijklmnopabcdefghijklmnop", "0123456789abcdef"


@dataclass
class FakeWs:
    sessions: list[web.WebSocketResponse] = field(default_factory=list)
    requests: list[dict[str, object]] = field(default_factory=list)
    pongs: list[bytes] = field(default_factory=list)
    connected: asyncio.Event = field(default_factory=asyncio.Event)

    async def approval(self, request: web.Request) -> web.Response:
        return web.json_response({"approval_key": "approval-1"})

    async def handler(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        self.sessions.append(ws)
        self.connected.set()
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.PONG:
                self.pongs.append(msg.data)
            elif msg.type is aiohttp.WSMsgType.PING:
                await ws.pong(msg.data)
            elif msg.type is aiohttp.WSMsgType.TEXT:
                req = json.loads(msg.data)
                self.requests.append(req)
                tr = req["body"]["input"]["tr_id"]
                key = req["body"]["input"]["tr_key"]
                sub = req["header"]["tr_type"] == "1"
                if not sub:
                    await ws.send_str(build_ack(tr, key, "OPSP0001"))
                elif tr.startswith("H0STCNI"):
                    await ws.send_str(build_ack(tr, key, "OPSP0000", iv=IV, key=KEY))
                else:
                    await ws.send_str(build_ack(tr, key, "OPSP0000"))
        return ws

    @property
    def current(self) -> web.WebSocketResponse:
        return self.sessions[-1]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[FakeWs, KisWebSocket]]:
    fake = FakeWs()
    app = web.Application()
    app.router.add_post("/oauth2/Approval", fake.approval)
    app.router.add_get("/tryitout", fake.handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    creds = KisCredentials.of("real", "PS" + "k" * 34, "s" * 180)
    eps = KisEndpoints.for_env("real", f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}")
    auth = KISAuthManager(creds, eps, tmp_path)
    client = KisWebSocket(eps, auth, WallClock(), backoff_base=0.01, backoff_cap=0.05, ack_timeout=2.0)
    await client.start()
    await client.wait_connected(5)
    yield fake, client
    await client.aclose()
    await auth.aclose()
    await runner.cleanup()


async def next_events(client: KisWebSocket, n: int) -> list[WsEvent]:
    out: list[WsEvent] = []

    async def take() -> None:
        async for ev in client.events():
            out.append(ev)
            if len(out) >= n:
                return

    await asyncio.wait_for(take(), 5)
    return out


async def test_subscribe_acks_multi_record_frames_and_bad_frames(server: tuple[FakeWs, KisWebSocket]) -> None:
    fake, client = server
    await client.subscribe_market(["005930"])
    assert [r["body"]["input"]["tr_id"] for r in fake.requests] == ["H0STCNT0", "H0STASP0"]  # type: ignore[index]
    assert fake.requests[0]["header"]["approval_key"] == "approval-1"  # type: ignore[index]
    await fake.current.send_str("0|H0STCNT0|002|" + TRADE + "^" + TRADE.replace("^71900^5^", "^72000^5^", 1))
    await fake.current.send_str("0|H0STCNT0|001|broken")
    await fake.current.send_str("0|H0STCNT0|001|" + TRADE)
    events = await next_events(client, 3)
    assert [e.price for e in events if isinstance(e, Trade)] == [71900, 72000, 71900]
    assert client.stats.parse_errors == 1 and client.stats.frames == 3 and client.stats.records == 3
    assert client.stats.lag_count == 3


async def test_pingpong_answered_with_pong_payload(server: tuple[FakeWs, KisWebSocket]) -> None:
    fake, client = server
    ping = '{"header":{"tr_id":"PINGPONG","datetime":"20250314093000"}}'
    await fake.current.send_str(ping)
    for _ in range(200):
        if fake.pongs:
            break
        await asyncio.sleep(0.01)
    assert fake.pongs == [ping.encode()] and client.stats.pingpongs == 1


async def test_drop_reconnects_resubscribes_and_reports_gap(server: tuple[FakeWs, KisWebSocket]) -> None:
    fake, client = server
    await client.subscribe_market(["005930", "000660"], book=False)
    first = fake.current
    fake.connected.clear()
    await first.close()
    gap = await next_events(client, 1)
    assert isinstance(gap[0], StreamGap)
    assert gap[0].symbols == ("000660", "005930") and gap[0].duration >= 0 and gap[0].attempts >= 1
    assert len(fake.sessions) == 2 and client.stats.reconnects >= 1
    resent = [r["body"]["input"]["tr_key"] for r in fake.requests[2:]]  # type: ignore[index]
    assert sorted(resent) == ["000660", "005930"]
    await fake.current.send_str("0|H0STCNT0|001|" + TRADE)
    [trade] = await next_events(client, 1)
    assert isinstance(trade, Trade)


async def test_more_than_40_registrations_is_refused_client_side(server: tuple[FakeWs, KisWebSocket]) -> None:
    fake, client = server
    symbols = [f"{i:06d}" for i in range(1, 21)]
    await client.subscribe_market(symbols)  # 40 registrations
    sent = len(fake.requests)
    with pytest.raises(SubscriptionLimitError, match="at most 40"):
        await client.subscribe("H0STCNT0", "999999")
    with pytest.raises(SubscriptionLimitError, match="exceed the KIS limit of 40"):
        await client.subscribe_market(["999998"])
    assert len(fake.requests) == sent == 40
    await client.subscribe_notices("myhtsid")  # notices are counted apart
    await client.unsubscribe_market(["000001"])
    await client.subscribe("H0STCNT0", "999999")


async def test_encrypted_notice_with_ack_key(server: tuple[FakeWs, KisWebSocket]) -> None:
    fake, client = server
    await client.subscribe_notices("myhtsid")
    await fake.current.send_str("1|H0STCNI0|001|" + AesCipher(KEY, IV).encrypt(NOTICE))
    [n] = await next_events(client, 1)
    assert isinstance(n, ExecutionNotice) and n.broker_order_id == "0000012345" and n.is_fill
