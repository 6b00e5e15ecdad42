"""WS frames/s the simulator sustains on loopback with 40 subscriptions (20 symbols x H0STCNT0 +
H0STASP0), and its CPU share at a realistic rate; the ratio to a bare aiohttp WS peer that sends
a pre-built 46-field frame in a loop (same client, same machine, same run).

Run by hand:  uv run --frozen python bench/sim_ws_frames.py [--seconds 5]

The server runs in its own process (so its CPU time is its own); the client is a raw aiohttp
WebSocket counting frames. Modes:
  realistic  speed 1, the crowd's own rate (what a bot sees during a session)
  fast       speed 60 (a trading day in 6.5 minutes)
  max        speed 60 plus a driver making one print on every symbol per event-loop turn,
             one record per frame (multi-record bursts off): the ceiling in frames/s
and, without sockets, the synthetic crowd's own cost: CPU per crowd event (order entry, book
maintenance, the exchange and the tape included) over a simulated hour from 09:00 of the five
named symbols (``--crowd-only`` runs just that).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import time
from datetime import date
from typing import Any

import aiohttp
from aiohttp import web

SYMBOLS = [f"{i:06d}" for i in (5930, 660, 35420, 5380, 69500)] + [f"{100000 + i * 7:06d}" for i in range(15)]
APPROVAL = "bench-approval-key"


class _Auth:
    def is_valid_approval_key(self, key: str) -> str | None:
        return "BENCH" if key == APPROVAL else None

    def hts_id_for(self, app_key: str) -> str | None:
        return "benchhts"


class _Cfg:
    env = "real"
    pingpong_interval = 10.0
    notice_fields = 26

    def __init__(self, multi: bool) -> None:
        self.multi_record_bursts = multi


def _serve(mode: str, seconds: float, port_q: Any, result_q: Any) -> None:
    async def main() -> None:
        from kistrade.domain.types import Symbol
        from kistrade.kis.simulator.market import MarketHub
        from kistrade.kis.simulator.sessionclock import SessionClock, WeekdayCalendar
        from kistrade.kis.simulator.ws import make_ws_app

        speed = 1.0 if mode == "realistic" else 60.0
        clock = SessionClock.create(day=date(2026, 11, 24), speed=speed, calendar=WeekdayCalendar())
        hub = MarketHub([Symbol(s) for s in SYMBOLS], clock, seed=1)
        app = make_ws_app(hub, _Auth(), _Cfg(multi=mode != "max"))
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        await hub.start()
        port_q.put(runner.addresses[0][1])
        await asyncio.sleep(1.0)  # the client subscribes
        driver = None
        if mode == "max":

            async def drive() -> None:  # one print per symbol, then let the senders run
                while True:
                    for s in SYMBOLS:
                        hub.burst(Symbol(s), 1)
                    await asyncio.sleep(0)

            driver = asyncio.create_task(drive())
        cpu0, wall0 = time.process_time(), time.monotonic()
        await asyncio.sleep(seconds)
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        if driver is not None:
            driver.cancel()
        result_q.put(cpu / wall)
        await asyncio.sleep(0.5)
        await hub.stop()
        await runner.cleanup()

    asyncio.run(main())


def _bare_peer(seconds: float, port_q: Any, result_q: Any) -> None:
    frame = "0|H0STCNT0|001|" + "^".join(["005930", "093354", "71900"] + ["1"] * 43)

    async def main() -> None:
        async def handler(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            await ws.receive()
            deadline = time.monotonic() + seconds + 1.0
            while time.monotonic() < deadline and not ws.closed:
                await ws.send_str(frame)
            return ws

        app = web.Application()
        app.router.add_get("/tryitout", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port_q.put(runner.addresses[0][1])
        cpu0, wall0 = time.process_time(), time.monotonic()
        await asyncio.sleep(seconds + 1.5)
        result_q.put((time.process_time() - cpu0) / (time.monotonic() - wall0))
        await runner.cleanup()

    asyncio.run(main())


def _sub(tr: str, key: str) -> str:
    header = {"approval_key": APPROVAL, "custtype": "P", "tr_type": "1", "content-type": "utf-8"}
    return json.dumps({"header": header, "body": {"input": {"tr_id": tr, "tr_key": key}}})


async def count_frames(port: int, seconds: float, subscribe: bool) -> tuple[int, int]:
    frames = records = 0
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"ws://127.0.0.1:{port}/tryitout") as ws,
    ):
        if subscribe:
            for s in SYMBOLS:
                await ws.send_str(_sub("H0STCNT0", s))
                await ws.send_str(_sub("H0STASP0", s))
        else:
            await ws.send_str("go")
        await asyncio.sleep(1.0 if subscribe else 0.0)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                msg = await asyncio.wait_for(ws.receive(), max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                break
            if msg.type is aiohttp.WSMsgType.TEXT and msg.data[:1] == "0":
                frames += 1
                records += int(msg.data[11:14]) if msg.data[2:10] in ("H0STCNT0", "H0STASP0") else 1
    return frames, records


def run(target: Any, args: tuple[Any, ...], seconds: float, subscribe: bool) -> tuple[float, float, float]:
    ctx = mp.get_context("spawn")
    port_q, result_q = ctx.Queue(), ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, port_q, result_q))
    proc.start()
    port = port_q.get(timeout=60)
    frames, records = asyncio.run(count_frames(port, seconds, subscribe))
    cpu = result_q.get(timeout=60)
    proc.join(timeout=30)
    return frames / seconds, records / seconds, cpu


def crowd_cost(sim_seconds: float = 3600.0) -> tuple[int, int, float]:
    """(crowd events, prints, CPU seconds) of a hub running ``sim_seconds`` from 09:00."""
    from kistrade.domain.types import Symbol
    from kistrade.kis.simulator.market import MarketEvent, MarketHub, TradePrint
    from kistrade.kis.simulator.sessionclock import SessionClock, WeekdayCalendar
    from kistrade.kis.simulator.synthetic import Crowd

    events = prints = 0
    act = Crowd.act

    def counted(self: Crowd, *args: Any) -> None:
        nonlocal events
        events += 1
        act(self, *args)

    def on_event(event: MarketEvent) -> None:
        nonlocal prints
        prints += isinstance(event, TradePrint)

    wall = [1_800_000_000.0]
    clock = SessionClock.create(day=date(2026, 11, 24), calendar=WeekdayCalendar(), wall=lambda: wall[0])
    hub = MarketHub([Symbol(s) for s in SYMBOLS[:5]], clock, seed=1)
    hub.add_listener(on_event)
    Crowd.act = counted  # type: ignore[method-assign]
    try:
        cpu0 = time.process_time()
        done = 0.0
        while done < sim_seconds:
            wall[0] += 10.0
            done += 10.0
            hub.advance_to(clock.now())
        cpu = time.process_time() - cpu0
    finally:
        Crowd.act = act  # type: ignore[method-assign]
    return events, prints, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--crowd-only", action="store_true")
    args = parser.parse_args()
    events, prints, cpu = crowd_cost()
    print(
        f"synthetic crowd (no I/O) : {cpu / events * 1e6:10.1f} us CPU per crowd event  "
        f"({events} events, {prints} prints, {cpu:.2f} s CPU per simulated hour of 5 symbols)"
    )
    if args.crowd_only:
        return
    s = args.seconds
    peer_fps, _, peer_cpu = run(_bare_peer, (s,), s, subscribe=False)
    print(f"bare aiohttp WS peer    : {peer_fps:10.0f} frames/s  (server CPU {peer_cpu:5.1%})")
    for mode in ("realistic", "fast", "max"):
        fps, rps, cpu = run(_serve, (mode, s), s, subscribe=True)
        print(
            f"simulator {mode:<9}    : {fps:10.0f} frames/s  {rps:10.0f} records/s  "
            f"(server CPU {cpu:5.1%}; {fps / peer_fps:6.1%} of the bare peer)"
        )


if __name__ == "__main__":
    main()
