"""Account TRs (shared/kis-protocol.md §3.3, §4.8-§4.11, §11.5): inquire-balance,
inquire-psbl-order, inquire-daily-ccld (new and old TR ids), inquire-psbl-rvsecncl (real only).

Pagination: page sizes from the endpoint registry (balance 50/20, daily-ccld 100/15,
psbl-rvsecncl 50); ``ctx_area_fk100`` echoes the search conditions joined by ``^``,
``ctx_area_nk100`` holds the offset of the next row (blank on the last page), both space-padded to
100 characters. A request continues from ``CTX_AREA_NK100`` when its ``tr_cont`` header is ``N``.
Response ``tr_cont``: ``F`` first page with more, ``M`` a later page with more, ``D`` a single
page, ``E`` the last of several pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TypeVar

from kistrade.domain.ticks import Rounding, round_to_tick
from kistrade.domain.types import OrderType, Side, Symbol
from kistrade.exchange.ledger import Ledger
from kistrade.exchange.records import Holding, OrderKind, OrderRecord
from kistrade.kis.protocol import rest_fields as rf
from kistrade.kis.protocol.codes import EMPTY_INQUIRY, OK_INQUIRY, ctx_key, error_body, inquiry_body
from kistrade.kis.simulator.context import InputError, TrHandler, TrReply, TrRequest
from kistrade.kis.simulator.fmt import dec, hhmmss, num, ratio, ymd
from kistrade.kis.simulator.rest_common import parse_date, resolve_symbol, shape

T = TypeVar("T")
SIDE_CODE = {Side.SELL: "01", Side.BUY: "02"}
ORDER_TYPE_CODE = {OrderType.LIMIT: "00", OrderType.MARKET: "01"}
ORDER_TYPE_NAME = {OrderType.LIMIT: "지정가", OrderType.MARKET: "시장가"}


def page(req: TrRequest, rows: Sequence[T]) -> tuple[list[T], str, str]:
    """``(rows of this page, response tr_cont, ctx_area_nk100 value)``."""
    size = req.endpoint.rows(req.services.env) or 100
    start = 0
    if req.tr_cont == "N":
        raw = req.get("CTX_AREA_NK100")
        if raw:
            if not raw.isdigit():
                raise InputError(
                    error_body("OPSQ2002", f"ERROR : INPUT INVALID_CHECK_FIELD [CTX_AREA_NK100={raw}]")
                )
            start = int(raw)
    chunk = list(rows[start : start + size])
    more = start + size < len(rows)
    first = start == 0
    if more:
        return chunk, "F" if first else "M", str(start + size)
    return chunk, "D" if first else "E", ""


def _ledger(req: TrRequest) -> tuple[Ledger, str, str]:
    cred = req.account()
    return req.hub.ledger(cred.account_no), cred.cano, cred.product_code


def _name(req: TrRequest, symbol: Symbol) -> str:
    info = req.hub.instruments.get(symbol)
    return info.name if info else symbol


def _price(req: TrRequest, symbol: Symbol) -> tuple[int, int]:
    """(current price, base price)."""
    if not req.hub.has_symbol(symbol):
        req.hub.ensure_symbol(symbol)
    snap = req.hub.snapshot(symbol)
    return snap.last, snap.base


def _balance_row(req: TrRequest, h: Holding) -> dict[str, str]:
    last, base = _price(req, h.symbol)
    evlu = h.qty * last
    pfls = evlu - h.purchase_amount
    values = {
        "pdno": h.symbol,
        "prdt_name": _name(req, h.symbol),
        "trad_dvsn_name": "현금",
        "bfdy_buy_qty": num(h.bought_prev_day),
        "bfdy_sll_qty": num(h.sold_prev_day),
        "thdt_buyqty": num(h.bought_today),
        "thdt_sll_qty": num(h.sold_today),
        "hldg_qty": num(h.qty),
        "ord_psbl_qty": num(h.orderable),
        "pchs_avg_pric": dec(h.avg_price, 4),
        "pchs_amt": num(h.purchase_amount),
        "prpr": num(last),
        "evlu_amt": num(evlu),
        "evlu_pfls_amt": num(pfls),
        "evlu_pfls_rt": ratio(pfls, h.purchase_amount),
        "evlu_erng_rt": "0.00000000",
        "loan_dt": "",
        "loan_amt": "0",
        "stln_slng_chgs": "0",
        "expd_dt": "",
        "fltt_rt": ratio(last - base, base, 8),
        "bfdy_cprs_icdc": num(last - base),
        "item_mgna_rt_name": "20%",
        "grta_rt_name": "",
        "sbst_pric": num(round_to_tick(max(last * 7 // 10, 1), Rounding.DOWN, h.kind)),
        "stck_loan_unpr": "0.0000",
    }
    return shape(rf.BALANCE_OUTPUT1, values)


def inquire_balance(req: TrRequest) -> TrReply:
    ledger, cano, product = _ledger(req)
    holdings = sorted(
        (h for h in ledger.holdings() if h.qty or h.bought_today or h.sold_today), key=lambda h: h.symbol
    )
    rows = [_balance_row(req, h) for h in holdings]
    pchs = sum(h.purchase_amount for h in holdings)
    evlu = sum(int(r["evlu_amt"]) for r in rows)
    prev_value = 0
    for h in holdings:
        _, base = _price(req, h.symbol)
        prev_value += (h.qty - h.bought_today + h.sold_today) * base
    total = evlu + ledger.cash_d2
    start_cash = ledger.cash_d2 + ledger.buy_amount_today + ledger.costs_today - ledger.sell_amount_today
    prev_total = start_cash + prev_value
    summary = {
        "dnca_tot_amt": num(ledger.deposit),
        "nxdy_excc_amt": num(ledger.cash_d1),
        "prvs_rcdl_excc_amt": num(ledger.cash_d2),
        "cma_evlu_amt": "0",
        "bfdy_buy_amt": num(ledger.buy_amount_prev_day),
        "thdt_buy_amt": num(ledger.buy_amount_today),
        "nxdy_auto_rdpt_amt": "0",
        "bfdy_sll_amt": num(ledger.sell_amount_prev_day),
        "thdt_sll_amt": num(ledger.sell_amount_today),
        "d2_auto_rdpt_amt": "0",
        "bfdy_tlex_amt": num(ledger.costs_prev_day),
        "thdt_tlex_amt": num(ledger.costs_today),
        "tot_loan_amt": "0",
        "scts_evlu_amt": num(evlu),
        "tot_evlu_amt": num(total),
        "nass_amt": num(total),
        "fncg_gld_auto_rdpt_yn": "N",
        "pchs_amt_smtl_amt": num(pchs),
        "evlu_amt_smtl_amt": num(evlu),
        "evlu_pfls_smtl_amt": num(evlu - pchs),
        "tot_stln_slng_chgs": "0",
        "bfdy_tot_asst_evlu_amt": num(prev_total),
        "asst_icdc_amt": num(total - prev_total),
        "asst_icdc_erng_rt": "0.00000000",
    }
    chunk, tr_cont, nk = page(req, rows)
    fk = ctx_key(
        cano,
        product,
        req.get("AFHR_FLPR_YN", "N"),
        req.get("OFL_YN", "N"),
        req.get("INQR_DVSN", "01"),
        req.get("UNPR_DVSN", "01"),
        req.get("FUND_STTL_ICLD_YN", "N"),
    )
    outputs = {"output1": chunk, "output2": [shape(rf.BALANCE_OUTPUT2, summary)]}
    return TrReply(inquiry_body(outputs, ctx_fk=fk, ctx_nk=nk, msg_cd=OK_INQUIRY), tr_cont=tr_cont)


def inquire_psbl_order(req: TrRequest) -> TrReply:
    ledger, _, _ = _ledger(req)
    code = req.get("PDNO")
    price = req.int_param("ORD_UNPR", 0)
    qty = 0
    amount = 0
    cash = ledger.orderable_cash
    if code:
        symbol = resolve_symbol(req, "PDNO")
        if symbol is not None:
            snap = req.hub.snapshot(symbol)
            market = req.get("ORD_DVSN", "00") == "01" or price <= 0
            price = snap.upper if market else price
            kind = req.hub.instruments[symbol].kind
            cash, qty = ledger.buyable(price, kind)
            amount = price * qty
    values = {
        "ord_psbl_cash": num(max(cash, 0)),
        "ord_psbl_sbst": "0",
        "ruse_psbl_amt": "0",
        "fund_rpch_chgs": "0",
        "psbl_qty_calc_unpr": num(price),
        "nrcvb_buy_amt": num(amount),
        "nrcvb_buy_qty": num(qty),
        "max_buy_amt": num(amount),
        "max_buy_qty": num(qty),
        "cma_evlu_amt": "0",
        "ovrs_re_use_amt_wcrc": "0",
        "ord_psbl_frcr_amt_wcrc": "0",
    }
    return TrReply(inquiry_body({"output": shape(rf.PSBL_ORDER_OUTPUT, values)}))


def _dvsn_name(o: OrderRecord) -> str:
    side = "매도" if o.side is Side.SELL else "매수"
    if o.kind is OrderKind.REVISE:
        return side + "정정*"
    if o.kind is OrderKind.CANCEL:
        return side + "취소*"
    return "현금" + side


def _ccld_row(req: TrRequest, o: OrderRecord) -> dict[str, str]:
    cancelled = o.qty if o.kind is OrderKind.CANCEL else o.cancelled_qty
    values = {
        "ord_dt": ymd(o.trade_date),
        "ord_gno_brno": o.org_no,
        "odno": o.odno,
        "orgn_odno": o.orgn_odno,
        "ord_dvsn_name": ORDER_TYPE_NAME[o.order_type],
        "sll_buy_dvsn_cd": SIDE_CODE[o.side],
        "sll_buy_dvsn_cd_name": _dvsn_name(o),
        "pdno": o.symbol,
        "prdt_name": _name(req, o.symbol),
        "ord_qty": num(o.qty),
        "ord_unpr": num(o.price),
        "ord_tmd": hhmmss(o.ts),
        "tot_ccld_qty": num(o.filled_qty),
        "avg_prvs": num(o.filled_value // o.filled_qty if o.filled_qty else 0),
        "cncl_yn": "Y" if o.kind is OrderKind.CANCEL else "",
        "tot_ccld_amt": num(o.filled_value),
        "loan_dt": "",
        "ordr_empno": "OpnAPI",
        "ord_dvsn_cd": ORDER_TYPE_CODE[o.order_type],
        "cnc_cfrm_qty": num(cancelled),
        "rmn_qty": num(o.remaining),
        "rjct_qty": "0",
        "ccld_cndt_name": "없음",
        "inqr_ip_addr": "",
        "cpbc_ordp_ord_rcit_dvsn_cd": "",
        "cpbc_ordp_infm_mthd_dvsn_cd": "",
        "infm_tmd": "",
        "ctac_tlno": "",
        "prdt_type_cd": "300",
        "excg_dvsn_cd": "02",
        "cpbc_ordp_mtrl_dvsn_cd": "",
        "ord_orgno": "",
        "rsvn_ord_end_dt": "",
        "excg_id_dvsn_Cd": "KRX",
        "stpm_cndt_pric": "0",
        "stpm_efct_occr_dtmd": "",
    }
    return shape(rf.DAILY_CCLD_OUTPUT1, values)


def inquire_daily_ccld(req: TrRequest) -> TrReply:
    ledger, cano, product = _ledger(req)
    today = req.hub.trading_date()
    start = parse_date(req, "INQR_STRT_DT", today)
    end = parse_date(req, "INQR_END_DT", today)
    side = req.get("SLL_BUY_DVSN_CD", "00")
    code = req.get("PDNO")
    odno = req.get("ODNO")
    ccld = req.get("CCLD_DVSN", "00")
    orders = [
        o
        for o in ledger.orders()
        if start <= o.trade_date <= end
        and (side == "00" or SIDE_CODE[o.side] == side)
        and (not code or o.symbol == code)
        and (not odno or o.odno == odno.zfill(10))
        and (ccld != "01" or o.filled_qty > 0)
        and (ccld != "02" or o.remaining > 0)
    ]
    orders.sort(key=lambda o: o.odno, reverse=req.get("INQR_DVSN", "00") == "00")
    chunk, tr_cont, nk = page(req, orders)
    filled_qty = sum(o.filled_qty for o in orders)
    filled_amt = sum(o.filled_value for o in orders)
    totals = {
        "tot_ord_qty": num(sum(o.qty for o in orders)),
        "tot_ccld_qty": num(filled_qty),
        "tot_ccld_amt": num(filled_amt),
        "prsm_tlex_smtl": num(sum(o.commission + o.tax for o in orders)),
        "pchs_avg_pric": dec(Decimal(filled_amt) / filled_qty if filled_qty else 0, 4),
    }
    fk = ctx_key(cano, product, ymd(start), ymd(end), req.get("PDNO", " "), side, ccld)
    outputs = {"output1": [_ccld_row(req, o) for o in chunk], "output2": shape(rf.DAILY_CCLD_OUTPUT2, totals)}
    msg = OK_INQUIRY if orders else EMPTY_INQUIRY
    return TrReply(inquiry_body(outputs, ctx_fk=fk, ctx_nk=nk, msg_cd=msg), tr_cont=tr_cont)


def _psbl_row(req: TrRequest, o: OrderRecord) -> dict[str, str]:
    values = {
        "ord_gno_brno": o.org_no,
        "odno": o.odno,
        "orgn_odno": o.orgn_odno,
        "ord_dvsn_name": ORDER_TYPE_NAME[o.order_type],
        "pdno": o.symbol,
        "prdt_name": _name(req, o.symbol),
        "rvse_cncl_dvsn_name": _dvsn_name(o).removeprefix("현금"),
        "ord_qty": num(o.qty),
        "ord_unpr": num(o.price),
        "ord_tmd": hhmmss(o.ts),
        "tot_ccld_qty": num(o.filled_qty),
        "tot_ccld_amt": num(o.filled_value),
        "psbl_qty": num(o.revisable_qty),
        "sll_buy_dvsn_cd": SIDE_CODE[o.side],
        "ord_dvsn_cd": ORDER_TYPE_CODE[o.order_type],
        "mgco_aptm_odno": "",
        "excg_dvsn_cd": "02",
        "excg_id_dvsn_cd": "KRX",
        "excg_id_dvsn_name": "KRX",
        "stpm_cndt_pric": "0",
        "stpm_efct_occr_yn": "N",
    }
    return shape(rf.PSBL_RVSECNCL_OUTPUT, values)


def inquire_psbl_rvsecncl(req: TrRequest) -> TrReply:
    ledger, cano, product = _ledger(req)
    side = req.get("INQR_DVSN_2", "0")
    wanted = {"0": None, "1": Side.SELL, "2": Side.BUY}.get(side)
    orders = [o for o in ledger.open_orders() if wanted is None or o.side is wanted]
    if req.get("INQR_DVSN_1", "0") == "1":
        orders.sort(key=lambda o: (o.symbol, o.odno))
    else:
        orders.sort(key=lambda o: o.odno)
    chunk, tr_cont, nk = page(req, orders)
    fk = ctx_key(cano, product)
    outputs = {"output": [_psbl_row(req, o) for o in chunk]}
    msg = OK_INQUIRY if orders else EMPTY_INQUIRY
    return TrReply(inquiry_body(outputs, ctx_fk=fk, ctx_nk=nk, msg_cd=msg), tr_cont=tr_cont)


HANDLERS: dict[str, TrHandler] = {
    "inquire_balance": inquire_balance,
    "inquire_psbl_order": inquire_psbl_order,
    "inquire_daily_ccld": inquire_daily_ccld,
    "inquire_daily_ccld_old": inquire_daily_ccld,
    "inquire_psbl_rvsecncl": inquire_psbl_rvsecncl,
}

__all__ = ["HANDLERS", "page"]
