"""WS frames and records against the portal samples of shared/kis-protocol.md §6-§7 (copied verbatim)."""

from __future__ import annotations

import json

import pytest

from kistrade.domain.errors import ParseError
from kistrade.kis.protocol import (
    AesCipher,
    ControlFrame,
    DataFrame,
    TradeRecord,
    build_ack,
    build_pingpong,
    build_subscribe,
    decode_notice,
    decode_orderbook,
    decode_trade,
    encode_data_frame,
    encode_notice,
    encode_orderbook,
    encode_trade,
    is_pingpong,
    notice_tr_id,
    parse_ack,
    parse_frame,
    parse_subscribe,
)
from kistrade.kis.protocol.realtime import WsRequestError
from kistrade.kis.protocol.realtime_fields import NOTICE_FIELDS, ORDERBOOK_FIELDS, TRADE_FIELDS

# §7.1 portal sample record (46 fields)
TRADE_SAMPLE = (
    "005930^093354^71900^5^-100^-0.14^72023.83^72100^72400^71700^71900^71800^1^3052507^219853241700^5105^6937"
    "^1832^84.90^1366314^1159996^1^0.39^20.28^090020^5^-200^090820^5^-500^092619^2^200^20230612^20^N^65945"
    "^216924^1118750^2199206^0.05^2424142^125.92^0^^72100"
)
# §7.2 portal sample (59 fields)
BOOK_SAMPLE = (
    "005930^093730^0^71900^72000^72100^72200^72300^72400^72500^72600^72700^72800^71800^71700^71600^71500^71400"
    "^71300^71200^71100^71000^70900^91918^117942^92673^79708^106729^141988^176192^113906^134077^104229^95221"
    "^159371^220746^284657^212742^195370^182710^209747^376432^158171^1159362^2095167^0^0^0^0^525579^-72000^5"
    "^-100.00^3159115^0^8^0^0^0"
)
# §6.6 test vector
AES_KEY = "abcdefghijklmnopabcdefghijklmnop"
AES_IV = "0123456789abcdef"
NOTICE_PLAIN = (
    "myhtsid^1234567801^0000012345^^02^0^00^0^005930^0000000010^000071900^093512^0^2^2^00950^000000010^홍길동"
    "^^1^N^^^^삼성전자^000071900"
)
NOTICE_FRAME = (
    "1|H0STCNI0|001|E3SF1qGt5S2QgNu9hOPZniknSkngkhl+ey60DbLMBckXw/FjbU/ETJKNDeiWG9ldK2kWcGzPRhGTECAUtPc4zfHWpKt"
    "E/SsyKkhW6gYGrA3BzBRxaCYmAtaEp7TJi3laMyeREaMlccUcam+tWarY7zdvkWq51uz4TOzQ7Q9PE3qC8ZQyKgWhLkYmSwwnHnSU"
)
# §7.3 legacy 23-field examples (decrypted)
LEGACY_ACCEPTED = (
    "HTS ID^1234567801^0000002891^^02^0^01^0^136480^0000000001^000000000^094941^0^1^1^06010^000000001^김한투"
    "^하림^10^^하림^"
)
LEGACY_FILL = (
    "HTS ID^1234567801^0000002891^^02^0^00^0^136480^0000000001^000003190^094941^0^2^2^06010^000000001^김한투"
    "^하림^10^^하림^000000000"
)


def _data(text: str) -> DataFrame:
    frame = parse_frame(text)
    assert isinstance(frame, DataFrame)
    return frame


def test_layout_widths_match_the_reference() -> None:
    assert len(TRADE_FIELDS) == 46 and TRADE_FIELDS[33] == "BSOP_DATE" and TRADE_FIELDS[45] == "VI_STND_PRC"
    assert len(ORDERBOOK_FIELDS) == 59 and ORDERBOOK_FIELDS[3] == "ASKP1" and ORDERBOOK_FIELDS[13] == "BIDP1"
    assert ORDERBOOK_FIELDS[58] == "STCK_DEAL_CLS_CODE"
    assert len(NOTICE_FIELDS) == 26 and NOTICE_FIELDS[24] == "CNTG_ISNM40"


