"""KIS OAuth: the access token (cached on disk, shared by every process), the WS approval key, revoke.

The cache is one JSON file per environment and key (``<data_dir>/kis-tokens/<env>-<hash>.json``,
the hash is of the app key and the REST origin, never the key itself), mode 0600, guarded by a
``filelock.FileLock`` so that two processes never both call tokenP. The file also remembers when
tokenP was last called, so the 1-per-60-s rule holds across processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import math
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
from filelock import FileLock
from loguru import logger

from kistrade.clock import wall_epoch
from kistrade.domain.errors import AuthError, ConfigError, RetryableError
from kistrade.domain.types import KST
from kistrade.kis.client.env import KisCredentials, KisEndpoints
from kistrade.kis.client.transport import post_json
from kistrade.kis.protocol.endpoints import APPROVAL_PATH, REVOKE_PATH, TOKEN_PATH

_BAD_CREDENTIAL = {
    "EGW00102": "app key is missing",
    "EGW00103": "app key is not valid",
    "EGW00104": "app secret is missing",
    "EGW00105": "app secret is not valid",
    "EGW00304": "app secret is not valid",
    "EGW02004": "a paper app key was sent to the real host",
}


@dataclass(frozen=True, slots=True)
class TokenStatus:
    """What ``kistrade token status`` shows: never the whole token."""

    env: str
    key_id: str
    cache_file: str
    cached: bool
    preview: str
    issued_at: datetime | None
    expires_at: datetime | None
    seconds_left: float
    last_issue_call: datetime | None


def _preview(token: str) -> str:
    return f"{token[:6]}…{token[-4:]}" if len(token) > 12 else "…"


def _kst(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, KST)


def _parse_expiry(text: object, fallback: float) -> float:
    if isinstance(text, str) and text:
        with contextlib.suppress(ValueError):
            return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=KST).timestamp()
    return fallback


_DAY_S = 86400.0


def _expires_in(value: object) -> float:
    """``expires_in`` as seconds: a finite number between 1 s and a year, else one day."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return _DAY_S
    try:
        seconds = float(value)
    except ValueError:
        return _DAY_S
    return seconds if math.isfinite(seconds) and 1.0 <= seconds <= 366 * _DAY_S else _DAY_S


def _usable(key: object) -> bool:
    """A token or approval key that can be sent back in a header: non-empty printable ASCII."""
    return isinstance(key, str) and bool(key) and key.isascii() and key.isprintable()


def _error_code(body: dict[str, Any]) -> tuple[str, str]:
    code = str(body.get("error_code") or body.get("msg_cd") or "")
    message = str(body.get("error_description") or body.get("msg1") or "").strip()
    return code, message


