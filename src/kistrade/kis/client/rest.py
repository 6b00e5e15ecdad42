"""The KIS REST client: headers (§3.1), JSON whatever the status (§3.4), retry policy by error
class (DESIGN decision 5), pagination (§3.3) and latency per TR.

Retry policy:
- EGW00201/EGW00215 (rate limit): the request was not processed; the shared limiter is penalized
  (exponential backoff with jitter) and the request is sent again, orders included.
- EGW00123/EGW00121 (token): the token is dropped, re-issued once, and the request replayed.
- network errors, HTTP 5xx without an envelope, EGW0000x/EGW0030x: retried with backoff, EXCEPT
  for non-idempotent requests (orders), which raise at once so the caller can ask the broker.
- rejections, auth and protocol errors: never retried.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from loguru import logger

from kistrade.domain.errors import (
    AuthError,
    RateLimitedError,
    ReauthRequiredError,
    RejectedError,
    RetryableError,
)
from kistrade.kis.client.auth import KISAuthManager
from kistrade.kis.client.env import KisEndpoints
from kistrade.kis.client.metrics import RestMetrics
from kistrade.kis.client.ratelimit import Priority, RateLimiter
from kistrade.kis.client.transport import RawResponse, TransportError, send
from kistrade.kis.protocol.codes import ErrorClass, classify, ctx_is_blank, parse_oauth_error
from kistrade.kis.protocol.endpoints import Endpoint, endpoint, tr_id


class UnknownOutcomeError(RetryableError):
    """A non-idempotent request (an order) may or may not have been processed."""


@dataclass(frozen=True, slots=True)
class CallObservation:
    """One HTTP exchange of the client (each retry is one), as told to ``KisRestClient.observers``."""

    name: str  # the registry name, e.g. "inquire_price"
    tr_id: str
    seconds: float  # round-trip latency (monotonic)
    code: str  # the answer's message code; "network" when no answer came
    ok: bool


CallObserver = Callable[[CallObservation], None]


@dataclass(frozen=True, slots=True)
class KisResponse:
    tr_id: str
    status: int
    body: dict[str, Any]
    tr_cont: str
    headers: Mapping[str, str]

    @property
    def code(self) -> str:
        return str(self.body.get("msg_cd", "")).strip()

    @property
    def message(self) -> str:
        return str(self.body.get("msg1", "")).strip()

    @property
    def has_more(self) -> bool:
        return self.tr_cont in ("F", "M")


def _classify(resp: RawResponse) -> tuple[ErrorClass, str, str]:
    body = resp.body
    oauth = parse_oauth_error(body)
    if oauth is not None:
        return classify(oauth[0]), oauth[0], oauth[1]
    code = str(body.get("msg_cd", "")).strip()
    message = str(body.get("msg1", "")).strip()
    if "rt_cd" not in body:
        if resp.status >= 500 or resp.status == 429:
            return ErrorClass.RETRY, f"HTTP{resp.status}", resp.text[:120]
        return ErrorClass.PROTOCOL, f"HTTP{resp.status}", resp.text[:120]
    return classify(code, str(body.get("rt_cd"))), code, message


class KisRestClient:
    """One key pair on one environment. Share one instance (and its limiter) per process."""

    def __init__(
        self,
        endpoints: KisEndpoints,
        auth: KISAuthManager,
        limiter: RateLimiter,
        *,
        session: aiohttp.ClientSession | None = None,
        timeout: float = 10.0,
        max_retries: int = 4,
        max_rate_limit_retries: int = 50,
        custtype: str = "P",
        metrics: RestMetrics | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.endpoints = endpoints
        self.env = endpoints.env
        self.auth = auth
        self.limiter = limiter
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_rate_limit_retries = max_rate_limit_retries
        self.custtype = custtype
        self.metrics = metrics or RestMetrics()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._session = session
        self._own_session = session is None
        self.observers: list[CallObserver] = []
        """Called on the event loop after every HTTP exchange; must be quick and never wait."""

    def _observe(self, name: str, tr: str, seconds: float, code: str, ok: bool) -> None:
        self.metrics.observe(tr, seconds)
        for observer in self.observers:
            try:
                observer(CallObservation(name, tr, seconds, code, ok))
            except Exception as exc:  # an observer must never break a call
                logger.warning("REST call observer failed on {}: {}", tr, exc)

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._own_session = True
        return self._session

    async def aclose(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
        self._session = None

    async def __aenter__(self) -> KisRestClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Leaving ``async with`` closes this client and its auth manager's own session."""
        await self.aclose()
        await self.auth.aclose()

    def endpoint(self, name: str) -> tuple[Endpoint, str]:
        """The registry entry and this environment's TR id (``UnknownTrError`` when not offered)."""
        return endpoint(name), tr_id(name, self.env)

    def _headers(self, token: str, tr: str, tr_cont: str) -> dict[str, str]:
        return {
            "content-type": "application/json; charset=utf-8",
            "authorization": f"Bearer {token}",
            "appkey": self.auth.credentials.app_key.get_secret_value(),
            "appsecret": self.auth.credentials.app_secret.get_secret_value(),
            "tr_id": tr,
            "custtype": self.custtype,
            "tr_cont": tr_cont,
        }

    def _backoff(self, attempt: int) -> float:
        return min(2.0, 0.05 * float(1 << min(attempt, 30))) * (0.5 + 0.5 * self._rng.random())

    async def call(
        self,
        name: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, str] | None = None,
        priority: Priority = Priority.MARKET_DATA,
        tr_cont: str = "",
        idempotent: bool = True,
    ) -> KisResponse:
        """Send TR ``name`` (a registry name such as ``"inquire_price"``) and return its success answer."""
        ep, tr = self.endpoint(name)
        url = self.endpoints.rest_url + ep.path
        attempt = rate_attempt = 0
        reauthed = False
        while True:
            token = await self.auth.get_access_token()
            permit = await self.limiter.acquire(priority)
            started = time.monotonic()
            try:
                raw = await send(
                    await self._http(),
                    ep.method,
                    url,
                    headers=self._headers(token, tr, tr_cont),
                    params=params if ep.method == "GET" else None,
                    body=body if ep.method != "GET" else None,
                    time_limit=self.timeout,
                )
            except TransportError as exc:
                self.limiter.done(permit)
                self._observe(name, tr, time.monotonic() - started, "network", False)
                self.metrics.error(tr, "network")
                if not idempotent and exc.sent:
                    raise UnknownOutcomeError(f"{name} ({tr}): {exc}") from exc
                if attempt >= self.max_retries:
                    raise
                attempt += 1
                self.metrics.retries += 1
                await self._sleep(self._backoff(attempt))
                continue
            self.limiter.done(permit)
            elapsed = time.monotonic() - started
            cls, code, message = _classify(raw)
            self._observe(name, tr, elapsed, code, cls in (ErrorClass.OK, ErrorClass.EMPTY))
            if cls in (ErrorClass.OK, ErrorClass.EMPTY):
                return KisResponse(
                    tr, raw.status, raw.body, raw.headers.get("tr_cont", "").strip(), raw.headers
                )
            self.metrics.error(tr, code)
            what = f"KIS {name} ({tr}) answered {code} {message}".strip()
            if cls is ErrorClass.RATE_LIMIT:
                self.metrics.rate_limited += 1
                delay = self.limiter.penalize(rate_attempt)
                if rate_attempt >= self.max_rate_limit_retries:
                    raise RateLimitedError(what)
                rate_attempt += 1
                logger.debug("{}: backing off {:.3f} s", what, delay)
                continue
            if cls is ErrorClass.REAUTH:
                if reauthed:
                    raise ReauthRequiredError(f"{what} again after one re-authentication")
                reauthed = True
                self.metrics.reauths += 1
                logger.info("{}: re-authenticating once and replaying", what)
                await self.auth.invalidate(token)
                continue
            if cls is ErrorClass.RETRY:
                if not idempotent:
                    raise UnknownOutcomeError(what)
                if attempt >= self.max_retries:
                    raise RetryableError(f"{what} after {attempt + 1} attempts")
                attempt += 1
                self.metrics.retries += 1
                await self._sleep(self._backoff(attempt))
                continue
            if cls is ErrorClass.AUTH:
                raise AuthError(f"{what}: check the app key/secret and account for env={self.env.value}")
            if cls is ErrorClass.UNSUPPORTED:
                raise RejectedError(f"{what}: TR not offered in the {self.env.value} environment", code=code)
            raise RejectedError(what, code=code)

    async def paginate(
        self,
        name: str,
        params: Mapping[str, str],
        *,
        priority: Priority = Priority.ACCOUNT,
        max_pages: int = 20,
        fk: str = "CTX_AREA_FK100",
        nk: str = "CTX_AREA_NK100",
    ) -> list[KisResponse]:
        """All pages of a continuation TR: tr_cont F/M -> next call with ``tr_cont: N`` and the
        ctx_area keys copied verbatim; stops on D/E, blank keys, or ``max_pages``."""
        query = dict(params)
        query.setdefault(fk, "")
        query.setdefault(nk, "")
        pages: list[KisResponse] = []
        tr_cont = ""
        while True:
            resp = await self.call(name, params=query, priority=priority, tr_cont=tr_cont)
            pages.append(resp)
            next_fk = resp.body.get(fk.lower(), resp.body.get(fk))
            next_nk = resp.body.get(nk.lower(), resp.body.get(nk))
            if not resp.has_more or (ctx_is_blank(next_fk) and ctx_is_blank(next_nk)):
                return pages
            if len(pages) >= max_pages:
                logger.warning("KIS {}: stopped after {} pages (page cap)", name, max_pages)
                return pages
            query[fk] = str(next_fk or "")
            query[nk] = str(next_nk or "")
            tr_cont = "N"