def test_trade_sample_parses_to_documented_values() -> None:
    frame = _data("0|H0STCNT0|001|" + TRADE_SAMPLE)
    assert (frame.tr_id, frame.encrypted, frame.count) == ("H0STCNT0", False, 1)
    (rec,) = frame.records
    assert len(rec) == 46 and rec[44] == "" and rec[45] == "72100"
    t = decode_trade(rec)
    assert t.symbol == "005930" and t.time == "093354" and t.price == 71900
    assert (t.sign, t.change) == ("5", -100)
    assert (t.open, t.high, t.low) == (72100, 72400, 71700)
    assert (t.ask1, t.bid1) == (71900, 71800)
    assert (t.volume, t.cum_volume, t.cum_value) == (1, 3052507, 219853241700)
    assert (
        t.side == "1" and t.business_date == "20230612" and t.market_op_code == "20" and t.hour_class == "0"
    )


def test_orderbook_sample_parses_levels() -> None:
    (rec,) = _data("0|H0STASP0|001|" + BOOK_SAMPLE).records
    b = decode_orderbook(rec)
    assert b.symbol == "005930" and b.time == "093730" and b.hour_class == "0"
    assert b.ask_prices[0] == 71900 and b.ask_prices[9] == 72800
    assert b.bid_prices[0] == 71800 and b.bid_prices[9] == 70900
    assert b.ask_qtys[0] == 91918 and b.bid_qtys[0] == 95221 and b.bid_qtys[9] == 158171
    assert (b.total_ask_qty, b.total_bid_qty) == (1159362, 2095167)
    assert b.cum_volume == 3159115
    assert list(b.ask_prices) == sorted(b.ask_prices) and list(b.bid_prices) == sorted(
        b.bid_prices, reverse=True
    )


def test_multi_record_frame_is_cut_per_record() -> None:
    second = TRADE_SAMPLE.replace("093354^71900", "093355^72000", 1)
    frame = _data("0|H0STCNT0|004|" + "^".join([TRADE_SAMPLE, second, TRADE_SAMPLE, second]))
    assert frame.count == 4 and len(frame.records) == 4
    assert [decode_trade(r).price for r in frame.records] == [71900, 72000, 71900, 72000]
    assert [decode_trade(r).time for r in frame.records] == ["093354", "093355", "093354", "093355"]


@pytest.mark.parametrize("count", [1, 3])
def test_extra_trailing_fields_are_tolerated(count: int) -> None:
    extended = TRADE_SAMPLE + "^X1^X2"  # KIS appended two fields
    frame = _data(f"0|H0STCNT0|{count:03d}|" + "^".join([extended] * count))
    assert len(frame.records) == count
    for rec in frame.records:
        assert len(rec) == 48 and rec[46:] == ("X1", "X2")
        assert decode_trade(rec).price == 71900 and decode_trade(rec).business_date == "20230612"
    book = _data("0|H0STASP0|001|" + BOOK_SAMPLE + "^extra")
    assert decode_orderbook(book.records[0]).ask_prices[0] == 71900


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("0|H0STCNT0|001|" + TRADE_SAMPLE.rsplit("^", 1)[0], "at least 46"),
        ("0|H0STCNT0|002|" + TRADE_SAMPLE + "^x", "equal records"),
        ("0|H0STCNT0|000|" + TRADE_SAMPLE, "count is 0"),
        ("0|H0STCNT0|0a1|" + TRADE_SAMPLE, "not a number"),
        ("0|H0STCNT0|" + "1" * 5000 + "|" + TRADE_SAMPLE, "not a number"),
        ("0|H0STCNT0|001", "4"),
        ("0||001|a^b", "empty tr_id"),
        ("00|H0STCNT0|001|a", "encryption flag"),
        ("hello", "neither data"),
        ("", "neither data"),
        ("{not json", "not valid JSON"),
        ('{"body":{}}', "header"),
        ('{"header":{"tr_key":"x"}}', "tr_id"),
        ("[1,2]", "neither data"),
    ],
)
def test_malformed_frames_raise_parse_error_naming_the_problem(text: str, needle: str) -> None:
    with pytest.raises(ParseError, match=needle):
        parse_frame(text)


