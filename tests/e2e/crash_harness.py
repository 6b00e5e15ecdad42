"""Crash runs: the simulator in this process, the bot (crash_bot.py) as a subprocess killed by
SIGKILL at a checkpoint of order flow, restarted on the same SQLite file, then compared with the
simulator's ledger. ``python tests/e2e/crash_harness.py [RUNS]`` prints the figure (``make crash``).
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from crash_support import SYMBOLS, duplicate_orders, ledger

from kistrade.kis.simulator.config import SimConfig
from kistrade.kis.simulator.server import start_simulator

BOT = Path(__file__).resolve().parent / "crash_bot.py"
KINDS = ("before_send", "after_send", "after_fill")


@dataclass(frozen=True, slots=True)
class CrashRun:
    point: str
    killed: bool
    equal: bool
    duplicates: int
    detail: str


def point_of(i: int) -> str:
    """The i-th crash point (0-based): kinds in turn, later and later in the order flow."""
    return f"{KINDS[i % len(KINDS)]}:{1 + i // len(KINDS)}"


async def _bot(
    url: str, db: Path, data: Path, crash_at: str, run_s: float
) -> tuple[int, list[dict[str, Any]], str]:
    """The bot's exit code, its JSON lines and the end of its stderr (why a run failed)."""
    env = {**__import__("os").environ, "CRASH_AT": crash_at, "RUN_S": str(run_s)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(BOT),
        url,
        str(db),
        str(data),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    lines = [json.loads(x) for x in out.decode().splitlines() if x.startswith("{")]
    return proc.returncode or 0, lines, err.decode(errors="replace")[-2_000:]


def compare(result: dict[str, Any], book: dict[str, Any]) -> tuple[bool, int, str]:
    remote_pos = {p["symbol"]: [p["qty"], p["purchase_amount"]] for p in book["positions"] if p["qty"]}
    equal = result["cash"] == book["cash"]["d2"] and result["positions"] == remote_pos
    dups = duplicate_orders(book, [o[1] for o in result["orders"] if o[1]])
    detail = f"cash {result['cash']} vs {book['cash']['d2']}; pos {result['positions']} vs {remote_pos}"
    return equal, dups, detail


async def crash_run(i: int, speed: float = 120.0, run_s: float = 5.0) -> CrashRun:
    point = point_of(i)
    with tempfile.TemporaryDirectory(prefix="kistrade-crash-") as tmp:
        data, db = Path(tmp), Path(tmp) / "trader.db"
        async with start_simulator(SimConfig(env="real", symbols=SYMBOLS, speed=speed, seed=100 + i)) as sim:
            code, first, _ = await _bot(sim.rest_url, db, data, point, run_s * 3)
            killed = code < 0 and any("killed_at" in x for x in first)
            code2, second, err = await _bot(sim.rest_url, db, data, "", run_s)
            final = [x for x in second if "cash" in x]
            if code2 != 0 or not final:
                return CrashRun(point, killed, False, -1, f"restart failed with code {code2}:\n{err}")
            equal, dups, detail = compare(final[-1], await ledger(sim.rest_url))
            detail = f"{detail}; recovery {final[-1]['recovery']}"
            if not equal:
                detail += f"; orders {final[-1]['orders']}; bot stderr:\n{err}"
            return CrashRun(point, killed, equal, dups, detail)


async def run_all(n: int) -> list[CrashRun]:
    runs: list[CrashRun] = []
    for i in range(n):
        r = await crash_run(i)
        print(
            f"{i + 1:2d} {r.point:14s} killed={r.killed} equal={r.equal} dups={r.duplicates} {r.detail}",
            flush=True,
        )
        runs.append(r)
    ok = sum(1 for r in runs if r.killed and r.equal and r.duplicates == 0)
    exact = sum(
        1 for r in runs if r.killed and r.equal and r.duplicates == 0 and "'adopted': False" in r.detail
    )
    print(f"{ok}/{n} end equal to the simulator's ledger with zero duplicate orders")
    print(f"{exact}/{n} equal from local bookkeeping alone (the others adopted the broker's fee rounding)")
    return runs


if __name__ == "__main__":
    asyncio.run(run_all(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