class KISAuthManager:
    """Access token, approval key and revoke for one key pair on one environment."""

    def __init__(
        self,
        credentials: KisCredentials,
        endpoints: KisEndpoints,
        data_dir: str | os.PathLike[str],
        *,
        session: aiohttp.ClientSession | None = None,
        refresh_margin: float = 600.0,
        min_issue_interval: float = 60.0,
        max_issue_attempts: int = 3,
        timeout: float = 10.0,
        epoch: Callable[[], float] = wall_epoch,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if credentials.env is not endpoints.env:
            raise ConfigError(
                f"credentials are declared for env={credentials.env.value} but the endpoints are "
                f"env={endpoints.env.value}; use the key pair issued for {endpoints.env.value}"
            )
        self.credentials = credentials
        self.endpoints = endpoints
        self.refresh_margin = refresh_margin
        self.min_issue_interval = min_issue_interval
        self.max_issue_attempts = max_issue_attempts
        self.timeout = timeout
        self._epoch = epoch
        self._sleep = sleep
        self._session = session
        self._own_session = session is None
        origin = hashlib.sha256(
            f"{credentials.app_key.get_secret_value()}|{endpoints.rest_url}".encode()
        ).hexdigest()[:20]
        directory = Path(data_dir) / "kis-tokens"
        self.cache_path = directory / f"{endpoints.env.value}-{origin}.json"
        self._file_lock = FileLock(str(self.cache_path) + ".lock", thread_local=False)
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self._approval_key: str | None = None
        self.issue_calls = 0

    # ---- plumbing -------------------------------------------------------------------------
    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._own_session = True
        return self._session

    async def aclose(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
        self._session = None

    def _read_cache(self) -> dict[str, Any]:
        try:
            data = json.loads(self.cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write_cache(self, data: dict[str, Any]) -> None:
        self.cache_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.cache_path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.cache_path)

    async def _acquire_file_lock(self) -> None:
        self.cache_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        while True:
            try:
                self._file_lock.acquire(timeout=0)
                return
            except TimeoutError:
                await asyncio.sleep(0.02)

    def _valid(self, token: object, expires_at: object) -> bool:
        return (
            isinstance(token, str)
            and bool(token)
            and isinstance(expires_at, int | float)
            and self._epoch() < float(expires_at) - self.refresh_margin
        )

    def _auth_error(self, code: str, message: str) -> AuthError:
        what = _BAD_CREDENTIAL.get(code, "credentials were refused")
        return AuthError(
            f"KIS {self.endpoints.env.value} ({self.endpoints.rest_url}) refused key "
            f"{self.credentials.key_id}: {what} ({code} {message})".strip()
        )

    # ---- access token ---------------------------------------------------------------------
    async def get_access_token(self) -> str:
        """A valid token: the in-memory one, else the shared cache file's, else a new issuance."""
        if self._valid(self._token, self._expires_at):
            assert self._token is not None
            return self._token
        async with self._lock:
            if self._valid(self._token, self._expires_at):
                assert self._token is not None
                return self._token
            await self._acquire_file_lock()
            try:
                cache = self._read_cache()
                if self._valid(cache.get("access_token"), cache.get("expires_at")):
                    self._token, self._expires_at = str(cache["access_token"]), float(cache["expires_at"])
                    return self._token
                return await self._issue_locked(cache)
            finally:
                self._file_lock.release()

    async def _issue_locked(self, cache: dict[str, Any]) -> str:
        for attempt in range(1, self.max_issue_attempts + 1):
            last = cache.get("last_issue_call")
            if isinstance(last, int | float):
                wait = float(last) + self.min_issue_interval - self._epoch()
                if wait > 0:
                    logger.info("KIS tokenP: waiting {:.1f} s (one issuance per minute)", wait)
                    await self._sleep(wait)
            now = self._epoch()
            cache["last_issue_call"] = now
            self._write_cache(cache)
            self.issue_calls += 1
            status, body = await post_json(
                await self._http(),
                self.endpoints.rest_url + TOKEN_PATH,
                {
                    "grant_type": "client_credentials",
                    "appkey": self.credentials.app_key.get_secret_value(),
                    "appsecret": self.credentials.app_secret.get_secret_value(),
                },
                time_limit=self.timeout,
            )
            token = body.get("access_token")
            if status == 200 and _usable(token):
                assert isinstance(token, str)
                expires_in = _expires_in(body.get("expires_in"))
                expires_at = _parse_expiry(body.get("access_token_token_expired"), now + expires_in)
                cache.update(access_token=token, expires_at=expires_at, issued_at=now)
                self._write_cache(cache)
                self._token, self._expires_at = token, expires_at
                logger.info(
                    "KIS {} token issued for key {} (expires {})",
                    self.endpoints.env.value,
                    self.credentials.key_id,
                    _kst(expires_at),
                )
                return token
            code, message = _error_code(body)
            if code == "EGW00133":
                logger.warning("KIS tokenP EGW00133 (1/min): retry {}/{}", attempt, self.max_issue_attempts)
                continue
            if code in _BAD_CREDENTIAL or status in (401, 403):
                raise self._auth_error(code, message)
            raise RetryableError(f"KIS tokenP failed with HTTP {status} {code} {message}".strip())
        raise RetryableError(
            f"KIS tokenP kept answering EGW00133 after {self.max_issue_attempts} attempts "
            f"spaced {self.min_issue_interval:.0f} s apart"
        )

    async def invalidate(self, token: str | None = None) -> None:
        """Forget ``token`` (EGW00123/EGW00121): in memory and in the shared cache if it still holds it."""
        async with self._lock:
            if token is None or token == self._token:
                self._token, self._expires_at = None, 0.0
            await self._acquire_file_lock()
            try:
                cache = self._read_cache()
                if cache.get("access_token") and (token is None or cache.get("access_token") == token):
                    cache.pop("access_token", None)
                    cache.pop("expires_at", None)
                    self._write_cache(cache)
            finally:
                self._file_lock.release()

    async def revoke(self) -> bool:
        """Revoke the cached token at KIS and delete it from the cache. False when there was none."""
        cache = self._read_cache()
        token = self._token or cache.get("access_token")
        if not isinstance(token, str) or not token:
            return False
        status, body = await post_json(
            await self._http(),
            self.endpoints.rest_url + REVOKE_PATH,
            {
                "appkey": self.credentials.app_key.get_secret_value(),
                "appsecret": self.credentials.app_secret.get_secret_value(),
                "token": token,
            },
            time_limit=self.timeout,
        )
        await self.invalidate(token)
        if status != 200:
            code, message = _error_code(body)
            if code in _BAD_CREDENTIAL:
                raise self._auth_error(code, message)
            logger.warning("KIS revokeP answered HTTP {} {} {}", status, code, message)
            return False
        return True

    def status(self) -> TokenStatus:
        cache = self._read_cache()
        token = cache.get("access_token")
        expires = cache.get("expires_at")
        issued = cache.get("issued_at")
        last = cache.get("last_issue_call")
        has = isinstance(token, str) and bool(token)
        return TokenStatus(
            env=self.endpoints.env.value,
            key_id=self.credentials.key_id,
            cache_file=str(self.cache_path),
            cached=has,
            preview=_preview(str(token)) if has else "",
            issued_at=_kst(float(issued)) if isinstance(issued, int | float) else None,
            expires_at=_kst(float(expires)) if has and isinstance(expires, int | float) else None,
            seconds_left=max(0.0, float(expires) - self._epoch())
            if has and isinstance(expires, int | float)
            else 0.0,
            last_issue_call=_kst(float(last)) if isinstance(last, int | float) else None,
        )

    # ---- websocket approval key -----------------------------------------------------------
    async def get_websocket_approval_key(self, *, fresh: bool = False) -> str:
        """The WS approval key (no issuance limit; kept in memory for this process)."""
        if self._approval_key and not fresh:
            return self._approval_key
        status, body = await post_json(
            await self._http(),
            self.endpoints.rest_url + APPROVAL_PATH,
            {
                "grant_type": "client_credentials",
                "appkey": self.credentials.app_key.get_secret_value(),
                "secretkey": self.credentials.app_secret.get_secret_value(),
            },
            time_limit=self.timeout,
        )
        key = body.get("approval_key")
        if status == 200 and _usable(key):
            assert isinstance(key, str)
            self._approval_key = key
            return key
        code, message = _error_code(body)
        if code in _BAD_CREDENTIAL or status in (401, 403):
            raise self._auth_error(code, message)
        raise RetryableError(f"KIS Approval failed with HTTP {status} {code} {message}".strip())
