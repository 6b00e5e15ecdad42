"""Environments, hosts and accounts: the checks made before any request."""

from __future__ import annotations

import pytest

from kistrade.domain.errors import ConfigError
from kistrade.kis.client.env import KisAccount, KisCredentials, KisEndpoints, KisEnv, url_env


def test_known_hosts_map_to_their_environment() -> None:
    assert url_env("https://openapi.koreainvestment.com:9443") is KisEnv.REAL
    assert url_env("https://openapivts.koreainvestment.com:29443/") is KisEnv.PAPER
    assert url_env("ws://ops.koreainvestment.com:31000") is KisEnv.PAPER
    assert url_env("http://127.0.0.1:9443") is None


def test_ws_host_of_the_other_env_is_refused() -> None:
    with pytest.raises(ConfigError, match="WebSocket"):
        KisEndpoints.for_env("real", None, "ws://ops.koreainvestment.com:31000")


def test_defaults_are_the_known_hosts() -> None:
    eps = KisEndpoints.for_env("paper")
    assert eps.rest_url.endswith(":29443") and eps.ws_url.endswith(":31000") and not eps.is_simulator


@pytest.mark.parametrize(
    ("raw", "cano", "prod"),
    [("12345678-01", "12345678", "01"), ("1234567822", "12345678", "22"), ("12345678", "12345678", "01")],
)
def test_account_parse(raw: str, cano: str, prod: str) -> None:
    acct = KisAccount.parse(raw)
    assert (acct.cano, acct.product) == (cano, prod) and str(acct) == f"{cano}-{prod}"


@pytest.mark.parametrize("raw", ["1234-01", "abcdefgh-01", "12345678-1"])
def test_bad_account_is_named(raw: str) -> None:
    with pytest.raises(ConfigError, match=raw):
        KisAccount.parse(raw)


def test_credentials_never_show_the_key() -> None:
    creds = KisCredentials.of("real", "PSKEYKEYKEY", "SECRETSECRET")
    assert "PSKEY" not in repr(creds) and "SECRET" not in repr(creds) and len(creds.key_id) == 16
    with pytest.raises(ConfigError, match="app secret is empty"):
        KisCredentials.of("real", "k", " ")
