"""Serving the HTTP app: ``serve_http`` is an async context manager for the composition root's
``AsyncExitStack``. It refuses a non-loopback bind without a token, and disables aiohttp's access
log (request lines can carry ``?token=``)."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web
from loguru import logger
from prometheus_client import CollectorRegistry

from kistrade.app.settings_models import DashboardSettings
from kistrade.app.views import TradingService
from kistrade.domain.errors import ConfigError
from kistrade.interfaces.http.app import make_http_app
from kistrade.interfaces.http.protocols import MarketView, ReadinessProbe, UsageView


def is_loopback(host: str) -> bool:
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class HttpServer:
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


@asynccontextmanager
async def serve_http(
    app: web.Application, *, host: str, port: int, token_set: bool, shutdown_timeout: float = 5.0
) -> AsyncIterator[HttpServer]:
    """Start ``app`` on ``host:port`` (port 0: a free one) and yield where it listens."""
    if not token_set and not is_loopback(host):
        raise ConfigError(f"dashboard.token is required when dashboard.host ({host}) is not loopback")
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        addresses = runner.addresses
        bound = int(addresses[0][1]) if addresses else port
        server = HttpServer(host, bound)
        logger.info("dashboard listening on {} (token {})", server.url, "required" if token_set else "off")
        yield server
    finally:
        await runner.cleanup()


@asynccontextmanager
async def serve_dashboard(
    settings: DashboardSettings,
    service: TradingService,
    *,
    health_probe: ReadinessProbe,
    market: MarketView | None = None,
    usage: UsageView | None = None,
    metrics_registry: CollectorRegistry | None = None,
) -> AsyncIterator[HttpServer]:
    """The composition root's one call: build the app from ``settings.dashboard`` and serve it."""
    token = settings.token.get_secret_value() if settings.token is not None else None
    app = make_http_app(
        service,
        token=token,
        health_probe=health_probe,
        metrics_registry=metrics_registry,
        market=market,
        usage=usage,
    )
    async with serve_http(app, host=settings.host, port=settings.port, token_set=token is not None) as server:
        yield server
