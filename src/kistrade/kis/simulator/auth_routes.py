"""HTTP endpoints of the simulated KIS auth server: tokenP, revokeP, Approval, hashkey (§2).

OAuth failures use the ``{"error_description","error_code"}`` body with HTTP 403; a paper key on
the real server's TR endpoints is answered by the dispatcher (EGW02004, HTTP 500).
tokenP is not counted by the TR rate limiter (it has its own 1-per-minute rule) and Approval has
no limit at all (§11.9).
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from kistrade.kis.protocol.endpoints import APPROVAL_PATH, HASHKEY_PATH, REVOKE_PATH, TOKEN_PATH
from kistrade.kis.simulator.auth import AuthFailure, AuthRegistry, hash_body
from kistrade.kis.simulator.replies import json_reply, oauth_error

AUTH_KEY: web.AppKey[AuthRegistry] = web.AppKey("kistrade_sim_auth", AuthRegistry)


async def _json_body(request: web.Request) -> dict[str, Any] | None:
    raw = await request.read()
    try:
        data = json.loads(raw) if raw.strip() else {}
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


async def token_p(request: web.Request) -> web.Response:
    body = await _json_body(request)
    if body is None:
        return oauth_error("EGW00101")
    result = request.app[AUTH_KEY].issue_token(body)
    if isinstance(result, AuthFailure):
        return oauth_error(result.code)
    return json_reply(result.as_body())


async def revoke_p(request: web.Request) -> web.Response:
    body = await _json_body(request)
    if body is None:
        return oauth_error("EGW00101")
    failure = request.app[AUTH_KEY].revoke(body)
    if failure is not None:
        return oauth_error(failure.code)
    return json_reply({"code": 200, "message": "접근토큰 폐기에 성공하였습니다"})


async def approval(request: web.Request) -> web.Response:
    body = await _json_body(request)
    if body is None:
        return oauth_error("EGW00101")
    result = request.app[AUTH_KEY].issue_approval(body)
    if isinstance(result, AuthFailure):
        return oauth_error(result.code)
    return json_reply({"approval_key": result})


async def hashkey(request: web.Request) -> web.Response:
    """``{"BODY": <echo>, "HASH": sha256-hex(raw body)}``; needs valid appkey/appsecret headers."""
    raw = await request.read()
    registry = request.app[AUTH_KEY]
    cred = registry.credentials_for(request.headers.get("appkey", ""))
    if cred is None:
        return oauth_error("EGW00103")
    if cred.app_secret != request.headers.get("appsecret", ""):
        return oauth_error("EGW00105")
    try:
        echo = json.loads(raw) if raw.strip() else {}
    except (json.JSONDecodeError, UnicodeDecodeError):
        return oauth_error("EGW00101")
    return json_reply({"BODY": echo, "HASH": hash_body(raw)})


def auth_routes() -> list[web.RouteDef]:
    return [
        web.post(TOKEN_PATH, token_p),
        web.post(REVOKE_PATH, revoke_p),
        web.post(APPROVAL_PATH, approval),
        web.post(HASHKEY_PATH, hashkey),
    ]


__all__ = ["AUTH_KEY", "auth_routes"]
