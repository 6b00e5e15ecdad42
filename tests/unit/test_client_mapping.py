# ruff: noqa: E501
"""Reference examples copied verbatim from shared/kis-protocol.md §4-§5 (with their "…" elisions).

``load(name)`` removes the elisions (", … ,") so the text parses as JSON; nothing else is changed.
"""

from __future__ import annotations

import json
import re
from typing import Any

INQUIRE_PRICE = r"""{"output":{"iscd_stat_cls_code":"55","marg_rate":"20.00","rprs_mrkt_kor_name":"KOSPI200","new_hgpr_lwpr_cls_code":"",
 "bstp_kor_isnm":"전기.전자","temp_stop_yn":"N","oprc_rang_cont_yn":"N","clpr_rang_cont_yn":"N","crdt_able_yn":"Y",
 "grmn_rate_cls_code":"40","elw_pblc_yn":"Y","stck_prpr":"71900","prdy_vrss":"-100","prdy_vrss_sign":"5","prdy_ctrt":"-0.14",
 "acml_tr_pbmn":"219853241700","acml_vol":"3052507","prdy_vrss_vol_rate":"20.28","stck_oprc":"72100","stck_hgpr":"72400",
 "stck_lwpr":"71700","stck_mxpr":"93600","stck_llam":"50400","stck_sdpr":"72000","wghn_avrg_stck_prc":"72023.83", … ,
 "aspr_unit":"100","hts_deal_qty_unit_val":"1", … ,"stck_shrn_iscd":"005930", … ,"vi_cls_code":"N","ovtm_vi_cls_code":"N",
 "last_ssts_cntg_qty":"43916","invt_caful_yn":"N","mrkt_warn_cls_code":"00","short_over_yn":"N","sltr_yn":"N","mang_issu_cls_code":"N"},
 "rt_cd":"0","msg_cd":"MCA00000","msg1":"정상처리 되었습니다."}"""

ORDERBOOK = r"""{"output1":{"aspr_acpt_hour":"093354","askp1":"71900","askp2":"72000", … ,"askp10":"72800","bidp1":"71800","bidp2":"71700", … ,
 "bidp10":"70900","askp_rsqn1":"65945", … ,"bidp_rsqn10":"158171","askp_rsqn_icdc1":"0", … ,"bidp_rsqn_icdc10":"0",
 "total_askp_rsqn":"1118750","total_bidp_rsqn":"2199206","total_askp_rsqn_icdc":"0","total_bidp_rsqn_icdc":"0",
 "ovtm_total_askp_icdc":"0","ovtm_total_bidp_icdc":"0","ovtm_total_askp_rsqn":"0","ovtm_total_bidp_rsqn":"0",
 "ntby_aspr_rsqn":"1080456","new_mkop_cls_code":"20"},
 "output2":{"antc_mkop_cls_code":"311","stck_prpr":"71900","stck_oprc":"72100","stck_hgpr":"72400","stck_lwpr":"71700",
 "stck_sdpr":"72000","antc_cnpr":"0","antc_cntg_vrss_sign":"3","antc_cntg_vrss":"0","antc_cntg_prdy_ctrt":"0.00","antc_vol":"0",
 "stck_shrn_iscd":"005930","vi_cls_code":"N"},
 "rt_cd":"0","msg_cd":"MCA00000","msg1":"정상처리 되었습니다."}"""

DAILY_CHART = r"""{"output1":{"prdy_vrss":"-100","prdy_vrss_sign":"5","prdy_ctrt":"-0.14","stck_prdy_clpr":"72000","acml_vol":"3052507",
 "acml_tr_pbmn":"219853241700","hts_kor_isnm":"삼성전자","stck_prpr":"71900","stck_shrn_iscd":"005930","prdy_vol":"15052301",
 "stck_mxpr":"93600","stck_llam":"50400","stck_oprc":"72100","stck_hgpr":"72400","stck_lwpr":"71700","stck_prdy_oprc":"71500",
 "stck_prdy_hgpr":"72300","stck_prdy_lwpr":"71200","askp":"71900","bidp":"71800","prdy_vrss_vol":"-11999794","vol_tnrt":"0.05",
 "stck_fcam":"100","lstn_stcn":"5969782550","cpfn":"7780","hts_avls":"4292273","per":"13.01","eps":"5526.00","pbr":"1.31",
 "itewhol_loan_rmnd_ratem":"0.12"},
 "output2":[{"stck_bsop_date":"20250314","stck_clpr":"71900","stck_oprc":"72100","stck_hgpr":"72400","stck_lwpr":"71700",
  "acml_vol":"3052507","acml_tr_pbmn":"219853241700","flng_cls_code":"00","prtt_rate":"0.00","mod_yn":"N",
  "prdy_vrss_sign":"5","prdy_vrss":"-100","revl_issu_reas":""},
  {"stck_bsop_date":"20250313","stck_clpr":"72000", … }],
 "rt_cd":"0","msg_cd":"MCA00000","msg1":"정상처리 되었습니다."}"""

