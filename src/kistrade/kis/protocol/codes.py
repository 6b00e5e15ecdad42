"""KIS message codes as data, their classification, and the REST body envelopes (§2, §3.2, §5, §6.3).

``classify`` turns a code into what the caller should do (DESIGN decision 5); the client maps the
class onto kistrade's error tree, the simulator picks codes and messages from these tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final

# §5.3 gateway codes (messages exactly as in the reference).
EGW_CODES: Final[dict[str, str]] = {
    "EGW00001": "일시적 오류가 발생했습니다.",
    "EGW00002": "서버 에러가 발생했습니다.",
    "EGW00003": "접근이 거부되었습니다.",
    "EGW00004": "권한을 부여받지 않은 고객입니다.",
    "EGW00101": "유효하지 않은 요청입니다.",
    "EGW00102": "AppKey는 필수입니다.",
    "EGW00103": "유효하지 않은 AppKey입니다.",
    "EGW00104": "AppSecret은 필수입니다.",
    "EGW00105": "유효하지 않은 AppSecret입니다.",
    "EGW00115": "권한부여 타입(grant_type)은 필수입니다.",
    "EGW00116": "지원하지 않는 권한부여 타입(grant_type)입니다.",
    "EGW00121": "유효하지 않은 token 입니다.",
    "EGW00122": "token을 찾을 수 없습니다.",
    "EGW00123": "기간이 만료된 token 입니다.",
    "EGW00129": "HTS_ID는 필수입니다.",
    "EGW00131": "유효하지 않은 hashkey입니다.",
    "EGW00132": "Content-Type이 유효하지 않습니다.",
    "EGW00133": "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)",
    "EGW00201": "초당 거래건수를 초과하였습니다.",
    "EGW00202": "GW라우팅 중 오류가 발생했습니다.",
    "EGW00203": "OPS라우팅 중 오류가 발생했습니다.",
    "EGW00205": "credentials_type이 유효하지 않습니다.(Bearer)",
    "EGW00206": "API 사용 권한이 없습니다.",
    "EGW00207": "IP 주소가 없거나 유효하지 않습니다.",
    "EGW00208": "고객유형(custtype)이 유효하지 않습니다.",
    "EGW00209": "일련번호(seq_no)가 유효하지 않습니다.",
    "EGW00210": "법인고객의 경우 모의투자를 이용할 수 없습니다.",
    "EGW00213": "모의투자 tr이 아닙니다.",
    "EGW00215": "원장에서 허용 가능한 초당 거래건수를 초과하였습니다.",
    "EGW00300": "Gateway 라우팅 오류가 발생했습니다.",
    "EGW00301": "연결 시간이 초과되었습니다.직전 거래를 반드시 확인하세요.",
    "EGW00302": "거래시간이 초과되었습니다.직전 거래를 반드시 확인하세요.",
    "EGW00304": "고객식별키(법인 personalSeckey, 개인 appSecret)가 유효하지 않습니다.",
    "EGW02004": "실전투자 도메인은 모의투자 앱키로 호출하실 수 없습니다.",
}

# §5.4 query-server codes (plus the OPSQ99xx parsing errors of a third-party enum that agrees with §5.4).
OPSQ_CODES: Final[dict[str, str]] = {
    "OPSQ0001": "호출 전처리 오류 입니다.",
    "OPSQ0002": "없는 서비스 코드 입니다.",
    "OPSQ0003": "호출 오류 입니다.",
    "OPSQ1002": "세션 연결 오류",
    "OPSQ2000": "ERROR : INPUT INVALID_CHECK_ACNO",
    "OPSQ2001": "ERROR : INPUT INVALID_CHECK_MRKT_DIV_CODE",
    "OPSQ2002": "ERROR : INPUT INVALID_CHECK_FIELD_LENGTH",
    "OPSQ9995": "JSON PARSING ERROR : body not found",
    "OPSQ9996": "JSON PARSING ERROR : header not found",
    "OPSQ9997": "JSON PARSING ERROR : invalid json format",
    "OPSQ9998": "JSON PARSING ERROR : seq_no not found",
    "OPSQ9999": "JSON PARSING ERROR : tr_id not found",
}
#: OPSQ2000 is reported with rt_cd "2" (§3.2); every other failure uses "1".
RT_CD_OVERRIDE: Final[dict[str, str]] = {"OPSQ2000": "2"}

# §5.5 business codes. Padded messages (KIOK...) are stored unpadded; see ``pad_msg1``.
BUSINESS_CODES: Final[dict[str, str]] = {
    "MCA00000": "정상처리 되었습니다.",
    "KIOK0510": "조회가 완료되었습니다",
    "KIOK0530": "조회되었습니다",
    "KIOK0560": "조회할 내용이 없습니다",
    "APBK0013": "주문 전송 완료 되었습니다.",
    "40600000": "모의투자 매수주문이 완료 되었습니다.",
    "40580000": "모의투자 장종료 입니다.",
    "40240000": "모의투자 잔고내역이 없습니다.",
    "40070000": "모의투자 주문처리가 안되었습니다(매매불가 종목)",
    "40330000": "모의투자 정정/취소할 수량이 없습니다.",
}
#: Codes whose real message is unknown or ambiguous ([UNSURE] in §5.5); the simulator must pick a text.
UNSURE_CODES: Final[dict[str, str]] = {
    "APBK0919": "python-kis: market not opened; others: 주문가능금액 초과",
    "APBK0918": "several rejections (out of hours / insufficient qty / cash), distinguished by msg1",
    "APBK0656": "product not found (python-kis)",
    "APBK1664": "market not opened (overseas)",
    "40910000": "모의투자 주문가능금액을 초과 했습니다",
}
PAPER_INSUFFICIENT_CASH_MSG: Final = "모의투자 주문가능금액을 초과 했습니다"
PAPER_UNSUPPORTED_MSG: Final = (
    "모의투자에서는 해당업무가 제공되지 않습니다."  # [UNSURE] exact code/text (§4.8)
)

# §6.3 WebSocket control codes: code -> (rt_cd, msg1). OPSP0010, 8993-8995, 8999 and the individual
# 9990-9999 texts come from a third-party code enum that agrees with §6.3's summary rows.
WS_CONTROL_CODES: Final[dict[str, tuple[str, str]]] = {
    "OPSP0000": ("0", "SUBSCRIBE SUCCESS"),
    "OPSP0001": ("0", "UNSUBSCRIBE SUCCESS"),
    "OPSP0002": ("1", "ALREADY IN SUBSCRIBE"),
    "OPSP0003": ("1", "UNSUBSCRIBE ERROR(not found!)"),
    "OPSP0007": ("1", "SUBSCRIBE INTERNAL ERROR"),
    "OPSP0008": ("1", "MAX SUBSCRIBE OVER"),
    "OPSP0009": ("1", "SUBSCRIBE ERROR : mci send failed"),
    "OPSP0010": ("1", "SUBSCRIBE WARNNING : invalid appkey"),
    "OPSP0011": ("1", "invalid approval : NOT FOUND"),
    "OPSP8991": ("1", "SUBSCRIBE ERROR : invalid tr_id"),
    "OPSP8992": ("1", "SUBSCRIBE ERROR : invalid tr_key"),
    "OPSP8993": ("1", "JSON PARSING ERROR : invalid tr_key"),
    "OPSP8994": ("1", "JSON PARSING ERROR : personalseckey not found"),
    "OPSP8995": ("1", "JSON PARSING ERROR : appsecret not found"),
    "OPSP8996": ("1", "ALREADY IN USE appkey"),
    "OPSP8997": ("1", "JSON PARSING ERROR : invalid tr_type"),
    "OPSP8998": ("1", "JSON PARSING ERROR : invalid custtype"),
    "OPSP8999": ("1", "JSON PARSING ERROR : resource not available (ALLOC_CALL_PARAM)"),
    "OPSP9990": ("1", "JSON PARSING ERROR : invalid tr_key"),
    "OPSP9991": ("1", "JSON PARSING ERROR : input not found"),
    "OPSP9992": ("1", "JSON PARSING ERROR : body not found"),
    "OPSP9993": ("1", "JSON PARSING ERROR : internal error"),
    "OPSP9994": ("1", "JSON PARSING ERROR : INVALID appkey"),
    "OPSP9995": ("1", "JSON PARSING ERROR : resource not available"),
    "OPSP9996": ("1", "JSON PARSING ERROR : appkey"),
    "OPSP9997": ("1", "JSON PARSING ERROR : custtype not found"),
    "OPSP9998": ("1", "JSON PARSING ERROR : header not found"),
    "OPSP9999": ("1", "JSON PARSING ERROR : invalid json format"),
}

OK_QUOTE: Final = "MCA00000"
OK_INQUIRY: Final = "KIOK0510"
EMPTY_INQUIRY: Final = "KIOK0560"
OK_ORDER_REAL: Final = "APBK0013"
OK_ORDER_PAPER_BUY: Final = "40600000"


def message(msg_cd: str) -> str:
    """The documented message of a code (REST or WS); ``KeyError`` naming the code if unknown."""
    for table in (EGW_CODES, OPSQ_CODES, BUSINESS_CODES):
        if msg_cd in table:
            return table[msg_cd]
    if msg_cd in WS_CONTROL_CODES:
        return WS_CONTROL_CODES[msg_cd][1]
    raise KeyError(f"no documented message for KIS code {msg_cd!r}")


class ErrorClass(StrEnum):
    """What the caller should do with a response carrying a code."""

    OK = "ok"
    EMPTY = "empty"  # success, no rows
    RETRY = "retry"  # transient; for orders ask the broker first whether it exists
    RATE_LIMIT = "rate_limit"  # back off, then retry
    REAUTH = "reauth"  # drop the token / approval key, re-issue once, replay
    AUTH = "auth"  # credentials/account refused: configuration error, not retried
    REJECTED = "rejected"  # business rejection: never retried
    NOT_FOUND = "not_found"
    UNSUPPORTED = "unsupported"  # TR unknown or not offered in this environment
    PROTOCOL = "protocol"  # our request was malformed: a bug


_CLASS_OF: Final[dict[str, ErrorClass]] = {
    **dict.fromkeys(["MCA00000", "KIOK0510", "APBK0013", "40600000", "OPSP0000", "OPSP0001"], ErrorClass.OK),
    # Already registered is non-fatal (the official samples carry on).
    "OPSP0002": ErrorClass.OK,
    "KIOK0560": ErrorClass.EMPTY,
    **dict.fromkeys(["EGW00201", "EGW00215", "EGW00133"], ErrorClass.RATE_LIMIT),
    **dict.fromkeys(
        ["EGW00001", "EGW00002", "EGW00202", "EGW00203", "EGW00300", "EGW00301", "EGW00302"], ErrorClass.RETRY
    ),
    **dict.fromkeys(
        ["OPSQ1002", "OPSP0007", "OPSP0009", "OPSP8996", "OPSP8999", "OPSP9993", "OPSP9995"], ErrorClass.RETRY
    ),
    **dict.fromkeys(["EGW00121", "EGW00122", "EGW00123", "OPSP0011", "OPSP0010"], ErrorClass.REAUTH),
    **dict.fromkeys(
        [
            "EGW00003",
            "EGW00004",
            "EGW00102",
            "EGW00103",
            "EGW00104",
            "EGW00105",
            "EGW00129",
            "EGW00205",
            "EGW00206",
            "EGW00207",
            "EGW00210",
            "EGW00304",
            "EGW02004",
            "OPSQ2000",
            "OPSP9994",
        ],
        ErrorClass.AUTH,
    ),
    **dict.fromkeys(
        [
            "EGW00101",
            "EGW00115",
            "EGW00116",
            "EGW00131",
            "EGW00132",
            "EGW00208",
            "EGW00209",
            "OPSQ0001",
            "OPSQ0003",
            "OPSQ2001",
            "OPSQ2002",
            "OPSP8991",
            "OPSP8992",
            "OPSP8993",
            "OPSP8994",
            "OPSP8995",
            "OPSP8997",
            "OPSP8998",
        ],
        ErrorClass.PROTOCOL,
    ),
    **dict.fromkeys(["OPSQ0002", "EGW00213"], ErrorClass.UNSUPPORTED),
    **dict.fromkeys(["APBK0656", "OPSP0003"], ErrorClass.NOT_FOUND),
    "OPSP0008": ErrorClass.REJECTED,
}


def classify(msg_cd: str, rt_cd: str | None = None) -> ErrorClass:
    """Classify a response code. With ``rt_cd == "0"`` any code is a success (``EMPTY`` for
    KIOK0560), so an undocumented success code (e.g. a paper sell's) is never taken for an error.
    Unknown failure codes are ``REJECTED`` (never retried: an order must not be doubled)."""
    code = msg_cd.strip()
    if rt_cd is not None and rt_cd.strip() == "0":
        return ErrorClass.EMPTY if code == EMPTY_INQUIRY else ErrorClass.OK
    known = _CLASS_OF.get(code)
    if known is not None:
        return known
    if code.startswith(("OPSQ99", "OPSP99")):
        return ErrorClass.PROTOCOL
    return ErrorClass.REJECTED


def http_status(msg_cd: str) -> int:
    """HTTP status the real server uses with a REST envelope carrying ``msg_cd`` (§3.4): EGW -> 500."""
    return 500 if msg_cd.startswith("EGW") else 200


# ---- OAuth-shaped errors (§2.1): HTTP 403, {"error_description":..., "error_code":...} ----

OAUTH_ERROR_STATUS: Final = 403


def oauth_error_body(error_code: str, description: str | None = None) -> dict[str, str]:
    return {
        "error_description": description if description is not None else message(error_code),
        "error_code": error_code,
    }


def parse_oauth_error(body: Any) -> tuple[str, str] | None:
    """``(error_code, error_description)`` when ``body`` is an OAuth-shaped error, else ``None``."""
    if isinstance(body, Mapping) and isinstance(body.get("error_code"), str):
        desc = body.get("error_description")
        return body["error_code"], desc if isinstance(desc, str) else ""
    return None


# ---- rt_cd envelopes (§3.2); key orders as captured ----

MSG1_PAD_WIDTH: Final = 80
"""Padded width of msg1 on account inquiries: the captured KIOK0510 text (11 chars + 59 spaces) is
80 bytes in EUC-KR/CP949, where each Hangul syllable counts 2 — the server pads a fixed byte field."""

CTX_WIDTH: Final = 100


def pad_msg1(text: str, width: int = MSG1_PAD_WIDTH) -> str:
    """Right-pad ``text`` with spaces to ``width`` bytes counted as CP949 (Hangul = 2)."""
    size = sum(2 if ord(ch) > 0x7F else 1 for ch in text)
    return text + " " * max(0, width - size)


def is_success(body: Any) -> bool:
    return isinstance(body, Mapping) and body.get("rt_cd") == "0"


def quote_body(outputs: Mapping[str, Any], msg_cd: str = OK_QUOTE, msg1: str | None = None) -> dict[str, Any]:
    """Quotation success: output blocks first, then rt_cd, msg_cd, msg1."""
    return {**outputs, "rt_cd": "0", "msg_cd": msg_cd, "msg1": msg1 if msg1 is not None else message(msg_cd)}


def inquiry_body(
    outputs: Mapping[str, Any],
    *,
    ctx_fk: str | None = None,
    ctx_nk: str | None = None,
    msg_cd: str = OK_INQUIRY,
    msg1: str | None = None,
) -> dict[str, Any]:
    """Account inquiry success: [ctx_area_fk100, ctx_area_nk100,] outputs, rt_cd, msg_cd, padded msg1."""
    body: dict[str, Any] = {}
    if ctx_fk is not None or ctx_nk is not None:
        body["ctx_area_fk100"] = pad_ctx(ctx_fk or "")
        body["ctx_area_nk100"] = pad_ctx(ctx_nk or "")
    body.update(outputs)
    body.update(rt_cd="0", msg_cd=msg_cd, msg1=pad_msg1(msg1 if msg1 is not None else message(msg_cd)))
    return body


def order_body(
    output: Mapping[str, str], msg_cd: str = OK_ORDER_REAL, msg1: str | None = None
) -> dict[str, Any]:
    """Order success: rt_cd, msg_cd, msg1 first, then the UPPERCASE-keyed output object."""
    return {
        "rt_cd": "0",
        "msg_cd": msg_cd,
        "msg1": msg1 if msg1 is not None else message(msg_cd),
        "output": dict(output),
    }


def error_body(msg_cd: str, msg1: str | None = None, rt_cd: str | None = None) -> dict[str, str]:
    """A failure envelope: EGW errors as ``rt_cd, msg1, msg_cd``; business ones ``rt_cd, msg_cd, msg1``."""
    text = msg1 if msg1 is not None else message(msg_cd)
    rc = rt_cd if rt_cd is not None else RT_CD_OVERRIDE.get(msg_cd, "1")
    if msg_cd.startswith("EGW"):
        return {"rt_cd": rc, "msg1": text, "msg_cd": msg_cd}
    return {"rt_cd": rc, "msg_cd": msg_cd, "msg1": text}


# ---- continuation keys (§3.3) ----


def pad_ctx(value: str, width: int = CTX_WIDTH) -> str:
    """Space-pad a continuation key to ``width`` characters (longer values are left unchanged)."""
    return value.ljust(width)


def ctx_key(*parts: str) -> str:
    """A ``ctx_area_fk100``-style key: parts joined and terminated by ``^``, padded to 100."""
    return pad_ctx("".join(f"{p}^" for p in parts))


def ctx_is_blank(value: object) -> bool:
    """Whether a continuation key is absent or blank (any JSON value is accepted: a malformed
    answer's number or object is not blank)."""
    return value is None or not str(value).strip()
