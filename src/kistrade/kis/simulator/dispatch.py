"""Routing of TR requests: one aiohttp route per (method, path) of the protocol registry, the
gateway checks every TR goes through, then the handler chosen by the ``tr_id`` header.

Order of checks (the gateway first, then the query server):
1. added latency (fault); 2. token and key pair (EGW0012x, EGW02004 — HTTP 500);
3. rate limit per app key (EGW00201, HTTP 500; counted per request reaching this point);
4. injected faults (HTTP 500 EGW00002 / EGW00201 at a rate);
5. tr_id: unknown or not served at this path -> OPSQ0002; a real TR id on the paper server ->
   EGW00213; a TR the paper server does not offer (inquire-psbl-rvsecncl, chk-holiday) -> a
   rejection with the documented paper text;
6. parameters (query names case-insensitive; POST bodies JSON with UPPERCASE keys);
7. the handler.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping

from aiohttp import web
from loguru import logger

from kistrade.kis.protocol.codes import PAPER_UNSUPPORTED_MSG, error_body, http_status
from kistrade.kis.protocol.endpoints import ENDPOINTS, Endpoint, Env, accepts, endpoints_at, lookup_tr
from kistrade.kis.simulator.auth import AuthFailure
from kistrade.kis.simulator.context import InputError, SimServices, TrHandler, TrReply, TrRequest
from kistrade.kis.simulator.replies import gateway_error, json_reply
from kistrade.kis.simulator.rest_account import HANDLERS as ACCOUNT_HANDLERS
from kistrade.kis.simulator.rest_orders import HANDLERS as ORDER_HANDLERS
from kistrade.kis.simulator.rest_quotes import HANDLERS as QUOTE_HANDLERS

HANDLERS: dict[str, TrHandler] = {**QUOTE_HANDLERS, **ORDER_HANDLERS, **ACCOUNT_HANDLERS}
PAPER_UNSUPPORTED_CODE = "OPSQ0002"
"""msg_cd of the paper server's "service not offered" reply (§4.8 leaves the code open)."""

SERVICES_KEY: web.AppKey[SimServices] = web.AppKey("kistrade_sim_services", SimServices)


def _reply(tr_id: str, reply: TrReply) -> web.Response:
    return json_reply(reply.body, reply.status, tr_id=tr_id, tr_cont=reply.tr_cont)


def _failure(tr_id: str, code: str, msg1: str | None = None) -> web.Response:
    return _reply(tr_id, TrReply(error_body(code, msg1), http_status(code)))


def _stringify(data: Mapping[str, object]) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in data.items()}


async def _params(request: web.Request, endpoint: Endpoint) -> dict[str, str] | None:
    if endpoint.method == "GET":
        return {k.upper(): v for k, v in request.query.items()}
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return _stringify(data) if isinstance(data, dict) else None


def _select(services: SimServices, method: str, path: str, tr_id: str) -> Endpoint | str:
    """The endpoint to run, or the error code to answer."""
    here = endpoints_at(method, path)
    if services.is_paper and here and not any(e.supports(Env.PAPER) for e in here):
        return "PAPER_UNSUPPORTED"
    match = lookup_tr(tr_id)
    if match is None or match.endpoint not in here:
        return "OPSQ0002"
    if not accepts(tr_id, services.env):
        return "EGW00213" if services.is_paper else "OPSQ0002"
    return match.endpoint


async def handle_tr(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES_KEY]
    faults = services.faults
    if faults.latency_ms:
        await asyncio.sleep(faults.latency_s)
    tr_id = request.headers.get("tr_id", "").strip()
    services.activity.requests += 1
    checked = services.auth.check_request(request.headers)
    if isinstance(checked, AuthFailure):
        services.activity.errors += 1
        return gateway_error(checked.code, tr_id=tr_id)
    app_key = checked
    if not services.limiter.allow(app_key, services.monotonic()) or faults.roll_egw00201():
        services.activity.errors += 1
        return gateway_error("EGW00201", tr_id=tr_id)
    if faults.roll_http500():
        services.activity.errors += 1
        return gateway_error("EGW00002", tr_id=tr_id)
    selected = _select(services, request.method, request.path, tr_id)
    if selected == "PAPER_UNSUPPORTED":
        return _failure(tr_id, PAPER_UNSUPPORTED_CODE, PAPER_UNSUPPORTED_MSG)
    if isinstance(selected, str):
        return _failure(tr_id, selected)
    params = await _params(request, selected)
    if params is None:
        return _failure(tr_id, "OPSQ9997")
    tr = TrRequest(
        services=services,
        endpoint=selected,
        tr_id=tr_id,
        app_key=app_key,
        params=params,
        tr_cont=request.headers.get("tr_cont", "").strip(),
    )
    try:
        reply = HANDLERS[selected.name](tr)
    except InputError as exc:
        reply = TrReply(exc.body)
    except Exception:
        logger.exception("simulator TR {} failed", tr_id)
        services.activity.errors += 1
        return gateway_error("EGW00002", tr_id=tr_id)
    return _reply(tr_id, reply)


def tr_routes() -> list[web.RouteDef]:
    """One route per distinct (method, path) of the registry."""
    seen: set[tuple[str, str]] = set()
    routes: list[web.RouteDef] = []
    for e in ENDPOINTS:
        key = (e.method, e.path)
        if key in seen:
            continue
        seen.add(key)
        routes.append(web.route(e.method, e.path, handle_tr))
    return routes


__all__ = ["HANDLERS", "SERVICES_KEY", "handle_tr", "tr_routes"]
