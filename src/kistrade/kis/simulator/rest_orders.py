"""Order TRs (shared/kis-protocol.md §4.6-§4.7): order-cash buy/sell, order-rvsecncl.

Supported order types: ORD_DVSN ``00`` (limit) and ``01`` (market); any other code is answered
with a business rejection naming it. Exchange ``KRX`` only on paper (NXT/SOR rejected there; on
the real server NXT/SOR are routed to the same simulated KRX book).

Rejection codes (§5.5): documented where KIS's code is known (APBK0919 market not open, APBK0656
product not found, APBK0918 with a distinguishing msg1, 40580000 paper market closed, 40240000
paper no holdings, 40330000 paper nothing to revise/cancel, 40910000 paper cash [UNSURE]). Paper
codes marked INVENTED below are the simulator's own choice in the documented 40xx0000 family.
"""

from __future__ import annotations

from typing import NamedTuple

from loguru import logger

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import OrderType, Side, Symbol, parse_symbol
from kistrade.kis.protocol.codes import OK_ORDER_PAPER_BUY, OK_ORDER_REAL, error_body, order_body
from kistrade.kis.simulator.context import InputError, TrHandler, TrReply, TrRequest
from kistrade.kis.simulator.market_types import OrderResult, RejectReason


class Rejection(NamedTuple):
    real_code: str
    real_msg: str
    paper_code: str
    paper_msg: str


REJECTIONS: dict[str, Rejection] = {
    RejectReason.MARKET_CLOSED: Rejection(
        "APBK0919", "장운영시간이 아닙니다.", "40580000", "모의투자 장종료 입니다."
    ),
    RejectReason.INSUFFICIENT_CASH: Rejection(
        "APBK0952", "주문가능금액을 초과 했습니다", "40910000", "모의투자 주문가능금액을 초과 했습니다"
    ),
    RejectReason.INSUFFICIENT_SHARES: Rejection(
        "APBK0918", "주문가능수량을 초과 했습니다.", "40240000", "모의투자 잔고내역이 없습니다."
    ),
    RejectReason.OFF_TICK: Rejection(  # paper code INVENTED
        "APBK0918", "주문단가가 호가단위에 맞지 않습니다.", "40120000", "모의투자 호가단위 오류입니다."
    ),
    RejectReason.OUTSIDE_LIMITS: Rejection(  # paper code INVENTED
        "APBK0918",
        "주문단가가 상/하한가를 벗어났습니다.",
        "40130000",
        "모의투자 상/하한가 범위를 벗어났습니다.",
    ),
    RejectReason.INVALID_QTY: Rejection(  # paper code INVENTED
        "APBK0918", "주문수량을 확인하세요.", "40110000", "모의투자 주문수량을 확인하세요."
    ),
    RejectReason.UNKNOWN_SYMBOL: Rejection(
        "APBK0656", "해당 종목정보가 없습니다.", "40070000", "모의투자 주문처리가 안되었습니다(매매불가 종목)"
    ),
    RejectReason.UNKNOWN_ORDER: Rejection(
        "APBK0918", "원주문번호가 존재하지 않습니다.", "40330000", "모의투자 정정/취소할 수량이 없습니다."
    ),
    RejectReason.ORDER_DONE: Rejection(
        "APBK0918", "정정/취소할 수량이 없습니다.", "40330000", "모의투자 정정/취소할 수량이 없습니다."
    ),
    RejectReason.QTY_ABOVE_REMAINING: Rejection(
        "APBK0918", "정정/취소 가능수량을 초과 했습니다.", "40330000", "모의투자 정정/취소할 수량이 없습니다."
    ),
    RejectReason.DUPLICATE_ORDER_ID: Rejection(
        "APBK0918", "주문처리가 되지 않았습니다.", "40100000", "모의투자 주문처리가 안되었습니다."
    ),
}
UNSUPPORTED_DVSN = Rejection(  # paper code INVENTED
    "APBK0918", "지원하지 않는 주문구분입니다.", "40100000", "모의투자 미지원 주문구분입니다."
)
UNSUPPORTED_EXCHANGE = Rejection(  # paper code INVENTED
    "APBK0918", "지원하지 않는 거래소입니다.", "40100000", "모의투자는 KRX만 가능합니다."
)
ORDER_TYPES: dict[str, OrderType] = {"00": OrderType.LIMIT, "01": OrderType.MARKET}
PAPER_SUCCESS_MSG: dict[str, str] = {
    "buy": "모의투자 매수주문이 완료 되었습니다.",
    "sell": "모의투자 매도주문이 완료 되었습니다.",
    "revise": "모의투자 정정주문이 완료 되었습니다.",
    "cancel": "모의투자 취소주문이 완료 되었습니다.",
}


