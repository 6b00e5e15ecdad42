"""KISAuthManager against a tiny aiohttp OAuth server on a loopback port (the transport seam)."""

from __future__ import annotations

import asyncio
import json
import stat
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from kistrade.domain.errors import AuthError, ConfigError
from kistrade.kis.client.auth import KISAuthManager
from kistrade.kis.client.env import KisCredentials, KisEndpoints, KisEnv

APP_KEY = "PSabcdefghijklmnopqrstuvwxyz01234567"
APP_SECRET = "s" * 180


@dataclass
class FakeOAuth:
    token_calls: int = 0
    approval_bodies: list[dict[str, Any]] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)
    queue: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    expires: str = "2099-01-01 09:00:00"

    async def token(self, request: web.Request) -> web.Response:
        self.token_calls += 1
        body = await request.json()
        assert body["grant_type"] == "client_credentials"
        if self.queue:
            status, payload = self.queue.pop(0)
            return web.json_response(payload, status=status)
        return web.json_response(
            {
                "access_token": f"tok-{self.token_calls}-" + "x" * 40,
                "access_token_token_expired": self.expires,
                "token_type": "Bearer",
                "expires_in": 86400,
            }
        )

    async def approval(self, request: web.Request) -> web.Response:
        self.approval_bodies.append(await request.json())
        return web.json_response({"approval_key": "a2585daf-8c09-4587-9fce-8ab893a1b2c3"})

    async def revoke(self, request: web.Request) -> web.Response:
        self.revoked.append((await request.json())["token"])
        return web.json_response({"code": 200, "message": "ok"})


@pytest.fixture
async def oauth() -> AsyncIterator[tuple[FakeOAuth, str]]:
    fake = FakeOAuth()
    app = web.Application()
    app.router.add_post("/oauth2/tokenP", fake.token)
    app.router.add_post("/oauth2/Approval", fake.approval)
    app.router.add_post("/oauth2/revokeP", fake.revoke)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield fake, f"http://127.0.0.1:{port}"
    await runner.cleanup()


class FakeEpoch:
    def __init__(self, start: float = 1_900_000_000.0) -> None:
        self.t = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


def manager(url: str, data_dir: Path, clock: FakeEpoch | None = None, **kw: Any) -> KISAuthManager:
    creds = KisCredentials.of("paper", APP_KEY, APP_SECRET)
    endpoints = KisEndpoints.for_env("paper", url, "ws://127.0.0.1:1")
    if clock is not None:
        kw.update(epoch=clock, sleep=clock.sleep)
    return KISAuthManager(creds, endpoints, data_dir, **kw)


async def test_token_is_issued_once_cached_0600_and_reused(
    oauth: tuple[FakeOAuth, str], tmp_path: Path
) -> None:
    fake, url = oauth
    m = manager(url, tmp_path)
    t1 = await m.get_access_token()
    t2 = await m.get_access_token()
    assert t1 == t2 and fake.token_calls == 1
    assert stat.S_IMODE(m.cache_path.stat().st_mode) == 0o600
    assert APP_KEY not in m.cache_path.name and APP_KEY not in m.cache_path.read_text()
    other = manager(url, tmp_path)
    assert await other.get_access_token() == t1
    assert fake.token_calls == 1
    status = other.status()
    assert status.cached and t1 not in status.preview and status.seconds_left > 0
    await m.aclose()
    await other.aclose()


async def test_token_refreshed_inside_margin(oauth: tuple[FakeOAuth, str], tmp_path: Path) -> None:
    fake, url = oauth
    clock = FakeEpoch()
    m = manager(url, tmp_path, clock, refresh_margin=600)
    fake.expires = "2099-01-01 09:00:00"
    first = await m.get_access_token()
    # jump to 5 minutes before expiry: inside the 10-minute margin
    from datetime import datetime

    from kistrade.domain.types import KST

    clock.t = datetime(2099, 1, 1, 8, 55, tzinfo=KST).timestamp()
    second = await m.get_access_token()
    assert first != second and fake.token_calls == 2
    await m.aclose()


async def test_two_threads_two_managers_one_issuance(oauth: tuple[FakeOAuth, str], tmp_path: Path) -> None:
    fake, url = oauth
    results: list[str] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        async def run() -> str:
            m = manager(url, tmp_path)
            barrier.wait()
            try:
                return await m.get_access_token()
            finally:
                await m.aclose()

        results.append(asyncio.run(run()))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        await asyncio.to_thread(t.join, 30)
    assert len(results) == 2 and results[0] == results[1]
    assert fake.token_calls == 1


async def test_sixty_second_rule_after_invalidate(oauth: tuple[FakeOAuth, str], tmp_path: Path) -> None:
    fake, url = oauth
    clock = FakeEpoch()
    m = manager(url, tmp_path, clock)
    first = await m.get_access_token()
    clock.t += 20
    await m.invalidate(first)
    second = await m.get_access_token()
    assert second != first and fake.token_calls == 2
    assert clock.slept == [pytest.approx(40.0)]
    await m.aclose()


async def test_egw00133_waits_sixty_seconds_and_retries(oauth: tuple[FakeOAuth, str], tmp_path: Path) -> None:
    fake, url = oauth
    fake.queue.append(
        (
            403,
            {
                "error_description": "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)",
                "error_code": "EGW00133",
            },
        )
    )
    clock = FakeEpoch()
    m = manager(url, tmp_path, clock)
    token = await m.get_access_token()
    assert token and fake.token_calls == 2
    assert clock.slept == [pytest.approx(60.0)]
    await m.aclose()


@pytest.mark.parametrize(("code", "words"), [("EGW00103", "app key"), ("EGW00105", "app secret")])
async def test_bad_credentials_name_the_credential_not_its_value(
    oauth: tuple[FakeOAuth, str], tmp_path: Path, code: str, words: str
) -> None:
    fake, url = oauth
    fake.queue.append((403, {"error_description": "유효하지 않은 값", "error_code": code}))
    m = manager(url, tmp_path, FakeEpoch())
    with pytest.raises(AuthError) as info:
        await m.get_access_token()
    text = str(info.value)
    assert words in text and code in text
    assert APP_KEY not in text and APP_SECRET not in text
    assert fake.token_calls == 1
    await m.aclose()


async def test_approval_key_uses_secretkey_and_revoke_clears_cache(
    oauth: tuple[FakeOAuth, str], tmp_path: Path
) -> None:
    fake, url = oauth
    m = manager(url, tmp_path)
    key = await m.get_websocket_approval_key()
    assert key.startswith("a2585daf")
    assert fake.approval_bodies[0]["secretkey"] == APP_SECRET and "appsecret" not in fake.approval_bodies[0]
    token = await m.get_access_token()
    assert await m.revoke() is True
    assert fake.revoked == [token]
    assert "access_token" not in json.loads(m.cache_path.read_text())
    assert m.status().cached is False
    await m.aclose()


def test_paper_key_against_real_host_refused_before_any_request() -> None:
    with pytest.raises(ConfigError, match="paper app key cannot be used against the real"):
        KisEndpoints.for_env(KisEnv.PAPER, "https://openapi.koreainvestment.com:9443")
    with pytest.raises(ConfigError, match="real app key cannot be used against the paper"):
        KisEndpoints.for_env(KisEnv.REAL, "https://openapivts.koreainvestment.com:29443")
    # a simulator host is accepted for both
    assert KisEndpoints.for_env(KisEnv.PAPER, "http://127.0.0.1:29443").is_simulator