def test_decoders_name_the_bad_field() -> None:
    rec = list(_data("0|H0STCNT0|001|" + TRADE_SAMPLE).records[0])
    rec[13] = "12x"
    with pytest.raises(ParseError, match="ACML_VOL"):
        decode_trade(rec)
    book = list(_data("0|H0STASP0|001|" + BOOK_SAMPLE).records[0])
    book[14] = ""
    with pytest.raises(ParseError, match="BIDP2"):
        decode_orderbook(book)
    with pytest.raises(ParseError, match="expected at least 59"):
        decode_orderbook(book[:20])


def test_aes_test_vector_frame_decrypts_to_the_26_field_notice() -> None:
    cipher = AesCipher(AES_KEY, AES_IV)
    frame = parse_frame(NOTICE_FRAME, cipher)
    assert isinstance(frame, DataFrame) and frame.encrypted and frame.tr_id == "H0STCNI0"
    (rec,) = frame.records
    assert "^".join(rec) == NOTICE_PLAIN and len(rec) == 26
    n = decode_notice(rec)
    assert n.customer_id == "myhtsid" and n.account == "1234567801" and n.order_no == "0000012345"
    assert n.side == "02" and n.symbol == "005930" and n.qty == 10 and n.price == 71900
    assert n.time == "093512" and n.is_fill and not n.is_refused and n.acpt_yn == "2"
    assert n.branch == "00950" and n.order_qty == 10 and n.account_name == "홍길동"
    assert n.symbol_name == "삼성전자" and n.order_price == 71900 and n.exchange == "1" and not n.legacy
    assert encode_notice(n) == rec
    assert encode_data_frame("H0STCNI0", [encode_notice(n)], encrypted=True, cipher=cipher) == NOTICE_FRAME


def test_encrypted_frame_without_cipher_keeps_payload_for_later() -> None:
    frame = _data(NOTICE_FRAME)
    assert frame.encrypted and frame.records == [] and frame.payload
    later = frame.decrypt(AesCipher(AES_KEY, AES_IV))
    assert "^".join(later.records[0]) == NOTICE_PLAIN


def test_wrong_key_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        parse_frame(NOTICE_FRAME, AesCipher("x" * 32, AES_IV))


@pytest.mark.parametrize("plain", [LEGACY_ACCEPTED, LEGACY_FILL])
def test_legacy_23_field_notices_parse(plain: str) -> None:
    cipher = AesCipher(AES_KEY, AES_IV)
    frame = parse_frame("1|H0STCNI9|001|" + cipher.encrypt(plain), cipher)
    assert isinstance(frame, DataFrame)
    (rec,) = frame.records
    assert len(rec) == 23
    n = decode_notice(rec)
    assert n.legacy and n.customer_id == "HTS ID" and n.order_no == "0000002891" and n.symbol == "136480"
    assert n.symbol_name == "하림" and n.account_name == "김한투" and n.branch == "06010" and n.qty == 1
    assert encode_notice(n, legacy=True) == rec
    if plain == LEGACY_FILL:
        assert n.is_fill and n.price == 3190 and n.order_price == 0
    else:
        assert not n.is_fill and n.acpt_yn == "1" and n.order_price is None and n.order_kind == "01"


def test_notice_with_extra_fields_takes_name_and_price_from_the_end() -> None:
    rec = NOTICE_PLAIN.split("^")
    wide = [*rec[:24], "NEW", *rec[24:]]  # a field inserted before the name
    n = decode_notice(wide)
    assert n.symbol_name == "삼성전자" and n.order_price == 71900 and n.qty == 10


def test_trade_and_orderbook_encoders_round_trip() -> None:
    (rec,) = _data("0|H0STCNT0|001|" + TRADE_SAMPLE).records
    t = decode_trade(rec)
    out = encode_trade(t)
    assert len(out) == 46 and decode_trade(out) == t
    assert out[TRADE_FIELDS.index("OPRC_HOUR")] == "093354"
    assert encode_trade(t, {"VI_STND_PRC": "72100"})[45] == "72100"
    with pytest.raises(KeyError, match="NOPE"):
        encode_trade(t, {"NOPE": "1"})
    frame = encode_data_frame("H0STCNT0", [out, out])
    assert frame.startswith("0|H0STCNT0|002|") and [decode_trade(r) for r in _data(frame).records] == [t, t]
    (brec,) = _data("0|H0STASP0|001|" + BOOK_SAMPLE).records
    b = decode_orderbook(brec)
    assert decode_orderbook(encode_orderbook(b)) == b


