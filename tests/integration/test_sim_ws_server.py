"""The WS server inside the full simulator: approval keys from /oauth2/Approval, notices for an
order, faults from POST /sim/faults. Raw aiohttp client only."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from kistrade.domain.types import OrderType, Side, Symbol
from kistrade.kis.protocol.crypto import decrypt_text
from kistrade.kis.simulator.config import SimConfig
from kistrade.kis.simulator.server import start_simulator

SAMSUNG = Symbol("005930")


def _sub(approval: str, tr_id: str, tr_key: str) -> str:
    header = {"approval_key": approval, "custtype": "P", "tr_type": "1", "content-type": "utf-8"}
    return json.dumps({"header": header, "body": {"input": {"tr_id": tr_id, "tr_key": tr_key}}})


async def _control(ws: aiohttp.ClientWebSocketResponse) -> dict[str, object]:
    while True:
        msg = await asyncio.wait_for(ws.receive(), 5)
        if msg.data.startswith("{") and "PINGPONG" not in msg.data:
            return dict(json.loads(msg.data))


async def test_approval_key_subscribe_and_paper_notice_via_the_full_simulator() -> None:
    config = SimConfig(env="paper", symbols=("005930",))
    async with start_simulator(config) as sim, aiohttp.ClientSession() as http:
        creds = sim.credentials
        body = {"grant_type": "client_credentials", "appkey": creds.app_key, "secretkey": creds.app_secret}
        async with http.post(sim.rest_url + "/oauth2/Approval", json=body) as resp:
            approval = (await resp.json())["approval_key"]
        async with http.ws_connect(sim.ws_url + "/tryitout") as ws:
            await ws.send_str(_sub("not-a-key", "H0STCNT0", "005930"))
            assert (await _control(ws))["body"]["msg_cd"] == "OPSP0011"  # type: ignore[index]
            await ws.send_str(_sub(approval, "H0STCNI9", creds.hts_id))
            ack = await _control(ws)
            assert ack["header"]["encrypt"] == "Y"  # type: ignore[index]
            out = ack["body"]["output"]  # type: ignore[index]
            ask = sim.hub.snapshot(SAMSUNG).best_ask
            result = sim.hub.submit_order(creds.account_no, SAMSUNG, Side.BUY, OrderType.LIMIT, 1, ask)
            assert result.accepted
            while True:
                msg = await asyncio.wait_for(ws.receive(), 5)
                if msg.data.startswith("1|H0STCNI9|001|"):
                    rec = decrypt_text(msg.data.split("|", 3)[3], out["key"], out["iv"]).split("^")
                    break
            assert len(rec) == 26 and rec[0] == creds.hts_id and rec[2] == result.odno
            async with http.post(sim.rest_url + "/sim/faults", json={"drop_ws": True}) as resp:
                assert resp.status == 200, await resp.text()
            while True:
                msg = await asyncio.wait_for(ws.receive(), 5)
                if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                    break
