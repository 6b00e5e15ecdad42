"""The dashboard as ``kistrade run`` serves it (``serve_dashboard`` from ``DashboardSettings``) when
bound beyond loopback: it refuses to start without a token, and once started every route but
``/health`` answers 401 without the token, whatever ``Host`` the request names.

test_http_auth.py checks the token rules on a loopback-bound app and ``serve_http``'s refusal;
this file checks the settings -> server path on a non-loopback bind. The server listens on
0.0.0.0 (port 0) for the test's duration; the test connects through 127.0.0.1 only.
"""

from __future__ import annotations

import aiohttp
import pytest
from _http_fake import FakeProbe, FakeService
from pydantic import SecretStr, ValidationError

from kistrade.app.settings_models import DashboardSettings
from kistrade.domain.errors import ConfigError
from kistrade.interfaces.http import serve_dashboard

TOKEN = "n0n-l00pback-dashboard-token"
PROTECTED = ["/", "/ready", "/metrics", "/events", "/static/app.js", "/api/v1/status", "/api/v1/positions"]


@pytest.mark.parametrize("token", [None, "", "   "])
def test_settings_refuse_a_non_loopback_host_without_a_token(token: str | None) -> None:
    with pytest.raises(ValidationError, match=r"is required when dashboard\.host \(0\.0\.0\.0\)"):
        DashboardSettings(host="0.0.0.0", port=0, token=token)


async def test_serving_refuses_a_non_loopback_host_without_a_token_even_unvalidated() -> None:
    unchecked = DashboardSettings.model_construct(host="0.0.0.0", port=0, token=None)
    service = FakeService()
    with pytest.raises(ConfigError, match=r"dashboard\.token is required"):
        async with serve_dashboard(unchecked, service, health_probe=FakeProbe(service)):
            pass


async def test_a_non_loopback_dashboard_answers_only_with_the_token() -> None:
    settings = DashboardSettings(host="0.0.0.0", port=0, token=SecretStr(TOKEN))
    service = FakeService()
    async with (
        serve_dashboard(settings, service, health_probe=FakeProbe(service)) as server,
        aiohttp.ClientSession() as http,
    ):
        base = f"http://127.0.0.1:{server.port}"
        lan_hosts = [None, f"192.168.0.10:{server.port}", f"kistrade.example:{server.port}"]
        for host in lan_hosts:
            headers = {"Host": host} if host else {}
            for path in PROTECTED:
                for offered in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearer "}):
                    async with http.get(base + path, headers={**headers, **offered}) as r:
                        assert r.status == 401, (host, path, offered)
                        assert TOKEN not in await r.text()
            async with http.post(base + "/api/v1/control/stop", headers=headers) as r:
                assert r.status == 401
            async with http.get(base + "/health", headers=headers) as r:
                assert r.status == 200
        good = {"Authorization": f"Bearer {TOKEN}", "Host": f"192.168.0.10:{server.port}"}
        async with http.get(base + "/api/v1/status", headers=good) as r:
            assert r.status == 200
    assert service.state_calls == []
