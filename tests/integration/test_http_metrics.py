"""/metrics: one exposition with the process registry and the service gauges, parsed by
prometheus-client's own parser."""

from __future__ import annotations

import aiohttp
from _http_fake import START_EQUITY, running
from prometheus_client.parser import text_string_to_metric_families

from kistrade.engine.events import TradingState


async def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with aiohttp.ClientSession() as session, session.get(url + "/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


async def test_metrics_expose_service_gauges_and_process_counters() -> None:
    async with running() as r:
        m = await scrape(r.url)
        assert m[("kistrade_equity_won", ())] == START_EQUITY + 10_000
        assert m[("kistrade_day_pnl_won", ())] == 10_000
        assert m[("kistrade_positions", ())] == 1
        assert m[("kistrade_risk_state", (("state", "ACTIVE"),))] == 1
        assert m[("kistrade_risk_state", (("state", "HALTED"),))] == 0
        assert m[("kistrade_orders", (("state", "FILLED"),))] == 1
        assert m[("kistrade_feed_connected", ())] == 1
        assert m[("kistrade_ready", ())] == 1
        assert m[("kistrade_ratelimit_waits", ())] == 3
        assert m[("kistrade_ws_lag_max_seconds", ())] == 0.095
        assert m[("kistrade_test_requests_total", (("tr_id", "T1"),))] == 3  # the process registry


async def test_metrics_follow_the_service_on_each_scrape() -> None:
    async with running() as r:
        await r.service.set_state(TradingState.HALTED, reason="loss", source="rule:daily_loss")
        r.service.feed_connected = False
        m = await scrape(r.url)
        assert m[("kistrade_risk_state", (("state", "HALTED"),))] == 1
        assert m[("kistrade_risk_state", (("state", "ACTIVE"),))] == 0
        assert m[("kistrade_feed_connected", ())] == 0
        assert m[("kistrade_ready", ())] == 0
