"""The page and its assets: index.html, static files, plotly.min.js from the installed package."""

from __future__ import annotations

import aiohttp
from _http_fake import FakeProbe, FakeService, running
from pydantic import SecretStr

from kistrade.app.settings_models import DashboardSettings
from kistrade.interfaces.http import serve_dashboard
from kistrade.interfaces.http.page import plotly_js_path


async def test_index_and_assets() -> None:
    async with running() as r, aiohttp.ClientSession() as session:
        async with session.get(r.url + "/") as resp:
            assert resp.status == 200 and resp.content_type == "text/html"
            html = await resp.text()
        assert "개요 Overview" in html and "/static/plotly.min.js" in html and "/static/app.js" in html
        async with session.get(r.url + "/static/plotly.min.js") as resp:
            assert resp.status == 200
            body = await resp.read()
        assert body == plotly_js_path().read_bytes()
        assert "site-packages" in str(plotly_js_path()) or "plotly" in plotly_js_path().parts
        async with session.get(r.url + "/static/app.js") as resp:
            assert resp.status == 200 and "EventSource" in await resp.text()
        async with session.get(r.url + "/static/../api.py") as resp:
            assert resp.status in (403, 404)


async def test_serve_dashboard_from_settings() -> None:
    service = FakeService()
    settings = DashboardSettings(host="127.0.0.1", port=0, token=SecretStr("tok"))
    async with (
        serve_dashboard(settings, service, health_probe=FakeProbe(service)) as server,
        aiohttp.ClientSession() as session,
    ):
        async with session.get(server.url + "/api/v1/status") as resp:
            assert resp.status == 401
        async with session.get(
            server.url + "/api/v1/status", headers={"Authorization": "Bearer tok"}
        ) as resp:
            assert resp.status == 200 and (await resp.json())["mode"] == "sim"
