"""The KIS commands of the CLI (`quote`, `balance`, `token`) attach to a running simulator by URL."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from kistrade.kis.simulator.config import SimConfig
from kistrade.kis.simulator.server import start_simulator


async def _cli(*args: str, cwd: Path) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KISTRADE")}
    env["COLUMNS"] = "200"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kistrade", *args,
        cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_quote_balance_and_token_against_a_running_simulator(tmp_path: Path) -> None:
    async with start_simulator(SimConfig(symbols=("005930",), seed=3)) as sim:
        rc, out, err = await _cli("quote", "005930", "--sim-url", sim.rest_url, cwd=tmp_path)
        assert rc == 0, err
        snap = sim.hub.snapshot(sim.config.symbols[0])
        assert "SIM (real)" in out and "005930" in out
        assert f"base {snap.base:,}" in out
        assert f"limits {snap.lower:,}..{snap.upper:,}" in out

        rc, out, err = await _cli("balance", "--sim-url", sim.rest_url, cwd=tmp_path)
        assert rc == 0, err
        assert "cash D+0 100,000,000" in out

        rc, out, err = await _cli("token", "status", "--sim-url", sim.rest_url, cwd=tmp_path)
        assert rc == 0, err
        token_files = list((tmp_path / "data" / "sim" / "kis-tokens").glob("*.json"))
        assert len(token_files) == 1
        assert token_files[0].stat().st_mode & 0o777 == 0o600
        issued = [t for t in token_files[0].read_text().split('"') if t.startswith("eyJ")]
        assert issued and all(t not in out and t not in err for t in issued)  # never printed whole


async def test_commands_say_clearly_when_no_simulator_answers(tmp_path: Path) -> None:
    rc, _, err = await _cli("quote", "005930", "--sim-url", "http://127.0.0.1:9", cwd=tmp_path)
    assert rc == 1
    assert "no kistrade simulator answers at http://127.0.0.1:9" in err
