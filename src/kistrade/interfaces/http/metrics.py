"""``/metrics``: the process registry (client counters and histograms live with their code) plus
gauges read from the service at scrape time (equity, P&L, risk state, orders by state, ...).

The service gauges live in a private registry per app, so two apps in one process (tests) never
clash; both registries are rendered into one exposition.
"""

from __future__ import annotations

from collections import Counter as Tally

from aiohttp import web
from prometheus_client import REGISTRY, CollectorRegistry, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from kistrade.engine.events import TradingState
from kistrade.interfaces.http.api import DEPS

SCRAPE_ORDER_LIMIT = 1000


class ServiceGauges:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.equity = Gauge("kistrade_equity_won", "Account equity in won", registry=r)
        self.cash = Gauge("kistrade_cash_won", "Cash in won", registry=r)
        self.day_pnl = Gauge("kistrade_day_pnl_won", "Today's P&L in won", registry=r)
        self.positions = Gauge("kistrade_positions", "Open positions", registry=r)
        self.risk_state = Gauge(
            "kistrade_risk_state", "Trading switch: 1 for the current state", ["state"], registry=r
        )
        self.orders = Gauge("kistrade_orders", "Recent orders by state", ["state"], registry=r)
        self.feed = Gauge("kistrade_feed_connected", "1 when the market feed is connected", registry=r)
        self.tick_age = Gauge(
            "kistrade_last_tick_age_seconds", "Seconds since the last trade tick (-1: none yet)", registry=r
        )
        self.ready = Gauge("kistrade_ready", "1 when /ready passes", registry=r)
        self.usage_requests = Gauge("kistrade_api_requests", "KIS REST requests made", registry=r)
        self.usage_limit = Gauge("kistrade_api_limit_per_second", "KIS REST rate limit", registry=r)
        self.usage_waits = Gauge(
            "kistrade_ratelimit_waits", "Requests that waited for the limiter", registry=r
        )
        self.usage_wait_s = Gauge(
            "kistrade_ratelimit_wait_seconds", "Total seconds waited for the limiter", registry=r
        )
        self.ws_lag = Gauge("kistrade_ws_lag_max_seconds", "Largest WebSocket lag seen", registry=r)


async def metrics(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    g = request.app[GAUGES]
    status = await deps.service.status()
    g.equity.set(status.equity)
    g.cash.set(status.cash)
    g.day_pnl.set(status.day_pnl)
    g.positions.set(status.positions)
    for state in TradingState:
        g.risk_state.labels(state.value).set(1 if state is status.state else 0)
    g.feed.set(1 if status.feed_connected else 0)
    g.tick_age.set(-1 if status.last_tick_age_s is None else status.last_tick_age_s)
    by_state = Tally(o.state for o in await deps.service.orders(limit=SCRAPE_ORDER_LIMIT))
    g.orders.clear()
    for state_name, count in sorted(by_state.items()):
        g.orders.labels(state_name).set(count)
    g.ready.set(1 if (await deps.probe.check()).ready else 0)
    if deps.usage is not None:
        u = deps.usage.usage()
        g.usage_requests.set(u.requests_total)
        g.usage_limit.set(u.limit_per_s)
        g.usage_waits.set(u.waits)
        g.usage_wait_s.set(u.wait_seconds)
        g.ws_lag.set(u.ws_lag_max_ms / 1000)
    body = generate_latest(request.app[PROCESS_REGISTRY]) + generate_latest(g.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


GAUGES: web.AppKey[ServiceGauges] = web.AppKey("kistrade_http_gauges", ServiceGauges)
PROCESS_REGISTRY: web.AppKey[CollectorRegistry] = web.AppKey("kistrade_http_registry", CollectorRegistry)


def add_metrics(app: web.Application, registry: CollectorRegistry | None) -> None:
    app[GAUGES] = ServiceGauges()
    app[PROCESS_REGISTRY] = registry if registry is not None else REGISTRY
    app.router.add_get("/metrics", metrics)
