"""Code tables, classification and REST envelopes (shared/kis-protocol.md §2, §3, §5, §6.3)."""

from __future__ import annotations

import json

import pytest

from kistrade.kis.protocol import (
    ErrorClass,
    classify,
    ctx_is_blank,
    ctx_key,
    error_body,
    http_status,
    inquiry_body,
    is_success,
    message,
    oauth_error_body,
    order_body,
    pad_ctx,
    pad_msg1,
    parse_oauth_error,
    quote_body,
)
from kistrade.kis.protocol.codes import OAUTH_ERROR_STATUS, WS_CONTROL_CODES

PADDED_OK = "조회가 완료되었습니다                                                           "  # §4.8 capture


@pytest.mark.parametrize(
    ("code", "rt_cd", "expected"),
    [
        ("MCA00000", "0", ErrorClass.OK),
        ("KIOK0510", "0", ErrorClass.OK),
        ("KIOK0560", "0", ErrorClass.EMPTY),
        ("KIOK0560", "7", ErrorClass.EMPTY),
        ("40590000", "0", ErrorClass.OK),  # undocumented success code: rt_cd decides
        ("EGW00201", "1", ErrorClass.RATE_LIMIT),
        ("EGW00215", "1", ErrorClass.RATE_LIMIT),
        ("EGW00133", None, ErrorClass.RATE_LIMIT),
        ("EGW00123", "1", ErrorClass.REAUTH),
        ("EGW00121", "1", ErrorClass.REAUTH),
        ("EGW00002", "1", ErrorClass.RETRY),
        ("EGW00301", "1", ErrorClass.RETRY),
        ("EGW00103", None, ErrorClass.AUTH),
        ("EGW02004", "1", ErrorClass.AUTH),
        ("OPSQ2000", "2", ErrorClass.AUTH),
        ("OPSQ0002", "1", ErrorClass.UNSUPPORTED),
        ("EGW00213", "1", ErrorClass.UNSUPPORTED),
        ("APBK0919", "1", ErrorClass.REJECTED),
        ("40580000", "1", ErrorClass.REJECTED),
        ("40330000", "1", ErrorClass.REJECTED),
        ("APBK0656", "1", ErrorClass.NOT_FOUND),
        ("ZZZZ9999", "1", ErrorClass.REJECTED),
        ("OPSQ9997", "1", ErrorClass.PROTOCOL),
        ("OPSP9999", "1", ErrorClass.PROTOCOL),
        ("OPSP0000", None, ErrorClass.OK),
        ("OPSP0002", "1", ErrorClass.OK),
        ("OPSP0008", "1", ErrorClass.REJECTED),
        ("OPSP0011", "1", ErrorClass.REAUTH),
        ("OPSP8996", "1", ErrorClass.RETRY),
    ],
)
def test_classify(code: str, rt_cd: str | None, expected: ErrorClass) -> None:
    assert classify(code, rt_cd) is expected


def test_messages_are_as_documented() -> None:
    assert message("EGW00201") == "초당 거래건수를 초과하였습니다."
    assert message("EGW00133") == "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)"
    assert message("OPSQ0002") == "없는 서비스 코드 입니다."
    assert message("40600000") == "모의투자 매수주문이 완료 되었습니다."
    assert message("OPSP0003") == "UNSUBSCRIBE ERROR(not found!)"
    assert WS_CONTROL_CODES["OPSP0000"] == ("0", "SUBSCRIBE SUCCESS")
    with pytest.raises(KeyError, match="NOPE"):
        message("NOPE")


def test_envelope_key_orders_match_captures() -> None:
    rate = error_body("EGW00201")
    assert json.dumps(rate, ensure_ascii=False, separators=(",", ":")) == (
        '{"rt_cd":"1","msg1":"초당 거래건수를 초과하였습니다.","msg_cd":"EGW00201"}'
    )
    assert http_status("EGW00201") == 500 and http_status("40330000") == 200
    assert list(error_body("40330000")) == ["rt_cd", "msg_cd", "msg1"]
    assert error_body("OPSQ2000")["rt_cd"] == "2"
    order = order_body({"KRX_FWDG_ORD_ORGNO": "06010", "ODNO": "0001569157", "ORD_TMD": "155211"})
    assert json.dumps(order, ensure_ascii=False, separators=(",", ":")) == (
        '{"rt_cd":"0","msg_cd":"APBK0013","msg1":"주문 전송 완료 되었습니다.","output":'
        '{"KRX_FWDG_ORD_ORGNO":"06010","ODNO":"0001569157","ORD_TMD":"155211"}}'
    )
    quote = quote_body({"output": {"stck_prpr": "71900"}})
    assert list(quote) == ["output", "rt_cd", "msg_cd", "msg1"] and quote["msg1"] == "정상처리 되었습니다."
    inq = inquiry_body({"output": []}, ctx_fk="81055689^01^", ctx_nk="")
    assert list(inq) == ["ctx_area_fk100", "ctx_area_nk100", "output", "rt_cd", "msg_cd", "msg1"]
    assert inq["msg1"] == PADDED_OK and inq["ctx_area_nk100"] == " " * 100
    assert inq["ctx_area_fk100"] == "81055689^01^" + " " * 88
    assert is_success(inq) and not is_success(rate) and not is_success([])


def test_padding_helpers() -> None:
    assert pad_msg1("조회가 완료되었습니다") == PADDED_OK
    assert pad_msg1("x" * 90) == "x" * 90
    assert ctx_key("12345678", "01", "N", "N", "01", "01", "N") == (
        "12345678^01^N^N^01^01^N^                                                                            "
    )
    assert len(pad_ctx("abc")) == 100 and ctx_is_blank(" " * 100) and ctx_is_blank(None)
    assert not ctx_is_blank(pad_ctx("0001^"))


def test_oauth_error_shape() -> None:
    body = oauth_error_body("EGW00133")
    assert body == {
        "error_description": "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)",
        "error_code": "EGW00133",
    }
    assert list(body) == ["error_description", "error_code"] and OAUTH_ERROR_STATUS == 403
    assert parse_oauth_error(body) == ("EGW00133", "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)")
    assert parse_oauth_error({"rt_cd": "1", "msg_cd": "EGW00123"}) is None
    assert parse_oauth_error("x") is None


def test_value_codes() -> None:
    from kistrade.kis.protocol.values import ORD_DVSN, PAPER_ORD_DVSN, change_sign, has_more

    assert has_more("M") and has_more("F") and not has_more("D") and not has_more("E") and not has_more(None)
    assert ORD_DVSN["00"] == "지정가" and ORD_DVSN["01"] == "시장가" and set(ORD_DVSN) >= PAPER_ORD_DVSN
    assert change_sign(71900, 72000) == "5" and change_sign(72100, 72000) == "2"
    assert change_sign(72000, 72000) == "3" and change_sign(93600, 72000, 93600, 50400) == "1"
    assert change_sign(50400, 72000, 93600, 50400) == "4"