def test_trade_record_is_typed() -> None:
    t = decode_trade(_data("0|H0STCNT0|001|" + TRADE_SAMPLE).records[0])
    assert isinstance(t, TradeRecord) and isinstance(t.price, int)


def test_subscribe_round_trip_and_errors() -> None:
    text = build_subscribe("a2585daf-8c09-4587-9fce-8ab893a1b2c3", "H0STCNT0", "005930")
    assert json.loads(text) == {
        "header": {
            "approval_key": "a2585daf-8c09-4587-9fce-8ab893a1b2c3",
            "custtype": "P",
            "tr_type": "1",
            "content-type": "utf-8",
        },
        "body": {"input": {"tr_id": "H0STCNT0", "tr_key": "005930"}},
    }
    req = parse_subscribe(text)
    assert req.subscribe and req.tr_id == "H0STCNT0" and req.tr_key == "005930"
    assert not parse_subscribe(build_subscribe("k", "H0STCNI0", "myhts", subscribe=False)).subscribe
    # python-kis style spacing is accepted
    assert parse_subscribe(json.dumps(json.loads(text))).tr_key == "005930"
    for bad, code in [
        ("nope", "OPSP9999"),
        ('{"body":{}}', "OPSP9998"),
        ('{"header":{"tr_type":"1"}}', "OPSP9992"),
        ('{"header":{"tr_type":"1"},"body":{}}', "OPSP9991"),
        ('{"header":{"tr_type":"0"},"body":{"input":{"tr_id":"H0STCNT0","tr_key":"1"}}}', "OPSP8997"),
        ('{"header":{"tr_type":"1"},"body":{"input":{"tr_key":"1"}}}', "OPSP8991"),
        ('{"header":{"tr_type":"1"},"body":{"input":{"tr_id":"H0STCNT0"}}}', "OPSP9990"),
    ]:
        with pytest.raises(WsRequestError) as info:
            parse_subscribe(bad)
        assert info.value.msg_cd == code


def test_acks_follow_the_documented_shape() -> None:
    ack = build_ack("H0STCNT0", "005930", iv="0123456789abcdef", key=AES_KEY)
    assert json.loads(ack) == {
        "header": {"tr_id": "H0STCNT0", "tr_key": "005930", "encrypt": "N"},
        "body": {
            "rt_cd": "0",
            "msg_cd": "OPSP0000",
            "msg1": "SUBSCRIBE SUCCESS",
            "output": {"iv": "0123456789abcdef", "key": AES_KEY},
        },
    }
    parsed = parse_ack(ack)
    assert (
        parsed.is_ok and parsed.iv == "0123456789abcdef" and parsed.key == AES_KEY and parsed.encrypt == "N"
    )
    notice = parse_ack(build_ack("H0STCNI9", "myhts", iv=AES_IV, key=AES_KEY))
    assert notice.encrypt == "Y"
    full = parse_ack(build_ack("H0STCNT0", "005930", "OPSP0008"))
    assert (full.rt_cd, full.msg1, full.iv) == ("1", "MAX SUBSCRIBE OVER", None)
    assert "output" not in json.loads(build_ack("H0STCNT0", "005930", "OPSP0001"))["body"]


def test_pingpong() -> None:
    text = build_pingpong("20250314093000")
    assert text == '{"header":{"tr_id":"PINGPONG","datetime":"20250314093000"}}'
    assert len(text.encode()) < 125 and is_pingpong(text)
    frame = parse_frame(text)
    assert isinstance(frame, ControlFrame) and frame.is_pingpong and frame.datetime == "20250314093000"
    assert not is_pingpong(build_ack("H0STCNT0", "005930")) and not is_pingpong("0|PINGPONG|001|x")
    with pytest.raises(ParseError):
        parse_ack(text)


def test_notice_tr_per_environment() -> None:
    assert notice_tr_id("real") == "H0STCNI0" and notice_tr_id("paper") == "H0STCNI9"
