"""Token protection: every route but /health needs the token when one is set."""

from __future__ import annotations

import aiohttp
import pytest
from _http_fake import running

from kistrade.domain.errors import ConfigError
from kistrade.interfaces.http import make_http_app, serve_http

TOKEN = "s3cret-dashboard-token"
PROTECTED = [
    "/",
    "/ready",
    "/metrics",
    "/events",
    "/static/app.js",
    "/static/plotly.min.js",
    "/api/v1/status",
    "/api/v1/positions",
    "/api/v1/orders",
    "/api/v1/fills",
    "/api/v1/signals",
    "/api/v1/performance",
    "/api/v1/equity",
    "/api/v1/health",
    "/api/v1/usage",
    "/api/v1/market/005930",
]


@pytest.mark.parametrize("offered", [None, "wrong-token", TOKEN + "x", ""])
async def test_protected_routes_refuse_without_the_right_token(offered: str | None) -> None:
    headers = {"Authorization": f"Bearer {offered}"} if offered is not None else {}
    async with running(token=TOKEN) as r, aiohttp.ClientSession(headers=headers) as session:
        for path in PROTECTED:
            async with session.get(r.url + path) as response:
                assert response.status == 401, path
                assert TOKEN not in await response.text()
        async with session.post(r.url + "/api/v1/control/stop") as response:
            assert response.status == 401
        async with session.get(r.url + "/health") as response:
            assert response.status == 200
    assert r.service.state_calls == []


async def test_bearer_header_and_query_token_are_accepted() -> None:
    async with running(token=TOKEN) as r, aiohttp.ClientSession() as session:
        async with session.get(
            r.url + "/api/v1/status", headers={"Authorization": f"Bearer {TOKEN}"}
        ) as resp:
            assert resp.status == 200
        async with session.get(r.url + "/api/v1/status", params={"token": TOKEN}) as resp:
            assert resp.status == 200
        async with session.post(r.url + "/api/v1/control/pause", params={"token": "nope"}) as resp:
            assert resp.status == 401
        assert r.service.state_calls == []


async def test_opening_the_page_with_the_token_sets_a_cookie_for_its_assets() -> None:
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for an IP address host
    async with running(token=TOKEN) as r, aiohttp.ClientSession(cookie_jar=jar) as session:
        async with session.get(r.url + "/", params={"token": TOKEN}) as resp:
            assert resp.status == 200
            cookie = resp.cookies["kistrade_token"]
            assert cookie["httponly"] and cookie["samesite"] == "Strict"
        async with session.get(r.url + "/static/app.js") as resp:
            assert resp.status == 200
        async with session.get(r.url + "/api/v1/fills") as resp:
            assert resp.status == 200


async def test_no_token_is_open_on_loopback() -> None:
    async with (
        running() as r,
        aiohttp.ClientSession() as session,
        session.get(r.url + "/api/v1/status") as resp,
    ):
        assert resp.status == 200


async def test_non_loopback_bind_without_a_token_is_refused() -> None:
    async with running() as r:
        app = make_http_app(r.service, token=None, health_probe=r.probe)
        with pytest.raises(ConfigError, match=r"dashboard\.token.*0\.0\.0\.0"):
            async with serve_http(app, host="0.0.0.0", port=0, token_set=False):
                pass


async def test_cross_site_post_is_refused_even_with_the_token() -> None:
    headers = {"Authorization": f"Bearer {TOKEN}", "Origin": "http://evil.example"}
    async with running(token=TOKEN) as r, aiohttp.ClientSession() as session:
        async with session.post(r.url + "/api/v1/control/stop", headers=headers) as resp:
            assert resp.status == 403
        same = {"Authorization": f"Bearer {TOKEN}", "Origin": r.url}
        async with session.post(r.url + "/api/v1/control/pause", headers=same) as resp:
            assert resp.status == 200
    assert [c[2] for c in r.service.state_calls] == ["dashboard"]


async def test_tokenless_server_refuses_foreign_host_names() -> None:
    """DNS rebinding: evil.example resolving to 127.0.0.1 must not reach a tokenless dashboard."""
    async with running() as r, aiohttp.ClientSession() as session:
        port = r.server.port
        async with session.get(r.url + "/api/v1/positions", headers={"Host": f"evil.example:{port}"}) as resp:
            assert resp.status == 403
        async with session.get(r.url + "/api/v1/positions", headers={"Host": f"localhost:{port}"}) as resp:
            assert resp.status == 200
        async with session.get(r.url + "/health", headers={"Host": f"evil.example:{port}"}) as resp:
            assert resp.status == 200


async def test_the_token_never_reaches_the_log() -> None:
    from loguru import logger

    lines: list[str] = []
    sink = logger.add(lines.append, level="DEBUG")
    try:
        async with running(token=TOKEN) as r, aiohttp.ClientSession() as session:
            for params in ({"token": TOKEN}, {"token": "wrong"}):
                async with session.get(r.url + "/", params=params) as resp:
                    await resp.read()
    finally:
        logger.remove(sink)
    assert lines  # the start-up line was captured
    assert not any(TOKEN in line for line in lines)
