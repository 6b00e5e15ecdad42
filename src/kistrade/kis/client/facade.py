"""``KisClient``: one key pair on one environment, wired once (session, auth, limiter, REST, WS).

Takes plain parameters (no dependency on the app settings): the composition root builds a
``KisClientConfig`` from settings, the CLI from its flags.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from pydantic import SecretStr

from kistrade.kis.client.account import KisAccountApi
from kistrade.kis.client.auth import KISAuthManager
from kistrade.kis.client.env import DEFAULT_RATE, KisAccount, KisCredentials, KisEndpoints, KisEnv
from kistrade.kis.client.orders import KisOrderApi
from kistrade.kis.client.quotes import KisQuotes
from kistrade.kis.client.ratelimit import RateLimiter, WindowKind, shared_limiter
from kistrade.kis.client.rest import KisRestClient
from kistrade.kis.client.websocket import KisWebSocket
from kistrade.ports import Clock


@dataclass(frozen=True, slots=True)
class KisClientConfig:
    env: KisEnv | str
    app_key: str | SecretStr
    app_secret: str | SecretStr
    account: str = ""  # "XXXXXXXX-XX"; empty when only market data is used
    hts_id: str = ""  # for execution notices
    rest_url: str | None = None  # None: the known KIS host of env
    ws_url: str | None = None
    data_dir: str | os.PathLike[str] = Path("data")
    rate_limit: int | None = None  # calls per window; None: 20 real / 2 paper
    rate_window: float = 1.0
    rate_window_kind: WindowKind | str = WindowKind.SLIDING
    rate_margin: float = 0.01
    timeout: float = 10.0
    token_refresh_margin: float = 600.0
    token_min_interval: float = 60.0
    ws_heartbeat: float = 30.0
    max_subscriptions: int = 40


class KisClient:
    """Everything the adapters and CLI need; ``async with KisClient(cfg, clock) as kis: ...``."""

    def __init__(self, config: KisClientConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.endpoints = KisEndpoints.for_env(config.env, config.rest_url, config.ws_url)
        self.credentials = KisCredentials.of(self.endpoints.env, config.app_key, config.app_secret)
        self.account = KisAccount.parse(config.account) if config.account else None
        self.hts_id = config.hts_id
        self.session = aiohttp.ClientSession()
        self.auth = KISAuthManager(
            self.credentials,
            self.endpoints,
            config.data_dir,
            session=self.session,
            refresh_margin=config.token_refresh_margin,
            min_issue_interval=config.token_min_interval,
            timeout=config.timeout,
        )
        rate = config.rate_limit or DEFAULT_RATE[self.endpoints.env]
        self.limiter = shared_limiter(
            f"{self.endpoints.env.value}:{self.credentials.key_id}:{self.endpoints.rest_url}:{rate}",
            lambda: RateLimiter(
                rate, window=config.rate_window, kind=config.rate_window_kind, margin=config.rate_margin
            ),
        )
        self.rest = KisRestClient(
            self.endpoints, self.auth, self.limiter, session=self.session, timeout=config.timeout
        )
        self.quotes = KisQuotes(self.rest, clock)
        self._account_api: KisAccountApi | None = None
        self._orders: KisOrderApi | None = None
        self._ws: KisWebSocket | None = None

    def _need_account(self) -> KisAccount:
        if self.account is None:
            raise ValueError("this KIS client has no account configured (account='XXXXXXXX-XX')")
        return self.account

    @property
    def accounts(self) -> KisAccountApi:
        if self._account_api is None:
            self._account_api = KisAccountApi(self.rest, self._need_account(), self.clock)
        return self._account_api

    @property
    def orders(self) -> KisOrderApi:
        if self._orders is None:
            self._orders = KisOrderApi(self.rest, self._need_account(), self.clock, inquiry=self.accounts)
        return self._orders

    @property
    def ws(self) -> KisWebSocket:
        if self._ws is None:
            self._ws = KisWebSocket(
                self.endpoints,
                self.auth,
                self.clock,
                session=self.session,
                heartbeat=self.config.ws_heartbeat,
                max_subscriptions=self.config.max_subscriptions,
            )
        return self._ws

    async def aclose(self) -> None:
        if self._ws is not None:
            await self._ws.aclose()
        await self.session.close()

    async def __aenter__(self) -> KisClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
