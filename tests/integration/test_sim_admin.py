"""The simulator's /sim control API (not KIS): clock, ledger, faults, market."""

from __future__ import annotations

import asyncio
import json

import aiohttp
from _sim_rest_client import QUOT, fast, running

Q = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}


async def test_clock_and_ledger() -> None:
    async with running(fast(speed=2.0)) as kis:
        async with kis.http.get(kis.sim.rest_url + "/sim/clock") as resp:
            clock = await resp.json()
        assert {"origin", "wall_origin", "speed", "now", "phase", "env"} <= set(clock)
        assert clock["speed"] == 2.0 and clock["env"] == "real"
        ledger = await kis.ledger()
        assert ledger["account"] == kis.cred.account
        assert ledger["cash"]["deposit"] == ledger["cash"]["d2"] == 100_000_000
        assert ledger["orders"] == [] and ledger["fills"] == [] and ledger["positions"] == []
        async with kis.http.get(kis.sim.rest_url + "/sim/ledger", params={"account": "12345678-01"}) as resp:
            assert resp.status == 404 and "12345678-01" in (await resp.json())["error"]


async def test_fault_injection_http500_egw00201_latency_and_reset() -> None:
    async with running(fast()) as kis:
        await kis.login()

        async def faults(spec: dict[str, object]) -> dict[str, object]:
            async with kis.http.post(kis.sim.rest_url + "/sim/faults", json=spec) as resp:
                assert resp.status == 200, await resp.text()
                data: dict[str, object] = await resp.json()
                return data

        state = await faults({"http500_rate": 1.0})
        assert state["http500_rate"] == 1.0
        broken = await kis.get(QUOT + "inquire-price", "FHKST01010100", Q)
        assert broken.status == 500 and broken.body["msg_cd"] == "EGW00002"
        await faults({"http500_rate": 0, "egw00201_rate": 1})
        limited = await kis.get(QUOT + "inquire-price", "FHKST01010100", Q)
        assert limited.status == 500 and limited.body["msg_cd"] == "EGW00201"
        await faults({"reset": True, "latency_ms": 120})
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert (await kis.get(QUOT + "inquire-price", "FHKST01010100", Q)).status == 200
        assert loop.time() - started >= 0.12
        state = await faults({"reset": True, "pingpong": False})
        assert state["latency_ms"] == 0 and state["pingpong"] is False and kis.sim.faults.pingpong_stopped
        drops: list[int] = []
        kis.sim.faults.add_drop_listener(lambda: drops.append(1))
        assert (await faults({"drop_ws": True}))["done"] == ["drop_ws"] and drops == [1]
        async with kis.http.post(kis.sim.rest_url + "/sim/faults", json={"http500_rate": 7}) as resp:
            assert resp.status == 400 and "http500_rate" in (await resp.json())["error"]
        async with kis.http.post(kis.sim.rest_url + "/sim/faults", json={"nonsense": 1}) as resp:
            assert resp.status == 400 and "nonsense" in (await resp.json())["error"]


async def test_faults_spec_from_config() -> None:
    async with running(fast(faults="http500=1")) as kis:
        await kis.login()
        assert (await kis.get(QUOT + "inquire-price", "FHKST01010100", Q)).status == 500


async def test_market_burst_and_path() -> None:
    async with running(fast()) as kis:
        before = kis.sim.hub.snapshot("005930").cum_volume  # type: ignore[arg-type]
        async with kis.http.post(
            kis.sim.rest_url + "/sim/market", json={"symbol": "005930", "burst": 5}
        ) as resp:
            assert resp.status == 200
            data = await resp.json()
        assert data["prints"] > 0
        assert kis.sim.hub.snapshot("005930").cum_volume > before  # type: ignore[arg-type]
        path = {"symbol": "005930", "path": [72000, 73000], "seconds": 30}
        async with kis.http.post(kis.sim.rest_url + "/sim/market", json=path) as resp:
            assert resp.status == 200 and (await resp.json())["path"] == [72000, 73000]
        for bad in (
            {"symbol": "005930"},
            {"symbol": "x", "burst": 1},
            {"symbol": "005930", "burst": 0},
            {"symbol": "005930", "path": []},
        ):
            async with kis.http.post(kis.sim.rest_url + "/sim/market", json=bad) as resp:
                assert resp.status == 400, bad


async def test_drop_ws_fault_closes_open_websocket_sessions() -> None:
    async with running(fast()) as kis:
        body = {
            "grant_type": "client_credentials",
            "appkey": kis.cred.app_key,
            "secretkey": kis.cred.app_secret,
        }
        approval = (await kis.post_json("/oauth2/Approval", body)).body["approval_key"]
        async with kis.http.ws_connect(kis.sim.ws_url + "/tryitout") as ws:
            await ws.send_str(
                json.dumps(
                    {
                        "header": {
                            "approval_key": approval,
                            "custtype": "P",
                            "tr_type": "1",
                            "content-type": "utf-8",
                        },
                        "body": {"input": {"tr_id": "H0STCNT0", "tr_key": "005930"}},
                    }
                )
            )
            while True:  # the ack (data frames may follow)
                msg = await asyncio.wait_for(ws.receive(), timeout=10)
                assert msg.type is aiohttp.WSMsgType.TEXT
                if msg.data.startswith("{") and "OPSP0000" in msg.data:
                    break
            async with kis.http.post(kis.sim.rest_url + "/sim/faults", json={"drop_ws": True}) as resp:
                assert resp.status == 200
            while True:
                msg = await asyncio.wait_for(ws.receive(), timeout=10)
                if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                    break
            assert ws.closed or msg.type is not aiohttp.WSMsgType.TEXT
