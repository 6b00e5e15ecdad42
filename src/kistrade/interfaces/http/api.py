"""``/api/v1/*`` JSON, ``/health`` and ``/ready``: thin handlers over the service and probes."""

from __future__ import annotations

from dataclasses import dataclass
from math import nan
from typing import Any

from aiohttp import web

from kistrade.app.views import TradingService
from kistrade.engine.events import TradingState
from kistrade.indicators.streaming import RsiStream
from kistrade.interfaces.http.hub import LiveHub, usage_json
from kistrade.interfaces.http.performance import performance
from kistrade.interfaces.http.protocols import MarketView, Readiness, ReadinessProbe, UsageView
from kistrade.interfaces.http.serialize import dumps, to_jsonable

MAX_LIMIT = 1000
RSI_PERIOD = 14
CONTROL_SOURCE = "dashboard"
CONTROLS: dict[str, tuple[TradingState, str]] = {
    "pause": (TradingState.REDUCING, "paused from the dashboard"),
    "resume": (TradingState.ACTIVE, "resumed from the dashboard"),
    "stop": (TradingState.HALTED, "stopped from the dashboard"),
}


@dataclass(frozen=True, slots=True)
class Deps:
    service: TradingService
    probe: ReadinessProbe
    hub: LiveHub
    market: MarketView | None
    usage: UsageView | None


DEPS: web.AppKey[Deps] = web.AppKey("kistrade_http_deps", Deps)


def json_response(value: Any, status: int = 200) -> web.Response:
    return web.Response(text=dumps(value), status=status, content_type="application/json")


def _limit(request: web.Request, default: int = 100) -> int:
    raw = request.query.get("limit", str(default))
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_LIMIT:
        raise web.HTTPBadRequest(
            text=dumps({"error": f"limit must be an integer in 1..{MAX_LIMIT}, got {raw!r}"}),
            content_type="application/json",
        )
    return value


def readiness_json(report: Readiness) -> dict[str, Any]:
    data = to_jsonable(report)
    assert isinstance(data, dict)
    data["ready"] = report.ready
    data["problems"] = report.problems()
    return data


async def health(request: web.Request) -> web.Response:
    """Liveness: the process answers. Open without a token; says nothing about trading."""
    return json_response({"status": "ok"})


async def ready(request: web.Request) -> web.Response:
    """Readiness: 200 when every check passes, else 503 with the problems."""
    report = await request.app[DEPS].probe.check()
    return json_response(readiness_json(report), status=200 if report.ready else 503)


async def api_health(request: web.Request) -> web.Response:
    report = await request.app[DEPS].probe.check()
    return json_response(readiness_json(report))


async def status(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    data = to_jsonable(await deps.service.status())
    data["poll_error"] = deps.hub.last_error
    return json_response(data)


async def positions(request: web.Request) -> web.Response:
    return json_response(await request.app[DEPS].service.positions())


async def orders(request: web.Request) -> web.Response:
    open_only = request.query.get("open_only", "").lower() in {"1", "true", "yes"}
    svc = request.app[DEPS].service
    return json_response(await svc.orders(open_only=open_only, limit=_limit(request)))


async def fills(request: web.Request) -> web.Response:
    return json_response(await request.app[DEPS].service.fills(limit=_limit(request)))


async def signals(request: web.Request) -> web.Response:
    return json_response(await request.app[DEPS].service.signals(limit=_limit(request)))


async def perf(request: web.Request) -> web.Response:
    svc = request.app[DEPS].service
    trades = performance(await svc.fills(limit=MAX_LIMIT))
    return json_response({"pnl": await svc.pnl(), "trades": trades})


async def equity(request: web.Request) -> web.Response:
    return json_response({"points": request.app[DEPS].hub.equity()})


async def usage(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    body = usage_json(deps.usage.usage(), deps.hub.requests_per_s) if deps.usage else None
    return json_response({"available": deps.usage is not None, "usage": body})


async def market(request: web.Request) -> web.Response:
    """Minute bars with RSI, our fills as entries/exits, and the book for one symbol."""
    deps = request.app[DEPS]
    symbol = request.match_info["symbol"]
    marks = [f for f in await deps.service.fills(limit=MAX_LIMIT) if f.symbol == symbol]
    body: dict[str, Any] = {"symbol": symbol, "available": deps.market is not None, "fills": marks}
    if deps.market is not None:
        bars = list(await deps.market.bars(symbol, limit=_limit(request, 390)))
        closes = [float(b.close) for b in bars]
        values: list[float] = []
        if len(closes) > RSI_PERIOD:  # streaming RSI: TA-Lib's numbers without loading TA-Lib
            stream = RsiStream(RSI_PERIOD)
            values = [nan if (v := stream.update(c)) is None else v for c in closes]
        body["bars"] = bars
        body["rsi"] = values
        body["rsi_period"] = RSI_PERIOD
        body["book"] = await deps.market.book(symbol)
    return json_response(body)


async def control(request: web.Request) -> web.Response:
    action = request.match_info["action"]
    if action not in CONTROLS:
        raise web.HTTPNotFound(
            text=dumps({"error": f"unknown control {action!r}; use one of {sorted(CONTROLS)}"}),
            content_type="application/json",
        )
    state, reason = CONTROLS[action]
    if request.can_read_body:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("reason"), str) and body["reason"].strip():
            reason = body["reason"].strip()[:200]
    deps = request.app[DEPS]
    view = await deps.service.set_state(state, reason=reason, source=CONTROL_SOURCE)
    await deps.hub.refresh()
    return json_response(view)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
    api = "/api/v1"
    app.router.add_get(f"{api}/health", api_health)
    app.router.add_get(f"{api}/status", status)
    app.router.add_get(f"{api}/positions", positions)
    app.router.add_get(f"{api}/orders", orders)
    app.router.add_get(f"{api}/fills", fills)
    app.router.add_get(f"{api}/signals", signals)
    app.router.add_get(f"{api}/performance", perf)
    app.router.add_get(f"{api}/equity", equity)
    app.router.add_get(f"{api}/usage", usage)
    app.router.add_get(f"{api}/market/{{symbol}}", market)
    app.router.add_post(f"{api}/control/{{action}}", control)
