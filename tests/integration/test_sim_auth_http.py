"""The simulator's OAuth endpoints and gateway checks over real loopback HTTP (raw aiohttp)."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, time, timedelta

from _sim_rest_client import QUOT, fast, running

from kistrade.clock import ManualClock, wall_now
from kistrade.domain.types import KST
from kistrade.kis.simulator.config import generate_credentials

T0 = datetime(2026, 3, 16, 8, 0, 0, tzinfo=KST)
PRICE = QUOT + "inquire-price"
Q = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}


async def test_token_issue_reuse_limit_and_expiry_over_http() -> None:
    clock = ManualClock(T0)
    async with running(fast(), token_clock=clock) as kis:
        first = await kis.token_p()
        assert first.status == 200
        assert first.header("Content-Type") == "application/json; charset=utf-8"
        body = first.body
        assert list(body) == ["access_token", "access_token_token_expired", "token_type", "expires_in"]
        assert body["access_token_token_expired"] == "2026-03-17 08:00:00"
        assert body["token_type"] == "Bearer" and body["expires_in"] == 86400
        assert body["access_token"].startswith("eyJ0eXAiOiJKV1Qi")  # {"typ":"JWT",...

        clock.advance(30)
        again = await kis.token_p()
        assert again.status == 403
        assert again.body == {
            "error_description": "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)",
            "error_code": "EGW00133",
        }
        clock.advance(31)
        reused = await kis.token_p()
        assert reused.status == 200 and reused.body["access_token"] == body["access_token"]
        assert reused.body["access_token_token_expired"] == "2026-03-17 08:00:00"

        kis.token = body["access_token"]
        ok = await kis.get(PRICE, "FHKST01010100", Q)
        assert ok.status == 200 and ok.body["rt_cd"] == "0"

        clock.set(T0 + timedelta(hours=24))
        expired = await kis.get(PRICE, "FHKST01010100", Q)
        assert expired.status == 500
        assert expired.body == {"rt_cd": "1", "msg1": "기간이 만료된 token 입니다.", "msg_cd": "EGW00123"}
        assert list(expired.body) == ["rt_cd", "msg1", "msg_cd"]


async def test_bad_key_secret_grant_and_revoke() -> None:
    async with running(fast()) as kis:
        bad_key = await kis.token_p(appkey="A" * 36)
        assert (bad_key.status, bad_key.body["error_code"]) == (403, "EGW00103")
        assert bad_key.body["error_description"] == "유효하지 않은 AppKey입니다."
        bad_secret = await kis.token_p(appsecret="B" * 180)
        assert (bad_secret.status, bad_secret.body["error_code"]) == (403, "EGW00105")
        assert (await kis.token_p(grant_type="")).body["error_code"] == "EGW00115"
        assert (await kis.token_p(grant_type="password")).body["error_code"] == "EGW00116"

        token = await kis.login()
        revoke = {"appkey": kis.cred.app_key, "appsecret": kis.cred.app_secret, "token": token}
        done = await kis.post_json("/oauth2/revokeP", revoke)
        assert done.status == 200
        assert done.body == {"code": 200, "message": "접근토큰 폐기에 성공하였습니다"}
        after = await kis.get(PRICE, "FHKST01010100", Q)
        assert after.status == 500
        assert after.body == {"rt_cd": "1", "msg1": "유효하지 않은 token 입니다.", "msg_cd": "EGW00121"}
        twice = await kis.post_json("/oauth2/revokeP", revoke)
        assert (twice.status, twice.body["error_code"]) == (403, "EGW00121")


async def test_missing_token_and_wrong_key_headers() -> None:
    async with running(fast()) as kis:
        kis.token = ""
        missing = await kis.get(PRICE, "FHKST01010100", Q)
        assert (missing.status, missing.body["msg_cd"]) == (500, "EGW00121")
        await kis.login()
        headers = {**kis.headers("FHKST01010100"), "appsecret": "C" * 180}
        async with kis.http.get(kis.sim.rest_url + PRICE, params=Q, headers=headers) as resp:
            assert resp.status == 500
            assert (await resp.json())["msg_cd"] == "EGW00105"


async def test_paper_key_on_the_real_server_is_egw02004() -> None:
    paper = generate_credentials(0, "paper")
    async with running(fast("real")) as kis:
        await kis.login()
        headers = {**kis.headers("FHKST01010100"), "appkey": paper.app_key, "appsecret": paper.app_secret}
        async with kis.http.get(kis.sim.rest_url + PRICE, params=Q, headers=headers) as resp:
            assert resp.status == 500
            assert await resp.json() == {
                "rt_cd": "1",
                "msg1": "실전투자 도메인은 모의투자 앱키로 호출하실 수 없습니다.",
                "msg_cd": "EGW02004",
            }


async def test_approval_keys_and_hashkey() -> None:
    async with running(fast("paper")) as kis:
        body = {
            "grant_type": "client_credentials",
            "appkey": kis.cred.app_key,
            "secretkey": kis.cred.app_secret,
        }
        keys = []
        for _ in range(3):  # no per-minute limit, each key independent
            reply = await kis.post_json("/oauth2/Approval", body)
            assert reply.status == 200 and list(reply.body) == ["approval_key"]
            keys.append(reply.body["approval_key"])
        assert len(set(keys)) == 3
        assert all(kis.sim.auth.is_valid_approval_key(k) == kis.cred.app_key for k in keys)
        wrong = await kis.post_json("/oauth2/Approval", {**body, "secretkey": "x"})
        assert (wrong.status, wrong.body["error_code"]) == (403, "EGW00105")

        order = {"CANO": kis.cred.cano, "ACNT_PRDT_CD": "01", "PDNO": "005930", "ORD_DVSN": "00"}
        raw = json.dumps(order).encode()
        async with kis.http.post(
            kis.sim.rest_url + "/uapi/hashkey",
            data=raw,
            headers={
                "content-type": "application/json",
                "appkey": kis.cred.app_key,
                "appsecret": kis.cred.app_secret,
            },
        ) as resp:
            assert resp.status == 200
            got = await resp.json()
        assert got == {"BODY": order, "HASH": hashlib.sha256(raw).hexdigest()}


async def test_expire_all_tokens_fault_then_reissue() -> None:
    async with running(fast()) as kis:
        token = await kis.login()
        async with kis.http.post(kis.sim.rest_url + "/sim/faults", json={"expire_tokens": True}) as resp:
            assert resp.status == 200 and (await resp.json())["done"] == ["expire_tokens"]
        expired = await kis.get(PRICE, "FHKST01010100", Q)
        assert (expired.status, expired.body["msg_cd"]) == (500, "EGW00123")
        assert await kis.login() != token  # the 60 s issuance limit is lifted by the fault
        assert (await kis.get(PRICE, "FHKST01010100", Q)).status == 200


async def test_token_expiry_follows_the_wall_clock_not_the_market_clock() -> None:
    """§11.2: a session simulated at 500x from another day still reports wall time + 24 h."""
    config = fast(speed=500.0, start=time(14, 0), start_date=date(2026, 1, 5))
    async with running(config) as kis:
        before = wall_now()
        reply = await kis.token_p()
        expiry = datetime.strptime(reply.body["access_token_token_expired"], "%Y-%m-%d %H:%M:%S").replace(
            tzinfo=KST
        )
        assert abs((expiry - (before + timedelta(hours=24))).total_seconds()) < 5
        assert kis.sim.hub.now().date() == date(2026, 1, 5)


async def test_real_and_paper_run_side_by_side_with_separate_keys() -> None:
    async with running(fast("real")) as real, running(fast("paper")) as paper:
        assert real.sim.rest_port != paper.sim.rest_port and real.sim.ws_port != paper.sim.ws_port
        paper_token = await paper.login()
        await real.login()
        ok = await paper.get(PRICE, "FHKST01010100", Q)
        assert ok.status == 200
        # python-kis#90: the paper key/token sent to the real host
        headers = paper.headers("FHKST01010100")
        async with real.http.get(real.sim.rest_url + PRICE, params=Q, headers=headers) as resp:
            assert resp.status == 500 and (await resp.json())["msg_cd"] == "EGW02004"
        # a real token is unknown to the paper server
        headers = {**real.headers("FHKST01010100")}
        async with paper.http.get(paper.sim.rest_url + PRICE, params=Q, headers=headers) as resp:
            assert resp.status == 500 and (await resp.json())["msg_cd"] == "EGW00121"
        assert paper_token != real.token
