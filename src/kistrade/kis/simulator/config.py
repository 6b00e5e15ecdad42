"""Configuration of one simulator environment (``real`` or ``paper``) and its test credentials.

Default credentials are generated deterministically from the seed and the environment, so
``kistrade sim`` can print them and tests know them without any file: the same seed always gives
the same 36-char app key, 180-char app secret, ``XXXXXXXX-XX`` account and HTS id.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass, field, replace
from datetime import date, time
from typing import Literal

from kistrade.domain.errors import ConfigError
from kistrade.kis.simulator.faults import FaultState, parse_fault_spec

SimEnv = Literal["real", "paper"]
ClockMode = Literal["sim", "real"]
RateWindow = Literal["fixed", "sliding"]

ENVS: tuple[SimEnv, ...] = ("real", "paper")
KIS_PORTS: dict[str, tuple[int, int]] = {"real": (9443, 21000), "paper": (29443, 31000)}
"""The real KIS (REST, WS) ports of each environment: the CLI's defaults."""
DEFAULT_RATE_PER_S: dict[str, int] = {"real": 20, "paper": 2}
DEFAULT_CASH = 100_000_000
DEFAULT_SYMBOLS: tuple[str, ...] = ("005930", "000660")

APP_KEY_LEN = 36
APP_SECRET_LEN = 180
_ACCOUNT_RE = re.compile(r"^\d{8}-\d{2}$")
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


@dataclass(frozen=True, slots=True)
class SimCredentials:
    """The key pair, account and HTS id one simulator environment accepts."""

    app_key: str
    app_secret: str
    account: str  # "XXXXXXXX-XX"
    hts_id: str
    generated: bool = False  # True when derived from the seed (safe to print)

    def __post_init__(self) -> None:
        if len(self.app_key) != APP_KEY_LEN:
            raise ConfigError(f"simulator app key must be {APP_KEY_LEN} characters, got {len(self.app_key)}")
        if len(self.app_secret) != APP_SECRET_LEN:
            raise ConfigError(
                f"simulator app secret must be {APP_SECRET_LEN} characters, got {len(self.app_secret)}"
            )
        if not _ACCOUNT_RE.match(self.account):
            raise ConfigError(f"simulator account {self.account!r} is not of the form XXXXXXXX-XX (digits)")
        if not self.hts_id or len(self.hts_id) > 12:
            raise ConfigError(f"simulator HTS id {self.hts_id!r} must be 1-12 characters")

    @property
    def cano(self) -> str:
        """The 8-digit account number (CANO)."""
        return self.account[:8]

    @property
    def product_code(self) -> str:
        """The 2-digit product code (ACNT_PRDT_CD)."""
        return self.account[9:]

    @property
    def account_no(self) -> str:
        """CANO + ACNT_PRDT_CD, 10 digits (the MarketHub account id)."""
        return self.cano + self.product_code


def generate_credentials(seed: int, env: SimEnv) -> SimCredentials:
    """Deterministic test credentials for ``env``; real and paper never share a key."""
    rng = random.Random(f"kistrade-sim:{env}:{seed}")
    key_body = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(APP_KEY_LEN - 2))
    secret = "".join(rng.choice(_SECRET_ALPHABET) for _ in range(APP_SECRET_LEN))
    first = "6" if env == "real" else "5"  # KIS paper accounts start with 5
    account = first + "".join(rng.choice(string.digits) for _ in range(7)) + "-01"
    hts_id = ("simr" if env == "real" else "simp") + "".join(
        rng.choice(string.ascii_lowercase + string.digits) for _ in range(4)
    )
    return SimCredentials(
        app_key="PS" + key_body, app_secret=secret, account=account, hts_id=hts_id, generated=True
    )


def _other(env: SimEnv) -> SimEnv:
    return "paper" if env == "real" else "real"