MINUTE_CHART = r"""{"output1":{"prdy_vrss":"-100","prdy_vrss_sign":"5","prdy_ctrt":"-0.14","stck_prdy_clpr":"72000","acml_vol":"1046883",
 "acml_tr_pbmn":"75310660000","hts_kor_isnm":"삼성전자","stck_prpr":"71900"},
 "output2":[{"stck_bsop_date":"20250314","stck_cntg_hour":"100000","stck_prpr":"71900","stck_oprc":"71800","stck_hgpr":"71900",
  "stck_lwpr":"71800","cntg_vol":"1383","acml_tr_pbmn":"75310660000"},
  {"stck_bsop_date":"20250314","stck_cntg_hour":"095900","stck_prpr":"71800","stck_oprc":"71900","stck_hgpr":"71900",
  "stck_lwpr":"71700","cntg_vol":"1564","acml_tr_pbmn":"75211000300"}],
 "rt_cd":"0","msg_cd":"MCA00000","msg1":"정상처리 되었습니다."}"""

ORDER_REAL = r"""{"rt_cd":"0","msg_cd":"APBK0013","msg1":"주문 전송 완료 되었습니다.","output":{"KRX_FWDG_ORD_ORGNO":"06010","ODNO":"0001569157","ORD_TMD":"155211"}}"""

ORDER_PAPER = r"""{"rt_cd":"0","msg_cd":"40600000","msg1":"모의투자 매수주문이 완료 되었습니다.","output":{"KRX_FWDG_ORD_ORGNO":"00950","ODNO":"0000038614","ORD_TMD":"152556"}}"""

RVSECNCL = r"""{"rt_cd":"0","msg_cd":"APBK0013","msg1":"주문 전송 완료 되었습니다.","output":{"KRX_FWDG_ORD_ORGNO":"06010","ODNO":"0001569139","ORD_TMD":"131438"}}"""

PSBL_RVSECNCL = r"""{"ctx_area_fk100":"81055689^01^                                                                                        ",
 "ctx_area_nk100":"                                                                                                    ",
 "output":[{"ord_gno_brno":"06010","odno":"0001569139","orgn_odno":"0001569136","ord_dvsn_name":"지정가","pdno":"009150",
  "prdt_name":"삼성전기","rvse_cncl_dvsn_name":"매수정정*","ord_qty":"1","ord_unpr":"140000","ord_tmd":"131438",
  "tot_ccld_qty":"0","tot_ccld_amt":"0","psbl_qty":"1","sll_buy_dvsn_cd":"02","ord_dvsn_cd":"00","mgco_aptm_odno":"",
  "excg_dvsn_cd":"02","excg_id_dvsn_cd":"KRX","excg_id_dvsn_name":"KRX","stpm_cndt_pric":"0","stpm_efct_occr_yn":"N"}],
 "rt_cd":"0","msg_cd":"KIOK0510","msg1":"조회가 완료되었습니다                                                           "}"""

