"""API usage of a running KisClient, for the dashboard's usage panel and ``/metrics``.

:class:`ClientUsage` reads the client's rate limiter (calls, waits), its REST metrics (latency,
errors by code), its WebSocket stats (reconnects, lag) and, when given, a market-data cache's
hit/miss counters. It returns an :class:`ApiUsage`; the CLI maps it onto the HTTP interface's
``UsageSnapshot`` (the app layer does not import the interfaces).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from kistrade.app.market_data import CacheStats
from kistrade.kis.client.facade import KisClient


@dataclass(frozen=True, slots=True)
class ApiUsage:
    """Cumulative counters; the same fields as ``interfaces.http.protocols.UsageSnapshot``."""

    requests_total: int = 0
    limit_per_s: float = 0.0
    waits: int = 0
    wait_seconds: float = 0.0
    errors_by_code: Mapping[str, int] = field(default_factory=dict)
    latency_mean_ms: float = 0.0
    latency_max_ms: float = 0.0
    cache_hits: int = 0
    cache_misses: int = 0
    ws_reconnects: int = 0
    ws_lag_mean_ms: float = 0.0
    ws_lag_max_ms: float = 0.0


class ClientUsage:
    def __init__(self, client: KisClient, cache: CacheStats | None = None) -> None:
        self._client = client
        self._cache = cache

    def usage(self) -> ApiUsage:
        limiter = self._client.limiter.stats()
        metrics = self._client.rest.metrics
        count = sum(s.count for s in metrics.latency.values())
        total = sum(s.total for s in metrics.latency.values())
        worst = max((s.max for s in metrics.latency.values()), default=0.0)
        errors: dict[str, int] = {}
        for key, n in metrics.errors.items():
            code = key.rsplit(":", 1)[-1]  # keys are "<tr>:<code>"
            errors[code] = errors.get(code, 0) + n
        ws = self._client.ws.stats
        return ApiUsage(
            requests_total=limiter.calls,
            limit_per_s=limiter.rate / limiter.window if limiter.window else 0.0,
            waits=limiter.waits,
            wait_seconds=limiter.total_wait_seconds,
            errors_by_code=errors,
            latency_mean_ms=1000 * total / count if count else 0.0,
            latency_max_ms=1000 * worst,
            cache_hits=self._cache.hits if self._cache else 0,
            cache_misses=self._cache.misses if self._cache else 0,
            ws_reconnects=ws.reconnects,
            ws_lag_mean_ms=1000 * ws.lag_mean,
            ws_lag_max_ms=1000 * ws.lag_max,
        )


__all__ = ["ApiUsage", "ClientUsage"]