def reject(req: TrRequest, rejection: Rejection, detail: str = "") -> TrReply:
    """A business rejection: HTTP 200, rt_cd "1", the env's code and message."""
    if detail:  # KIS sends the Korean text only; the English detail goes to the simulator's log
        logger.debug("simulator {} rejected an order: {}", req.services.config.env, detail)
    if req.is_paper:
        return TrReply(error_body(rejection.paper_code, rejection.paper_msg))
    return TrReply(error_body(rejection.real_code, rejection.real_msg))


def _result_reply(req: TrRequest, result: OrderResult, action: str) -> TrReply:
    if not result.accepted:
        reason = result.reason or RejectReason.DUPLICATE_ORDER_ID
        return reject(
            req, REJECTIONS.get(reason, REJECTIONS[RejectReason.DUPLICATE_ORDER_ID]), result.message
        )
    output = {"KRX_FWDG_ORD_ORGNO": result.org_no, "ODNO": result.odno, "ORD_TMD": result.ord_time}
    req.services.activity.orders += 1
    if req.is_paper:
        return TrReply(order_body(output, OK_ORDER_PAPER_BUY, PAPER_SUCCESS_MSG[action]))
    return TrReply(order_body(output, OK_ORDER_REAL))


def _order_type(req: TrRequest) -> OrderType | None:
    return ORDER_TYPES.get(req.require("ORD_DVSN"))


def _exchange_ok(req: TrRequest) -> bool:
    exch = req.get("EXCG_ID_DVSN_CD", "KRX").upper()
    return exch == "KRX" or (not req.is_paper and exch in ("NXT", "SOR"))


def _symbol(req: TrRequest) -> Symbol | None:
    try:
        symbol = parse_symbol(req.require("PDNO"))
    except InvalidInputError:
        return None
    if not req.hub.has_symbol(symbol):
        req.hub.ensure_symbol(symbol)
    return symbol


def _order_cash(req: TrRequest, side: Side) -> TrReply:
    cred = req.account()
    symbol = _symbol(req)
    if symbol is None:
        return reject(req, REJECTIONS[RejectReason.UNKNOWN_SYMBOL])
    order_type = _order_type(req)
    if order_type is None:
        return reject(req, UNSUPPORTED_DVSN, f"ORD_DVSN {req.get('ORD_DVSN')!r}")
    if not _exchange_ok(req):
        return reject(req, UNSUPPORTED_EXCHANGE, f"EXCG_ID_DVSN_CD {req.get('EXCG_ID_DVSN_CD')!r}")
    qty = req.int_param("ORD_QTY")
    price = req.int_param("ORD_UNPR", 0)
    if order_type is OrderType.MARKET:
        price = 0
    result = req.hub.submit_order(cred.account_no, symbol, side, order_type, qty, price)
    return _result_reply(req, result, side.value)


def order_cash_buy(req: TrRequest) -> TrReply:
    return _order_cash(req, Side.BUY)


def order_cash_sell(req: TrRequest) -> TrReply:
    return _order_cash(req, Side.SELL)


def order_rvsecncl(req: TrRequest) -> TrReply:
    cred = req.account()
    odno = req.require("ORGN_ODNO").zfill(10)
    kind = req.require("RVSE_CNCL_DVSN_CD")
    if kind not in ("01", "02"):
        raise InputError(
            error_body("OPSQ2002", f"ERROR : INPUT INVALID_CHECK_FIELD [RVSE_CNCL_DVSN_CD={kind}]")
        )
    if not _exchange_ok(req):
        return reject(req, UNSUPPORTED_EXCHANGE)
    ledger = req.hub.ledger(cred.account_no)
    record = ledger.order(odno)
    org = req.get("KRX_FWDG_ORD_ORGNO")
    if record is None or (org and org.zfill(5) != record.org_no):
        return reject(req, REJECTIONS[RejectReason.UNKNOWN_ORDER], f"order {odno}")
    all_qty = req.get("QTY_ALL_ORD_YN", "N").upper() == "Y"
    qty: int | None = None if all_qty else req.int_param("ORD_QTY")
    if qty is not None and qty <= 0:
        return reject(req, REJECTIONS[RejectReason.INVALID_QTY])
    if kind == "02":
        result = req.hub.cancel_order(cred.account_no, odno, qty)
        return _result_reply(req, result, "cancel")
    order_type = _order_type(req)
    if order_type is None:
        return reject(req, UNSUPPORTED_DVSN, f"ORD_DVSN {req.get('ORD_DVSN')!r}")
    price = 0 if order_type is OrderType.MARKET else req.int_param("ORD_UNPR", 0)
    result = req.hub.revise_order(cred.account_no, odno, qty, price, order_type)
    return _result_reply(req, result, "revise")


HANDLERS: dict[str, TrHandler] = {
    "order_cash_buy": order_cash_buy,
    "order_cash_sell": order_cash_sell,
    "order_rvsecncl": order_rvsecncl,
}

__all__ = ["HANDLERS", "REJECTIONS", "Rejection", "reject"]
