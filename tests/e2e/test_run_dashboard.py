"""``kistrade run``'s interfaces against the real bot and the real simulator: the dashboard served
on the runtime's service answers status, readiness, metrics and controls; the notifications
watcher reports signals, orders, fills and risk state changes."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from crash_support import SYMBOLS, busy_options, settings, wait_for
from prometheus_client.parser import text_string_to_metric_families

from kistrade.app.bootstrap import RunOptions, open_runtime
from kistrade.cli.run_interfaces import TradeNotifications, open_interfaces
from kistrade.engine.events import TradingState


def _options(tmp_path: Path) -> RunOptions:
    return busy_options(tmp_path / "trader.db")


async def test_run_serves_the_dashboard_on_the_bot(tmp_path: Path) -> None:
    async with (
        open_runtime(settings(tmp_path), _options(tmp_path)) as rt,
        open_interfaces(settings(tmp_path), rt, dashboard_port=0) as ifs,
        aiohttp.ClientSession() as http,
    ):
        base = ifs.dashboard_url
        assert not ifs.telegram
        async with http.get(f"{base}/api/v1/status") as r:
            assert r.status == 200
            status = await r.json()
        assert status["mode"] == "sim"
        assert status["state"] == TradingState.ACTIVE.value
        assert status["watchlist"] == list(SYMBOLS)
        await wait_for(lambda: rt.trader.last_tick_at is not None, 20.0, "a first trade tick")
        async with http.get(f"{base}/ready") as r:
            ready = await r.json()
            assert r.status == 200, ready
        async with http.get(f"{base}/api/v1/usage") as r:
            assert r.status == 200
            usage = (await r.json())["usage"]
        # warm-up went through the bot's cached market data: the day's quote and charts
        assert usage["cache_misses"] >= len(SYMBOLS) and usage["cache_hits"] + usage["cache_misses"] > 0
        assert 0 <= usage["ws_lag_mean_ms"] < 5_000  # wall milliseconds, not simulated ones
        async with http.get(f"{base}/metrics") as r:
            assert r.status == 200
            text = await r.text()
        samples = {s.name: s.value for fam in text_string_to_metric_families(text) for s in fam.samples}
        assert samples["kistrade_feed_connected"] == 1.0
        assert samples["kistrade_ready"] == 1.0
        assert samples["kistrade_api_requests"] > 0  # recovery and warm-up went through the limiter
        async with http.get(f"{base}/api/v1/market/{SYMBOLS[0]}") as r:
            assert r.status == 200
        async with http.post(f"{base}/api/v1/control/pause") as r:
            assert r.status == 200
            assert (await r.json())["state"] == TradingState.REDUCING.value
        assert (await rt.service.status()).state is TradingState.REDUCING
    # the dashboard is gone with the block
    async with aiohttp.ClientSession() as http:
        try:
            async with http.get(f"{base}/health") as r:
                raise AssertionError(f"the dashboard still answers: {r.status}")
        except aiohttp.ClientConnectionError:
            pass


class _Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, bool]] = []

    async def notify(self, kind: str, text: str, *, urgent: bool = False) -> None:
        self.sent.append((kind, text, urgent))


async def test_notifications_report_signals_orders_fills_and_risk_changes(tmp_path: Path) -> None:
    rec = _Recorder()
    async with open_runtime(settings(tmp_path), _options(tmp_path)) as rt:
        watcher = TradeNotifications(rt, rec, poll_s=0.05)
        async with watcher.running():
            io = rt.trader.io
            assert io is not None
            await wait_for(lambda: any(k == "fill" for k, _, _ in rec.sent), 45.0, "a fill notification")
            await rt.service.set_state(TradingState.HALTED, reason="test halt", source="test")
            await wait_for(lambda: any(k == "risk" for k, _, _ in rec.sent), 10.0, "a risk notification")
            before = io.counters.fills
        after = io.counters.fills  # the watcher's last check ran between the two readings
    kinds = [k for k, _, _ in rec.sent]
    assert kinds[0] == "start_stop" and kinds[-1] == "start_stop"
    risk = [(t, u) for k, t, u in rec.sent if k == "risk"]
    assert risk == [("risk state ACTIVE -> HALTED: test halt (test)", True)]
    fills = [t for k, t, _ in rec.sent if k == "fill"]
    assert all(t.startswith("fill: ") and " @ " in t for t in fills)
    assert before <= len(fills) <= after
    signals = [t for k, t, _ in rec.sent if k == "signal"]
    assert signals and all(t.startswith("signal: ") and "strength" in t and "rsi" in t for t in signals)
    orders = [t for k, t, _ in rec.sent if k == "order" and t.startswith("order: ")]
    assert orders and all(any(s in t for s in SYMBOLS) for t in orders)
    assert len(orders) == len(set(orders))  # each new order once (its text holds its client id)
