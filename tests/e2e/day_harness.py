"""A whole accelerated trading day: the bundled simulator from 08:50, the bot driven by the
DayScheduler (warm-up, trading, closing auction, end of day with the daily report), faults from
``/sim/faults`` at a fixed simulated interval, then the books against the simulator's ledger.

The simulator runs in its own process (``kistrade sim`` on free loopback ports), so the memory
(RSS) and event-loop lag measured here are the bot's alone. A token expiry is injected at most
once a wall minute: KIS issues one token a minute, and the client waits out the rest of the
minute before issuing again (at x400 a wall minute is almost seven simulated hours).

``python tests/e2e/day_harness.py [SYMBOLS] [SPEED] [FAULT_EVERY_SIM_S]`` prints the report
(``make chaos``: 20 symbols, a fault every 30 simulated seconds); the e2e test imports
:func:`run_day`.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
import time as wall
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from crash_support import busy_options, duplicate_orders, ledger, ledger_mismatch, settings

from kistrade.app.bootstrap import open_runtime
from kistrade.app.scheduler import DayScheduler
from kistrade.app.trading_day import TradingDays
from kistrade.app.usage_view import ClientUsage

# (name, fault on, fault off after the hold or None)
FAULTS: tuple[tuple[str, dict[str, Any], dict[str, Any] | None], ...] = (
    ("ws_drop", {"drop_ws": True}, None),
    ("http500", {"http500_rate": 0.5}, {"http500_rate": 0.0}),
    ("egw00201_burst", {"egw00201_rate": 0.6}, {"egw00201_rate": 0.0}),
    ("token_expiry", {"expire_tokens": True}, None),
    ("pingpong_stopped", {"pingpong": False}, {"pingpong": True}),
    ("latency_2s", {"latency_ms": 2000}, {"latency_ms": 0}),
)

SYMBOLS_20 = (
    "005930", "000660", "035420", "005380", "000270", "051910", "006400", "035720", "068270", "105560",
    "055550", "012330", "028260", "066570", "003550", "096770", "017670", "034730", "015760", "032830",
)  # fmt: skip


@dataclass(slots=True)
class DayReport:
    symbols: int
    speed: float
    wall_s: float = 0.0
    days_done: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    ws_reconnects: int = 0
    rest_errors: dict[str, int] = field(default_factory=dict)
    orders: int = 0
    fills_local: int = 0
    fills_ledger: int = 0
    lost_fill_qty: int = 0
    duplicates: int = 0
    mismatch: list[str] = field(default_factory=list)
    adopted: bool = False
    daily_report: str = ""
    books_equal_in_report: bool = False
    events: Counter[str] = field(default_factory=Counter)
    signals: int = 0
    denials: Counter[str] = field(default_factory=Counter)
    rss_max_mb: float = 0.0
    loop_lag_p99_ms: float = 0.0
    loop_lag_max_ms: float = 0.0

    @property
    def ledger_equal(self) -> bool:
        return not self.mismatch

    def lines(self) -> Iterator[str]:
        yield (
            f"day: {self.symbols} symbols at x{self.speed:g}, {self.wall_s:.0f} s wall, "
            f"days done {self.days_done}"
        )
        yield f"faults injected: {sum(self.faults.values())} {dict(self.faults)}"
        yield f"recoveries: WebSocket reconnects {self.ws_reconnects}; REST errors by code {self.rest_errors}"
        yield f"signals {self.signals}, risk denials {dict(self.denials)}"
        yield f"orders {self.orders}, fills local {self.fills_local} / ledger {self.fills_ledger}"
        yield f"lost fills (shares): {self.lost_fill_qty}; duplicate orders: {self.duplicates}"
        verdict = "equal" if self.ledger_equal else f"DIFFERENT {self.mismatch}"
        adopted = " (after adopting the broker's fee rounding)" if self.adopted else ""
        yield f"ledger: {verdict}{adopted}"
        yield f"memory: bot RSS max {self.rss_max_mb:.0f} MB (the simulator runs in its own process)"
        yield f"event loop lag: p99 {self.loop_lag_p99_ms:.1f} ms, max {self.loop_lag_max_ms:.1f} ms"
        yield "daily report: " + self.daily_report.replace("\n", " | ")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Probe:
    """Samples RSS and event-loop lag (a 50 ms timer's overshoot) while the day runs."""

    def __init__(self) -> None:
        self.rss_max = 0.0
        self.lags: list[float] = []

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        n = 0
        while True:
            t0 = loop.time()
            await asyncio.sleep(0.05)
            self.lags.append(max(0.0, loop.time() - t0 - 0.05))
            n += 1
            if n % 20 == 0:
                self.rss_max = max(self.rss_max, rss_mb())

    def p99_ms(self) -> float:
        if not self.lags:
            return 0.0
        s = sorted(self.lags)
        return 1000 * s[min(len(s) - 1, int(0.99 * len(s)))]


TOKEN_EVERY_WALL_S = 65.0


async def inject_faults(
    rest_url: str, clock: Any, every_s: float, hold_s: float, counts: Counter[str]
) -> None:
    """A fault every ``every_s`` simulated seconds, in turn; each held ``hold_s`` wall seconds."""
    i = 0
    last_token = wall.monotonic()  # the bot's first token was issued at start-up
    async with aiohttp.ClientSession() as s:
        while True:
            await clock.sleep(every_s)
            name, on, off = FAULTS[i % len(FAULTS)]
            i += 1
            if name == "token_expiry":
                if wall.monotonic() - last_token < TOKEN_EVERY_WALL_S:
                    counts["token_expiry_skipped"] += 1
                    continue
                last_token = wall.monotonic()
            async with s.post(f"{rest_url}/sim/faults", json=on) as r:
                r.raise_for_status()
            counts[name] += 1
            if off is not None:
                try:
                    await asyncio.sleep(hold_s)  # the fault lasts this long in wall time
                finally:
                    async with s.post(f"{rest_url}/sim/faults", json=off) as r:
                        r.raise_for_status()


def lost_and_duplicates(kernel: Any, book: dict[str, Any]) -> tuple[int, int]:
    owned: dict[str, Any] = {}
    for o in kernel.router.orders():
        for odno in [o.broker_order_id, *o.previous_broker_ids]:
            if odno:
                owned[odno] = o
    by_order: Counter[str] = Counter()
    for f in book["fills"]:
        by_order[f["odno"]] += f["qty"]
    lost = 0
    for odno, qty in by_order.items():
        o = owned.get(odno)
        lost += qty - (min(qty, o.filled_qty) if o is not None else 0)
    local = [o.broker_order_id for o in kernel.router.orders() if o.broker_order_id]
    return lost, duplicate_orders(book, local, owned=set(owned))


async def run_day(
    tmp: Path,
    *,
    symbols: tuple[str, ...],
    speed: float,
    fault_every_s: float | None = None,
    fault_hold_s: float = 1.0,
    sim_start: time = time(8, 50),
) -> DayReport:
    report = DayReport(len(symbols), speed)
    async with sim_process(symbols, speed, sim_start) as url:
        return await _run_day(tmp, url, report, symbols, fault_every_s, fault_hold_s)


@contextlib.asynccontextmanager
async def sim_process(symbols: tuple[str, ...], speed: float, start: time) -> AsyncIterator[str]:
    """``kistrade sim`` in a child process on free loopback ports; yields its REST URL."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kistrade", "sim", "--rest-port", "0", "--ws-port", "0",
        "--symbols", ",".join(symbols), "--speed", f"{speed:g}", "--start", f"{start:%H:%M}", "--seed", "7",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        url = ""
        while not url:
            line = (await asyncio.wait_for(proc.stdout.readline(), timeout=30)).decode()
            if not line:
                raise RuntimeError("kistrade sim exited before printing its URLs")
            if line.strip().startswith("REST"):
                url = line.split()[1]
        drain = asyncio.create_task(proc.stdout.read())  # keep the pipe from filling up
        yield url
        drain.cancel()
    finally:
        if proc.returncode is None:
            proc.terminate()
            await proc.wait()


async def _run_day(
    tmp: Path,
    url: str,
    report: DayReport,
    symbols: tuple[str, ...],
    fault_every_s: float | None,
    fault_hold_s: float,
) -> DayReport:
    opts = busy_options(
        tmp / "trader.db", sim_url=url, symbols=symbols, sync_interval_s=300.0, start_trading=False
    )
    probe = Probe()
    t0 = wall.monotonic()
    async with open_runtime(settings(tmp), opts) as rt:
        hooks = TradingDays(rt.trader, rt.service)
        scheduler = DayScheduler(rt.clock, hooks)
        side = [asyncio.create_task(probe.run())]
        if fault_every_s:
            side.append(
                asyncio.create_task(
                    inject_faults(rt.rest_url, rt.clock, fault_every_s, fault_hold_s, report.faults)
                )
            )
        try:
            report.days_done = len(await scheduler.run(days=1))
        finally:
            for task in side:
                task.cancel()
            for task in side:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            async with (
                aiohttp.ClientSession() as s,
                s.post(f"{rt.rest_url}/sim/faults", json={"reset": True}),
            ):
                pass
        kernel = rt.trader.kernel
        assert kernel is not None
        book = await ledger(rt.rest_url)
        report.mismatch = ledger_mismatch(kernel.portfolio, book)
        report.lost_fill_qty, report.duplicates = lost_and_duplicates(kernel, book)
        report.orders = len(kernel.router.orders())
        report.signals = len(kernel.signals)
        report.denials = Counter(str(d.rule) for d in kernel.denials)
        report.fills_local = sum(len(o.fills) for o in kernel.router.orders())
        report.fills_ledger = len(book["fills"])
        last = rt.trader.last_sync
        report.adopted = bool(last and last.adopted)
        if hooks.reports:
            report.daily_report = hooks.reports[-1].text
            report.books_equal_in_report = bool(hooks.reports[-1].extra.get("books_equal_broker"))
        usage = ClientUsage(rt.client).usage()
        report.ws_reconnects = usage.ws_reconnects
        report.rest_errors = dict(usage.errors_by_code)
        report.events = Counter(e.kind for e in await rt.store.list_events())
    report.wall_s = wall.monotonic() - t0
    report.rss_max_mb = max(probe.rss_max, rss_mb())
    report.loop_lag_p99_ms = probe.p99_ms()
    report.loop_lag_max_ms = 1000 * max(probe.lags, default=0.0)
    return report


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    speed = float(sys.argv[2]) if len(sys.argv) > 2 else 120.0
    every = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
    with tempfile.TemporaryDirectory(prefix="kistrade-chaos-") as tmp:
        rep = asyncio.run(run_day(Path(tmp), symbols=SYMBOLS_20[:n], speed=speed, fault_every_s=every))
    for line in rep.lines():
        print(line)
    ok = rep.ledger_equal and rep.lost_fill_qty == 0 and rep.duplicates == 0 and rep.days_done == 1
    print("RESULT:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
