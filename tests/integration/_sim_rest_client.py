"""A deliberately RAW aiohttp client for the simulator's REST tests (not kistrade's own client):
every header, path and body is written out here as the KIS documentation shows it."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from kistrade.kis.simulator.config import SimConfig
from kistrade.kis.simulator.server import RunningSimulator, start_simulator

QUOT = "/uapi/domestic-stock/v1/quotations/"
TRAD = "/uapi/domestic-stock/v1/trading/"


@dataclass
class Reply:
    status: int
    raw_headers: list[tuple[bytes, bytes]]
    text: str

    @property
    def body(self) -> Any:
        return json.loads(self.text)

    def header(self, name: str) -> str | None:
        """Header value by EXACT (case-sensitive) name."""
        for key, value in self.raw_headers:
            if key.decode() == name:
                return value.decode()
        return None

    @property
    def header_names(self) -> list[str]:
        return [k.decode() for k, _ in self.raw_headers]


class RawKis:
    def __init__(self, http: aiohttp.ClientSession, sim: RunningSimulator) -> None:
        self.http = http
        self.sim = sim
        self.cred = sim.credentials
        self.token = ""

    async def _reply(self, resp: aiohttp.ClientResponse) -> Reply:
        return Reply(resp.status, list(resp.raw_headers), await resp.text())

    async def post_json(self, path: str, body: Any, headers: dict[str, str] | None = None) -> Reply:
        async with self.http.post(self.sim.rest_url + path, json=body, headers=headers or {}) as resp:
            return await self._reply(resp)

    async def token_p(self, **over: str) -> Reply:
        body = {
            "grant_type": "client_credentials",
            "appkey": self.cred.app_key,
            "appsecret": self.cred.app_secret,
        }
        body.update(over)
        return await self.post_json("/oauth2/tokenP", body)

    async def login(self) -> str:
        reply = await self.token_p()
        assert reply.status == 200, reply.text
        self.token = reply.body["access_token"]
        return self.token

    def headers(self, tr_id: str, tr_cont: str = "") -> dict[str, str]:
        return {
            "content-type": "application/json; charset=utf-8",
            "authorization": f"Bearer {self.token}",
            "appkey": self.cred.app_key,
            "appsecret": self.cred.app_secret,
            "tr_id": tr_id,
            "tr_cont": tr_cont,
            "custtype": "P",
        }

    async def get(self, path: str, tr_id: str, params: dict[str, str], tr_cont: str = "") -> Reply:
        async with self.http.get(
            self.sim.rest_url + path, params=params, headers=self.headers(tr_id, tr_cont)
        ) as resp:
            return await self._reply(resp)

    async def post(self, path: str, tr_id: str, body: dict[str, str]) -> Reply:
        return await self.post_json(path, body, self.headers(tr_id))

    def account(self) -> dict[str, str]:
        return {"CANO": self.cred.cano, "ACNT_PRDT_CD": self.cred.product_code}

    async def order(self, tr_id: str, pdno: str, qty: int, price: int, dvsn: str = "00") -> Reply:
        body = {**self.account(), "PDNO": pdno, "ORD_DVSN": dvsn, "ORD_QTY": str(qty), "ORD_UNPR": str(price)}
        return await self.post(TRAD + "order-cash", tr_id, body)

    async def ledger(self) -> dict[str, Any]:
        async with self.http.get(self.sim.rest_url + "/sim/ledger") as resp:
            assert resp.status == 200
            data: dict[str, Any] = await resp.json()
            return data


@asynccontextmanager
async def running(config: SimConfig, **kwargs: Any):  # type: ignore[no-untyped-def]
    async with start_simulator(config, **kwargs) as sim, aiohttp.ClientSession() as http:
        yield RawKis(http, sim)


def fast(env: str = "real", **over: Any) -> SimConfig:
    """A config for tests: free ports, a high rate limit unless the test sets one."""
    over.setdefault("rate_limit_per_s", 10_000)
    return SimConfig(env=env, **over)  # type: ignore[arg-type]
