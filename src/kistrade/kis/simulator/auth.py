"""Simulated KIS authentication: access tokens, WebSocket approval keys, request checks.

Rules (shared/kis-protocol.md §2, §5.3, §11.2, §11.9):
- ``tokenP``: valid 24 h; a call within 6 h of an issuance returns the same token (with its
  original expiry); a second successful call within 60 s per app key is refused (403 EGW00133);
  ``access_token_token_expired`` is the issuing clock's KST time + 24 h (the wall clock in
  production, never the simulated market clock).
- Approval keys are independent, unlimited and checked only when a WS session starts.
- Every TR request: a paper key on the real server -> EGW02004; missing/unknown/revoked token ->
  EGW00121; expired -> EGW00123; app key / secret headers must be the token's key pair.

Pure logic (no aiohttp): the HTTP glue is in auth_routes.py. Time comes from an injected Clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from kistrade.domain.types import KST
from kistrade.kis.simulator.config import SimCredentials, SimEnv
from kistrade.ports import Clock

EXPIRY_FORMAT = "%Y-%m-%d %H:%M:%S"
GRANT_TYPE = "client_credentials"


@dataclass(frozen=True, slots=True)
class AuthFailure:
    """A refused request: the EGW code (message from the protocol code table)."""

    code: str


@dataclass(slots=True)
class TokenRecord:
    token: str
    app_key: str
    issued_at: datetime
    expires_at: datetime
    revoked: bool = False


@dataclass(frozen=True, slots=True)
class TokenGrant:
    token: str
    expires_at: datetime
    expires_in: int  # seconds left

    def as_body(self) -> dict[str, object]:
        return {
            "access_token": self.token,
            "access_token_token_expired": self.expires_at.astimezone(KST).strftime(EXPIRY_FORMAT),
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _text(body: Mapping[str, object], key: str) -> str:
    value = body.get(key)
    return value if isinstance(value, str) else ""


class AuthRegistry:
    """Tokens and approval keys of one simulator environment."""

    def __init__(
        self,
        credentials: Iterable[SimCredentials],
        *,
        env: SimEnv,
        clock: Clock,
        foreign_app_keys: Iterable[str] = (),
        validity_s: int = 86_400,
        reuse_s: int = 6 * 3600,
        min_interval_s: float = 60.0,
    ) -> None:
        self.env: SimEnv = env
        self._clock = clock
        self._creds: dict[str, SimCredentials] = {c.app_key: c for c in credentials}
        if not self._creds:
            raise ValueError("AuthRegistry needs at least one key pair")
        self._foreign = frozenset(foreign_app_keys) - set(self._creds)
        self._validity = timedelta(seconds=validity_s)
        self._reuse = timedelta(seconds=reuse_s)
        self._min_interval = timedelta(seconds=min_interval_s)
        self._signing_key = secrets.token_bytes(32)
        self._tokens: dict[str, TokenRecord] = {}
        self._latest: dict[str, TokenRecord] = {}  # app key -> last issued token
        self._last_call: dict[str, datetime] = {}  # app key -> last successful tokenP call
        self._approvals: dict[str, tuple[str, datetime]] = {}  # approval key -> (app key, issued)
        self.tokens_issued = 0

    # lookups for the WS side -----------------------------------------------------------------
    def credentials_for(self, app_key: str) -> SimCredentials | None:
        return self._creds.get(app_key)

    def hts_id_for(self, app_key: str) -> str | None:
        cred = self._creds.get(app_key)
        return cred.hts_id if cred else None

    def is_valid_approval_key(self, key: str) -> str | None:
        """The app key an approval key was issued for, or None (unknown or older than 24 h)."""
        entry = self._approvals.get(key)
        if entry is None:
            return None
        app_key, issued = entry
        if self._clock.now() >= issued + self._validity:
            return None
        return app_key

    def is_foreign_key(self, app_key: str) -> bool:
        return app_key in self._foreign

    # key checks --------------------------------------------------------------------------------
    def _check_pair(self, app_key: str, secret: str) -> AuthFailure | None:
        if not app_key:
            return AuthFailure("EGW00102")
        if self.env == "real" and app_key in self._foreign:
            return AuthFailure("EGW02004")
        cred = self._creds.get(app_key)
        if cred is None:
            return AuthFailure("EGW00103")
        if not secret:
            return AuthFailure("EGW00104")
        if not hmac.compare_digest(cred.app_secret, secret):
            return AuthFailure("EGW00105")
        return None

    # tokenP / revokeP / Approval --------------------------------------------------------------
    def issue_token(self, body: Mapping[str, object]) -> TokenGrant | AuthFailure:
        grant = _text(body, "grant_type")
        if not grant:
            return AuthFailure("EGW00115")
        if grant != GRANT_TYPE:
            return AuthFailure("EGW00116")
        app_key = _text(body, "appkey")
        failure = self._check_pair(app_key, _text(body, "appsecret"))
        if failure is not None:
            return failure
        now = self._clock.now()
        last = self._last_call.get(app_key)
        if last is not None and now - last < self._min_interval:
            return AuthFailure("EGW00133")
        self._last_call[app_key] = now
        record = self._latest.get(app_key)
        reusable = (
            record is not None
            and not record.revoked
            and now < record.expires_at
            and now - record.issued_at < self._reuse
        )
        if not reusable or record is None:
            record = self._new_token(app_key, now)
        left = max(0, int((record.expires_at - now).total_seconds()))
        return TokenGrant(token=record.token, expires_at=record.expires_at, expires_in=left)

    def _new_token(self, app_key: str, now: datetime) -> TokenRecord:
        expires = now + self._validity
        header = _b64url(b'{"typ":"JWT","alg":"HS512"}')
        claims = {
            "sub": "token",
            "aud": str(uuid.uuid4()),
            "prdt_cd": "",
            "iss": "unogw",
            "exp": int(expires.timestamp()),
            "iat": int(now.timestamp()),
            "jti": app_key,
        }
        payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
        signature = hmac.new(self._signing_key, f"{header}.{payload}".encode(), hashlib.sha512).digest()
        token = f"{header}.{payload}.{_b64url(signature)}"
        record = TokenRecord(token=token, app_key=app_key, issued_at=now, expires_at=expires)
        self._tokens[token] = record
        self._latest[app_key] = record
        self.tokens_issued += 1
        return record

    def revoke(self, body: Mapping[str, object]) -> AuthFailure | None:
        app_key = _text(body, "appkey")
        failure = self._check_pair(app_key, _text(body, "appsecret"))
        if failure is not None:
            return failure
        record = self._tokens.get(_text(body, "token"))
        if record is None or record.revoked or record.app_key != app_key:
            return AuthFailure("EGW00121")
        record.revoked = True
        return None

    def issue_approval(self, body: Mapping[str, object]) -> str | AuthFailure:
        grant = _text(body, "grant_type")
        if not grant:
            return AuthFailure("EGW00115")
        if grant != GRANT_TYPE:
            return AuthFailure("EGW00116")
        app_key = _text(body, "appkey")
        failure = self._check_pair(app_key, _text(body, "secretkey"))
        if failure is not None:
            return failure
        key = str(uuid.uuid4())
        self._approvals[key] = (app_key, self._clock.now())
        return key

    # TR request check ---------------------------------------------------------------------------
    def check_request(self, headers: Mapping[str, str]) -> str | AuthFailure:
        """The app key a TR request is authorised for, or the EGW failure to answer."""
        app_key = headers.get("appkey", "")
        if self.env == "real" and app_key in self._foreign:
            return AuthFailure("EGW02004")
        scheme, _, token = headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return AuthFailure("EGW00121")
        record = self._tokens.get(token.strip())
        if record is None or record.revoked:
            return AuthFailure("EGW00121")
        if self._clock.now() >= record.expires_at:
            return AuthFailure("EGW00123")
        failure = self._check_pair(app_key, headers.get("appsecret", ""))
        if failure is not None:
            return failure
        if record.app_key != app_key:
            return AuthFailure("EGW00121")
        return app_key

    # faults ---------------------------------------------------------------------------------------
    def expire_all(self) -> int:
        """Expire every token now (and lift the 60 s issuance limit so clients can re-issue)."""
        now = self._clock.now()
        count = 0
        for record in self._tokens.values():
            if record.expires_at > now:
                record.expires_at = now
                count += 1
        self._last_call.clear()
        return count


def hash_body(raw: bytes) -> str:
    """The ``/uapi/hashkey`` HASH: SHA-256 hex of the raw request body."""
    return hashlib.sha256(raw).hexdigest()


__all__ = ["EXPIRY_FORMAT", "AuthFailure", "AuthRegistry", "TokenGrant", "TokenRecord", "hash_body"]
