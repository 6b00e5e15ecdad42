"""The bot as a subprocess for the crash test: ``python crash_bot.py SIM_URL DB DATA_DIR``.

Environment: ``CRASH_AT=<kind>:<n>`` makes the process SIGKILL itself at the n-th checkpoint of
that kind (``before_send``, ``after_send``, ``after_fill``; ``any`` counts them all), from
the trader's checkpoint hook. Without it (or if it is never reached within ``RUN_S`` wall
seconds) the bot trades for ``RUN_S`` seconds, then stops cleanly: trading switched to REDUCING,
open buys cancelled, open sells waited for, a last reconciliation, and prints one JSON line:
its books and orders, for the parent to compare with ``GET /sim/ledger``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from crash_support import busy_options, settings, wait_for

from kistrade.app.bootstrap import open_runtime
from kistrade.engine.events import TradingState


class Killer:
    def __init__(self, spec: str) -> None:
        kind, _, n = spec.partition(":")
        self.kind = kind
        self.n = int(n or 0)
        self.seen = 0

    def __call__(self, name: str) -> None:
        if not self.n or (self.kind not in ("any", name)):
            return
        self.seen += 1
        if self.seen >= self.n:
            sys.stdout.write(json.dumps({"killed_at": name, "n": self.seen}) + "\n")
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)


async def main(sim_url: str, db: Path, data_dir: Path) -> None:
    killer = Killer(os.environ.get("CRASH_AT", ""))
    run_s = float(os.environ.get("RUN_S", "6"))
    opts = busy_options(db, sim_url=sim_url, sync_interval_s=60.0, checkpoint=killer)
    async with open_runtime(settings(data_dir), opts) as rt:
        trader, k, io = rt.trader, rt.trader.kernel, rt.trader.io
        assert k is not None and io is not None and trader.recovery is not None
        rec = trader.recovery
        await asyncio.sleep(run_s)
        await rt.service.set_state(TradingState.REDUCING, reason="crash test end", source="test")
        await wait_for(lambda: not k.router.open_orders(), 30.0, "no open orders")
        final = await trader.sync()
        out = {
            "cash": k.portfolio.cash,
            "positions": {h.symbol: [h.qty, h.purchase_amount] for h in k.portfolio.holdings() if h.qty},
            "orders": [
                [o.client_order_id, o.broker_order_id, o.state.value, o.filled_qty] for o in k.router.orders()
            ],
            "recovery": {
                "matched": rec.report.matched,
                "unmatched": rec.report.unmatched,
                "catch_up_fills": rec.report.catch_up_fills,
                "closed": rec.report.closed,
                "adopted": rec.adopted,
                "diff": rec.diff.detail() if rec.adopted and rec.diff is not None else None,
            },
            "final_diff_empty": bool(final.diff and final.diff.empty),
            "counters": str(io.counters),
        }
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])))
