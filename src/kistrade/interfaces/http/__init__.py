"""The bot's HTTP interface: dashboard page, ``/api/v1`` JSON, ``/events`` SSE, ``/metrics``,
``/health`` and ``/ready``. Build with :func:`make_http_app`, serve with :func:`serve_http`."""

from kistrade.interfaces.http.app import make_http_app
from kistrade.interfaces.http.protocols import (
    MarketView,
    Readiness,
    ReadinessProbe,
    ServiceReadinessProbe,
    UsageSnapshot,
    UsageView,
)
from kistrade.interfaces.http.server import HttpServer, serve_dashboard, serve_http

__all__ = [
    "HttpServer",
    "MarketView",
    "Readiness",
    "ReadinessProbe",
    "ServiceReadinessProbe",
    "UsageSnapshot",
    "UsageView",
    "make_http_app",
    "serve_dashboard",
    "serve_http",
]