BALANCE = r"""{"ctx_area_fk100":"12345678^01^N^N^01^01^N^                                                                            ",
 "ctx_area_nk100":"                                                                                                    ",
 "output1":[{"pdno":"005930","prdt_name":"삼성전자","trad_dvsn_name":"현금","bfdy_buy_qty":"0","bfdy_sll_qty":"0",
  "thdt_buyqty":"10","thdt_sll_qty":"0","hldg_qty":"10","ord_psbl_qty":"10","pchs_avg_pric":"71800.0000","pchs_amt":"718000",
  "prpr":"71900","evlu_amt":"719000","evlu_pfls_amt":"1000","evlu_pfls_rt":"0.14","evlu_erng_rt":"0.00000000","loan_dt":"",
  "loan_amt":"0","stln_slng_chgs":"0","expd_dt":"","fltt_rt":"-0.13888889","bfdy_cprs_icdc":"-100","item_mgna_rt_name":"20%",
  "grta_rt_name":"","sbst_pric":"57520","stck_loan_unpr":"0.0000"}],
 "output2":[{"dnca_tot_amt":"10000000","nxdy_excc_amt":"9281899","prvs_rcdl_excc_amt":"9281899","cma_evlu_amt":"0",
  "bfdy_buy_amt":"0","thdt_buy_amt":"718000","nxdy_auto_rdpt_amt":"0","bfdy_sll_amt":"0","thdt_sll_amt":"0",
  "d2_auto_rdpt_amt":"0","bfdy_tlex_amt":"0","thdt_tlex_amt":"101","tot_loan_amt":"0","scts_evlu_amt":"719000",
  "tot_evlu_amt":"10000899","nass_amt":"10000899","fncg_gld_auto_rdpt_yn":"","pchs_amt_smtl_amt":"718000",
  "evlu_amt_smtl_amt":"719000","evlu_pfls_smtl_amt":"1000","tot_stln_slng_chgs":"0","bfdy_tot_asst_evlu_amt":"10000000",
  "asst_icdc_amt":"899","asst_icdc_erng_rt":"0.00000000"}],
 "rt_cd":"0","msg_cd":"KIOK0510","msg1":"조회가 완료되었습니다                                                           "}"""

PSBL_ORDER = r"""{"output":{"ord_psbl_cash":"9281899","ord_psbl_sbst":"0","ruse_psbl_amt":"0","fund_rpch_chgs":"0","psbl_qty_calc_unpr":"71900",
 "nrcvb_buy_amt":"9280594","nrcvb_buy_qty":"129","max_buy_amt":"9280594","max_buy_qty":"129","cma_evlu_amt":"0",
 "ovrs_re_use_amt_wcrc":"0","ord_psbl_frcr_amt_wcrc":"0"},
 "rt_cd":"0","msg_cd":"KIOK0510","msg1":"조회가 완료되었습니다                                                           "}"""

DAILY_CCLD = r"""{"ctx_area_fk100":"12345678^01^20250314^20250314^ ^00^00^                                                              ",
 "ctx_area_nk100":"                                                                                                    ",
 "output1":[{"ord_dt":"20250314","ord_gno_brno":"00950","odno":"0000038614","orgn_odno":"","ord_dvsn_name":"지정가",
  "sll_buy_dvsn_cd":"02","sll_buy_dvsn_cd_name":"현금매수","pdno":"005930","prdt_name":"삼성전자","ord_qty":"10",
  "ord_unpr":"71800","ord_tmd":"093012","tot_ccld_qty":"10","avg_prvs":"71800","cncl_yn":"","tot_ccld_amt":"718000",
  "loan_dt":"","ordr_empno":"OpnAPI","ord_dvsn_cd":"00","cnc_cfrm_qty":"0","rmn_qty":"0","rjct_qty":"0","ccld_cndt_name":"없음",
  "inqr_ip_addr":"","cpbc_ordp_ord_rcit_dvsn_cd":"","cpbc_ordp_infm_mthd_dvsn_cd":"","infm_tmd":"","ctac_tlno":"",
  "prdt_type_cd":"300","excg_dvsn_cd":"02","cpbc_ordp_mtrl_dvsn_cd":"","ord_orgno":"","rsvn_ord_end_dt":"",
  "excg_id_dvsn_Cd":"KRX","stpm_cndt_pric":"0","stpm_efct_occr_dtmd":""}],
 "output2":{"tot_ord_qty":"10","tot_ccld_qty":"10","tot_ccld_amt":"718000","prsm_tlex_smtl":"101","pchs_avg_pric":"71800.0000"},
 "rt_cd":"0","msg_cd":"KIOK0510","msg1":"조회가 완료되었습니다                                                           "}"""

