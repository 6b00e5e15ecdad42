"""Environments, hosts, credentials and the account: what the client needs to know before any request.

How the client knows a key is a paper key: it cannot tell from the key itself (both are 36
opaque characters), so the caller DECLARES the environment of every key pair (``KisEnv``).
The client then refuses, before sending anything, a base URL whose host is the *other*
environment's known KIS host (a paper key against ``openapi.koreainvestment.com:9443`` or a real
key against ``openapivts...:29443``). Any other host (loopback, a test server) is a simulator and
is accepted for either declared environment: the simulator serves both.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import SecretStr

from kistrade.domain.errors import ConfigError
from kistrade.kis.protocol.endpoints import REST_HOSTS, WS_HOSTS, Env

KisEnv = Env
"""The environment a key pair was issued for (``real`` or ``paper``): kis.protocol's ``Env``."""

KNOWN_REST_URLS: dict[KisEnv, str] = dict(REST_HOSTS)
KNOWN_WS_URLS: dict[KisEnv, str] = dict(WS_HOSTS)
DEFAULT_RATE: dict[KisEnv, int] = {KisEnv.REAL: 20, KisEnv.PAPER: 2}


def _host_port(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        raise ConfigError(f"KIS base URL {url!r} is not an absolute URL (expected e.g. 'https://host:port')")
    return parts.hostname.lower(), parts.port


def url_env(url: str) -> KisEnv | None:
    """The KIS environment a URL belongs to, or ``None`` for any other host (a simulator)."""
    target = _host_port(url)
    for env, known in (*KNOWN_REST_URLS.items(), *KNOWN_WS_URLS.items()):
        if _host_port(known) == target:
            return env
    return None


def check_url_env(env: KisEnv, url: str, *, what: str = "REST") -> None:
    """Refuse a URL that belongs to the other KIS environment than the declared one."""
    actual = url_env(url)
    if actual is not None and actual is not env:
        raise ConfigError(
            f"a {env.value} app key cannot be used against the {actual.value} KIS {what} host {url!r}: "
            f"KIS answers EGW02004 for a paper key on the real host and refuses real keys on the paper "
            f"host; declare env={actual.value} with that environment's key pair, or use "
            f"{KNOWN_REST_URLS[env] if what == 'REST' else KNOWN_WS_URLS[env]}"
        )


def reveal(value: str | SecretStr) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


@dataclass(frozen=True, slots=True)
class KisCredentials:
    """One key pair and the environment it was issued for."""

    env: KisEnv
    app_key: SecretStr
    app_secret: SecretStr

    @classmethod
    def of(cls, env: KisEnv | str, app_key: str | SecretStr, app_secret: str | SecretStr) -> KisCredentials:
        key, secret = reveal(app_key), reveal(app_secret)
        if not key.strip():
            raise ConfigError("KIS app key is empty")
        if not secret.strip():
            raise ConfigError("KIS app secret is empty")
        return cls(KisEnv(env), SecretStr(key), SecretStr(secret))

    @property
    def key_id(self) -> str:
        """A stable, non-reversible id of the app key (for file names and logs)."""
        return hashlib.sha256(self.app_key.get_secret_value().encode()).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"KisCredentials(env={self.env.value}, key_id={self.key_id})"


@dataclass(frozen=True, slots=True)
class KisAccount:
    """Account number as KIS splits it: CANO (8 digits) and ACNT_PRDT_CD (2 digits)."""

    cano: str
    product: str = "01"

    @classmethod
    def parse(cls, raw: str) -> KisAccount:
        text = raw.strip().replace(" ", "")
        if "-" in text:
            cano, _, product = text.partition("-")
        elif len(text) == 10:
            cano, product = text[:8], text[8:]
        else:
            cano, product = text, "01"
        if not (cano.isdigit() and len(cano) == 8 and product.isdigit() and len(product) == 2):
            raise ConfigError(f"account {raw!r} is not 'XXXXXXXX-XX' (8-digit CANO, 2-digit product code)")
        return cls(cano, product)

    def __str__(self) -> str:
        return f"{self.cano}-{self.product}"


@dataclass(frozen=True, slots=True)
class KisEndpoints:
    """Base URLs of one environment (the known KIS hosts, or a simulator's)."""

    env: KisEnv
    rest_url: str
    ws_url: str

    @classmethod
    def for_env(
        cls, env: KisEnv | str, rest_url: str | None = None, ws_url: str | None = None
    ) -> KisEndpoints:
        e = KisEnv(env)
        rest = (rest_url or KNOWN_REST_URLS[e]).rstrip("/")
        ws = (ws_url or KNOWN_WS_URLS[e]).rstrip("/")
        check_url_env(e, rest, what="REST")
        check_url_env(e, ws, what="WebSocket")
        return cls(e, rest, ws)

    @property
    def is_simulator(self) -> bool:
        return url_env(self.rest_url) is None
