"""The KIS REST client over a real loopback socket, against a server that answers anything: every
TR the client sends (quotes, charts, balance, open orders, daily orders, buyable, an order) ends
in a typed value or a kistrade error (``KistradeError``: parse, rejected, retryable, auth,
re-auth, order state unknown), never another exception, whatever the status, headers and body.

Also fuzzed: the token and approval-key answers (``KISAuthManager``), and a JSON body nested too
deeply for the decoder. tests/unit/test_fuzz_rest_mapping.py fuzzes the mapping alone.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kistrade.clock import ManualClock
from kistrade.domain.errors import AuthError, KistradeError, RetryableError
from kistrade.domain.types import KST, Side
from kistrade.kis.client.account import KisAccountApi
from kistrade.kis.client.auth import KISAuthManager
from kistrade.kis.client.env import KisAccount, KisCredentials, KisEndpoints
from kistrade.kis.client.orders import KisOrderApi
from kistrade.kis.client.quotes import KisQuotes
from kistrade.kis.client.ratelimit import RateLimiter
from kistrade.kis.client.rest import KisRestClient
from kistrade.kis.protocol import rest_fields as rf

APP_KEY = "PSabcdefghijklmnopqrstuvwxyz01234567"
APP_SECRET = "s" * 180
NOW = datetime(2025, 3, 14, 10, 0, 0, tzinfo=KST)
GOOD_TOKEN = {
    "access_token": "tok-123",
    "access_token_token_expired": "2099-01-01 00:00:00",
    "expires_in": 86400,
}
GOOD_APPROVAL = {"approval_key": "appr-123"}


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class AnythingServer:
    """Answers every TR with ``tr``, the token request with ``token``, approval with ``approval``."""

    url: str = ""
    tr: Reply = field(default_factory=Reply)
    token: Reply = field(default_factory=lambda: Reply(body=json.dumps(GOOD_TOKEN).encode()))
    approval: Reply = field(default_factory=lambda: Reply(body=json.dumps(GOOD_APPROVAL).encode()))

    async def handle(self, request: web.Request) -> web.Response:
        await request.read()
        path = request.path
        reply = (
            self.token
            if path.endswith("/tokenP")
            else self.approval
            if path.endswith("/Approval")
            else self.tr
        )
        return web.Response(status=reply.status, body=reply.body, headers=reply.headers)


@asynccontextmanager
async def anything_server() -> AsyncIterator[AnythingServer]:
    srv = AnythingServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", srv.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    srv.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield srv
    finally:
        await runner.cleanup()


@pytest.fixture
async def server() -> AsyncIterator[AnythingServer]:
    async with anything_server() as srv:
        yield srv


async def _no_sleep(_: float) -> None:
    await asyncio.sleep(0)


def _client(url: str, tmp: Path) -> KisRestClient:
    eps = KisEndpoints.for_env("real", url, "ws://127.0.0.1:1")
    auth = KISAuthManager(KisCredentials.of("real", APP_KEY, APP_SECRET), eps, tmp, sleep=_no_sleep)
    limiter = RateLimiter(10_000, backoff_base=0.0001, backoff_cap=0.001)
    return KisRestClient(
        eps,
        auth,
        limiter,
        timeout=2.0,
        max_retries=1,
        max_rate_limit_retries=1,
        sleep=_no_sleep,
        rng=random.Random(0),
    )


# ---- answers --------------------------------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
_FIELD = st.one_of(
    st.sampled_from(["0", "71900", "1,234", "NaN", "1e999999", "20250314", "093000", "01", "02", "", "x"]),
    _JSON,
)
_NAMES = sorted({n for fields in rf.OUTPUT_FIELDS.values() for n in fields} | {"ODNO", "odno"})
_ROW = st.dictionaries(st.sampled_from(_NAMES), _FIELD, max_size=8)
_BLOCK = st.one_of(_ROW, st.lists(_ROW, max_size=3), _JSON)
_ENVELOPE = st.fixed_dictionaries(
    {},
    optional={
        "rt_cd": st.sampled_from(["0", "1", "2", "", 0, None]),
        "msg_cd": st.sampled_from(
            ["MCA00000", "KIOK0560", "EGW00123", "EGW00201", "EGW00002", "APBK0656", "X", 5]
        ),
        "msg1": _JSON,
        "output": _BLOCK,
        "output1": _BLOCK,
        "output2": _BLOCK,
        "ctx_area_fk100": st.sampled_from(["", " " * 100, "A^", 7, None]),
        "ctx_area_nk100": st.sampled_from(["", " " * 100, "B^", [1], None]),
        "error_code": st.sampled_from(["EGW00123", "EGW00103", 1, None]),
        "error_description": _JSON,
    },
)
_BODY = st.one_of(
    _ENVELOPE.map(lambda b: json.dumps(b).encode()),
    _ENVELOPE.map(lambda b: json.dumps(b).encode()),
    _JSON.map(lambda b: json.dumps(b).encode()),
    st.binary(max_size=60),
    st.just(b'{"rt_cd": "0", "output": {"stck_prpr": NaN}}'),  # Python's json accepts NaN
)
_REPLY = st.builds(
    Reply,
    st.sampled_from([200, 200, 200, 201, 400, 403, 404, 429, 500, 503]),
    _BODY,
    st.dictionaries(
        st.just("tr_cont"), st.sampled_from(["", "D", "E", "F", "M", " M ", "N", "x"]), max_size=1
    ),
)

Call = Callable[[KisRestClient], Awaitable[object]]
_CALLS: dict[str, Call] = {
    "quote": lambda c: KisQuotes(c, ManualClock(NOW)).quote("005930"),
    "orderbook": lambda c: KisQuotes(c, ManualClock(NOW)).orderbook("005930"),
    "daily_bars": lambda c: KisQuotes(c, ManualClock(NOW)).daily_bars(
        "005930", date(2025, 1, 1), max_calls=2
    ),
    "minute_bars": lambda c: KisQuotes(c, ManualClock(NOW)).minute_bars("005930", max_calls=2),
    "holidays": lambda c: KisQuotes(c, ManualClock(NOW)).holidays(),
    "balance": lambda c: KisAccountApi(
        c, KisAccount.parse("12345678-01"), ManualClock(NOW), max_pages=3
    ).balance(),
    "buyable": lambda c: KisAccountApi(c, KisAccount.parse("12345678-01"), ManualClock(NOW)).buyable(
        "005930", 70000
    ),
    "daily_orders": lambda c: KisAccountApi(
        c, KisAccount.parse("12345678-01"), ManualClock(NOW), max_pages=3
    ).daily_orders(),
    "open_orders": lambda c: KisAccountApi(
        c, KisAccount.parse("12345678-01"), ManualClock(NOW), max_pages=3
    ).open_orders(),
    "order": lambda c: KisOrderApi(
        c,
        KisAccount.parse("12345678-01"),
        ManualClock(NOW),
        recover_attempts=1,
        recover_delay=0.0,
        sleep=_no_sleep,
    ).place("005930", Side.BUY, 1, 70000),
}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(sorted(_CALLS)), _REPLY)
@example(
    "balance",
    Reply(200, b'{"rt_cd":"0","output2":[{"dnca_tot_amt":"1"}],"ctx_area_fk100":7}', {"tr_cont": "M"}),
)
async def test_any_answer_to_any_tr(server: AnythingServer, tmp_path: Path, call: str, reply: Reply) -> None:
    server.tr = reply
    async with _client(server.url, tmp_path) as client:
        with suppress(KistradeError):
            await _CALLS[call](client)


# ---- token and approval-key answers (kis/client/auth.py) -----------------------------------

_TOKEN_BODY = st.one_of(
    st.fixed_dictionaries(
        {"access_token": st.sampled_from(["tok-1", "", 5, None, "a" * 300])},
        optional={
            "expires_in": st.sampled_from([86400, "86400", 0, -5, "x", None, [1], 1e300, "inf", "nan"]),
            "access_token_token_expired": st.sampled_from(
                ["2099-01-01 00:00:00", "", "x", 5, "9999-12-31 23:59:59"]
            ),
            "error_code": st.sampled_from(["EGW00133", "EGW00103", 5]),
        },
    ).map(lambda b: json.dumps(b).encode()),
    _BODY,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from([200, 200, 403, 500]), _TOKEN_BODY, _BODY)
@example(200, b'{"access_token": "tok-1", "expires_in": "x"}', b"{}")  # ValueError escapes
def test_any_answer_to_token_and_approval_requests(
    tmp_path: Path, status: int, token: bytes, approval: bytes
) -> None:
    async def run() -> None:
        async with anything_server() as server, _client(server.url, tmp_path / "run") as client:
            server.token = Reply(status, token)
            server.approval = Reply(status, approval)
            client.auth.max_issue_attempts = 1
            for ask in (client.auth.get_access_token, client.auth.get_websocket_approval_key):
                try:
                    got = await ask()
                except (AuthError, RetryableError):
                    continue
                assert isinstance(got, str) and got

    shutil.rmtree(tmp_path / "run", ignore_errors=True)  # no token cached from the last example
    asyncio.run(run())


async def test_a_deeply_nested_answer_is_not_a_crash(server: AnythingServer, tmp_path: Path) -> None:
    server.tr = Reply(200, b"[" * 100_000)
    async with _client(server.url, tmp_path) as client:
        with pytest.raises(KistradeError):
            await KisQuotes(client, ManualClock(NOW)).quote("005930")


async def test_a_token_that_cannot_be_a_header_is_refused(server: AnythingServer, tmp_path: Path) -> None:
    server.token = Reply(200, json.dumps({**GOOD_TOKEN, "access_token": "tok\r\nX-Evil: 1"}).encode())
    server.tr = Reply(200, json.dumps({"rt_cd": "0", "output": {"stck_prpr": "1"}}).encode())
    async with _client(server.url, tmp_path) as client:
        with pytest.raises(KistradeError):
            await KisQuotes(client, ManualClock(NOW)).quote("005930")


def test_the_answers_reach_the_server(tmp_path: Path) -> None:
    """The fuzz above is real: a good answer gives a value through the same server and client."""

    async def run() -> Any:
        async with anything_server() as srv, _client(srv.url, tmp_path) as client:
            srv.tr = Reply(
                200,
                json.dumps({"rt_cd": "0", "msg_cd": "MCA00000", "output": {"stck_prpr": "71900"}}).encode(),
            )
            return await KisQuotes(client, ManualClock(NOW)).quote("005930")

    assert asyncio.run(run()).price == 71900
