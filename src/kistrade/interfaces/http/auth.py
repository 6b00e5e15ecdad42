"""Bearer-token access: when a token is configured every route but ``/health`` needs it.

Accepted as ``Authorization: Bearer <token>``, as ``?token=<token>`` (for opening the page and for
EventSource), or as the HttpOnly cookie the server sets when the page was opened with ``?token=``
(so the page's scripts, styles, fetches and SSE carry it without putting it in more URLs).
The token is compared in constant time and never logged or echoed.

Browser-side attacks: a state-changing POST whose ``Origin`` is another site is refused (403),
and without a token (loopback only) a request must name a loopback ``Host`` (403 otherwise), so a
web page cannot drive the bot through the user's browser, not even by DNS rebinding.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Middleware

COOKIE = "kistrade_token"
OPEN_PATHS = frozenset({"/health"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _offered(request: web.Request) -> tuple[str | None, bool]:
    """The token the request offers and whether it came in the query string."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    if "token" in request.query:
        return request.query["token"], True
    cookie = request.cookies.get(COOKIE)
    return (cookie, False) if cookie else (None, False)


def _loopback_name(host: str) -> bool:
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _forbidden(why: str) -> web.HTTPForbidden:
    return web.HTTPForbidden(text=f'{{"error":"forbidden: {why}"}}', content_type="application/json")


def _check_origin(request: web.Request, tokenless: bool) -> None:
    hostname = request.url.host or ""
    if tokenless and not _loopback_name(hostname):
        raise _forbidden("without a dashboard token only loopback host names are served")
    origin = request.headers.get("Origin")
    if request.method not in {"GET", "HEAD", "OPTIONS"} and origin is not None:
        parts = urlsplit(origin)
        if parts.netloc.lower() != request.host.lower():
            raise _forbidden("cross-site request")


def token_middleware(token: str | None) -> Middleware:
    expected = token.encode() if token else None

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in OPEN_PATHS:
            return await handler(request)
        _check_origin(request, tokenless=expected is None)
        if expected is None:
            return await handler(request)
        offered, from_query = _offered(request)
        if offered is None or not hmac.compare_digest(offered.encode(), expected):
            raise web.HTTPUnauthorized(
                text='{"error":"unauthorized: send Authorization: Bearer <dashboard token>"}',
                content_type="application/json",
                headers={"WWW-Authenticate": 'Bearer realm="kistrade"'},
            )
        response = await handler(request)
        if from_query and request.path == "/" and not response.prepared:
            response.set_cookie(COOKIE, offered, httponly=True, samesite="Strict", path="/")
        return response

    return middleware
