"""``kistrade run --supervise`` and sd_notify with real processes and a real unix socket."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

import pytest

from kistrade.app import sd_notify
from kistrade.app.supervisor import SuperviseConfig, child_argv, supervise
from kistrade.domain.errors import ConfigError

FAST = SuperviseConfig(backoff_s=0.05, max_backoff_s=0.2, stable_after_s=60, stop_timeout_s=10)


class Alerts:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, bool]] = []

    async def notify(self, kind: str, text: str, *, urgent: bool = False) -> None:
        self.sent.append((kind, text, urgent))


def crashing_child(tmp: Path, crashes: int) -> list[str]:
    """A child that exits 3 on its first ``crashes`` runs, then 0 (a counter file across runs)."""
    counter = tmp / "runs"
    code = (
        "import pathlib,sys\n"
        f"p=pathlib.Path({str(counter)!r})\n"
        "n=int(p.read_text()) if p.exists() else 0\n"
        "p.write_text(str(n+1))\n"
        f"sys.exit(3 if n < {crashes} else 0)\n"
    )
    return [sys.executable, "-c", code]


async def test_crashes_are_restarted_with_alerts_until_a_clean_exit(tmp_path: Path) -> None:
    alerts = Alerts()
    result = await supervise(crashing_child(tmp_path, 2), alerts, config=FAST)
    assert result.exit_code == 0 and result.restarts == 2 and result.crashes == [3, 3]
    assert (tmp_path / "runs").read_text() == "3"
    assert [(k, u) for k, _, u in alerts.sent] == [("error", True), ("error", True)]
    assert "restart #1 in 0.05s" in alerts.sent[0][1] and "restart #2 in 0.1s" in alerts.sent[1][1]


async def test_gives_up_after_max_restarts(tmp_path: Path) -> None:
    alerts = Alerts()
    cfg = SuperviseConfig(backoff_s=0.01, max_backoff_s=0.01, max_restarts=2)
    result = await supervise(crashing_child(tmp_path, 99), alerts, config=cfg)
    assert result.exit_code == 3 and result.restarts == 2 and len(result.crashes) == 3
    assert "giving up" in alerts.sent[-1][1]


async def test_stop_passes_sigterm_to_the_child(tmp_path: Path) -> None:
    marker = tmp_path / "terminated"
    code = (
        "import signal,sys,time,pathlib\n"
        f"def bye(*_): pathlib.Path({str(marker)!r}).write_text('clean'); sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, bye)\n"
        f"pathlib.Path({str(tmp_path / 'up')!r}).write_text('1')\n"
        "while True: time.sleep(0.05)\n"
    )
    stop = asyncio.Event()
    up = tmp_path / "up"

    async def stop_when_up() -> None:
        while not up.exists():  # noqa: ASYNC110 - another process writes it once its handler is set
            await asyncio.sleep(0.02)
        stop.set()

    helper = asyncio.create_task(stop_when_up())
    result = await supervise([sys.executable, "-c", code], Alerts(), config=FAST, stop=stop)
    await helper
    assert result.exit_code == 0 and result.restarts == 0
    assert marker.read_text() == "clean"


def test_child_argv_drops_the_flag() -> None:
    assert child_argv("/py", ["run", "--supervise", "--mode", "paper"]) == [
        "/py",
        "-m",
        "kistrade",
        "run",
        "--mode",
        "paper",
    ]


def test_bad_backoff_is_named() -> None:
    with pytest.raises(ConfigError, match="backoff_s"):
        SuperviseConfig(backoff_s=0)


def test_sd_notify_sends_datagrams(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        assert sd_notify.notify("READY=1") and sd_notify.notify("WATCHDOG=1")
        assert server.recv(64) == b"READY=1" and server.recv(64) == b"WATCHDOG=1"


def test_sd_notify_is_a_no_op_outside_systemd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert not sd_notify.notify("READY=1")
    monkeypatch.setenv("WATCHDOG_USEC", "60000000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    assert sd_notify.watchdog_interval_s() == 30.0
    monkeypatch.setenv("WATCHDOG_PID", "1")  # another process's watchdog
    assert sd_notify.watchdog_interval_s() is None
