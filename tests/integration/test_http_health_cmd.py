"""``kistrade health`` against a running HTTP interface: exit 0 ready, 1 not ready, 2 unreachable."""

from __future__ import annotations

import asyncio
import socket

import typer
from _http_fake import running
from typer.testing import CliRunner

from kistrade.cli import health_cmd

TOKEN = "health-token"


def cli() -> typer.Typer:
    app = typer.Typer()
    health_cmd.register(app)

    @app.command("noop")
    def _noop() -> None:  # a second command keeps "health" a subcommand
        pass

    return app


async def invoke(*args: str) -> tuple[int, str, str]:
    result = await asyncio.to_thread(CliRunner().invoke, cli(), ["health", *args])
    return result.exit_code, result.stdout, result.stderr


async def test_ready_exits_zero_and_prints_fields() -> None:
    async with running(token=TOKEN) as r:
        code, out, _ = await invoke("--url", r.url, "--token", TOKEN)
        assert code == 0, out
        assert out.splitlines()[0] == "ready"
        assert "risk_state       ACTIVE" in out and "feed_connected   yes" in out


async def test_not_ready_exits_one_with_problems() -> None:
    async with running() as r:
        r.probe.token_valid = False
        code, out, _ = await invoke("--url", r.url)
        assert code == 1
        assert "NOT READY" in out and "problem: access token is not valid" in out


async def test_wrong_token_and_unreachable_exit_two() -> None:
    async with running(token=TOKEN) as r:
        code, _, err = await invoke("--url", r.url, "--token", "bad")
        assert code == 2 and "--token" in err and "bad" not in err.replace("--token", "")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: connection refused
        code, _, err = await invoke("--url", f"http://127.0.0.1:{port}", "--timeout", "2")
    assert code == 2 and "cannot reach" in err


async def test_json_output() -> None:
    async with running() as r:
        code, out, _ = await invoke("--url", r.url, "--json")
        assert code == 0 and '"ready": true' in out
