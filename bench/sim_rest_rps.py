"""REST requests/s the simulator sustains on loopback, against a bare aiohttp peer measured in
the same run, plus the simulator's CPU share at a realistic client rate (20 req/s, KIS real).

Run by hand:  uv run --frozen python bench/sim_rest_rps.py [--seconds 5] [--concurrency 32]

The rate limit is raised for the measurement. Client and server share one process and one event
loop, so the figures are a floor for the server alone; the ratio to the bare peer (same client,
same loop) is the meaningful number.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import aiohttp
from aiohttp import web

from kistrade.kis.simulator.config import SimConfig
from kistrade.kis.simulator.server import start_simulator

PRICE = "/uapi/domestic-stock/v1/quotations/inquire-price"
BALANCE = "/uapi/domestic-stock/v1/trading/inquire-balance"


async def hammer(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], seconds: float, conc: int
) -> int:
    deadline = time.monotonic() + seconds
    count = 0

    async def worker() -> None:
        nonlocal count
        while time.monotonic() < deadline:
            async with session.get(url, headers=headers) as resp:
                await resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"HTTP {resp.status}: {await resp.text()}")
            count += 1

    await asyncio.gather(*(worker() for _ in range(conc)))
    return count


async def bare_peer(seconds: float, conc: int) -> float:
    body = json.dumps({"output": {"stck_prpr": "71900"}, "rt_cd": "0", "msg_cd": "MCA00000", "msg1": "ok"})

    async def handler(_: web.Request) -> web.Response:
        return web.Response(text=body, content_type="application/json")

    app = web.Application()
    app.router.add_get(PRICE, handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=conc)) as session:
            n = await hammer(session, f"http://127.0.0.1:{port}{PRICE}", {}, seconds, conc)
    finally:
        await runner.cleanup()
    return n / seconds


async def simulator(seconds: float, conc: int) -> tuple[float, float, float]:
    config = SimConfig(env="real", rate_limit_per_s=10_000_000, symbols=("005930",))
    async with (
        start_simulator(config) as sim,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=conc)) as session,
    ):
        c = sim.credentials
        token_body = {"grant_type": "client_credentials", "appkey": c.app_key, "appsecret": c.app_secret}
        async with session.post(sim.rest_url + "/oauth2/tokenP", json=token_body) as resp:
            token = (await resp.json())["access_token"]
        headers = {
            "authorization": f"Bearer {token}",
            "appkey": c.app_key,
            "appsecret": c.app_secret,
            "tr_id": "FHKST01010100",
        }
        url = sim.rest_url + PRICE + "?FID_COND_MRKT_DIV_CODE=J&FID_INPUT_ISCD=005930"
        price_rps = await hammer(session, url, headers, seconds, conc) / seconds
        bal_headers = {**headers, "tr_id": "TTTC8434R"}
        bal_url = sim.rest_url + BALANCE + f"?CANO={c.cano}&ACNT_PRDT_CD={c.product_code}"
        balance_rps = await hammer(session, bal_url, bal_headers, seconds, conc) / seconds
        # CPU share at 20 req/s (the real KIS limit), market pump included
        cpu0, wall0 = time.process_time(), time.monotonic()
        for _ in range(int(20 * seconds)):
            async with session.get(url, headers=headers) as resp:
                await resp.read()
            await asyncio.sleep(0.05)
        cpu_share = (time.process_time() - cpu0) / (time.monotonic() - wall0)
    return price_rps, balance_rps, cpu_share


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    peer = await bare_peer(args.seconds, args.concurrency)
    price, balance, cpu = await simulator(args.seconds, args.concurrency)
    print(f"bare aiohttp peer (static JSON)      : {peer:8.0f} req/s")
    print(f"simulator inquire-price (full checks): {price:8.0f} req/s  ratio {price / peer:.2f} of peer")
    print(f"simulator inquire-balance            : {balance:8.0f} req/s  ratio {balance / peer:.2f} of peer")
    print(f"KIS real limit is 20 req/s per key   : headroom x{price / 20:.0f}")
    print(f"process CPU share at 20 req/s        : {cpu * 100:.1f}% (client + server + market pump)")


if __name__ == "__main__":
    asyncio.run(main())
