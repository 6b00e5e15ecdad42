"""Sustained REST throughput of the KIS client against the simulator's real profile (20 calls/s).

Goal: >= 95% of the limit with zero EGW00201. Peers in the same run: the client's limiter with a
fixed-window server (the KIS-like default) and with a sliding-window server.
Usage: uv run --frozen python bench/client_rest_throughput.py [--duration 60] [--workers 8]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time

from kistrade.kis.client.commands import fetch_sim_clock
from kistrade.kis.client.facade import KisClient, KisClientConfig
from kistrade.kis.simulator.config import SimConfig
from kistrade.kis.simulator.server import start_simulator


async def run(window: str, duration: float, workers: int, margin: float) -> None:
    async with start_simulator(SimConfig(env="real", seed=1, rate_window=window)) as sim:  # type: ignore[arg-type]
        c = sim.credentials
        cfg = KisClientConfig(
            env="real",
            app_key=c.app_key,
            app_secret=c.app_secret,
            account=c.account,
            rest_url=sim.rest_url,
            ws_url=sim.ws_url,
            data_dir=tempfile.mkdtemp(),
            rate_margin=margin,
        )
        async with KisClient(cfg, await fetch_sim_clock(sim.rest_url)) as kis:
            await kis.quotes.quote("005930")  # token + warm-up
            await asyncio.sleep(1.1)
            done = 0
            stop = time.monotonic() + duration

            async def worker() -> None:
                nonlocal done
                while time.monotonic() < stop:
                    await kis.quotes.quote("005930")
                    done += 1

            start = time.monotonic()
            await asyncio.gather(*(worker() for _ in range(workers)))
            elapsed = time.monotonic() - start
            rate = done / elapsed
            limit = sim.config.rate_per_s
            lat = kis.rest.metrics.latency["FHKST01010100"]
            print(
                f"server window={window:<8} calls={done:>5} in {elapsed:5.1f} s -> {rate:6.2f}/s "
                f"= {100 * rate / limit:5.1f}% of {limit}/s; EGW00201={kis.rest.metrics.rate_limited}; "
                f"latency mean={1000 * lat.mean:.1f} ms max={1000 * lat.max:.1f} ms; "
                f"limiter waits={kis.limiter.waits}"
            )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--margin", type=float, default=0.01)
    args = ap.parse_args()
    for window in ("fixed", "sliding"):
        asyncio.run(run(window, args.duration, args.workers, args.margin))
    print("goal: >= 95% of the limit with zero EGW00201")


if __name__ == "__main__":
    main()
