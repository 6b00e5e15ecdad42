"""``kistrade sim`` as a subprocess on free ports: prints its URLs and credentials, answers
tokenP, stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys

import aiohttp

from kistrade.kis.simulator.config import generate_credentials


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_kistrade_sim_subprocess_answers_token_and_stops_on_sigterm() -> None:
    rest, ws = free_port(), free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kistrade", "sim", "--env", "paper", "--rest-port", str(rest),
        "--ws-port", str(ws), "--seed", "5", "--symbols", "005930",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert proc.stdout is not None
    cred = generate_credentials(5, "paper")
    try:
        banner = ""
        while "control" not in banner:
            line = await asyncio.wait_for(proc.stdout.readline(), timeout=30)
            assert line, f"kistrade sim exited early: {(await proc.stderr.read()).decode()}"  # type: ignore[union-attr]
            banner += line.decode()
        assert f"http://127.0.0.1:{rest}" in banner and f"ws://127.0.0.1:{ws}" in banner
        assert cred.app_key in banner and cred.app_secret in banner and cred.account in banner
        body = {"grant_type": "client_credentials", "appkey": cred.app_key, "appsecret": cred.app_secret}
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"http://127.0.0.1:{rest}/oauth2/tokenP", json=body) as r,
        ):
            assert r.status == 200
            assert (await r.json())["token_type"] == "Bearer"
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), timeout=15)
        rest_out = (await proc.stdout.read()).decode()
        assert code == 0 and "stopped" in rest_out
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_kistrade_sim_rejects_bad_options() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kistrade", "sim", "--env", "staging",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 2 and b"staging" in err
