"""The client's WebSocket lag is in wall seconds, also on an accelerated (simulated) clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from kistrade.clock import AffineClock, ManualClock
from kistrade.domain.types import KST, Symbol, Trade
from kistrade.kis.client.auth import KISAuthManager
from kistrade.kis.client.env import KisCredentials, KisEndpoints
from kistrade.kis.client.websocket import KisWebSocket
from kistrade.ports import Clock

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=KST)


def client(clock: Clock, tmp: Path) -> KisWebSocket:
    eps = KisEndpoints.for_env("real", "http://127.0.0.1:9", "ws://127.0.0.1:9")
    auth = KISAuthManager(KisCredentials.of("real", "PS" + "k" * 34, "s" * 180), eps, tmp)
    return KisWebSocket(eps, auth, clock)


def test_lag_on_an_accelerated_clock_is_divided_by_its_speed(tmp_path: Path) -> None:
    clock = AffineClock.starting_at(T0, speed=120.0)
    ws = client(clock, tmp_path)
    ws._on_events([Trade(Symbol("005930"), clock.now() - timedelta(seconds=12), 70_000, 1)])
    assert 0.1 <= ws.stats.lag_max < 0.11  # 12 simulated seconds = 0.1 wall second at x120


def test_lag_on_a_plain_clock_is_as_measured(tmp_path: Path) -> None:
    clock = ManualClock(T0)
    ws = client(clock, tmp_path)
    ws._on_events([Trade(Symbol("005930"), T0 - timedelta(seconds=2), 70_000, 1)])
    assert ws.stats.lag_max == 2.0
