"""``make_http_app``: the bot's one HTTP port (dashboard, JSON API, SSE, metrics, health)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web
from prometheus_client import CollectorRegistry

from kistrade.app.views import TradingService
from kistrade.interfaces.http.api import DEPS, Deps, add_routes
from kistrade.interfaces.http.auth import token_middleware
from kistrade.interfaces.http.hub import LiveHub
from kistrade.interfaces.http.metrics import add_metrics
from kistrade.interfaces.http.page import add_page
from kistrade.interfaces.http.protocols import MarketView, ReadinessProbe, UsageView
from kistrade.interfaces.http.sse import HEARTBEAT_S, events


def make_http_app(
    service: TradingService,
    *,
    token: str | None,
    health_probe: ReadinessProbe,
    metrics_registry: CollectorRegistry | None = None,
    market: MarketView | None = None,
    usage: UsageView | None = None,
    poll_ms: int = 500,
    heartbeat_s: float = 15.0,
) -> web.Application:
    """The aiohttp application. ``token`` None: open (loopback only, see :func:`serve_http`).

    ``market`` / ``usage`` default to ``service`` when it also implements :class:`MarketView` /
    :class:`UsageView`; without them the chart and usage panels say "not available".
    The poller that feeds ``/events`` runs from app start-up to clean-up.
    """
    if market is None and isinstance(service, MarketView):
        market = service
    if usage is None and isinstance(service, UsageView):
        usage = service
    hub = LiveHub(service, usage=usage, poll_ms=poll_ms)
    app = web.Application(middlewares=[token_middleware(token)])
    app[DEPS] = Deps(service=service, probe=health_probe, hub=hub, market=market, usage=usage)
    app[HEARTBEAT_S] = heartbeat_s
    add_routes(app)
    add_metrics(app, metrics_registry)
    app.router.add_get("/events", events)
    add_page(app)

    async def poller(_: web.Application) -> AsyncIterator[None]:
        hub.start()
        yield
        await hub.stop()

    async def release_streams(_: web.Application) -> None:
        await hub.stop()  # wakes every SSE stream so it ends before the server waits on it

    app.cleanup_ctx.append(poller)
    app.on_shutdown.append(release_streams)
    return app
