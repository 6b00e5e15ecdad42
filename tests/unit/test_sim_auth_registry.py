"""AuthRegistry rules with a manual clock: 6 h reuse, 60 s issuance limit, 24 h expiry, keys."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta

import pytest

from kistrade.clock import ManualClock
from kistrade.domain.types import KST
from kistrade.kis.simulator.auth import AuthFailure, AuthRegistry, TokenGrant, hash_body
from kistrade.kis.simulator.config import SimConfig, generate_credentials

T0 = datetime(2026, 3, 16, 8, 0, 0, tzinfo=KST)
REAL = generate_credentials(7, "real")
PAPER = generate_credentials(7, "paper")


def registry(env: str = "real") -> tuple[AuthRegistry, ManualClock]:
    clock = ManualClock(T0)
    cred = REAL if env == "real" else PAPER
    other = PAPER if env == "real" else REAL
    return AuthRegistry([cred], env=env, clock=clock, foreign_app_keys=[other.app_key]), clock  # type: ignore[arg-type]


def token_body(cred=REAL, **over: str) -> dict[str, str]:
    body = {"grant_type": "client_credentials", "appkey": cred.app_key, "appsecret": cred.app_secret}
    body.update(over)
    return body


def headers(token: str, cred=REAL) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "appkey": cred.app_key, "appsecret": cred.app_secret}


def issue(reg: AuthRegistry) -> TokenGrant:
    grant = reg.issue_token(token_body())
    assert isinstance(grant, TokenGrant), grant
    return grant


def test_generated_credentials_are_deterministic_and_well_formed() -> None:
    assert generate_credentials(7, "real") == REAL
    assert generate_credentials(8, "real") != REAL
    assert REAL.app_key != PAPER.app_key
    assert len(REAL.app_key) == 36 and len(REAL.app_secret) == 180
    assert (
        REAL.account[8] == "-"
        and len(REAL.account) == 11
        and REAL.account_no == REAL.account.replace("-", "")
    )
    assert SimConfig(seed=7).creds == REAL
    assert SimConfig(seed=7, env="real").other_env_app_keys == {PAPER.app_key}


def test_token_is_a_jwt_with_a_24h_expiry_string() -> None:
    reg, _ = registry()
    grant = issue(reg)
    body = grant.as_body()
    assert list(body) == ["access_token", "access_token_token_expired", "token_type", "expires_in"]
    assert body["access_token_token_expired"] == "2026-03-17 08:00:00"
    assert body["token_type"] == "Bearer" and body["expires_in"] == 86400
    head, claims, sig = str(body["access_token"]).split(".")
    assert json.loads(base64.urlsafe_b64decode(head + "==")) == {"typ": "JWT", "alg": "HS512"}
    assert json.loads(base64.urlsafe_b64decode(claims + "=="))["iss"] == "unogw"
    assert len(str(body["access_token"])) <= 350 and sig


def test_second_call_within_60s_is_refused_then_same_token_within_6h_then_new() -> None:
    reg, clock = registry()
    first = issue(reg)
    clock.advance(59)
    assert reg.issue_token(token_body()) == AuthFailure("EGW00133")
    clock.advance(2)
    again = issue(reg)
    assert again.token == first.token and again.expires_at == first.expires_at
    assert again.expires_in == 86400 - 61
    clock.set(T0 + timedelta(hours=6, seconds=1))
    fresh = issue(reg)
    assert fresh.token != first.token
    assert reg.check_request(headers(first.token)) == REAL.app_key  # the old one stays valid


def test_expiry_gives_egw00123_and_unknown_or_revoked_egw00121() -> None:
    reg, clock = registry()
    grant = issue(reg)
    assert reg.check_request(headers(grant.token)) == REAL.app_key
    assert reg.check_request(headers("nope")) == AuthFailure("EGW00121")
    assert reg.check_request({"appkey": REAL.app_key, "appsecret": REAL.app_secret}) == AuthFailure(
        "EGW00121"
    )
    clock.set(grant.expires_at)
    assert reg.check_request(headers(grant.token)) == AuthFailure("EGW00123")
    clock.advance(61)
    renewed = issue(reg)
    assert renewed.token != grant.token
    assert reg.revoke({"appkey": REAL.app_key, "appsecret": REAL.app_secret, "token": renewed.token}) is None
    assert reg.check_request(headers(renewed.token)) == AuthFailure("EGW00121")
    assert reg.revoke(
        {"appkey": REAL.app_key, "appsecret": REAL.app_secret, "token": renewed.token}
    ) == AuthFailure("EGW00121")


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"grant_type": ""}, "EGW00115"),
        ({"grant_type": "password"}, "EGW00116"),
        ({"appkey": ""}, "EGW00102"),
        ({"appkey": "X" * 36}, "EGW00103"),
        ({"appsecret": ""}, "EGW00104"),
        ({"appsecret": "Y" * 180}, "EGW00105"),
    ],
)
def test_token_request_errors(over: dict[str, str], code: str) -> None:
    reg, _ = registry()
    assert reg.issue_token(token_body(**over)) == AuthFailure(code)


def test_key_pair_headers_must_match_the_token() -> None:
    reg, _ = registry()
    grant = issue(reg)
    assert reg.check_request({**headers(grant.token), "appsecret": "Z" * 180}) == AuthFailure("EGW00105")
    assert reg.check_request({**headers(grant.token), "appkey": "Q" * 36}) == AuthFailure("EGW00103")


def test_paper_key_on_real_server_is_egw02004() -> None:
    reg, _ = registry("real")
    assert reg.check_request(headers("whatever", PAPER)) == AuthFailure("EGW02004")
    assert reg.issue_token(token_body(PAPER)) == AuthFailure("EGW02004")
    paper_reg, _ = registry("paper")
    assert paper_reg.issue_token(token_body(REAL)) == AuthFailure("EGW00103")


def test_approval_keys_are_independent_unlimited_and_expire_after_24h() -> None:
    reg, clock = registry()
    body = {"grant_type": "client_credentials", "appkey": REAL.app_key, "secretkey": REAL.app_secret}
    keys = [reg.issue_approval(body) for _ in range(5)]
    assert all(isinstance(k, str) and len(k) == 36 for k in keys)
    assert len(set(keys)) == 5
    assert all(reg.is_valid_approval_key(str(k)) == REAL.app_key for k in keys)
    assert reg.is_valid_approval_key("nope") is None
    assert reg.issue_approval({**body, "secretkey": "bad"}) == AuthFailure("EGW00105")
    assert reg.hts_id_for(REAL.app_key) == REAL.hts_id
    clock.advance(86_400)
    assert reg.is_valid_approval_key(str(keys[0])) is None


def test_expire_all_expires_tokens_and_lifts_the_minute_limit() -> None:
    reg, _ = registry()
    grant = issue(reg)
    assert reg.expire_all() == 1
    assert reg.check_request(headers(grant.token)) == AuthFailure("EGW00123")
    assert issue(reg).token != grant.token


def test_hashkey_is_sha256_of_the_raw_body() -> None:
    assert hash_body(b"{}") == "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
