"""KisRestClient retry policy, headers and pagination against a tiny aiohttp KIS on loopback."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from kistrade.clock import ManualClock
from kistrade.domain.errors import AuthError, ReauthRequiredError, RejectedError
from kistrade.domain.types import KST, OrderType, Side
from kistrade.kis.client.account import KisAccountApi
from kistrade.kis.client.auth import KISAuthManager
from kistrade.kis.client.env import KisAccount, KisCredentials, KisEndpoints
from kistrade.kis.client.models import OrderStateUnknownError
from kistrade.kis.client.orders import KisOrderApi
from kistrade.kis.client.quotes import KisQuotes
from kistrade.kis.client.ratelimit import RateLimiter
from kistrade.kis.client.rest import KisRestClient

APP_KEY = "PSabcdefghijklmnopqrstuvwxyz01234567"
APP_SECRET = "s" * 180
TRADING = "/uapi/domestic-stock/v1/trading/"
QUOTES = "/uapi/domestic-stock/v1/quotations/"
NOW = datetime(2025, 3, 14, 10, 0, 0, tzinfo=KST)

Reply = tuple[int, dict[str, Any], dict[str, str]] | Callable[[web.Request], Any]


@dataclass
class FakeKis:
    tokens: int = 0
    script: dict[str, list[Reply]] = field(default_factory=lambda: defaultdict(list))
    seen: list[tuple[str, dict[str, str], dict[str, str], dict[str, Any] | None]] = field(
        default_factory=list
    )

    def count(self, path: str) -> int:
        return sum(1 for p, *_ in self.seen if p.endswith(path))

    async def token(self, request: web.Request) -> web.Response:
        self.tokens += 1
        return web.json_response(
            {
                "access_token": f"T{self.tokens}",
                "access_token_token_expired": "2099-01-01 00:00:00",
                "token_type": "Bearer",
                "expires_in": 86400,
            }
        )

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json() if request.method == "POST" else None
        self.seen.append(
            (request.path, {k.lower(): v for k, v in request.headers.items()}, dict(request.query), body)
        )
        queue = self.script[request.path.rsplit("/", 1)[-1]]
        if not queue:
            return web.json_response({"rt_cd": "1", "msg_cd": "TEST0000", "msg1": "no script"})
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        if callable(reply):
            result = reply(request)
            if asyncio.iscoroutine(result):
                result = await result
            return result  # type: ignore[no-any-return]
        status, payload, headers = reply
        return web.json_response(payload, status=status, headers=headers)


@pytest.fixture
async def kis() -> AsyncIterator[tuple[FakeKis, str]]:
    fake = FakeKis()
    app = web.Application()
    app.router.add_post("/oauth2/tokenP", fake.token)
    app.router.add_route("*", "/uapi/{tail:.*}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield fake, f"http://127.0.0.1:{port}"
    await runner.cleanup()


class FakeEpoch:
    def __init__(self) -> None:
        self.t = 1_900_000_000.0

    def __call__(self) -> float:
        return self.t

    async def sleep(self, s: float) -> None:
        self.t += s


async def no_sleep(_: float) -> None:
    await asyncio.sleep(0)


def client(url: str, tmp: Path, env: str = "real", timeout: float = 2.0) -> KisRestClient:
    creds = KisCredentials.of(env, APP_KEY, APP_SECRET)
    eps = KisEndpoints.for_env(env, url, "ws://127.0.0.1:1")
    clock = FakeEpoch()
    auth = KISAuthManager(creds, eps, tmp, epoch=clock, sleep=clock.sleep)
    limiter = RateLimiter(1000, backoff_base=0.001, backoff_cap=0.01)
    return KisRestClient(eps, auth, limiter, timeout=timeout, sleep=no_sleep, rng=random.Random(0))


def ok(payload: dict[str, Any], tr_cont: str = "D") -> Reply:
    return (
        200,
        {**payload, "rt_cd": "0", "msg_cd": "MCA00000", "msg1": "정상처리 되었습니다."},
        {"tr_cont": tr_cont},
    )


PRICE = {"output": {"stck_prpr": "71900", "stck_oprc": "72100", "stck_sdpr": "72000", "aspr_unit": "100"}}
EGW201: Reply = (500, {"rt_cd": "1", "msg1": "초당 거래건수를 초과하였습니다.", "msg_cd": "EGW00201"}, {})
EGW123: Reply = (500, {"rt_cd": "1", "msg_cd": "EGW00123", "msg1": "기간이 만료된 token 입니다."}, {})


async def test_headers_per_spec_and_paper_tr_ids(kis: tuple[FakeKis, str], tmp_path: Path) -> None:
    fake, url = kis
    fake.script["order-cash"].append(
        (
            200,
            {
                "rt_cd": "0",
                "msg_cd": "40600000",
                "msg1": "ok",
                "output": {"KRX_FWDG_ORD_ORGNO": "00950", "ODNO": "0000038614", "ORD_TMD": "100001"},
            },
            {},
        )
    )
    async with client(url, tmp_path, env="paper") as rest:
        orders = KisOrderApi(rest, KisAccount.parse("12345678-01"), ManualClock(NOW))
        ack = await orders.place("005930", Side.BUY, 10, 71800)
    assert ack.broker_order_id == "0000038614" and ack.org_no == "00950" and not ack.recovered
    path, headers, _, body = fake.seen[0]
    assert path == TRADING + "order-cash"
    assert headers["authorization"] == "Bearer T1" and headers["appkey"] == APP_KEY
    assert headers["appsecret"] == APP_SECRET and headers["tr_id"] == "VTTC0012U"
    assert headers["custtype"] == "P" and headers["tr_cont"] == ""
    assert body == {
        "CANO": "12345678",
        "ACNT_PRDT_CD": "01",
        "PDNO": "005930",
        "ORD_DVSN": "00",
        "ORD_QTY": "10",
        "ORD_UNPR": "71800",
        "EXCG_ID_DVSN_CD": "KRX",
    }


async def test_egw00201_backs_off_then_succeeds(kis: tuple[FakeKis, str], tmp_path: Path) -> None:
    fake, url = kis
    fake.script["inquire-price"] += [EGW201, EGW201, ok(PRICE)]
    async with client(url, tmp_path) as rest:
        q = await KisQuotes(rest, ManualClock(NOW)).quote("005930")
        assert q.price == 71900
        assert rest.limiter.violations == 2 and rest.metrics.rate_limited == 2
    assert fake.count("inquire-price") == 3


async def test_egw00201_on_an_order_is_resent(kis: tuple[FakeKis, str], tmp_path: Path) -> None:
    fake, url = kis
    fake.script["order-cash"] += [
        EGW201,
        (
            200,
            {
                "rt_cd": "0",
                "msg_cd": "APBK0013",
                "msg1": "ok",
                "output": {"KRX_FWDG_ORD_ORGNO": "06010", "ODNO": "1", "ORD_TMD": "100000"},
            },
            {},
        ),
    ]
    async with client(url, tmp_path) as rest:
        ack = await KisOrderApi(rest, KisAccount.parse("1234567801"), ManualClock(NOW)).place(
            "005930", Side.SELL, 1, 0, OrderType.MARKET
        )
    assert ack.broker_order_id == "1" and fake.count("order-cash") == 2
    assert fake.seen[-1][3]["SLL_TYPE"] == "01" and fake.seen[-1][3]["ORD_UNPR"] == "0"  # type: ignore[index]


async def test_expired_token_reauths_once_and_replays(kis: tuple[FakeKis, str], tmp_path: Path) -> None:
    fake, url = kis
    fake.script["inquire-price"] += [EGW123, ok(PRICE)]
    async with client(url, tmp_path) as rest:
        q = await KisQuotes(rest, ManualClock(NOW)).quote("005930")
        assert q.price == 71900 and rest.metrics.reauths == 1
    assert fake.tokens == 2
    assert [h["authorization"] for p, h, *_ in fake.seen] == ["Bearer T1", "Bearer T2"]


async def test_expired_twice_raises_reauth_required(kis: tuple[FakeKis, str], tmp_path: Path) -> None:
    fake, url = kis
    fake.script["inquire-price"] += [EGW123]
    async with client(url, tmp_path) as rest:
        with pytest.raises(ReauthRequiredError):
            await KisQuotes(rest, ManualClock(NOW)).quote("005930")
    assert fake.tokens == 2 and fake.count("inquire-price") == 2


async def test_rejection_is_never_retried(kis: tuple[FakeKis, str], tmp_path: Path) -> None:
    fake, url = kis
    fake.script["order-cash"].append(
        (200, {"rt_cd": "1", "msg_cd": "APBK0919", "msg1": "주문가능금액을 초과 했습니다"}, {})
    )
    async with client(url, tmp_path) as rest:
        with pytest.raises(RejectedError) as info:
            await KisOrderApi(rest, KisAccount.parse("12345678-01"), ManualClock(NOW)).place(
                "005930", Side.BUY, 1, 71900
            )
    assert info.value.code == "APBK0919" and fake.count("order-cash") == 1
    assert fake.count("inquire-daily-ccld") == 0


async def test_auth_error_names_env_not_secret(kis: tuple[FakeKis, str], tmp_path: Path) -> None:
    fake, url = kis
    fake.script["inquire-price"].append(
        (
            500,
            {
                "rt_cd": "1",
                "msg1": "실전투자 도메인은 모의투자 앱키로 호출하실 수 없습니다.",
                "msg_cd": "EGW02004",
            },
            {},
        )
    )
    async with client(url, tmp_path) as rest:
        with pytest.raises(AuthError) as info:
            await KisQuotes(rest, ManualClock(NOW)).quote("005930")
    assert "EGW02004" in str(info.value) and APP_SECRET not in str(info.value)


async def test_5xx_on_query_is_retried(kis: tuple[FakeKis, str], tmp_path: Path) -> None:
    fake, url = kis
    fake.script["inquire-price"] += [(500, {}, {}), (502, {}, {}), ok(PRICE)]
    async with client(url, tmp_path) as rest:
        assert (await KisQuotes(rest, ManualClock(NOW)).quote("005930")).price == 71900
        assert rest.metrics.retries == 2
    assert fake.count("inquire-price") == 3


def _ccld_row(odno: str, tmd: str, **kw: str) -> dict[str, str]:
    row = {
        "ord_dt": "20250314",
        "ord_gno_brno": "00950",
        "odno": odno,
        "orgn_odno": "",
        "sll_buy_dvsn_cd": "02",
        "pdno": "005930",
        "prdt_name": "삼성전자",
        "ord_qty": "10",
        "ord_unpr": "71800",
        "ord_tmd": tmd,
        "tot_ccld_qty": "0",
        "avg_prvs": "0",
        "cncl_yn": "",
        "tot_ccld_amt": "0",
        "ord_dvsn_cd": "00",
        "cncl_cfrm_qty": "0",
        "rmn_qty": "10",
        "rjct_qty": "0",
    }
    row.update(kw)
    return row


def _ccld(rows: list[dict[str, str]]) -> Reply:
    return (
        200,
        {
            "ctx_area_fk100": " " * 100,
            "ctx_area_nk100": " " * 100,
            "output1": rows,
            "output2": {},
            "rt_cd": "0",
            "msg_cd": "KIOK0510",
            "msg1": "조회가 완료되었습니다",
        },
        {"tr_cont": "D"},
    )


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(0.5)
    return web.json_response({"rt_cd": "0"})


async def test_order_timeout_asks_daily_ccld_and_recovers(kis: tuple[FakeKis, str], tmp_path: Path) -> None:
    fake, url = kis
    fake.script["order-cash"].append(_slow)
    # an old identical order (before the send) and a known one must not be taken for ours
    fake.script["inquire-daily-ccld"].append(
        _ccld(
            [
                _ccld_row("0000000007", "092000"),
                _ccld_row("0000000008", "100000"),
                _ccld_row("0000000009", "100001"),
            ]
        )
    )
    async with client(url, tmp_path, timeout=0.2) as rest:
        orders = KisOrderApi(rest, KisAccount.parse("12345678-01"), ManualClock(NOW))
        ack = await orders.place("005930", Side.BUY, 10, 71800, known_order_ids={"0000000009"})
    assert ack.recovered and ack.broker_order_id == "0000000008" and ack.org_no == "00950"
    assert fake.count("order-cash") == 1  # never re-sent
    _, _, query, _ = next(s for s in fake.seen if s[0].endswith("inquire-daily-ccld"))
    assert (
        query["PDNO"] == "005930" and query["SLL_BUY_DVSN_CD"] == "02" and query["INQR_STRT_DT"] == "20250314"
    )


async def test_order_timeout_not_found_is_unknown_state(kis: tuple[FakeKis, str], tmp_path: Path) -> None:
    fake, url = kis
    fake.script["order-cash"].append(_slow)
    fake.script["inquire-daily-ccld"].append(_ccld([_ccld_row("0000000007", "092000")]))
    async with client(url, tmp_path, timeout=0.2) as rest:
        orders = KisOrderApi(rest, KisAccount.parse("12345678-01"), ManualClock(NOW), recover_delay=0.0)
        with pytest.raises(OrderStateUnknownError) as info:
            await orders.place("005930", Side.BUY, 10, 71800)
    assert "reconcile" in str(info.value) and info.value.qty == 10
    assert fake.count("order-cash") == 1 and fake.count("inquire-daily-ccld") == 3


async def test_cancel_after_gateway_timeout_code_recovers_by_original_id(
    kis: tuple[FakeKis, str], tmp_path: Path
) -> None:
    fake, url = kis
    fake.script["order-rvsecncl"].append(
        (500, {"rt_cd": "1", "msg1": "연결 시간이 초과되었습니다.", "msg_cd": "EGW00301"}, {})
    )
    fake.script["inquire-daily-ccld"].append(
        _ccld([_ccld_row("0000000020", "100000", orgn_odno="0000000008", cncl_yn="Y")])
    )
    async with client(url, tmp_path) as rest:
        orders = KisOrderApi(rest, KisAccount.parse("12345678-01"), ManualClock(NOW))
        ack = await orders.cancel("0000000008", "00950")
    assert ack.recovered and ack.broker_order_id == "0000000020" and fake.count("order-rvsecncl") == 1


async def test_pagination_copies_ctx_verbatim(kis: tuple[FakeKis, str], tmp_path: Path) -> None:
    fake, url = kis

    def page(i: int, more: bool) -> Reply:
        holding = {
            "pdno": f"00000{i}",
            "prdt_name": f"n{i}",
            "hldg_qty": str(i),
            "ord_psbl_qty": str(i),
            "pchs_avg_pric": "100.5000",
            "pchs_amt": str(100 * i),
            "prpr": "101",
            "evlu_amt": "0",
            "evlu_pfls_amt": "0",
        }
        summary = [
            {"dnca_tot_amt": "1000", "prvs_rcdl_excc_amt": "900", "tot_evlu_amt": "2000", "nass_amt": "2000"}
        ]
        return (
            200,
            {
                "ctx_area_fk100": f"12345678^01^p{i}^".ljust(100),
                "ctx_area_nk100": (f"key{i}" if more else "").ljust(100),
                "output1": [holding],
                "output2": summary,
                "rt_cd": "0",
                "msg_cd": "KIOK0510",
                "msg1": "조회가 완료되었습니다",
            },
            {"tr_cont": "M" if more else "D"},
        )

    fake.script["inquire-balance"] += [page(1, True), page(2, True), page(3, False)]
    async with client(url, tmp_path) as rest:
        bal = await KisAccountApi(rest, KisAccount.parse("12345678-01"), ManualClock(NOW)).balance()
    assert [h.symbol for h in bal.holdings] == ["000001", "000002", "000003"]
    assert bal.cash_d0 == 1000 and bal.cash_d2 == 900 and str(bal.holdings[0].avg_price) == "100.5000"
    calls = [s for s in fake.seen if s[0].endswith("inquire-balance")]
    assert [h["tr_cont"] for _, h, _, _ in calls] == ["", "N", "N"]
    assert calls[0][2]["CTX_AREA_FK100"] == "" and calls[1][2]["CTX_AREA_NK100"] == "key1".ljust(100)
    assert calls[2][2]["CTX_AREA_FK100"] == "12345678^01^p2^".ljust(100)


async def test_daily_bars_page_backwards_over_100(kis: tuple[FakeKis, str], tmp_path: Path) -> None:
    fake, url = kis
    first_day = date(2024, 6, 1)
    days = [first_day + timedelta(days=i) for i in range(250)]

    def chart(request: web.Request) -> web.Response:
        lo, hi = request.query["FID_INPUT_DATE_1"], request.query["FID_INPUT_DATE_2"]
        sel = [d for d in days if lo <= d.strftime("%Y%m%d") <= hi][-100:][::-1]
        out2 = [
            {
                "stck_bsop_date": d.strftime("%Y%m%d"),
                "stck_clpr": str(1000 + i),
                "stck_oprc": "1",
                "stck_hgpr": "2",
                "stck_lwpr": "1",
                "acml_vol": "5",
            }
            for i, d in enumerate(sel)
        ]
        return web.json_response(
            {"output1": {}, "output2": out2, "rt_cd": "0", "msg_cd": "MCA00000", "msg1": ""}
        )

    fake.script["inquire-daily-itemchartprice"].append(chart)
    async with client(url, tmp_path) as rest:
        bars = await KisQuotes(rest, ManualClock(NOW)).daily_bars("005930", first_day, days[-1])
    assert [b.start.date() for b in bars] == days
    assert fake.count("inquire-daily-itemchartprice") == 3


async def test_paper_open_orders_use_daily_ccld(kis: tuple[FakeKis, str], tmp_path: Path) -> None:
    fake, url = kis
    fake.script["inquire-daily-ccld"].append(
        _ccld(
            [
                _ccld_row("0000000001", "093000", rmn_qty="4", tot_ccld_qty="6"),
                _ccld_row("0000000002", "093001", rmn_qty="0", tot_ccld_qty="10"),
            ]
        )
    )
    async with client(url, tmp_path, env="paper") as rest:
        opens = await KisAccountApi(rest, KisAccount.parse("12345678-01"), ManualClock(NOW)).open_orders()
    assert [(o.broker_order_id, o.remaining_qty) for o in opens] == [("0000000001", 4)]
    _, headers, query, _ = fake.seen[0]
    assert headers["tr_id"] == "VTTC0081R" and query["CCLD_DVSN"] == "02"
    assert fake.count("inquire-psbl-rvsecncl") == 0


async def test_minute_bars_page_backwards_to_the_open(kis: tuple[FakeKis, str], tmp_path: Path) -> None:
    fake, url = kis
    minutes = [
        datetime(2025, 3, 14, 9, 0, tzinfo=KST) + timedelta(minutes=i) for i in range(91)
    ]  # 09:00-10:30

    def chart(request: web.Request) -> web.Response:
        until = request.query["FID_INPUT_HOUR_1"]
        sel = [m for m in minutes if m.strftime("%H%M%S") <= until][-30:][::-1]
        out2 = [
            {
                "stck_bsop_date": "20250314",
                "stck_cntg_hour": m.strftime("%H%M00"),
                "stck_prpr": str(1000 + i),
                "stck_oprc": "1",
                "stck_hgpr": "2",
                "stck_lwpr": "1",
                "cntg_vol": "3",
            }
            for i, m in enumerate(sel)
        ]
        return web.json_response(
            {"output1": {}, "output2": out2, "rt_cd": "0", "msg_cd": "MCA00000", "msg1": ""}
        )

    fake.script["inquire-time-itemchartprice"].append(chart)
    async with client(url, tmp_path) as rest:
        quotes = KisQuotes(rest, ManualClock(NOW))
        last_hour = await quotes.minute_bars("005930", count=60, until=minutes[-1].time())
        assert [b.start for b in last_hour] == minutes[-60:]
        calls = fake.count("inquire-time-itemchartprice")
        whole = await quotes.minute_bars("005930", count=500, until=minutes[-1].time())
        assert [b.start for b in whole] == minutes
    assert calls == 2 and fake.count("inquire-time-itemchartprice") == calls + 4
