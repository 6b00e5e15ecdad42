"""The ``kis`` settings section: trading mode, the real and paper KIS environments, the simulator.

Hosts are configuration values here (defaults for the two KIS environments); nothing in this
module knows a TR id or a KIS field name.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from kistrade.app.settings_common import parse_list, validate_symbols

APP_KEY_LEN = 36
APP_SECRET_LEN = 180
_ACCOUNT_RE = re.compile(r"^\d{8}-\d{2}$")
_ACCOUNT_PLACEHOLDER = "XXXXXXXX-XX"
_URL_RE = re.compile(r"^(https?|wss?)://[^\s/:]+(:\d+)?(/\S*)?$")

Mode = Literal["sim", "paper", "live"]


def _check_url(value: str, schemes: tuple[str, ...]) -> str:
    url = value.strip().rstrip("/")
    if not _URL_RE.match(url) or not url.startswith(tuple(f"{s}://" for s in schemes)):
        raise ValueError(f"must be an absolute URL starting with {' or '.join(s + '://' for s in schemes)}")
    return url


class KisEnvironmentSettings(BaseModel):
    """One KIS environment: its hosts, one key pair, the account it trades and the rate budget."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    rest_url: str = "https://openapi.koreainvestment.com:9443"
    ws_url: str = "ws://ops.koreainvestment.com:21000"
    app_key: SecretStr | None = None
    app_secret: SecretStr | None = None
    account: str | None = Field(default=None, description="XXXXXXXX-XX: 8-digit account, 2-digit product")
    hts_id: str | None = None
    rate_limit_per_s: int = Field(default=20, ge=1, le=100)

    @field_validator("rest_url")
    @classmethod
    def _rest_url(cls, value: str) -> str:
        return _check_url(value, ("https", "http"))

    @field_validator("ws_url")
    @classmethod
    def _ws_url(cls, value: str) -> str:
        return _check_url(value, ("ws", "wss"))

    @field_validator("app_key", "app_secret", mode="before")
    @classmethod
    def _empty_secret_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, SecretStr) and not value.get_secret_value().strip():
            return None
        return value

    @field_validator("app_key")
    @classmethod
    def _app_key_len(cls, value: SecretStr | None) -> SecretStr | None:
        length = 0 if value is None else len(value.get_secret_value().strip())
        if value is not None and length != APP_KEY_LEN:
            raise ValueError(f"an app key is {APP_KEY_LEN} characters; this one has {length}")
        return None if value is None else SecretStr(value.get_secret_value().strip())

    @field_validator("app_secret")
    @classmethod
    def _app_secret_len(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().strip()) != APP_SECRET_LEN:
            raise ValueError(
                f"an app secret is {APP_SECRET_LEN} characters; "
                f"this one has {len(value.get_secret_value().strip())}"
            )
        return None if value is None else SecretStr(value.get_secret_value().strip())

    @field_validator("account", mode="before")
    @classmethod
    def _account(cls, value: object) -> object:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise ValueError("must be a string like XXXXXXXX-XX (8 digits, a dash, 2 digits)")
        text = value.strip()
        if not text or text.upper() == _ACCOUNT_PLACEHOLDER:
            return None
        if len(text) == 10 and text.isdigit():
            text = f"{text[:8]}-{text[8:]}"
        if not _ACCOUNT_RE.match(text):
            raise ValueError("must look like XXXXXXXX-XX (8 digits, a dash, 2 digits)")
        return text

    @field_validator("hts_id", mode="before")
    @classmethod
    def _hts_id(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip() or None
        return value

    def account_parts(self) -> tuple[str, str]:
        """The account as (8-digit account number, 2-digit product code)."""
        if self.account is None:
            raise ValueError("no account is configured")
        number, product = self.account.split("-")
        return number, product

    def missing_credentials(self) -> list[str]:
        """Names of the credentials this environment lacks (app_key, app_secret, account, hts_id)."""
        names = ("app_key", "app_secret", "account", "hts_id")
        return [name for name in names if getattr(self, name) is None]


class KisRealSettings(KisEnvironmentSettings):
    """The real (실전) KIS environment, used by ``mode: live``."""


class KisPaperSettings(KisEnvironmentSettings):
    """The paper (모의투자) KIS environment, used by ``mode: paper``."""

    rest_url: str = "https://openapivts.koreainvestment.com:29443"
    ws_url: str = "ws://ops.koreainvestment.com:31000"
    rate_limit_per_s: int = Field(default=2, ge=1, le=100)


class SimSettings(BaseModel):
    """The bundled KIS-compatible simulator (``mode: sim``)."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    host: str = "127.0.0.1"
    rest_port: int = Field(default=0, ge=0, le=65535, description="0 = a free port")
    ws_port: int = Field(default=0, ge=0, le=65535, description="0 = a free port")
    speed: float = Field(default=1.0, gt=0, le=10_000)
    seed: int = 0
    symbols: Annotated[list[str], NoDecode] = Field(default_factory=list)
    cash: int = Field(default=100_000_000, ge=0)
    url: str | None = None

    @field_validator("symbols", mode="before")
    @classmethod
    def _symbols_list(cls, value: object) -> object:
        return parse_list(value)

    @field_validator("symbols")
    @classmethod
    def _symbols(cls, value: list[str]) -> list[str]:
        return validate_symbols(value)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return _check_url(value, ("http", "https"))


class KisSettings(BaseModel):
    """Which world the bot trades in and how to reach it."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    mode: Mode = "sim"
    real: KisRealSettings = Field(default_factory=KisRealSettings)
    paper: KisPaperSettings = Field(default_factory=KisPaperSettings)
    sim: SimSettings = Field(default_factory=SimSettings)
    token_refresh_margin_s: int = Field(default=3600, ge=0, le=86_400)

    @field_validator("mode", mode="before")
    @classmethod
    def _mode_lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    def missing_for_mode(self) -> list[str]:
        """Dotted keys (``kis.paper.app_key`` ...) of the credentials the mode needs but lacks."""
        env = self.environment()
        if env is None:
            return []
        block = "real" if self.mode == "live" else "paper"
        return [f"kis.{block}.{name}" for name in env.missing_credentials()]

    def environment(self) -> KisEnvironmentSettings | None:
        """The KIS environment block the mode trades against (``None`` in sim mode)."""
        if self.mode == "live":
            return self.real
        if self.mode == "paper":
            return self.paper
        return None
