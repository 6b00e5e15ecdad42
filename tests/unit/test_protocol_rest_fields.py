# ruff: noqa: E501  (the example bodies are copied verbatim from shared/kis-protocol.md)
"""REST output field lists against the complete example bodies of shared/kis-protocol.md §4."""

from __future__ import annotations

import json

from kistrade.kis.protocol import ENDPOINTS
from kistrade.kis.protocol.rest_fields import (
    ALIASES,
    BALANCE_OUTPUT1,
    BALANCE_OUTPUT2,
    DAILY_CCLD_OUTPUT1,
    DAILY_CCLD_OUTPUT2,
    INQUIRE_PRICE,
    MINUTE_CHART_OUTPUT2,
    OUTPUT_FIELDS,
    PSBL_ORDER_OUTPUT,
    SEARCH_INFO_OUTPUT,
    read_field,
)

# §4.9 example, verbatim
BALANCE = """{"ctx_area_fk100":"12345678^01^N^N^01^01^N^                                                                            ",
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

# §4.11 example, verbatim
DAILY_CCLD = """{"ctx_area_fk100":"12345678^01^20250314^20250314^ ^00^00^                                                              ",
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

# §4.10 example output, verbatim
PSBL_ORDER = """{"ord_psbl_cash":"9281899","ord_psbl_sbst":"0","ruse_psbl_amt":"0","fund_rpch_chgs":"0","psbl_qty_calc_unpr":"71900",
 "nrcvb_buy_amt":"9280594","nrcvb_buy_qty":"129","max_buy_amt":"9280594","max_buy_qty":"129","cma_evlu_amt":"0",
 "ovrs_re_use_amt_wcrc":"0","ord_psbl_frcr_amt_wcrc":"0"}"""

# search-info (CTPF1604R) example output of PORTAL25:국내주식/상품기본조회.md, verbatim
SEARCH_INFO = """{"pdno":"AAPL","prdt_type_cd":"512","prdt_name":"애플","prdt_name120":"애플","prdt_abrv_name":"애플",
 "prdt_eng_name":"APPLE INC","prdt_eng_name120":"APPLE INC","prdt_eng_abrv_name":"APPLE INC","std_pdno":"US0378331005",
 "shtn_pdno":"AAPL","prdt_sale_stat_cd":"","prdt_risk_grad_cd":"","prdt_clsf_cd":"101210","prdt_clsf_name":"해외주식",
 "sale_strt_dt":"","sale_end_dt":"","wrap_asst_type_cd":"06","ivst_prdt_type_cd":"1012","ivst_prdt_type_cd_name":"해외주식",
 "frst_erlm_dt":""}"""


def test_lists_equal_the_complete_examples_in_order() -> None:
    bal = json.loads(BALANCE)
    assert tuple(bal["output1"][0]) == BALANCE_OUTPUT1 and tuple(bal["output2"][0]) == BALANCE_OUTPUT2
    ccld = json.loads(DAILY_CCLD)
    assert tuple(ccld["output1"][0]) == DAILY_CCLD_OUTPUT1 and tuple(ccld["output2"]) == DAILY_CCLD_OUTPUT2
    assert tuple(json.loads(PSBL_ORDER)) == PSBL_ORDER_OUTPUT
    assert tuple(json.loads(SEARCH_INFO)) == SEARCH_INFO_OUTPUT
    # the names python-kis reads in kis.stock() (pykis/api/stock/info.py)
    pykis_reads = {"shtn_pdno", "std_pdno", "prdt_abrv_name", "prdt_name120", "prdt_eng_abrv_name"}
    assert pykis_reads | {"prdt_eng_name120", "prdt_type_cd"} <= set(SEARCH_INFO_OUTPUT)


def test_documented_oddities_are_kept() -> None:
    assert "thdt_buyqty" in BALANCE_OUTPUT1 and "excg_id_dvsn_Cd" in DAILY_CCLD_OUTPUT1
    assert INQUIRE_PRICE[11] == "stck_prpr" and INQUIRE_PRICE[-1] == "mang_issu_cls_code"
    assert MINUTE_CHART_OUTPUT2[1] == "stck_cntg_hour"


def test_every_block_of_every_endpoint_has_a_field_list() -> None:
    for e in ENDPOINTS:
        for block, _shape in e.outputs:
            names = OUTPUT_FIELDS[(e.name, block)]
            assert len(names) == len(set(names)), (e.name, block)


def test_aliases_read_either_spelling() -> None:
    assert ALIASES["cnc_cfrm_qty"][0] == "cnc_cfrm_qty"
    assert read_field({"cncl_cfrm_qty": "3"}, "cnc_cfrm_qty") == "3"
    assert read_field({"cnc_cfrm_qty": "2", "cncl_cfrm_qty": "3"}, "cnc_cfrm_qty") == "2"
    assert read_field({}, "cnc_cfrm_qty", "0") == "0"
    assert read_field({"hldg_qty": "10"}, "hldg_qty") == "10"
