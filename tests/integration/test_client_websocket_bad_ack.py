"""A subscribe ack for the execution notices whose AES key/iv cannot be used (wrong length, not
ASCII): the notice subscription fails with a kistrade error naming the TR, and the session stays
up (no reconnect loop: the same ack would come back on every reconnect), market data flowing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from test_client_websocket import TRADE, next_events

from kistrade.clock import WallClock
from kistrade.domain.errors import KistradeError
from kistrade.domain.types import Trade
from kistrade.kis.client.auth import KISAuthManager
from kistrade.kis.client.env import KisCredentials, KisEndpoints
from kistrade.kis.client.websocket import KisWebSocket
from kistrade.kis.protocol.realtime import build_ack

BAD_PAIRS = [("short-key", "0123456789abcdef"), ("k" * 32, "iv-too-short"), ("키" * 32, "0123456789abcdef")]


class BadAckServer:
    def __init__(self, key: str, iv: str) -> None:
        self.key, self.iv = key, iv
        self.sessions: list[web.WebSocketResponse] = []

    async def approval(self, request: web.Request) -> web.Response:
        return web.json_response({"approval_key": "approval-1"})

    async def handler(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sessions.append(ws)
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                req = json.loads(msg.data)
                tr, key = req["body"]["input"]["tr_id"], req["body"]["input"]["tr_key"]
                extra = {"iv": self.iv, "key": self.key} if tr.startswith("H0STCNI") else {}
                await ws.send_str(build_ack(tr, key, "OPSP0000", **extra))
        return ws


@pytest.fixture(params=BAD_PAIRS, ids=["short-key", "short-iv", "non-ascii-key"])
async def session(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[BadAckServer, KisWebSocket]]:
    fake = BadAckServer(*request.param)
    app = web.Application()
    app.router.add_post("/oauth2/Approval", fake.approval)
    app.router.add_get("/tryitout", fake.handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    eps = KisEndpoints.for_env("real", f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}")
    auth = KISAuthManager(KisCredentials.of("real", "PS" + "k" * 34, "s" * 180), eps, tmp_path)
    client = KisWebSocket(eps, auth, WallClock(), backoff_base=0.01, backoff_cap=0.05, ack_timeout=2.0)
    await client.start()
    await client.wait_connected(5)
    try:
        yield fake, client
    finally:
        await client.aclose()
        await auth.aclose()
        await runner.cleanup()


async def test_an_unusable_notice_key_fails_the_subscription_not_the_session(
    session: tuple[BadAckServer, KisWebSocket],
) -> None:
    fake, client = session
    await client.subscribe_market(["005930"], book=False)
    with pytest.raises(KistradeError, match="H0STCNI0"):
        await client.subscribe_notices("myhtsid")
    await asyncio.sleep(0)
    assert client.stats.reconnects == 0 and len(fake.sessions) == 1
    await fake.sessions[-1].send_str("0|H0STCNT0|001|" + TRADE)
    [trade] = await next_events(client, 1)
    assert isinstance(trade, Trade)
