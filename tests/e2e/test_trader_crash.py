"""Crash safety: the bot (a subprocess) SIGKILLs itself at a checkpoint of order flow, restarts
on the same SQLite file and reconciles; its books must equal the simulator's ledger (which runs
in this process and survives the bot) with zero duplicate orders.

CI runs ONE point of each kind (3 runs: before_send, after_send, after_fill); the full 20-point
figure comes from ``python tests/e2e/crash_harness.py 20`` (``make crash``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from crash_harness import crash_run


@pytest.mark.timeout(180)
@pytest.mark.parametrize("i", [0, 1, 2], ids=["before_send", "after_send", "after_fill"])
async def test_kill_restart_reconcile(i: int) -> None:
    run = await crash_run(i, run_s=3.0)
    assert run.killed, f"the bot never reached checkpoint {run.point}"
    assert run.duplicates == 0, run.detail
    assert run.equal, run.detail
