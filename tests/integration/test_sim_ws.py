"""The simulator's WebSocket server against a raw aiohttp client (shared/kis-protocol.md §6, §7, §11)."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from datetime import datetime

import aiohttp
import pytest
from _sim_ws_harness import (
    ACCOUNT_A,
    ACCOUNT_B,
    APPROVAL_A2,
    APPROVAL_B,
    HTS_A,
    HTS_B,
    WsConfig,
    data_frames,
    next_control,
    next_text,
    sub_msg,
    subscribe,
    ws_harness,
)
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from kistrade.domain.types import KST, OrderType, Side, Symbol
from kistrade.kis.protocol.realtime import DataFrame, parse_frame
from kistrade.kis.protocol.realtime_records import decode_orderbook, decode_trade

SAMSUNG = Symbol("005930")
HHMMSS = re.compile(r"^([01]\d|2[0-3])[0-5]\d[0-5]\d$")


def split_frame(text: str, width: int) -> tuple[str, str, int, list[list[str]]]:
    """An independent reading of §6.5: enc|tr_id|count|payload, records cut every ``width`` fields."""
    enc, tr_id, count, payload = text.split("|", 3)
    fields = payload.split("^")
    assert len(count) == 3 and count.isdigit()
    assert len(fields) == int(count) * width, f"{len(fields)} fields for count {count} x {width}"
    return enc, tr_id, int(count), [fields[i : i + width] for i in range(0, len(fields), width)]


def aes_decrypt(b64: str, key: str, iv: str) -> str:
    dec = Cipher(algorithms.AES(key.encode()), modes.CBC(iv.encode())).decryptor()
    padded = dec.update(base64.b64decode(b64)) + dec.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return (unpadder.update(padded) + unpadder.finalize()).decode("utf-8")


@pytest.mark.parametrize("path", ["/", "/tryitout", "/tryitout/H0STCNT0"])
async def test_subscribe_ack_on_every_path(path: str) -> None:
    async with ws_harness() as h, h.session.ws_connect(h.url + path) as ws:
        ack = await subscribe(ws, "H0STCNT0", "005930")
        assert ack["header"] == {"tr_id": "H0STCNT0", "tr_key": "005930", "encrypt": "N"}
        body = ack["body"]
        assert (body["rt_cd"], body["msg_cd"], body["msg1"]) == ("0", "OPSP0000", "SUBSCRIBE SUCCESS")
        assert len(body["output"]["iv"]) == 16 and len(body["output"]["key"]) == 32


async def test_duplicate_unsubscribe_and_not_found_codes() -> None:
    async with ws_harness() as h, h.session.ws_connect(h.url + "/tryitout") as ws:
        assert (await subscribe(ws, "H0STASP0", "005930"))["body"]["msg_cd"] == "OPSP0000"
        dup = await subscribe(ws, "H0STASP0", "005930")
        assert (dup["body"]["rt_cd"], dup["body"]["msg_cd"]) == ("1", "OPSP0002")
        off = await subscribe(ws, "H0STASP0", "005930", tr_type="2")
        assert (off["body"]["rt_cd"], off["body"]["msg_cd"]) == ("0", "OPSP0001")
        assert off["body"]["msg1"].startswith("UNSUB")
        again = await subscribe(ws, "H0STASP0", "005930", tr_type="2")
        assert again["body"]["msg_cd"] == "OPSP0003"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "OPSP9999"),
        ('{"body": {"input": {"tr_id": "H0STCNT0", "tr_key": "005930"}}}', "OPSP9998"),
        ('{"header": {"approval_key": "x", "tr_type": "1"}}', "OPSP9992"),
        ('{"header": {"approval_key": "x", "tr_type": "7"}, "body": {"input": {}}}', "OPSP8997"),
    ],
)
async def test_parsing_errors_answer_opsp99xx(raw: str, code: str) -> None:
    async with ws_harness() as h, h.session.ws_connect(h.url) as ws:
        await ws.send_str(raw)
        reply = await next_control(ws)
        assert (reply["body"]["rt_cd"], reply["body"]["msg_cd"]) == ("1", code)
        # the session stays usable
        assert (await subscribe(ws, "H0STCNT0", "005930"))["body"]["msg_cd"] == "OPSP0000"


async def test_bad_approval_tr_id_and_tr_key() -> None:
    async with ws_harness() as h, h.session.ws_connect(h.url) as ws:
        bad = await subscribe(ws, "H0STCNT0", "005930", approval="no-such-key")
        assert (bad["body"]["msg_cd"], bad["body"]["msg1"]) == ("OPSP0011", "invalid approval : NOT FOUND")
        assert (await subscribe(ws, "H0XXXXX0", "005930"))["body"]["msg_cd"] == "OPSP8991"
        assert (await subscribe(ws, "H0STCNT0", "59"))["body"]["msg_cd"] == "OPSP8992"
        assert (await subscribe(ws, "H0STCNI0", "someone-else"))["body"]["msg_cd"] == "OPSP8992"


async def test_legacy_appkey_appsecret_header_is_accepted() -> None:
    async with ws_harness() as h, h.session.ws_connect(h.url) as ws:
        msg = json.loads(sub_msg("H0STCNT0", "005930", approval=""))
        msg["header"].update(appkey="APPKEY-B", appsecret="wrong")
        await ws.send_str(json.dumps(msg))
        assert (await next_control(ws))["body"]["msg_cd"] == "OPSP0011"
        msg["header"]["appsecret"] = "secret-of-APPKEY-B"
        await ws.send_str(json.dumps(msg))
        assert (await next_control(ws))["body"]["msg_cd"] == "OPSP0000"


async def test_added_latency_fault_delays_frames() -> None:
    async with ws_harness() as h, h.session.ws_connect(h.url) as ws:
        h.faults.latency_ms = 300
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        assert (await subscribe(ws, "H0STCNT0", "005930"))["body"]["msg_cd"] == "OPSP0000"
        assert loop.time() - t0 >= 0.3


async def test_second_session_per_appkey_is_refused() -> None:
    async with ws_harness() as h, h.session.ws_connect(h.url) as first, h.session.ws_connect(h.url) as second:
        assert (await subscribe(first, "H0STCNT0", "005930"))["body"]["msg_cd"] == "OPSP0000"
        # a fresh approval key of the same app key does not open a second session (§11.9 + OPSP8996)
        refused = await subscribe(second, "H0STCNT0", "005930", approval=APPROVAL_A2)
        assert (refused["body"]["rt_cd"], refused["body"]["msg_cd"]) == ("1", "OPSP8996")
        # ... but it is valid on the first session, and another app key may connect
        assert (await subscribe(first, "H0STASP0", "005930", approval=APPROVAL_A2))["body"][
            "msg_cd"
        ] == "OPSP0000"
        assert (await subscribe(second, "H0STCNT0", "005930", approval=APPROVAL_B))["body"][
            "msg_cd"
        ] == "OPSP0000"


async def test_forty_subscription_cap() -> None:
    async with ws_harness() as h, h.session.ws_connect(h.url) as ws:
        codes = [f"{100000 + i:06d}" for i in range(20)]
        for code in codes:
            for tr in ("H0STCNT0", "H0STASP0"):
                assert (await subscribe(ws, tr, code))["body"]["msg_cd"] == "OPSP0000", (tr, code)
        over = await subscribe(ws, "H0STCNT0", "005930")
        assert (over["body"]["rt_cd"], over["body"]["msg_cd"]) == ("1", "OPSP0008")
        # the account notice is counted separately
        assert (await subscribe(ws, "H0STCNI0", HTS_A))["body"]["msg_cd"] == "OPSP0000"


def check_trade_fields(rec: list[str], symbol: str) -> None:
    assert rec[0] == symbol
    for i in (1, 24, 27, 30):  # STCK_CNTG_HOUR, OPRC_HOUR, HGPR_HOUR, LWPR_HOUR
        assert HHMMSS.match(rec[i]), (i, rec[i])
    datetime.strptime(rec[33], "%Y%m%d").replace(tzinfo=KST)  # BSOP_DATE
    assert rec[34][:1] in "1234" and len(rec[34]) == 2  # NEW_MKOP_CLS_CODE
    for i in (3, 25, 28, 31):  # the sign fields
        assert rec[i] in {"1", "2", "3", "4", "5"}, (i, rec[i])
    assert int(rec[2]) > 0 and int(rec[12]) > 0 and int(rec[13]) >= int(rec[12])
    assert rec[21] in {"1", "3", "5"}


async def test_trade_and_book_frames_have_46_and_59_fields() -> None:
    async with ws_harness() as h, h.session.ws_connect(h.url) as ws:
        await subscribe(ws, "H0STCNT0", "005930")
        await subscribe(ws, "H0STASP0", "005930")
        assert h.hub.burst(SAMSUNG, 1) >= 1
        trades = await data_frames(ws, "H0STCNT0", 1)
        books = await data_frames(ws, "H0STASP0", 1)
        enc, tr, count, recs = split_frame(trades[0], 46)
        assert (enc, tr, count) == ("0", "H0STCNT0", 1)
        check_trade_fields(recs[0], "005930")
        frame = parse_frame(trades[0])
        assert isinstance(frame, DataFrame)
        trade = decode_trade(frame.records[0])
        assert trade.price == int(recs[0][2]) and trade.symbol == "005930"
        enc, tr, count, recs = split_frame(books[0], 59)
        assert (enc, tr, count) == ("0", "H0STASP0", 1)
        assert HHMMSS.match(recs[0][1])
        book = decode_orderbook(parse_frame(books[0]).records[0])  # type: ignore[union-attr]
        asks, bids = [p for p in book.ask_prices if p], [p for p in book.bid_prices if p]
        assert asks == sorted(asks) and bids == sorted(bids, reverse=True)
        assert asks and bids and bids[0] < asks[0]


async def test_burst_is_sent_as_multi_record_frames() -> None:
    async with ws_harness() as h, h.session.ws_connect(h.url) as ws:
        await subscribe(ws, "H0STCNT0", "005930")
        prints = h.hub.burst(SAMSUNG, 40)
        assert prints > 10
        # the market keeps trading around the burst: its own prints come as single-record frames
        # (at other instants) and may arrive before or after the burst's frames
        in_multi = 0
        while in_multi < prints:
            (text,) = await data_frames(ws, "H0STCNT0", 1)
            _, _, count, recs = split_frame(text, 46)
            frame = parse_frame(text)
            assert isinstance(frame, DataFrame) and len(frame.records) == count
            for rec in recs:
                check_trade_fields(rec, "005930")
            if count > 1:
                in_multi += count
        # every print of the burst went out in multi-record frames (more only if the market swept
        # over 4 levels at one instant in the meantime)
        assert in_multi >= prints


async def test_single_record_frames_when_bursts_are_off() -> None:
    async with ws_harness(WsConfig(multi_record_bursts=False)) as h, h.session.ws_connect(h.url) as ws:
        await subscribe(ws, "H0STCNT0", "005930")
        prints = h.hub.burst(SAMSUNG, 20)
        frames = await data_frames(ws, "H0STCNT0", prints)
        assert all(split_frame(f, 46)[2] == 1 for f in frames)


async def test_pingpong_heartbeat_and_rfc_ping() -> None:
    config = WsConfig(pingpong_interval=0.2)
    async with ws_harness(config) as h, h.session.ws_connect(h.url, autoping=False) as ws:
        msg = await asyncio.wait_for(ws.receive(), 5)
        assert msg.type is aiohttp.WSMsgType.TEXT
        ping = json.loads(msg.data)
        assert ping["header"]["tr_id"] == "PINGPONG" and "body" not in ping
        datetime.strptime(ping["header"]["datetime"], "%Y%m%d%H%M%S").replace(tzinfo=KST)
        assert len(msg.data.encode()) < 125
        await ws.pong(msg.data.encode())  # official client: a PONG frame carrying the text
        await ws.ping(b"keepalive")  # websockets-style RFC 6455 ping
        while True:
            m = await asyncio.wait_for(ws.receive(), 5)
            if m.type is aiohttp.WSMsgType.PONG:
                assert m.data == b"keepalive"
                break
            assert m.type is aiohttp.WSMsgType.TEXT and "PINGPONG" in m.data
        assert (await subscribe(ws, "H0STCNT0", "005930"))["body"]["msg_cd"] == "OPSP0000"


async def test_pingpong_echoed_as_text_is_not_answered() -> None:
    async with ws_harness(WsConfig(pingpong_interval=30)) as h, h.session.ws_connect(h.url) as ws:
        echo = '{"header":{"tr_id":"PINGPONG","datetime":"20261124090000"}}'
        await ws.send_str(echo)  # python-kis echoes the server's PINGPONG as text
        await ws.send_str(echo)
        await ws.send_str(sub_msg("H0STCNT0", "005930"))
        first = await asyncio.wait_for(ws.receive(), 5)  # requests are handled in order
        assert json.loads(first.data)["body"]["msg_cd"] == "OPSP0000"


async def test_stopped_pingpong_fault() -> None:
    async with ws_harness(WsConfig(pingpong_interval=0.05)) as h, h.session.ws_connect(h.url) as ws:
        h.faults.pingpong_stopped = True
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(ws.receive(), 0.3)


async def test_drop_sessions_fault_closes_the_socket() -> None:
    async with ws_harness() as h, h.session.ws_connect(h.url) as ws:
        await subscribe(ws, "H0STCNT0", "005930")
        h.faults.drop_ws_sessions()
        msg = await asyncio.wait_for(ws.receive(), 5)
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def _notices(
    ws: aiohttp.ClientWebSocketResponse, tr: str, key: str, iv: str, n: int
) -> list[list[str]]:
    out = []
    for text in await data_frames(ws, tr, n):
        enc, tr_id, count, payload = text.split("|", 3)
        assert (enc, tr_id, count) == ("1", tr, "001")
        out.append(aes_decrypt(payload, key, iv).split("^"))
    return out


@pytest.mark.parametrize(("env", "tr", "width"), [("real", "H0STCNI0", 26), ("paper", "H0STCNI9", 26)])
async def test_notices_are_encrypted_per_session(env: str, tr: str, width: int) -> None:
    async with ws_harness(WsConfig(env=env)) as h, h.session.ws_connect(h.url) as ws:
        ack = await subscribe(ws, tr, HTS_A)
        assert ack["header"] == {"tr_id": tr, "tr_key": HTS_A, "encrypt": "Y"}
        key, iv = ack["body"]["output"]["key"], ack["body"]["output"]["iv"]
        ask = h.hub.snapshot(SAMSUNG).best_ask
        result = h.hub.submit_order(ACCOUNT_A, SAMSUNG, Side.BUY, OrderType.LIMIT, 3, ask)
        assert result.accepted
        accepted, fill = await _notices(ws, tr, key, iv, 2)
        for rec in (accepted, fill):
            assert len(rec) == width
            assert (rec[0], rec[1], rec[2], rec[8]) == (HTS_A, ACCOUNT_A, result.odno, "005930")
            assert rec[4] == "02" and rec[15] == result.org_no and rec[24] == "삼성전자"
        assert (accepted[13], accepted[14], accepted[12]) == ("1", "1", "0")
        assert int(accepted[9]) == 3 and int(accepted[10]) == ask
        # the simulated market follows the wall clock and may move between the snapshot and the
        # order (a loaded machine): the notice must carry what the venue booked, at or under the limit
        booked = h.hub.ledger(ACCOUNT_A).order(result.odno)
        assert booked is not None and booked.fills
        first = booked.fills[0]
        assert (fill[13], int(fill[9]), int(fill[10])) == ("2", first.qty, first.price)
        assert first.price <= ask
        assert len(fill[9]) == 10 and len(fill[10]) == 9


async def test_legacy_23_field_notice_and_cancel() -> None:
    async with ws_harness(WsConfig(notice_fields=23)) as h, h.session.ws_connect(h.url) as ws:
        ack = await subscribe(ws, "H0STCNI0", HTS_A)
        key, iv = ack["body"]["output"]["key"], ack["body"]["output"]["iv"]
        bid = h.hub.snapshot(SAMSUNG).best_bid
        placed = h.hub.submit_order(ACCOUNT_A, SAMSUNG, Side.BUY, OrderType.LIMIT, 1, bid - 1000)
        cancel = h.hub.cancel_order(ACCOUNT_A, placed.odno)
        assert cancel.accepted
        accepted, cancelled = await _notices(ws, "H0STCNI0", key, iv, 2)
        assert len(accepted) == len(cancelled) == 23
        assert (cancelled[2], cancelled[3], cancelled[5]) == (cancel.odno, placed.odno, "2")


async def test_notices_only_reach_the_accounts_hts_id() -> None:
    async with ws_harness() as h, h.session.ws_connect(h.url) as a, h.session.ws_connect(h.url) as b:
        ack_a = await subscribe(a, "H0STCNI0", HTS_A)
        await subscribe(b, "H0STCNI0", HTS_B, approval=APPROVAL_B)
        bid = h.hub.snapshot(SAMSUNG).best_bid
        h.hub.submit_order(ACCOUNT_B, SAMSUNG, Side.BUY, OrderType.LIMIT, 1, bid - 500)
        h.hub.submit_order(ACCOUNT_A, SAMSUNG, Side.BUY, OrderType.LIMIT, 2, bid - 500)
        out = ack_a["body"]["output"]
        (rec,) = await _notices(a, "H0STCNI0", out["key"], out["iv"], 1)
        assert (rec[0], rec[1], int(rec[9])) == (HTS_A, ACCOUNT_A, 2)
        text = await next_text(b)
        assert text.startswith("1|H0STCNI0|001|")
        with pytest.raises(ValueError):  # A's key cannot read B's notice
            aes_decrypt(text.split("|", 3)[3], out["key"], out["iv"]).encode()


async def test_pumped_market_streams_prints() -> None:
    async with ws_harness(pump=True) as h, h.session.ws_connect(h.url) as ws:
        await subscribe(ws, "H0STCNT0", "005930")
        frames = await data_frames(ws, "H0STCNT0", 2, wait=10)
        assert all(split_frame(f, 46)[2] == 1 for f in frames)  # normal flow: one record a frame
        times = [split_frame(f, 46)[3][0][1] for f in frames]
        assert times == sorted(times)