RATE_LIMIT = r"""{"rt_cd":"1","msg1":"초당 거래건수를 초과하였습니다.","msg_cd":"EGW00201"}"""


def load(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(re.sub(r"\s*,\s*…\s*(?=[,}\]])", "", text))
    return data


# ---- tests ----------------------------------------------------------------------------------
import pytest  # noqa: E402

from kistrade.domain.errors import ParseError  # noqa: E402
from kistrade.domain.types import KST, OrderType, Side, Symbol  # noqa: E402
from kistrade.kis.client import mapping  # noqa: E402

DAY = __import__("datetime").date(2025, 3, 14)
SAMSUNG = Symbol("005930")


def test_quote_from_inquire_price_example() -> None:
    q = mapping.quote_from(SAMSUNG, load(INQUIRE_PRICE)["output"])
    assert (q.price, q.open, q.high, q.low) == (71900, 72100, 72400, 71700)
    assert (q.base, q.upper_limit, q.lower_limit) == (72000, 93600, 50400)
    assert q.volume == 3052507 and q.turnover == 219853241700 and q.tick == 100
    assert q.change == -100 and str(q.change_rate) == "-0.14" and q.found


def test_unknown_code_quote_is_not_found() -> None:
    q = mapping.quote_from(SAMSUNG, {"stck_prpr": "0", "stck_oprc": "0"})
    assert not q.found and q.price == 0


def test_orderbook_from_example() -> None:
    book = mapping.orderbook_from(SAMSUNG, load(ORDERBOOK)["output1"], DAY)
    assert book.ts.tzinfo is KST and (book.ts.hour, book.ts.minute, book.ts.second) == (9, 33, 54)
    assert len(book.asks) == 10 and len(book.bids) == 10
    assert book.best_ask == 71900 and book.best_bid == 71800
    assert book.asks[1].price == 72000 and book.asks[9].price == 72800 and book.bids[9].price == 70900
    assert book.asks[0].qty == 65945 and book.bids[9].qty == 158171


def test_daily_bars_oldest_first() -> None:
    bars = mapping.daily_bars_from(SAMSUNG, load(DAILY_CHART)["output2"])
    assert [b.start.day for b in bars] == [13, 14]
    last = bars[-1]
    assert (last.open, last.high, last.low, last.close, last.volume) == (72100, 72400, 71700, 71900, 3052507)
    assert bars[0].close == 72000


def test_daily_bars_skip_padding_rows() -> None:
    out2 = [*load(DAILY_CHART)["output2"], {}, {"stck_bsop_date": ""}]
    assert len(mapping.daily_bars_from(SAMSUNG, out2)) == 2


def test_minute_bars_oldest_first_with_times() -> None:
    bars = mapping.minute_bars_from(SAMSUNG, load(MINUTE_CHART)["output2"])
    assert [(b.start.hour, b.start.minute) for b in bars] == [(9, 59), (10, 0)]
    assert bars[1].close == 71900 and bars[1].volume == 1383 and bars[0].open == 71900


@pytest.mark.parametrize(
    ("example", "org", "odno", "tmd"),
    [
        (ORDER_REAL, "06010", "0001569157", (15, 52, 11)),
        (ORDER_PAPER, "00950", "0000038614", (15, 25, 56)),
        (RVSECNCL, "06010", "0001569139", (13, 14, 38)),
    ],
)
def test_order_ack(example: str, org: str, odno: str, tmd: tuple[int, int, int]) -> None:
    body = load(example)
    ack = mapping.order_ack_from(body["output"], DAY, code=body["msg_cd"], message=body["msg1"])
    assert ack.broker_order_id == odno and ack.org_no == org
    assert (ack.ts.hour, ack.ts.minute, ack.ts.second) == tmd and ack.ts.date() == DAY


def test_order_ack_lowercase_keys_too() -> None:
    ack = mapping.order_ack_from({"krx_fwdg_ord_orgno": "06010", "odno": "1", "ord_tmd": "090000"}, DAY)
    assert ack.broker_order_id == "1" and ack.org_no == "06010"


def test_open_orders_from_psbl_rvsecncl() -> None:
    [o] = mapping.open_orders_from_psbl(load(PSBL_RVSECNCL)["output"], DAY)
    assert o.broker_order_id == "0001569139" and o.org_no == "06010" and o.original_order_id == "0001569136"
    assert o.symbol == "009150" and o.side is Side.BUY and o.order_type is OrderType.LIMIT
    assert (o.qty, o.price, o.filled_qty, o.remaining_qty) == (1, 140000, 0, 1)


def test_balance_example() -> None:
    body = load(BALANCE)
    holdings = mapping.holdings_from(body["output1"])
    bal = mapping.balance_from(holdings, body["output2"])
    [h] = bal.holdings
    assert h.symbol == "005930" and h.qty == 10 and h.sellable_qty == 10
    assert h.avg_price == __import__("decimal").Decimal("71800.0000") and h.pnl == 1000
    assert (bal.cash_d0, bal.cash_d2, bal.total_value, bal.net_assets) == (
        10000000,
        9281899,
        10000899,
        10000899,
    )
    assert bal.fees_today == 101 and bal.securities_value == 719000


def test_sold_out_positions_are_dropped_from_balance() -> None:
    body = load(BALANCE)
    row = dict(body["output1"][0], hldg_qty="0", ord_psbl_qty="0")
    bal = mapping.balance_from(mapping.holdings_from([row]), body["output2"])
    assert bal.holdings == ()


def test_buyable_example() -> None:
    b = mapping.buyable_from(load(PSBL_ORDER)["output"])
    assert (b.cash, b.amount, b.qty, b.max_qty, b.price_used) == (9281899, 9280594, 129, 129, 71900)


@pytest.mark.parametrize("cancel_key", ["cnc_cfrm_qty", "cncl_cfrm_qty"])
def test_daily_ccld_example_reads_both_cancel_spellings(cancel_key: str) -> None:
    row = dict(load(DAILY_CCLD)["output1"][0])
    row.pop("cnc_cfrm_qty")
    row[cancel_key] = "3"
    [o] = mapping.daily_orders_from([row])
    assert o.cancel_confirmed_qty == 3
    assert o.broker_order_id == "0000038614" and o.org_no == "00950" and o.side is Side.BUY
    assert (o.qty, o.price, o.filled_qty, o.remaining_qty) == (10, 71800, 10, 0)
    assert str(o.avg_fill_price) == "71800" and o.filled_amount == 718000 and not o.cancelled
    assert o.ts is not None and o.ts.hour == 9 and o.ts.minute == 30


def test_paper_open_orders_from_daily_rows() -> None:
    row = dict(load(DAILY_CCLD)["output1"][0], tot_ccld_qty="4", rmn_qty="6")
    done = dict(row, odno="0000038615", rmn_qty="0")
    cancelled = dict(row, odno="0000038616", cncl_yn="Y")
    opens = mapping.open_orders_from_daily(mapping.daily_orders_from([row, done, cancelled]))
    assert [(o.broker_order_id, o.remaining_qty, o.filled_qty) for o in opens] == [("0000038614", 6, 4)]


def test_holidays() -> None:
    rows = [
        {
            "bass_dt": "20250314",
            "wday_dvsn_cd": "06",
            "bzdy_yn": "Y",
            "tr_day_yn": "Y",
            "opnd_yn": "Y",
            "sttl_day_yn": "Y",
        },
        {"bass_dt": "20250315", "bzdy_yn": "N", "tr_day_yn": "N", "opnd_yn": "N", "sttl_day_yn": "N"},
    ]
    days = mapping.holidays_from(rows)
    assert [d.open_day for d in days] == [True, False] and days[1].day.day == 15


def test_bad_fields_name_the_field() -> None:
    with pytest.raises(ParseError, match="stck_prpr"):
        mapping.quote_from(SAMSUNG, {"stck_oprc": "1"})
    with pytest.raises(ParseError, match="sll_buy_dvsn_cd"):
        mapping.daily_orders_from([dict(load(DAILY_CCLD)["output1"][0], sll_buy_dvsn_cd="9")])
    with pytest.raises(ParseError, match="acml_vol"):
        mapping.quote_from(SAMSUNG, {"stck_prpr": "1", "acml_vol": "x"})
