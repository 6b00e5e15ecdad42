"""What every TR handler receives (``TrRequest``) and returns (``TrReply``), and the services
one simulator environment shares between its REST handlers, its WS server and ``/sim``."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kistrade.kis.protocol.codes import error_body
from kistrade.kis.protocol.endpoints import Endpoint, Env
from kistrade.kis.simulator.auth import AuthRegistry
from kistrade.kis.simulator.config import SimConfig, SimCredentials
from kistrade.kis.simulator.faults import FaultState
from kistrade.kis.simulator.market import MarketHub
from kistrade.kis.simulator.ratelimit import RateLimiter


@dataclass(slots=True)
class Activity:
    """Counters for the CLI's per-minute activity line and /sim/clock."""

    requests: int = 0
    orders: int = 0
    errors: int = 0

    def snapshot_and_reset(self) -> tuple[int, int, int]:
        out = (self.requests, self.orders, self.errors)
        self.requests = self.orders = self.errors = 0
        return out


@dataclass(slots=True)
class SimServices:
    config: SimConfig
    hub: MarketHub
    auth: AuthRegistry
    faults: FaultState
    limiter: RateLimiter
    monotonic: Callable[[], float] = time.monotonic
    activity: Activity = field(default_factory=Activity)
    quote_cache: dict[tuple[str, date], Any] = field(default_factory=dict)  # per-day derived data
    ws_url: str = ""  # set once the WS site is bound (served by GET /sim/credentials)

    @property
    def env(self) -> Env:
        return Env(self.config.env)

    @property
    def is_paper(self) -> bool:
        return self.config.env == "paper"

    def account_of(self, app_key: str, cano: str, product: str) -> SimCredentials | None:
        """The credentials owning account ``cano``-``product`` when ``app_key`` may use it."""
        cred = self.auth.credentials_for(app_key)
        if cred is not None and cred.cano == cano and cred.product_code == product:
            return cred
        return None


class InputError(Exception):
    """A request parameter is missing or malformed; becomes a rt_cd failure naming the field."""

    def __init__(self, body: dict[str, str]) -> None:
        super().__init__(body.get("msg1", ""))
        self.body = body


@dataclass(frozen=True, slots=True)
class TrRequest:
    services: SimServices
    endpoint: Endpoint
    tr_id: str
    app_key: str
    params: Mapping[str, str]  # query (GET) or body (POST), keys UPPERCASED
    tr_cont: str  # request header, stripped ("" on first pages)

    @property
    def hub(self) -> MarketHub:
        return self.services.hub

    @property
    def is_paper(self) -> bool:
        return self.services.is_paper

    def get(self, name: str, default: str = "") -> str:
        """A parameter by (uppercase) name; empty and absent both give ``default``."""
        value = self.params.get(name.upper(), "")
        return value.strip() or default

    def require(self, name: str) -> str:
        value = self.get(name)
        if not value:
            raise InputError(error_body("OPSQ0001", f"ERROR : INPUT FIELD NOT FOUND [{name.upper()}]"))
        return value

    def int_param(self, name: str, default: int | None = None) -> int:
        raw = self.get(name)
        if not raw:
            if default is not None:
                return default
            raise InputError(error_body("OPSQ0001", f"ERROR : INPUT FIELD NOT FOUND [{name.upper()}]"))
        try:
            return int(raw)
        except ValueError:
            raise InputError(
                error_body("OPSQ2002", f"ERROR : INPUT INVALID_CHECK_FIELD [{name.upper()}={raw}]")
            ) from None

    def account(self) -> SimCredentials:
        """The account named by CANO/ACNT_PRDT_CD, owned by the calling app key (else OPSQ2000)."""
        cred = self.services.account_of(self.app_key, self.get("CANO"), self.get("ACNT_PRDT_CD"))
        if cred is None:
            raise InputError(error_body("OPSQ2000"))
        return cred


@dataclass(slots=True)
class TrReply:
    body: dict[str, Any]
    status: int = 200
    tr_cont: str = ""


TrHandler = Callable[[TrRequest], TrReply]

__all__ = ["Activity", "InputError", "SimServices", "TrHandler", "TrReply", "TrRequest"]