@dataclass(frozen=True, slots=True)
class SimConfig:
    """Everything one simulator environment needs. ``rest_port``/``ws_port`` 0 = a free port."""

    env: SimEnv = "real"
    host: str = "127.0.0.1"
    rest_port: int = 0
    ws_port: int = 0
    symbols: tuple[str, ...] = DEFAULT_SYMBOLS
    speed: float = 1.0
    seed: int = 0
    start: time | None = None  # simulated start time of day (default 09:00)
    start_date: date | None = None  # simulated session date (default: today's wall date)
    clock_mode: ClockMode = "sim"  # "real": follow the real KRX clock and calendar
    source: str = "synthetic"  # "synthetic" or "replay:PATH"
    faults: str = ""  # a fault spec, see faults.parse_fault_spec
    credentials: SimCredentials | None = None  # None = generated from the seed
    cash: int = DEFAULT_CASH
    rate_limit_per_s: int | None = None  # None = 20 real / 2 paper
    rate_window: RateWindow = "fixed"
    pingpong_interval: float = 10.0  # wall seconds between PINGPONG frames
    notice_fields: int = 26  # 26 (2025 layout) or 23 (legacy)
    multi_record_bursts: bool = True
    token_validity_s: int = 86_400
    token_reuse_s: int = 6 * 3600
    token_min_interval_s: float = 60.0
    foreign_app_keys: frozenset[str] | None = None  # keys of the other env (None = its generated key)
    extra_credentials: tuple[SimCredentials, ...] = field(default=())  # more accounts/app keys

    def __post_init__(self) -> None:
        if self.env not in ENVS:
            raise ConfigError(f"simulator env {self.env!r} must be 'real' or 'paper'")
        if self.clock_mode not in ("sim", "real"):
            raise ConfigError(f"simulator clock mode {self.clock_mode!r} must be 'sim' or 'real'")
        if self.rate_window not in ("fixed", "sliding"):
            raise ConfigError(f"rate window {self.rate_window!r} must be 'fixed' or 'sliding'")
        if self.speed <= 0:
            raise ConfigError(f"simulator speed {self.speed} must be positive")
        if self.cash < 0:
            raise ConfigError(f"simulator cash {self.cash} must not be negative")
        if self.notice_fields not in (23, 26):
            raise ConfigError(f"notice layout {self.notice_fields} must be 26 or 23 fields")
        if self.rate_limit_per_s is not None and self.rate_limit_per_s <= 0:
            raise ConfigError(f"rate limit {self.rate_limit_per_s}/s must be positive")
        for port in (self.rest_port, self.ws_port):
            if not 0 <= port <= 65535:
                raise ConfigError(f"port {port} is outside 0-65535")
        if self.faults:  # fail at configuration time, naming the bad fault
            FaultState().apply(parse_fault_spec(self.faults))
        if not (self.source == "synthetic" or self.source.startswith("replay:")):
            raise ConfigError(f"simulator source {self.source!r} must be 'synthetic' or 'replay:PATH'")

    @classmethod
    def with_kis_ports(cls, env: SimEnv = "real", **kwargs: object) -> SimConfig:
        """A config on the real KIS ports of ``env`` (9443/21000 real, 29443/31000 paper)."""
        rest, ws = KIS_PORTS[env]
        return cls(env=env, rest_port=rest, ws_port=ws, **kwargs)  # type: ignore[arg-type]

    @property
    def creds(self) -> SimCredentials:
        """The primary credentials (given, or generated from the seed)."""
        return self.credentials or generate_credentials(self.seed, self.env)

    @property
    def all_credentials(self) -> tuple[SimCredentials, ...]:
        return (self.creds, *self.extra_credentials)

    @property
    def rate_per_s(self) -> int:
        return self.rate_limit_per_s or DEFAULT_RATE_PER_S[self.env]

    @property
    def is_paper(self) -> bool:
        return self.env == "paper"

    @property
    def other_env_app_keys(self) -> frozenset[str]:
        """App keys of the other environment: answered with EGW02004 on the real server."""
        if self.foreign_app_keys is not None:
            return self.foreign_app_keys
        return frozenset({generate_credentials(self.seed, _other(self.env)).app_key})

    @property
    def replay_path(self) -> str | None:
        return self.source.removeprefix("replay:") if self.source.startswith("replay:") else None

    def evolve(self, **changes: object) -> SimConfig:
        return replace(self, **changes)  # type: ignore[arg-type]


__all__ = [
    "DEFAULT_CASH",
    "DEFAULT_RATE_PER_S",
    "DEFAULT_SYMBOLS",
    "ENVS",
    "KIS_PORTS",
    "ClockMode",
    "RateWindow",
    "SimConfig",
    "SimCredentials",
    "SimEnv",
    "generate_credentials",
]
