"""What the HTTP interface needs besides :class:`~kistrade.app.views.TradingService`.

* :class:`ReadinessProbe` answers ``/ready`` (and ``kistrade health``) with a :class:`Readiness`.
* :class:`MarketView` (optional) gives minute bars and the 10-level book per symbol for the chart.
* :class:`UsageView` (optional) gives the API usage panel a :class:`UsageSnapshot`.

The composition root adapts its live objects (feed, auth, store, rate limiter, client metrics) to
these; the HTTP code never reaches past them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from kistrade.app.views import TradingService
from kistrade.domain.sessions import Phase
from kistrade.domain.types import Bar, OrderBook
from kistrade.engine.events import TradingState

DEFAULT_STALE_AFTER_S = 60.0


@dataclass(frozen=True, slots=True)
class Readiness:
    """One readiness check. ``ready`` is true when :meth:`problems` is empty.

    ``last_tick_age_s`` counts only while ``in_session`` (no trades outside the session is normal).
    A HALTED risk state is a problem: the bot is alive but will not trade.
    """

    feed_connected: bool
    last_tick_age_s: float | None
    token_valid: bool
    store_writable: bool
    risk_state: TradingState
    in_session: bool = True
    stale_after_s: float = DEFAULT_STALE_AFTER_S
    mode: str = ""
    detail: Mapping[str, str] = field(default_factory=dict)

    def problems(self) -> list[str]:
        out: list[str] = []
        if not self.feed_connected:
            out.append("market feed is not connected")
        if self.in_session and self.last_tick_age_s is not None and self.last_tick_age_s > self.stale_after_s:
            out.append(f"last tick is {self.last_tick_age_s:.0f}s old (limit {self.stale_after_s:.0f}s)")
        if not self.token_valid:
            out.append("access token is not valid")
        if not self.store_writable:
            out.append("store is not writable")
        if self.risk_state is TradingState.HALTED:
            out.append("risk state is HALTED")
        return out

    @property
    def ready(self) -> bool:
        return not self.problems()


class ReadinessProbe(Protocol):
    async def check(self) -> Readiness: ...


class ServiceReadinessProbe:
    """A :class:`ReadinessProbe` from the service's status plus two checks the composition root
    supplies (is the access token valid, can the store write)."""

    def __init__(
        self,
        service: TradingService,
        *,
        token_valid: Callable[[], Awaitable[bool]],
        store_writable: Callable[[], Awaitable[bool]],
        in_session: Callable[[], bool] | None = None,
        stale_after_s: float = DEFAULT_STALE_AFTER_S,
    ) -> None:
        self._service = service
        self._token_valid = token_valid
        self._store_writable = store_writable
        self._in_session = in_session
        self._stale_after_s = stale_after_s

    async def check(self) -> Readiness:
        status = await self._service.status()
        in_session = self._in_session() if self._in_session else status.phase.lower() in _TRADING_PHASES
        return Readiness(
            feed_connected=status.feed_connected,
            last_tick_age_s=status.last_tick_age_s,
            token_valid=await self._token_valid(),
            store_writable=await self._store_writable(),
            risk_state=status.state,
            in_session=in_session,
            stale_after_s=self._stale_after_s,
            mode=status.mode,
        )


_TRADING_PHASES = frozenset({Phase.CONTINUOUS.value, Phase.CLOSING_AUCTION.value})


@runtime_checkable
class MarketView(Protocol):
    """Per-symbol market data for the dashboard chart (optional)."""

    async def bars(self, symbol: str, *, limit: int = 390) -> Sequence[Bar]:
        """The latest one-minute bars of ``symbol``, oldest first."""
        ...

    async def book(self, symbol: str) -> OrderBook | None: ...


@dataclass(frozen=True, slots=True)
class UsageSnapshot:
    """API usage for the dashboard and ``/metrics``: cumulative counters; rates are computed by
    the reader from two snapshots (``requests_total`` over ``uptime_s``)."""

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

    @property
    def cache_hit_rate(self) -> float | None:
        total = self.cache_hits + self.cache_misses
        return self.cache_hits / total if total else None


@runtime_checkable
class UsageView(Protocol):
    """API usage (optional): the composition root adapts the rate limiter and client metrics."""

    def usage(self) -> UsageSnapshot: ...
