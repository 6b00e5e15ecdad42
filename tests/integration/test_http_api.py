"""The JSON API, /health and /ready, and the control endpoints, over a real loopback socket."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from _http_fake import START_EQUITY, fill, running

from kistrade.engine.events import TradingState


async def get(url: str, path: str, status: int = 200) -> Any:
    async with aiohttp.ClientSession() as session, session.get(url + path) as response:
        assert response.status == status, await response.text()
        assert response.content_type == "application/json"
        return await response.json()


async def test_status_money_is_int_decimal_is_str_time_is_iso() -> None:
    async with running() as r:
        body = await get(r.url, "/api/v1/status")
        assert body["mode"] == "sim"
        assert body["state"] == "ACTIVE"
        assert body["equity"] == START_EQUITY + 10_000  # cash + 10 x 71,000 (bought at 70,000)
        assert isinstance(body["cash"], int) and isinstance(body["equity"], int)
        assert body["day_pnl"] == 10_000
        assert body["day_pnl_pct"] == "0.10"
        assert body["now"] == "2026-11-24T10:00:00+09:00"
        assert body["watchlist"] == ["005930", "000660"]
        assert body["poll_error"] is None


async def test_positions_orders_fills_signals() -> None:
    async with running() as r:
        r.service.add_fill(fill(1, side="SELL", qty=4, price=71_000))
        positions = await get(r.url, "/api/v1/positions")
        assert positions[0]["avg_price"] == "70000"
        assert positions[0]["stop_loss_price"] == 66_500
        assert positions[0]["take_profit_price"] == 77_000
        orders = await get(r.url, "/api/v1/orders?open_only=1")
        assert orders == []
        orders = await get(r.url, "/api/v1/orders")
        assert [o["state"] for o in orders] == ["FILLED"]
        assert orders[0]["avg_fill_price"] == "70000"
        fills = await get(r.url, "/api/v1/fills?limit=1")
        assert len(fills) == 1 and fills[0]["side"] == "SELL" and fills[0]["tax"] == 71_000 * 4 * 18 // 10_000
        signals = await get(r.url, "/api/v1/signals")
        assert signals[0]["reasons"].startswith("RSI 28") and signals[0]["strength"] == 0.75


@pytest.mark.parametrize("bad", ["0", "1001", "x"])
async def test_bad_limit_is_400_naming_the_parameter(bad: str) -> None:
    async with running() as r:
        body = await get(r.url, f"/api/v1/fills?limit={bad}", status=400)
        assert "limit" in body["error"]


async def test_performance_pairs_sells_with_buys() -> None:
    async with running() as r:
        r.service.add_fill(fill(1, side="SELL", qty=10, price=71_000))  # +10,000 gross
        body = await get(r.url, "/api/v1/performance")
        trades = body["trades"]
        buy_fee = 70_000 * 10 * 15 // 100_000
        sell_costs = 71_000 * 10 * 15 // 100_000 + 71_000 * 10 * 18 // 10_000
        assert trades["trades"] == 1 and trades["wins"] == 1
        assert trades["net_pnl"] == 10_000 - buy_fee - sell_costs
        assert trades["win_rate_pct"] == "100.00"
        assert body["pnl"]["daily_loss_limit_pct"] == "-3"


async def test_equity_curve_records_changes() -> None:
    async with running() as r:
        await r.service.set_state(TradingState.ACTIVE, reason="noop", source="test")
        first = await get(r.url, "/api/v1/equity")
        assert first["points"][0]["equity"] == START_EQUITY + 10_000
        r.service.add_fill(fill(1, side="SELL", qty=10, price=71_000))
        r.service.position_list.clear()
        app_hub_refresh = await get(r.url, "/api/v1/status")  # the poller runs every 50 ms
        expected = app_hub_refresh["equity"]
        for _ in range(200):
            points = (await get(r.url, "/api/v1/equity"))["points"]
            if points[-1]["equity"] == expected:
                break
        assert points[-1]["equity"] == expected


async def test_usage_and_market() -> None:
    async with running() as r:
        usage = await get(r.url, "/api/v1/usage")
        assert usage["available"] is True
        assert usage["usage"]["errors_by_code"] == {"EGW00201": 2, "HTTP500": 1}
        assert usage["usage"]["cache_hit_rate"] == 0.75
        market = await get(r.url, "/api/v1/market/005930")
        assert market["available"] is True
        assert len(market["bars"]) == 90 and len(market["rsi"]) == 90
        assert market["rsi"][0] is None and 0 <= market["rsi"][-1] <= 100
        assert (
            len(market["book"]["asks"]) == 10
            and market["book"]["bids"][0]["price"] == market["bars"][-1]["close"]
        )
        assert [f["client_order_id"] for f in market["fills"]] == ["c0000"]


async def test_market_without_a_market_view_says_so() -> None:
    async with running(market=False) as r:
        market = await get(r.url, "/api/v1/market/005930")
        assert market["available"] is False and "bars" not in market


async def test_health_and_ready() -> None:
    async with running() as r:
        assert await get(r.url, "/health") == {"status": "ok"}
        ready = await get(r.url, "/ready")
        assert ready["ready"] is True and ready["problems"] == []
        assert ready["risk_state"] == "ACTIVE" and ready["feed_connected"] is True
        r.service.feed_connected = False
        r.probe.store_writable = False
        ready = await get(r.url, "/ready", status=503)
        assert ready["ready"] is False
        assert ready["problems"] == ["market feed is not connected", "store is not writable"]
        api = await get(r.url, "/api/v1/health")  # the same report, always 200
        assert api["problems"] == ready["problems"]


@pytest.mark.parametrize(
    ("action", "state"),
    [("pause", TradingState.REDUCING), ("stop", TradingState.HALTED), ("resume", TradingState.ACTIVE)],
)
async def test_control_switches_state_with_dashboard_source(action: str, state: TradingState) -> None:
    async with running() as r:
        if state is TradingState.ACTIVE:
            await r.service.set_state(TradingState.HALTED, reason="rule", source="rule:daily_loss")
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{r.url}/api/v1/control/{action}", json={"reason": "operator"}) as response,
        ):
            assert response.status == 200
            body = await response.json()
        assert body["state"] == state.value
        assert r.service.switch.state is state
        assert r.service.state_calls[-1] == (state, "operator", "dashboard")
        assert body["state_source"] == "dashboard"


async def test_unknown_control_is_404_and_get_is_405() -> None:
    async with running() as r, aiohttp.ClientSession() as session:
        async with session.post(f"{r.url}/api/v1/control/flatten") as response:
            assert response.status == 404
            assert "flatten" in (await response.json())["error"]
        async with session.get(f"{r.url}/api/v1/control/pause") as response:
            assert response.status == 405
        assert r.service.state_calls == []
